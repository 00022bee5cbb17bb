# Vireo functional tests: the 'dgram' netdev over unix datagram sockets,
# UDP and a UDP multicast group: frames leave as one datagram each
# (announce-self makes the NIC send), datagrams arrive as frames (seen
# by filter-dump), and bad address combinations are refused.
# SPDX-License-Identifier: MIT

import os
import socket

from conftest import expect_error, hmp
from test_net_filter_dump import read_pcap


def start(launch, *args):
    m = launch("riscv64", args=["-M", "virt", "-S", *args])
    m.mon = m.qmp()
    return m


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_link(m, peer, vireo_addr, pcap):
    """Frames go both ways between the Vireo netdev and @peer."""
    m.mon.cmd("announce-self", initial=10, max=10, rounds=1, step=10)
    peer.settimeout(10)
    data = peer.recv(65536)
    assert len(data) == 60 and data[12:14] == b"\x80\x35"
    frame = os.urandom(1000)
    peer.sendto(frame, vireo_addr)
    for _ in range(100):
        if frame in [f for f, _ in read_pcap(pcap)[1]]:
            break
        m.mon.cmd("query-status")
    assert frame in [f for f, _ in read_pcap(pcap)[1]]


def test_dgram_unix(launch, tmp_path):
    mine, theirs = str(tmp_path / "v.sock"), str(tmp_path / "p.sock")
    pcap = str(tmp_path / "d.pcap")
    peer = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    peer.bind(theirs)
    m = start(launch, "-netdev",
              "dgram,id=d0,local.type=unix,local.path=%s,remote.type=unix,"
              "remote.path=%s" % (mine, theirs),
              "-device", "virtio-net-device,netdev=d0",
              "-object", "filter-dump,id=f,netdev=d0,file=" + pcap)
    assert "d0: index=0,type=dgram,local=%s,remote=%s" % (mine, theirs) \
        in hmp(m.mon, "info network")
    check_link(m, peer, mine, pcap)


def test_dgram_udp(launch, tmp_path):
    vport = free_udp_port()
    pcap = str(tmp_path / "d.pcap")
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    m = start(launch, "-netdev",
              "dgram,id=d0,local.type=inet,local.host=127.0.0.1,"
              "local.port=%d,remote.type=inet,remote.host=127.0.0.1,"
              "remote.port=%d" % (vport, peer.getsockname()[1]),
              "-device", "virtio-net-device,netdev=d0",
              "-object", "filter-dump,id=f,netdev=d0,file=" + pcap)
    check_link(m, peer, ("127.0.0.1", vport), pcap)


def test_dgram_errors(launch, tmp_path):
    m = start(launch)
    expect_error(m.mon, "netdev_add", {"type": "dgram", "id": "d1"},
                 desc="remote or local address should be given")
    expect_error(m.mon, "netdev_add",
                 {"type": "dgram", "id": "d1",
                  "remote": {"type": "inet", "host": "127.0.0.1",
                             "port": "1"}},
                 desc="dgram requires local= parameter")
    expect_error(m.mon, "netdev_add",
                 {"type": "dgram", "id": "d1",
                  "local": {"type": "unix", "path": "/nonexistent/x"}},
                 desc="can't bind datagram socket")


def test_dgram_multicast_group(launch, tmp_path):
    port = free_udp_port()
    group = "dgram,id=d0,remote.type=inet,remote.host=230.0.0.1," \
            "remote.port=%d" % port
    pcap = str(tmp_path / "b.pcap")
    a = start(launch, "-netdev", group, "-device",
              "virtio-net-device,netdev=d0,mac=52:54:00:00:00:0a")
    b = start(launch, "-netdev", group, "-device",
              "virtio-net-device,netdev=d0",
              "-object", "filter-dump,id=f,netdev=d0,file=" + pcap)
    assert "d0: index=0,type=dgram,mcast=230.0.0.1:%d" % port in \
        hmp(a.mon, "info network")
    a.mon.cmd("announce-self", initial=10, max=10, rounds=1, step=10)
    mac = bytes.fromhex("52540000000a")
    for _ in range(200):
        if any(f[6:12] == mac for f, _ in read_pcap(pcap)[1]):
            break
        b.mon.cmd("query-status")
    assert any(f[6:12] == mac for f, _ in read_pcap(pcap)[1])


def test_legacy_socket_options(launch, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        tport = probe.getsockname()[1]
    a = start(launch, "-netdev", "socket,id=s0,listen=127.0.0.1:%d" % tport,
              "-device", "virtio-net-device,netdev=s0")
    b = start(launch, "-netdev", "socket,id=s1,connect=127.0.0.1:%d" % tport,
              "-device", "virtio-net-device,netdev=s1")
    a.mon.wait_event("NETDEV_STREAM_CONNECTED", timeout=15)
    assert "s1: index=0,type=stream,connected to 127.0.0.1:%d" % tport in \
        hmp(b.mon, "info network")
    # udp= with localaddr=: datagrams to and from a peer.
    vport = free_udp_port()
    pcap = str(tmp_path / "u.pcap")
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    c = start(launch, "-netdev", "socket,id=u0,udp=127.0.0.1:%d,"
              "localaddr=127.0.0.1:%d" % (peer.getsockname()[1], vport),
              "-device", "virtio-net-device,netdev=u0",
              "-object", "filter-dump,id=f,netdev=u0,file=" + pcap)
    check_link(c, peer, ("127.0.0.1", vport), pcap)
    for args, msg in (
            ({}, "exactly one of listen=, connect=, mcast= or udp= is "
                 "required"),
            ({"listen": ":1", "connect": ":2"}, "exactly one of"),
            ({"listen": ":1", "localaddr": "1.2.3.4"},
             "localaddr= is only valid with mcast= or udp="),
            ({"udp": "127.0.0.1:1"}, "localaddr= is mandatory with udp=")):
        expect_error(c.mon, "netdev_add",
                     dict({"type": "socket", "id": "x"}, **args), desc=msg)
