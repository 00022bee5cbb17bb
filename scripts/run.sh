#!/usr/bin/env bash
# `make run`: installs what is missing, builds Vireo and the riscv64 guest
# images (cached), and boots Linux on the terminal with the serial console
# and the HMP monitor multiplexed on stdio (C-a c switches, C-a x quits).
# A QMP socket is announced before the guest starts.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="${BUILD:-$top/build}"

"$top/scripts/install-deps.sh" guest
[ -f "$build/build.ninja" ] || (cd "$top" && ./configure)
ninja -C "$build" >/dev/null
guest=$("$top/tests/guest/build.sh" | tail -n 1)

sock="${XDG_RUNTIME_DIR:-/tmp}/vireo-${USER:-$(id -un)}-qmp.sock"
cat <<MSG
Vireo: booting riscv64 Linux (OpenSBI + kernel + busybox initramfs).
QMP socket: $sock
  try: echo '{"execute":"qmp_capabilities"}{"execute":"query-status"}' | socat - UNIX-CONNECT:$sock
Console: C-a c toggles serial/monitor, C-a x quits.
MSG
exec "$build/vireo-system-riscv64" -M virt -m 512 -smp 2 -nographic \
    -kernel "$guest/Image" -initrd "$guest/initramfs.cpio.gz" \
    -append "console=ttyS0" \
    -qmp "unix:$sock,server=on,wait=off"
