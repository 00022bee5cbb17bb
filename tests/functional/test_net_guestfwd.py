# Vireo functional tests: guestfwd on the 'user' backend: a riscv64 guest
# connects to 10.0.2.100:PORT and reaches a host server through a socket
# chardev (named with chardev:ID, or given inline as a legacy spec), or a
# command's stdin/stdout (cmd:); bad rules give QEMU's errors.
# SPDX-License-Identifier: MIT

import socket
import threading

from conftest import expect_error, hmp, is_vireo
from test_riscv_boot import READY, guest  # noqa: F401  (fixture)

GUEST_NET = "ip link set eth0 up; ip addr add 10.0.2.15/24 dev eth0"


class Server:
    """A host TCP server that answers each line with "pong:LINE"."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.got = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._talk, args=(c,),
                             daemon=True).start()

    def _talk(self, c):
        buf = b""
        with c:
            while True:
                d = c.recv(4096)
                if not d:
                    return
                buf += d
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    self.got.append(line)
                    c.sendall(b"pong:" + line + b"\n")

    def close(self):
        self.sock.close()


def guest_talk(g, port, text, want, timeout=30):
    """In the guest: send @text to 10.0.2.100:@port, return what came back
    once @want is there (the connection stays open: a guestfwd never
    closes it from the host side)."""
    out = "/tmp/gf%d" % port
    g.console.run("rm -f %s; ((echo %s; sleep %d) | nc 10.0.2.100 %d > %s "
                  "2>&1 &)" % (out, text, timeout, port, out))
    return g.console.run(
        "for i in $(seq %d); do grep -q '%s' %s && break; sleep 0.5; done; "
        "cat %s" % (timeout * 2, want, out, out), timeout=timeout + 30)


def test_guestfwd_to_chardevs_and_commands(guest, tmp_path):
    srv = Server()
    script = tmp_path / "echo.sh"
    script.write_text("#!/bin/sh\nread l\necho \"script:$l\"\n")
    script.chmod(0o755)
    try:
        g = guest(args=[
            "-chardev", "socket,id=gf0,host=127.0.0.1,port=%d" % srv.port,
            "-netdev", "user,id=n0,"
            "guestfwd=tcp:10.0.2.100:4321-chardev:gf0,"
            "guestfwd=tcp:10.0.2.100:4322-tcp:127.0.0.1:%d,"
            "guestfwd=tcp:10.0.2.100:4323-cmd:cat,"
            "guestfwd=tcp:10.0.2.100:4324-cmd:%s" % (srv.port, script),
            "-device", "virtio-net-device,netdev=n0"])
        g.console.expect(READY)
        g.console.run(GUEST_NET)
        # A socket chardev named by id: bytes reach the host server, its
        # reply reaches the guest.
        out = guest_talk(g, 4321, "hello-chardev", "pong:hello-chardev")
        assert "pong:hello-chardev" in out, out
        assert b"hello-chardev" in srv.got
        # The same with the chardev given inline (QEMU names it
        # guestfwd.tcp.PORT).
        out = guest_talk(g, 4322, "hello-inline", "pong:hello-inline")
        assert "pong:hello-inline" in out, out
        if is_vireo(g.mon.greeting):
            labels = [c["label"] for c in g.mon.cmd("query-chardev")]
            assert "guestfwd.tcp.4322" in labels and "gf0" in labels
        # cmd: a command run per connection, on its stdin and stdout.
        out = guest_talk(g, 4323, "hello-cat", "hello-cat")
        assert "hello-cat" in out, out
        out = guest_talk(g, 4324, "hello-script", "script:hello-script")
        assert "script:hello-script" in out, out
        # info usernet lists the stack (libslirp's connection table).
        assert "Hub -1 (n0):" in hmp(g.mon, "info usernet")
    finally:
        srv.close()


def test_guestfwd_default_server_and_nic(guest):
    # No server address: slirp's default, the network's .4; -nic takes it.
    g = guest(args=["-nic", "user,model=virtio-net-device,"
                    "guestfwd=tcp::4400-cmd:cat"])
    g.console.expect(READY)
    if not is_vireo(g.mon.greeting):
        return      # QEMU 7.2 does not put -nic models on virtio-mmio
    g.console.run(GUEST_NET)
    out = g.console.run(
        "rm -f /tmp/d; ((echo hello-default; sleep 20) | nc 10.0.2.4 4400 "
        "> /tmp/d &); for i in $(seq 40); do grep -q hello-default /tmp/d "
        "&& break; sleep 0.5; done; cat /tmp/d", timeout=60)
    assert "hello-default" in out, out


def test_guestfwd_errors(guest):
    g = guest(args=["-chardev", "null,id=c0",
                    "-netdev", "user,id=n0,guestfwd=tcp::4500-chardev:c0"],
              kernel=False)
    for rule, desc in [
            ("bogus", "Invalid guest forwarding rule 'bogus'"),
            ("udp:10.0.2.100:1-cmd:cat", "Invalid guest forwarding rule"),
            ("tcp:10.0.2.100:0-cmd:cat", "Invalid guest forwarding rule"),
            ("tcp:10.0.2.100:x-cmd:cat", "Invalid guest forwarding rule"),
            ("tcp:10.0.2.100:1234", "Invalid guest forwarding rule"),
            ("tcp:bad:1234-cmd:cat", "Invalid guest forwarding rule"),
            ("tcp:10.0.2.2:1234-cmd:cat",
             "Conflicting/invalid host:port in guest forwarding rule "
             "'tcp:10.0.2.2:1234-cmd:cat'"),
            ("tcp:1.2.3.4:1234-cmd:cat", "Conflicting/invalid host:port"),
            ("tcp:10.0.2.100:1234-chardev:nosuch",
             "Could not open guest forwarding device 'guestfwd.tcp.1234'"),
            ("tcp:10.0.2.100:1234-bogus:x",
             "Could not open guest forwarding device 'guestfwd.tcp.1234'"),
            ("tcp:10.0.2.100:1234-chardev:c0", "Device 'c0' is in use")]:
        expect_error(g.mon, "netdev_add",
                     {"type": "user", "id": "n1",
                      "guestfwd": [{"str": rule}]}, desc=desc)
    # Several rules, the chardev one made with chardev-add first.
    g.mon.cmd("chardev-add", id="c1", backend={"type": "null", "data": {}})
    g.mon.cmd("netdev_add", type="user", id="n1",
              guestfwd=[{"str": "tcp:10.0.2.100:1-chardev:c1"},
                        {"str": "tcp:10.0.2.100:2-cmd:cat"}])
    # As QEMU, the chardev goes with the netdev.
    g.mon.cmd("netdev_del", id="n1")
    if is_vireo(g.mon.greeting):
        assert "c1" not in [c["label"] for c in g.mon.cmd("query-chardev")]
