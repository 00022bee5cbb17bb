#!/usr/bin/env bash
# TCG speed, Vireo vs Debian's qemu-system-riscv64 in one run, same
# firmware, kernel and initramfs: (a) exec to the guest's readiness
# marker, (b) a CPU workload timed inside the guest (gzip, md5sum and sort
# over a generated 32 MiB file).  Prints times side by side and ratios
# (vireo/qemu: below 1 means Vireo is faster), and the host CPU an idle
# guest costs.
# SPDX-License-Identifier: MIT
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
vireo="${VIREO_SYSTEM_RISCV64:-$top/build/vireo-system-riscv64}"
qemu="${QEMU_SYSTEM_RISCV64:-/usr/bin/qemu-system-riscv64}"
guest="${VIREO_GUEST_DIR:-$("$top/tests/guest/build.sh" | tail -n 1)}"
rounds="${ROUNDS:-3}"

/usr/bin/python3 - "$vireo" "$qemu" "$guest" "$rounds" <<'PY'
import os, re, select, statistics, subprocess, sys, time

vireo, qemu, guest, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
WORK = ("dd if=/dev/urandom of=/tmp/r bs=1M count=8 2>/dev/null; "
        "for i in 1 2 3 4; do cat /tmp/r; done > /tmp/f; "
        "s=$(cut -d' ' -f1 /proc/uptime); gzip -c /tmp/f > /tmp/f.gz; "
        "md5sum /tmp/f > /dev/null; sort /tmp/f > /dev/null; "
        "e=$(cut -d' ' -f1 /proc/uptime); echo WORK-TIME $s $e")

def expect(p, buf, pattern, timeout):
    deadline = time.monotonic() + timeout
    rx = re.compile(pattern)
    while True:
        m = rx.search(buf[0])
        if m:
            buf[0] = buf[0][m.end():]
            return m
        left = deadline - time.monotonic()
        if left <= 0:
            raise SystemExit("timeout waiting for %r" % pattern)
        r, _, _ = select.select([p.stdout], [], [], left)
        if r:
            data = os.read(p.stdout.fileno(), 65536)
            if not data:
                raise SystemExit("guest exited")
            buf[0] += data

def run(binary):
    argv = [binary, "-M", "virt", "-m", "512", "-smp", "1", "-display",
            "none", "-nodefaults", "-serial", "stdio",
            "-kernel", os.path.join(guest, "Image"),
            "-initrd", os.path.join(guest, "initramfs.cpio.gz"),
            "-append", "console=ttyS0"]
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    buf = [b""]
    expect(p, buf, rb"VIREO-GUEST-READY", 300)
    boot = time.perf_counter() - t0
    time.sleep(1)
    # Idle cost: host CPU seconds used over 5 s of an idle guest.
    stat = lambda: sum(int(x) for x in open("/proc/%d/stat" % p.pid).read()
                       .rsplit(")", 1)[1].split()[11:13])
    c0 = stat()
    time.sleep(5)
    idle = (stat() - c0) / os.sysconf("SC_CLK_TCK") / 5 * 100
    p.stdin.write(WORK.encode() + b"\n")
    p.stdin.flush()
    m = expect(p, buf, rb"WORK-TIME ([\d.]+) ([\d.]+)", 900)
    work = float(m.group(2)) - float(m.group(1))
    p.kill()
    p.wait()
    return boot, work, idle

res = {"vireo": [], "qemu": []}
for _ in range(rounds):
    res["vireo"].append(run(vireo))
    res["qemu"].append(run(qemu))
med = lambda k, i: statistics.median(r[i] for r in res[k])
print("boot to ready   vireo %6.2f s   qemu %6.2f s   vireo/qemu %.2fx"
      % (med("vireo", 0), med("qemu", 0), med("vireo", 0) / med("qemu", 0)))
print("guest workload  vireo %6.2f s   qemu %6.2f s   vireo/qemu %.2fx"
      % (med("vireo", 1), med("qemu", 1), med("vireo", 1) / med("qemu", 1)))
print("idle host CPU   vireo %5.1f %%    qemu %5.1f %%"
      % (med("vireo", 2), med("qemu", 2)))
PY
