#!/usr/bin/env bash
# Under Debian's libvirt, Vireo vs Debian's QEMU in one run: (a) a cold
# capability probe (virsh domcapabilities on a fresh copy of the binary, so
# libvirt's cache is empty), (b) time from `virsh create` to the guest's
# readiness marker on the serial console (same kernel and initramfs).
# Prints medians side by side and ratios (>1 means Vireo is faster).
# Needs root; sets libvirt up with tests/libvirt/setup.sh.
# SPDX-License-Identifier: MIT
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
vireo="${VIREO_SYSTEM_RISCV64:-$top/build/vireo-system-riscv64}"
qemu="${QEMU_SYSTEM_RISCV64:-/usr/bin/qemu-system-riscv64}"
rounds="${ROUNDS:-3}"

"$top/tests/libvirt/setup.sh"
guest=$(ls -td "$HOME"/.cache/vireo/guest/*/.done 2>/dev/null | head -1 || true)
guest=${guest%/.done}
[ -n "$guest" ] || { echo "no guest image: run tests/guest/build.sh" >&2; exit 1; }

/usr/bin/python3 - "$vireo" "$qemu" "$rounds" "$guest" <<'PY'
import os, select, shutil, statistics, subprocess, sys, tempfile, time, tty

vireo, qemu, rounds, guest = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    sys.argv[4]
MARKER = b"VIREO-GUEST-READY"


def virsh(*args):
    return subprocess.run(["virsh", "-c", "qemu:///system"] + list(args),
                          check=True, capture_output=True, text=True).stdout


def cold_probe(binary, tmp, i):
    copy = os.path.join(tmp, "probe-%d-%s" % (i, os.path.basename(binary)))
    shutil.copy2(binary, copy)
    t0 = time.perf_counter()
    virsh("domcapabilities", "--emulatorbin", copy, "--arch", "riscv64",
          "--virttype", "qemu", "--machine", "virt")
    return time.perf_counter() - t0


def start_to_ready(binary, tmp, i):
    name = "bench-%d-%d" % (os.getpid(), i)
    xml = os.path.join(tmp, name + ".xml")
    with open(xml, "w") as f:
        f.write("""<domain type='qemu'><name>%s</name>
<memory unit='MiB'>512</memory><vcpu>2</vcpu>
<os><type arch='riscv64' machine='virt'>hvm</type><kernel>%s</kernel>
<initrd>%s</initrd><cmdline>console=ttyS0</cmdline></os>
<devices><emulator>%s</emulator>
<serial type='pty'><target port='0'/></serial>
<console type='pty'><target type='serial' port='0'/></console>
<memballoon model='none'/></devices></domain>""" % (
            name, os.path.join(guest, "Image"),
            os.path.join(guest, "initramfs.cpio.gz"), binary))
    # Started paused, so the console is open before the guest prints; the
    # time counts from `virsh create` (libvirt's whole start sequence).
    t0 = time.perf_counter()
    virsh("create", xml, "--paused")
    fd = os.open(virsh("ttyconsole", name).strip(), os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    buf = b""
    virsh("resume", name)
    deadline = t0 + 120
    while MARKER not in buf and time.perf_counter() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            buf += os.read(fd, 65536)
    elapsed = time.perf_counter() - t0
    os.close(fd)
    virsh("destroy", name)
    if MARKER not in buf:
        raise SystemExit("%s: no readiness marker" % binary)
    return elapsed


tmp = tempfile.mkdtemp()
res = {}
for label, binary in (("vireo", vireo), ("qemu", qemu)):
    res[label] = (
        statistics.median(cold_probe(binary, tmp, i) for i in range(rounds)),
        statistics.median(start_to_ready(binary, tmp, i)
                          for i in range(rounds)))
shutil.rmtree(tmp)
print("%-34s %10s %10s %8s" % ("libvirt", "vireo", "qemu", "ratio"))
print("%-34s %9.2fs %9.2fs %7.2fx" % (
    "cold domcapabilities probe", res["vireo"][0], res["qemu"][0],
    res["qemu"][0] / res["vireo"][0]))
print("%-34s %9.2fs %9.2fs %7.2fx" % (
    "virsh create to readiness marker", res["vireo"][1], res["qemu"][1],
    res["qemu"][1] / res["vireo"][1]))
PY
