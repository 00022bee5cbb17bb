#!/usr/bin/env bash
# Builds the riscv64 guest images the tests boot, from Debian 12 packages only:
#   Image              Linux (linux-source-6.1, riscv defconfig), cross-compiled
#   initramfs.cpio.gz  static busybox (Debian's busybox source) + /init + test helpers
#   fw_dynamic.bin     OpenSBI (Debian's opensbi package)
#   u-boot.bin         U-Boot S-mode (Debian's u-boot-qemu package)
# Each part is cached under ~/.cache/vireo/guest/parts/<part>-<hash of its recipe>/
# so that editing one recipe rebuilds only that part; the set is assembled in
# ~/.cache/vireo/guest/<hash of the whole recipe>/, whose path is printed last.
set -euo pipefail
shopt -s inherit_errexit  # a failing step inside $(build_part ...) must stop the build

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
jobs=$(nproc)
root="${VIREO_CACHE:-$HOME/.cache/vireo}/guest"
cross=riscv64-linux-gnu-

"$top/scripts/install-deps.sh" guest >&2

log() { echo "guest: $*" >&2; }
pkgver() { apt-cache policy "$1" | awk '/Installed/ && $2 != "(none)" {print $2; exit} /Candidate/ {c = $2} END {if (c) print c}' | head -1; }
fnhash() { { declare -f "$@"; shift "$#"; } | sha256sum | cut -c1-12; }

fetch_deb() {  # fetch_deb PACKAGE DIR: unpack a .deb without installing it
    local tmp
    tmp=$(mktemp -d); chmod 777 "$tmp"  # apt-get download writes as the _apt user
    (cd "$tmp" && apt-get download -qq "$1" >/dev/null 2>&1)
    dpkg-deb -x "$tmp"/"$1"_*.deb "$2"
    rm -rf "$tmp"
}

part_firmware() {
    fetch_deb opensbi "$1/debs"
    fetch_deb u-boot-qemu "$1/debs"
    cp "$1/debs/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin" "$1/"
    cp "$1/debs/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin" "$1/"
    rm -rf "$1/debs"
}

part_kernel() {
    mkdir -p "$1/src"
    tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$1/src" --strip-components=1
    make -s -C "$1/src" ARCH=riscv CROSS_COMPILE=$cross defconfig
    make -s -C "$1/src" ARCH=riscv CROSS_COMPILE=$cross -j"$jobs" Image
    cp "$1/src/arch/riscv/boot/Image" "$1/"
    rm -rf "$1/src"
}

ensure_deb_src() {
    grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/ && return
    log "adding a deb-src entry for apt-get source"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
        $sudo tee /etc/apt/sources.list.d/vireo-deb-src.sources >/dev/null
    $sudo apt-get update -qq
}

part_busybox() {
    local src
    ensure_deb_src
    mkdir -p "$1/src"; chmod 777 "$1/src"
    (cd "$1/src" && apt-get source -qq busybox >/dev/null 2>&1)
    src=$(find "$1/src" -maxdepth 1 -type d -name 'busybox-*' | head -1)
    make -s -C "$src" defconfig >/dev/null
    # Static; tc needs kernel headers the cross libc does not match.
    sed -i -e 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/' \
           -e 's/^CONFIG_TC=y/# CONFIG_TC is not set/' "$src/.config"
    make -s -C "$src" oldconfig </dev/null >/dev/null
    make -s -C "$src" CROSS_COMPILE=$cross -j"$jobs" busybox busybox.links
    cp "$src/busybox" "$src/busybox.links" "$1/"
    rm -rf "$1/src"
}

build_part() {  # build_part NAME HASH: build part NAME into its cache folder once
    local dir="$root/parts/$1-$2" t0=$SECONDS
    if [ ! -f "$dir/.done" ]; then
        rm -rf "$dir"; mkdir -p "$dir"
        if ! "part_$1" "$dir" > "$dir.log" 2>&1; then   # compiler noise goes to the log
            tail -n 30 "$dir.log" >&2
            log "$1 failed; full log in $dir.log"
            exit 1
        fi
        touch "$dir/.done"
        log "$1 took $((SECONDS - t0)) s"
    fi
    echo "$dir"
}

fw=$(build_part firmware "$( (pkgver opensbi; pkgver u-boot-qemu; fnhash part_firmware fetch_deb) | sha256sum | cut -c1-12)")
kernel=$(build_part kernel "$( (pkgver linux-source-6.1; pkgver gcc-riscv64-linux-gnu; fnhash part_kernel) | sha256sum | cut -c1-12)")
busybox=$(build_part busybox "$( (pkgver busybox; pkgver gcc-riscv64-linux-gnu; fnhash part_busybox) | sha256sum | cut -c1-12)")

set_hash=$( (echo "$fw $kernel $busybox"; cat "$here/init" "$here"/rootfs/*; fnhash build_part) | sha256sum | cut -c1-16)
out="$root/$set_hash"
if [ ! -f "$out/.done" ]; then
    t0=$SECONDS
    rm -rf "$out"; mkdir -p "$out"
    rootfs="$out/rootfs"
    mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,mnt}
    cp "$busybox/busybox" "$rootfs/bin/busybox"
    while read -r applet; do   # busybox.links: one install path per applet
        [ -e "$rootfs$applet" ] || ln -s /bin/busybox "$rootfs$applet"
    done < "$busybox/busybox.links"
    install -m 755 "$here/init" "$rootfs/init"
    install -m 755 "$here"/rootfs/* "$rootfs/bin/"
    (cd "$rootfs" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) > "$out/initramfs.cpio.gz"
    rm -rf "$rootfs"
    ln -s "$kernel/Image" "$out/Image"
    ln -s "$fw/fw_dynamic.bin" "$out/fw_dynamic.bin"
    ln -s "$fw/u-boot.bin" "$out/u-boot.bin"
    touch "$out/.done"
    log "initramfs took $((SECONDS - t0)) s"
fi
echo "$out"
