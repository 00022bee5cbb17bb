# Vireo functional tests: a NIC under a flood from the guest and under
# garbage from the network peer.
# SPDX-License-Identifier: MIT
"""A riscv64 guest's virtio-net-pci is linked by a dgram netdev to a UDP
socket of the test.  The guest floods the link with UDP while the test
sends thousands of malformed frames (empty, tiny, oversized up to the
largest datagram, random bytes) the other way.  Meanwhile every QMP
command must still be answered, and afterwards the emulator and the
guest are alive and the link still carries frames both ways."""

import os
import random
import socket
import time

from test_net_dgram import free_udp_port
from test_riscv_boot import READY, guest  # noqa: F401  (fixture)


ME = bytes.fromhex("525400000001")
GUEST = bytes.fromhex("525400000002")


def test_flood_and_garbage(guest):
    vport = free_udp_port()
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.setblocking(False)
    g = guest(args=["-netdev", "dgram,id=d0,local.type=inet,"
                    "local.host=127.0.0.1,local.port=%d,remote.type=inet,"
                    "remote.host=127.0.0.1,remote.port=%d"
                    % (vport, peer.getsockname()[1]),
                    "-device", "virtio-net-pci,netdev=d0,"
                    "mac=52:54:00:00:00:02"])
    g.console.expect(READY)
    # The guest floods: pings to all IPv6 nodes on the link, as fast as
    # it can send them (multicast needs no neighbour to answer).
    g.console.run("ip link set eth0 up")
    # Wait for the link-local address (duplicate detection takes a moment
    # and ping6 fails until it is done); the loop restarts ping until the
    # test says stop.
    out = ""
    for _ in range(60):
        out = g.console.run("ip -6 addr show dev eth0")
        if "fe80" in out and "tentative" not in out:
            break
        time.sleep(0.5)
    assert "fe80" in out, out
    g.console.sock.sendall(b"(while [ ! -e /tmp/stop ]; do ping -q -i 0.001 "
                           b"-s 1400 -c 1000 ff02::1%eth0; done >/dev/null "
                           b"2>&1 &) ; echo FLOOD-$((1+1))\n")
    g.console.expect(rb"FLOOD-2")
    # Phase 1, the guest floods: the monitor keeps answering.
    received = 0
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        while True:
            try:
                peer.recv(65536)
                received += 1
            except BlockingIOError:
                break
        assert g.mon.cmd("query-status")["status"] == "running"
        time.sleep(0.05)
    assert received > 100, received
    # Phase 2, the peer sends garbage (while the guest still floods).
    rnd = random.Random(1234)
    sent = 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for _ in range(200):
            size = rnd.choice([0, 1, 13, 14, 59, 60, 1514, 1515, 9000,
                               65507, rnd.randrange(0, 65508)])
            try:
                peer.sendto(os.urandom(size), ("127.0.0.1", vport))
                sent += 1
            except BlockingIOError:
                break
        while True:
            try:
                peer.recv(65536)
            except BlockingIOError:
                break
        assert g.mon.cmd("query-status")["status"] == "running"
    assert sent > 1000, sent
    assert g.proc.poll() is None
    # Stop the flood; the guest and its NIC still work.
    g.console.run("touch /tmp/stop; killall ping; sleep 1")
    out = g.console.run("cat /sys/class/net/eth0/operstate")
    assert "up" in out
    while True:
        try:
            peer.recv(65536)
        except BlockingIOError:
            break
    frame = GUEST + ME + b"\x88\xb5" + b"after-the-storm".ljust(46, b"\0")
    before = g.console.run("cat /sys/class/net/eth0/statistics/rx_packets")
    peer.sendto(frame, ("127.0.0.1", vport))
    time.sleep(1)
    after = g.console.run("cat /sys/class/net/eth0/statistics/rx_packets")
    assert int(after.split()[-1]) > int(before.split()[-1])
