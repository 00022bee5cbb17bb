#!/usr/bin/env bash
# Installs, with apt-get, only the Debian 12 packages Vireo needs that are missing.
# Usage: scripts/install-deps.sh [build|test|guest|bench|all]   (default: test)
set -euo pipefail

build_pkgs="build-essential pkg-config meson ninja-build python3
  libglib2.0-dev libpixman-1-dev libslirp-dev libfdt-dev zlib1g-dev libsdl2-dev
  libseccomp-dev"
test_pkgs="python3-pytest socat tzdata gcc-riscv64-linux-gnu device-tree-compiler
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-common"
guest_pkgs="gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu libc6-dev-riscv64-cross linux-source-6.1
  bc bison flex libssl-dev libelf-dev cpio xz-utils dpkg-dev"
bench_pkgs="qemu-system-misc qemu-system-x86 qemu-utils"

want=""
case "${1:-test}" in
  build) want="$build_pkgs" ;;
  test)  want="$build_pkgs $test_pkgs" ;;
  guest) want="$build_pkgs $test_pkgs $guest_pkgs" ;;
  bench) want="$build_pkgs $test_pkgs $bench_pkgs" ;;
  all)   want="$build_pkgs $test_pkgs $guest_pkgs $bench_pkgs" ;;
  *) echo "install-deps.sh: unknown set '$1' (build|test|guest|bench|all)" >&2; exit 1 ;;
esac

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
