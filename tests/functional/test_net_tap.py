# Vireo functional tests: the 'tap' netdev: a riscv64 guest and the host
# ping each other over a tap interface (with and without vnet_hdr), and
# a tap fd passed by a manager (fd=) carries the NIC's frames.  Needs
# root and /dev/net/tun; skipped otherwise.
# SPDX-License-Identifier: MIT

import fcntl
import os
import select
import socket
import struct
import subprocess
import time

import pytest

from conftest import expect_error, hmp
from test_riscv_boot import READY, guest  # noqa: F401  (fixture)

TUNSETIFF = 0x400454ca
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000


def tap_possible():
    if os.geteuid() != 0 or not os.path.exists("/dev/net/tun"):
        return False
    name = "vireoprobe%d" % (os.getpid() % 10000)
    ok = subprocess.run(["ip", "tuntap", "add", "dev", name, "mode", "tap"],
                        capture_output=True).returncode == 0
    if ok:
        subprocess.run(["ip", "link", "del", name], capture_output=True)
    return ok


pytestmark = pytest.mark.skipif(not tap_possible(),
                                reason="tap interfaces need root")


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True)


def talk_both_ways(g, net, word):
    """The guest (NET.2) pings the host (NET.1); the host reaches a guest
    server (the host has no ping)."""
    g.console.run("ip link set eth0 up; ip addr add %s.2/24 dev eth0" % net)
    out = g.console.run("ping -c 3 -W 5 %s.1" % net, timeout=60)
    assert " 0% packet loss" in out, out
    hello = "hello-over-%s" % word
    g.console.run("(echo %s | nc -l -p 7777 &)" % hello)
    got = b""
    for _ in range(50):
        try:
            with socket.create_connection(("%s.2" % net, 7777), 5) as c:
                got = c.recv(100)
            break
        except OSError:
            time.sleep(0.2)
    assert hello.encode() in got


@pytest.mark.parametrize("vnet_hdr", ["off", "on"])
def test_guest_and_host_ping_over_tap(guest, vnet_hdr):
    n = (os.getpid() + (vnet_hdr == "on")) % 200 + 10
    ifname = "vireotap%d" % n
    g = guest(args=["-netdev", "tap,id=t0,ifname=%s,script=no,downscript=no,"
                    "vnet_hdr=%s" % (ifname, vnet_hdr),
                    "-device", "virtio-net-device,netdev=t0"])
    try:
        ip("addr", "add", "10.77.%d.1/24" % n, "dev", ifname)
        ip("link", "set", ifname, "up")
        g.console.expect(READY)
        assert ("t0: index=0,type=tap,ifname=%s,script=no,downscript=no"
                % ifname) in hmp(g.mon, "info network")
        talk_both_ways(g, "10.77.%d" % n, "tap")
    finally:
        g.close()
    # The interface was Vireo's: it goes with the emulator.
    assert subprocess.run(["ip", "link", "show", ifname],
                          capture_output=True).returncode != 0


def test_tap_fd_from_a_manager(launch):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    ifname = "vireofd%d" % (os.getpid() % 10000)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(),
                                           IFF_TAP | IFF_NO_PI))
    try:
        m = launch("riscv64", args=[
            "-M", "virt", "-S", "-netdev", "tap,id=t0,fd=%d" % fd,
            "-device", "virtio-net-device,netdev=t0,id=nic0,"
            "mac=52:54:00:00:00:42"], pass_fds=(fd,))
        m.mon = m.qmp()
        assert "t0: index=0,type=tap,fd=%d" % fd in hmp(m.mon,
                                                         "info network")
        ip("link", "set", ifname, "up")
        # A frame from the NIC arrives on the host's interface (the
        # manager shares Vireo's fd, so it watches the interface).
        cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                            socket.htons(0x0003))
        cap.bind((ifname, 0))
        m.mon.cmd("announce-self", initial=10, max=10, rounds=1, step=10)
        frame = b""
        while not frame.startswith(b"\xff" * 6 +
                                   bytes.fromhex("525400000042")):
            r, _, _ = select.select([cap], [], [], 10)
            assert r, "no RARP frame on the tap"
            frame = cap.recv(2000)
        cap.close()
        assert frame[12:14] == b"\x80\x35"
        expect_error(m.mon, "netdev_add",
                     {"type": "tap", "id": "t1", "fd": "3",
                      "ifname": "x"}, desc="are invalid with fd=")
        expect_error(m.mon, "netdev_add",
                     {"type": "tap", "id": "t1", "fd": "nosuchfd"},
                     desc="File descriptor named 'nosuchfd' has not been "
                          "found")
    finally:
        os.close(fd)
