# Vireo functional tests: the 'stream' netdev: option checks, connect and
# disconnect events, hostile peers (garbage, oversized frames, floods)
# against a stopped machine, and two riscv64 guests linked by a stream
# socket that ping each other and reconnect after one restarts.
# SPDX-License-Identifier: MIT

import os
import socket
import struct
import time

from conftest import expect_error, hmp


def start(launch, *args):
    m = launch("riscv64", args=["-M", "virt", "-S", *args])
    m.mon = m.qmp()
    return m


def wait_event(mon, name, timeout=15):
    ev = mon.wait_event(name, timeout=timeout)
    assert ev is not None, "no %s event" % name
    return ev


def test_stream_options(launch, tmp_path):
    m = start(launch)
    path = str(tmp_path / "s.sock")
    expect_error(m.mon, "netdev_add",
                 {"type": "stream", "id": "s0", "server": True,
                  "reconnect-ms": 100,
                  "addr": {"type": "unix", "path": path}},
                 desc="'reconnect-ms' option is incompatible with socket "
                      "in server mode")
    expect_error(m.mon, "netdev_add",
                 {"type": "stream", "id": "s0", "reconnect": 1,
                  "reconnect-ms": 100,
                  "addr": {"type": "unix", "path": path}},
                 desc="mutually exclusive")
    expect_error(m.mon, "netdev_add",
                 {"type": "stream", "id": "s0",
                  "addr": {"type": "vsock", "cid": "3", "port": "1"}},
                 desc="only support inet, unix or fd type")
    m.mon.cmd("netdev_add", type="stream", id="s0", server=True,
              addr={"type": "unix", "path": path})
    assert "s0: index=0,type=stream,listening" in hmp(m.mon, "info network")
    m.mon.cmd("netdev_del", id="s0")


def test_stream_events_between_two_vms(launch, tmp_path):
    path = str(tmp_path / "link.sock")
    a = start(launch, "-netdev",
              "stream,id=s0,server=on,addr.type=unix,addr.path=" + path,
              "-device", "virtio-net-device,netdev=s0")
    b = start(launch, "-netdev",
              "stream,id=c0,server=off,reconnect-ms=100,addr.type=unix,"
              "addr.path=" + path,
              "-device", "virtio-net-device,netdev=c0")
    ev = wait_event(a.mon, "NETDEV_STREAM_CONNECTED")
    assert ev["data"]["netdev-id"] == "s0"
    assert ev["data"]["addr"]["type"] == "unix"
    # b connected while starting, before its monitor was there.
    assert "c0: index=0,type=stream,connected" in hmp(b.mon, "info network")
    # The server goes; the client notices and reconnects to a new one.
    a.shutdown()
    ev = wait_event(b.mon, "NETDEV_STREAM_DISCONNECTED")
    assert ev["data"] == {"netdev-id": "c0"}
    os.unlink(path)
    a2 = start(launch, "-netdev",
               "stream,id=s0,server=on,addr.type=unix,addr.path=" + path)
    ev = wait_event(b.mon, "NETDEV_STREAM_CONNECTED")
    assert ev["data"] == {"netdev-id": "c0",
                          "addr": {"type": "unix", "path": path}}
    wait_event(a2.mon, "NETDEV_STREAM_CONNECTED")


