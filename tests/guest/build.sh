#!/usr/bin/env bash
# Builds the riscv64 guest images the tests boot, from Debian 12 packages only:
#   Image            Linux (linux-source-6.1, riscv defconfig), cross-compiled
#   initramfs.cpio.gz  static busybox (Debian's busybox source) + /init + test helpers
#   fw_dynamic.bin   OpenSBI (Debian's opensbi package)
#   u-boot.bin       U-Boot S-mode (Debian's u-boot-qemu package)
# into ~/.cache/vireo/guest/<hash of the recipe>/, built once and reused.
# Prints that directory on the last line of stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
jobs=$(nproc)

"$top/scripts/install-deps.sh" guest >&2

pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || apt-cache policy "$1" | awk '/Candidate/ {print $2}'; }
recipe=$( { cat "$here/build.sh" "$here/init" "$here"/rootfs/*;
            pkgver linux-source-6.1; pkgver gcc-riscv64-linux-gnu;
            apt-cache policy busybox opensbi u-boot-qemu | awk '/Candidate/ {print $2}'; } | sha256sum | cut -c1-16)
cache="${VIREO_CACHE:-$HOME/.cache/vireo}/guest/$recipe"
mkdir -p "$cache"
work="$cache/work"
log() { echo "guest: $*" >&2; }
timed() {  # timed NAME COMMAND...: run a step and say how long it took
    local name=$1 t0=$SECONDS; shift
    "$@"
    log "$name took $((SECONDS - t0)) s"
}
export CROSS_COMPILE=riscv64-linux-gnu- ARCH=riscv

fetch_deb() {  # fetch_deb PACKAGE DIR: unpack an architecture-independent .deb without installing it
    local pkg=$1 dir=$2 tmp
    tmp=$(mktemp -d); chmod 777 "$tmp"  # apt-get download writes as the _apt user
    (cd "$tmp" && apt-get download -qq "$pkg" >/dev/null)
    dpkg-deb -x "$tmp"/"$pkg"_*.deb "$dir"
    rm -rf "$tmp"
}

build_firmware() {
    local dir="$work/debs"
    rm -rf "$dir"; mkdir -p "$dir"
    fetch_deb opensbi "$dir"
    fetch_deb u-boot-qemu "$dir"
    cp "$dir/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin" "$cache/fw_dynamic.bin"
    cp "$dir/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin" "$cache/u-boot.bin"
}

build_kernel() {
    local src="$work/linux"
    rm -rf "$src"; mkdir -p "$src"
    tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$src" --strip-components=1
    make -s -C "$src" defconfig
    make -s -C "$src" -j"$jobs" Image
    cp "$src/arch/riscv/boot/Image" "$cache/Image.tmp" && mv "$cache/Image.tmp" "$cache/Image"
    rm -rf "$src"
}

ensure_deb_src() {
    if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        log "adding a deb-src entry for apt-get source"
        local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
        sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
            $sudo tee /etc/apt/sources.list.d/vireo-deb-src.sources >/dev/null
        $sudo apt-get update -qq
    fi
}

build_busybox() {
    local dir="$work/busybox-src" src
    rm -rf "$dir"; mkdir -p "$dir"
    ensure_deb_src
    (cd "$dir" && apt-get source -qq busybox >/dev/null 2>&1)
    src=$(find "$dir" -maxdepth 1 -type d -name 'busybox-*' | head -1)
    make -s -C "$src" defconfig >/dev/null
    # Static, and without applets that need host kernel headers newer or older
    # than the cross toolchain's (tc) or that Debian's patches expect glibc NSS for.
    sed -i -e 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/' \
           -e 's/^CONFIG_TC=y/# CONFIG_TC is not set/' \
           -e 's/^CONFIG_FEATURE_TC_INGRESS=y/# CONFIG_FEATURE_TC_INGRESS is not set/' \
           "$src/.config"
    make -s -C "$src" oldconfig </dev/null >/dev/null
    make -s -C "$src" -j"$jobs" busybox busybox.links
    cp "$src/busybox.links" "$work/busybox.links"
    cp "$src/busybox" "$work/busybox"
    rm -rf "$dir"
}

build_initramfs() {
    local root="$work/rootfs" applet
    rm -rf "$root"; mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,mnt}
    cp "$work/busybox" "$root/bin/busybox"
    # busybox.links lists every applet with its install path (/bin/ls, /sbin/...).
    while read -r applet; do
        [ -e "$root$applet" ] || ln -s /bin/busybox "$root$applet"
    done < "$work/busybox.links"
    cp "$here/init" "$root/init"; chmod +x "$root/init"
    cp "$here"/rootfs/* "$root/bin/"; chmod +x "$root"/bin/vireo-*
    (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) > "$cache/initramfs.cpio.gz"
}

[ -f "$cache/fw_dynamic.bin" ] && [ -f "$cache/u-boot.bin" ] || timed firmware build_firmware
[ -f "$cache/Image" ] || timed kernel build_kernel
[ -f "$work/busybox" ] || timed busybox build_busybox
[ -f "$cache/initramfs.cpio.gz" ] || timed initramfs build_initramfs
echo "$cache"
