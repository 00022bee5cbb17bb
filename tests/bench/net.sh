#!/bin/sh
# Network benchmark: TCP throughput through 'user' networking (libslirp)
# between a riscv64 guest and the host, guest->host and host->guest, for
# Vireo and Debian's qemu-system-riscv64 with the same kernel, initramfs
# and -netdev/-device.  Prints MiB/s of each and the ratio vireo/qemu
# (above 1.0: Vireo is faster).
# Usage: tests/bench/net.sh [BUILDDIR] [MiB]   (default: build, 64)
# SPDX-License-Identifier: MIT
set -eu

BUILD=${1:-build}
MIB=${2:-64}
VIREO=$BUILD/vireo-system-riscv64
QEMU=${QEMU_SYSTEM_RISCV64:-/usr/bin/qemu-system-riscv64}
for t in "$VIREO" "$QEMU"; do
    [ -x "$t" ] || { echo "missing $t" >&2; exit 1; }
done
HERE=$(cd "$(dirname "$0")" && pwd)

VIREO="$VIREO" QEMU="$QEMU" MIB="$MIB" \
PYTHONPATH="$HERE/../functional" /usr/bin/python3 - <<'PY'
import os
import pathlib
import socket
import tempfile
import threading
import time

import test_riscv_boot as trb

MIB = int(os.environ["MIB"])
SIZE = MIB << 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(binary):
    os.environ["VIREO_SYSTEM_RISCV64"] = binary
    fwd = free_port()
    tmp = tempfile.TemporaryDirectory()
    g = trb.Guest(pathlib.Path(tmp.name),
                  ["-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:5001"
                   % fwd, "-device", "virtio-net-device,netdev=n0"])
    try:
        g.console.expect(trb.READY)
        g.console.run("ip link set eth0 up; ip addr add 10.0.2.15/24 "
                      "dev eth0; ip route add default via 10.0.2.2")
        # guest -> host: the host counts what arrives.
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        got = {}

        def sink():
            c, _ = srv.accept()
            n, t0 = 0, None
            while True:
                d = c.recv(1 << 20)
                if t0 is None:
                    t0 = time.monotonic()
                if not d:
                    break
                n += len(d)
            got["n"], got["t"] = n, time.monotonic() - t0
            c.close()

        th = threading.Thread(target=sink)
        th.start()
        g.console.run("dd if=/dev/zero bs=65536 count=%d 2>/dev/null | "
                      "nc 10.0.2.2 %d" % (MIB * 16, srv.getsockname()[1]),
                      timeout=900)
        th.join(900)
        srv.close()
        assert got["n"] == SIZE, got
        up = MIB / got["t"]
        # host -> guest through hostfwd: done when the guest has counted
        # every byte (its nc ends at EOF).
        res = {}
        rx = threading.Thread(target=lambda: res.setdefault(
            "out", g.console.run("nc -l -p 5001 </dev/null | wc -c",
                                 timeout=900)))
        rx.start()
        time.sleep(2)       # slirp accepts before the guest listens
        buf = b"\0" * (1 << 20)
        for _ in range(100):
            try:
                c = socket.create_connection(("127.0.0.1", fwd), 5)
                c.settimeout(None)
                c.send(b"")
                break
            except OSError:
                time.sleep(0.2)
        t0 = time.monotonic()
        for _ in range(MIB):
            c.sendall(buf)
        c.shutdown(socket.SHUT_WR)
        rx.join(900)
        down = MIB / (time.monotonic() - t0)
        c.close()
        assert str(SIZE) in res["out"], res
        return up, down
    finally:
        g.close()
        tmp.cleanup()


q = run(os.environ["QEMU"])
v = run(os.environ["VIREO"])
for name, qi, vi in (("guest->host", q[0], v[0]),
                     ("host->guest", q[1], v[1])):
    print("%-12s %d MiB  qemu %7.2f MiB/s  vireo %7.2f MiB/s  ratio %5.2f"
          % (name, MIB, qi, vi, vi / qi))
PY
