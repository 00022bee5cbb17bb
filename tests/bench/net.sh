#!/usr/bin/env bash
# TCP throughput through user networking (libslirp), Vireo vs Debian's
# qemu-system-riscv64 in one run, same kernel and initramfs, same
# -netdev user + virtio-net-device: guest->host (busybox nc to a host
# listener) and host->guest (a hostfwd port into busybox nc -l).
# Prints MiB/s side by side and ratios (>1 means Vireo is faster).
# SPDX-License-Identifier: MIT
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
vireo="${VIREO_SYSTEM_RISCV64:-$top/build/vireo-system-riscv64}"
qemu="${QEMU_SYSTEM_RISCV64:-/usr/bin/qemu-system-riscv64}"
mib="${MIB:-64}"
guest=$(ls -td "$HOME"/.cache/vireo/guest/*/.done 2>/dev/null | head -1 || true)
guest=${guest%/.done}
[ -n "$guest" ] || { echo "no guest image: run tests/guest/build.sh" >&2; exit 1; }

/usr/bin/python3 - "$vireo" "$qemu" "$mib" "$guest" <<'PY'
import os, re, socket, subprocess, sys, tempfile, threading, time

vireo, qemu, mib, guest = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    sys.argv[4]
TOTAL = mib << 20


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Guest:
    def __init__(self, binary, fwd_port):
        d = tempfile.mkdtemp()
        self.sock_path = os.path.join(d, "serial")
        self.proc = subprocess.Popen([
            binary, "-M", "virt", "-m", "512", "-display", "none",
            "-nodefaults", "-chardev",
            "socket,id=s0,path=%s,server=on,wait=off" % self.sock_path,
            "-serial", "chardev:s0", "-kernel", os.path.join(guest, "Image"),
            "-initrd", os.path.join(guest, "initramfs.cpio.gz"),
            "-append", "console=ttyS0", "-netdev",
            "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:5001" % fwd_port,
            "-device", "virtio-net-device,netdev=n0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(self.sock_path)
                break
            except OSError:
                time.sleep(0.05)
        self.buf = b""
        self.expect(b"VIREO-GUEST-READY")
        self.run("ip link set eth0 up; ip addr add 10.0.2.15/24 dev eth0; "
                 "ip route add default via 10.0.2.2")

    def expect(self, what, timeout=120):
        deadline = time.time() + timeout
        while what not in self.buf:
            if time.time() > deadline:
                raise SystemExit("timeout waiting for %r" % what)
            self.s.settimeout(1)
            try:
                self.buf += self.s.recv(65536)
            except socket.timeout:
                pass
        self.buf = self.buf[self.buf.index(what) + len(what):]

    def run(self, cmd):
        self.s.sendall(cmd.encode() + b"; echo DONE-$((1+1))\n")
        self.expect(b"DONE-2")

    def close(self):
        self.proc.kill()
        self.proc.wait()


def guest_to_host(g):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    got = [0, 0.0]

    def sink():
        c, _ = srv.accept()
        t0 = time.perf_counter()
        while got[0] < TOTAL:
            data = c.recv(1 << 20)
            if not data:
                break
            got[0] += len(data)
        got[1] = time.perf_counter() - t0
        c.close()           # busybox nc only ends when the peer closes
    t = threading.Thread(target=sink)
    t.start()
    g.s.sendall(("dd if=/dev/zero bs=65536 count=%d 2>/dev/null | "
                 "nc 10.0.2.2 %d\n" % (TOTAL >> 16, port)).encode())
    t.join(600)
    assert got[0] == TOTAL, got
    g.run("true")
    return TOTAL / got[1] / (1 << 20)


def host_to_guest(g, fwd_port):
    # busybox nc neither stops at the peer's EOF nor may read the tty from
    # the background: stdin from /dev/null, and killed once wc is done.
    g.run("(nc -l -p 5001 </dev/null | head -c %d | wc -c) & true" % TOTAL)
    g.run("while ! grep -q ':1389 0*:0000 0A' /proc/net/tcp /proc/net/tcp6; "
          "do sleep 0.2; done")
    time.sleep(1)
    chunk = bytes(1 << 20)
    for _ in range(50):
        try:
            c = socket.create_connection(("127.0.0.1", fwd_port), 5)
            c.settimeout(600)
            break
        except OSError:
            time.sleep(0.2)
    t0 = time.perf_counter()
    for _ in range(mib):
        c.sendall(chunk)
    # Done when the guest's wc reports every byte (head has them all); the
    # count ending a line is not the echo of the command.
    g.expect(b"%d\r\n" % TOTAL, timeout=600)
    elapsed = time.perf_counter() - t0
    c.close()
    g.run("killall nc 2>/dev/null; true")
    return TOTAL / elapsed / (1 << 20)


res = {}
for label, binary in (("vireo", vireo), ("qemu", qemu)):
    port = free_port()
    g = Guest(binary, port)
    try:
        res[label] = (guest_to_host(g), host_to_guest(g, port))
    finally:
        g.close()
print("%-30s %10s %10s %8s" % ("user net TCP, %d MiB" % mib, "vireo",
                               "qemu", "ratio"))
for i, what in enumerate(("guest -> host", "host -> guest")):
    print("%-30s %7.1f MiB/s %6.1f MiB/s %6.2fx" % (
        what, res["vireo"][i], res["qemu"][i],
        res["vireo"][i] / res["qemu"][i]))
PY