def test_stream_hostile_peer(launch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    m = start(launch, "-netdev",
              "stream,id=s0,server=on,addr.type=inet,addr.host=127.0.0.1,"
              "addr.port=%d" % port,
              "-device", "virtio-net-device,netdev=s0")
    s = socket.create_connection(("127.0.0.1", port), 5)
    ev = wait_event(m.mon, "NETDEV_STREAM_CONNECTED")
    assert ev["data"]["addr"]["host"] == "127.0.0.1"
    # An oversized length drops the connection; the emulator stays and
    # listens again.
    s.sendall(struct.pack(">I", 0x7fffffff) + b"x" * 100)
    wait_event(m.mon, "NETDEV_STREAM_DISCONNECTED")
    assert s.recv(10) == b""
    s.close()
    s = socket.create_connection(("127.0.0.1", port), 5)
    wait_event(m.mon, "NETDEV_STREAM_CONNECTED")
    # Garbage: empty and runt frames, then a flood the stopped guest
    # cannot take (the backend must stop reading, not grow).
    s.sendall(struct.pack(">I", 0) + struct.pack(">I", 3) + b"abc")
    s.setblocking(False)
    frame = struct.pack(">I", 1514) + os.urandom(1514)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            s.send(frame)
        except BlockingIOError:
            break
    assert time.monotonic() < deadline, "the backend never pushed back"
    assert m.mon.cmd("query-status")["status"] == "prelaunch"
    # The monitor still answers while the backend is held back.
    assert "s0:" in hmp(m.mon, "info network")
    s.close()
    assert m.alive()
    assert "s0:" in hmp(m.mon, "info network")


def boot(tmp_path, name, args):
    from test_riscv_boot import READY, Guest
    d = tmp_path / name
    d.mkdir(exist_ok=True)
    g = Guest(d, args)
    g.console.expect(READY)
    return g


def link_up(g, ip):
    g.console.run("ip link set eth0 up; ip addr add %s/24 dev eth0" % ip)


def test_two_guests_ping_and_reconnect(tmp_path):
    path = str(tmp_path / "link.sock")
    server = ["-netdev", "stream,id=s0,server=on,addr.type=unix,"
              "addr.path=" + path, "-device",
              "virtio-net-device,netdev=s0,mac=52:54:00:00:00:01"]
    client = ["-netdev", "stream,id=c0,server=off,reconnect-ms=200,"
              "addr.type=unix,addr.path=" + path, "-device",
              "virtio-net-device,netdev=c0,mac=52:54:00:00:00:02"]
    guests = []
    try:
        a = boot(tmp_path, "a", server)
        guests.append(a)
        b = boot(tmp_path, "b", client)
        guests.append(b)
        link_up(a, "10.9.0.1")
        link_up(b, "10.9.0.2")
        out = a.console.run("ping -c 3 -W 5 10.9.0.2", timeout=60)
        assert " 0% packet loss" in out, out
        # The client guest restarts; its new instance reconnects.
        b.close()
        guests.remove(b)
        ev = a.mon.wait_event("NETDEV_STREAM_DISCONNECTED", timeout=30)
        assert ev["data"]["netdev-id"] == "s0"
        b = boot(tmp_path, "b2", client)
        guests.append(b)
        link_up(b, "10.9.0.2")
        a.mon.wait_event("NETDEV_STREAM_CONNECTED", timeout=30)
        # The ARP entry of the old instance may linger: same MAC, fine.
        out = b.console.run("ping -c 3 -W 5 10.9.0.1", timeout=60)
        assert " 0% packet loss" in out, out
    finally:
        for g in guests:
            g.close()


def read_frame(s):
    def exact(n):
        buf = b""
        while len(buf) < n:
            d = s.recv(n - len(buf))
            assert d, "peer closed"
            buf += d
        return buf
    return exact(struct.unpack(">I", exact(4))[0])


def test_announce_self_sends_rarp(launch, tmp_path):
    path = str(tmp_path / "a.sock")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)
    m = start(launch, "-netdev",
              "stream,id=c0,server=off,addr.type=unix,addr.path=" + path,
              "-device", "virtio-net-device,netdev=c0,id=nic0,"
              "mac=52:54:00:ab:cd:ef", "-device", "virtio-net-device")
    s, _ = srv.accept()
    s.settimeout(10)
    m.mon.cmd("announce-self", initial=10, max=40, rounds=3, step=10,
              interfaces=["nic0"], id="a1")
    mac = bytes.fromhex("525400abcdef")
    for _ in range(3):
        f = read_frame(s)
        assert len(f) == 60
        assert f[:6] == b"\xff" * 6 and f[6:12] == mac
        assert f[12:14] == b"\x80\x35"          # RARP
        assert f[20:22] == b"\x00\x03"          # reverse request
        assert f[22:28] == mac and f[32:38] == mac
    # Only three rounds were asked for.
    s.settimeout(0.5)
    try:
        extra = s.recv(1)
    except socket.timeout:
        extra = b""
    assert extra == b""
    expect_error(m.mon, "announce-self", {"initial": 1, "max": 1,
                                          "rounds": 1},
                 desc="Parameter 'step' is missing")
