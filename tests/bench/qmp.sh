#!/usr/bin/env bash
# QMP speed, Vireo vs Debian's QEMU in one run: (a) time from exec to the
# QMP greeting, (b) query-status round trips per second on one connection.
# Prints both figures side by side and the ratios (>1 means Vireo is better).
# SPDX-License-Identifier: MIT
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
vireo="${VIREO_SYSTEM_X86_64:-$top/build/vireo-system-x86_64}"
qemu="${QEMU_SYSTEM_X86_64:-/usr/bin/qemu-system-x86_64}"
rounds="${ROUNDS:-5}"
n="${N:-20000}"

/usr/bin/python3 - "$vireo" "$qemu" "$rounds" "$n" <<'PY'
import os, socket, statistics, subprocess, sys, tempfile, time

def run(binary, n):
    d = tempfile.mkdtemp()
    path = os.path.join(d, "q.sock")
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "-machine", "none", "-nodefaults",
                          "-display", "none", "-qmp",
                          "unix:%s,server=on,wait=off" % path],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    s = socket.socket(socket.AF_UNIX)
    while True:
        try:
            s.connect(path)
            break
        except OSError:
            time.sleep(0.0005)
    f = s.makefile("rb")
    f.readline()                                    # the greeting
    greet = time.perf_counter() - t0
    s.sendall(b'{"execute":"qmp_capabilities"}\n')
    f.readline()
    msg = b'{"execute":"query-status"}\n'
    t1 = time.perf_counter()
    for _ in range(n):
        s.sendall(msg)
        f.readline()
    rate = n / (time.perf_counter() - t1)
    s.sendall(b'{"execute":"quit"}\n')
    p.wait(10)
    return greet, rate

vireo, qemu, rounds, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
res = {"vireo": [], "qemu": []}
for _ in range(rounds):          # interleaved, so machine noise hits both
    res["vireo"].append(run(vireo, n))
    res["qemu"].append(run(qemu, n))
gv = statistics.median(r[0] for r in res["vireo"]) * 1000
gq = statistics.median(r[0] for r in res["qemu"]) * 1000
rv = statistics.median(r[1] for r in res["vireo"])
rq = statistics.median(r[1] for r in res["qemu"])
print("exec -> greeting   vireo %7.1f ms   qemu %7.1f ms   qemu/vireo %.2fx"
      % (gv, gq, gq / gv))
print("query-status rate  vireo %7.0f /s   qemu %7.0f /s   vireo/qemu %.2fx"
      % (rv, rq, rv / rq))
PY
