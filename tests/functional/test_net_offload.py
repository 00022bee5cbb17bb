# Vireo functional tests: virtio-net offloads and multiqueue.  Through
# 'user' networking the guest negotiates checksum offload and TSO, which
# Vireo's net core resolves in host code (segments on the wire, checked
# here in a pcap), and receives coalesced TCP; bulk data arrives intact
# both ways with the offloads on and off.  A vnet_hdr tap with queues=2
# gives the guest two queue pairs behind virtio-mmio and virtio-pci;
# announce-self makes the guest announce itself (GUEST_ANNOUNCE).
# SPDX-License-Identifier: MIT

import hashlib
import http.server
import os
import socket
import struct
import subprocess
import threading
import time

import pytest

from conftest import expect_error, hmp, is_vireo, run_binary
from test_net_tap import ip, tap_possible
from test_riscv_boot import READY, guest  # noqa: F401  (fixture)

GUEST_NET = ("ip link set eth0 up; ip addr add 10.0.2.15/24 dev eth0; "
             "ip route add default via 10.0.2.2")
# virtio-net feature bits (virtio 1.x 5.1.3).
F_CSUM, F_GUEST_CSUM, F_CTRL_GUEST_OFFLOADS = 0, 1, 2
F_GUEST_TSO4, F_GUEST_TSO6, F_HOST_TSO4, F_HOST_TSO6 = 7, 8, 11, 12
F_GUEST_ANNOUNCE, F_MQ = 21, 22
OFFLOADS = [F_CSUM, F_GUEST_CSUM, F_GUEST_TSO4, F_GUEST_TSO6, F_HOST_TSO4,
            F_HOST_TSO6]
OFFLOAD_PROPS = ("csum=off,guest_csum=off,host_tso4=off,host_tso6=off,"
                 "host_ecn=off,host_ufo=off,guest_tso4=off,guest_tso6=off,"
                 "guest_ecn=off,guest_ufo=off")
MSS = 1460


# Printed before each value; the shell's echo of the command line has
# "@$((0+1))=" instead, and kernel messages may mingle with the output.
MARK = "@$((0+1))="


def marked(out):
    """The values the guest printed behind MARK."""
    return [w[3:] for w in out.split() if w.startswith("@1=")]


def net_features(g):
    """The feature bits the guest's driver negotiated for its NIC."""
    bits = marked(g.console.run(
        "for d in /sys/bus/virtio/devices/*; do [ $(cat $d/device) = "
        "0x0001 ] && echo %s$(cat $d/features); done" % MARK))[0]
    return {i for i, c in enumerate(bits) if c == "1"}


def queues(g):
    """The queues the guest's driver set up for eth0."""
    return marked(g.console.run("for q in /sys/class/net/eth0/queues/*; "
                                "do echo %s${q##*/}; done" % MARK))


def stat(g, name):
    return int(marked(g.console.run(
        "echo %s$(cat /sys/class/net/eth0/statistics/%s)" % (MARK, name)))[0])


def serve(directory, host="127.0.0.1"):
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(  # noqa
        *a, directory=str(directory), **kw)
    srv = http.server.ThreadingHTTPServer((host, 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def host_to_guest(g, tmp_path, size, host="127.0.0.1", guest_host=None):
    """The guest fetches @size random bytes over HTTP; checked there."""
    payload = os.urandom(size)
    (tmp_path / "blob").write_bytes(payload)
    srv = serve(tmp_path, host)
    try:
        out = g.console.run("wget -q -O - http://%s:%d/blob | md5sum"
                            % (guest_host or "10.0.2.2",
                               srv.server_address[1]), timeout=600)
    finally:
        srv.shutdown()
    assert hashlib.md5(payload).hexdigest() in out


def guest_to_host(g, size_mib, host="127.0.0.1", guest_host="10.0.2.2"):
    """Random data made in the guest goes to a host socket; checked."""
    sink = socket.socket()
    sink.bind((host, 0))
    sink.listen(1)
    got = hashlib.md5()
    count = [0]

    def receive():
        c, _ = sink.accept()
        while True:
            d = c.recv(1 << 20)
            if not d:
                break
            got.update(d)
            count[0] += len(d)
        c.close()

    th = threading.Thread(target=receive)
    th.start()
    out = g.console.run("dd if=/dev/urandom of=/tmp/up bs=1M count=%d "
                        "2>/dev/null; md5sum /tmp/up; nc %s %d </tmp/up; "
                        "rm /tmp/up" % (size_mib, guest_host,
                                        sink.getsockname()[1]), timeout=600)
    th.join(600)
    sink.close()
    assert count[0] == size_mib << 20
    assert got.hexdigest() in out


def csum16(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s > 0xffff:
        s = (s & 0xffff) + (s >> 16)
    return s


def pcap_frames(path):
    with open(path, "rb") as f:
        data = f.read()
    assert struct.unpack("<I", data[:4])[0] == 0xa1b2c3d4
    off = 24
    while off + 16 <= len(data):
        incl, orig = struct.unpack("<II", data[off + 8:off + 16])
        yield data[off + 16:off + 16 + incl], orig
        off += 16 + incl


def check_wire(path):
    """Every TCP/IPv4 frame that crossed the netdev is a wire frame with
    right lengths and checksums; returns how many there were."""
    n = 0
    for frame, orig in pcap_frames(path):
        assert len(frame) == orig <= 1514
        if frame[12:14] != b"\x08\x00" or frame[23] != 6:
            continue
        ihl = (frame[14] & 15) * 4
        total = struct.unpack("!H", frame[16:18])[0]
        assert 14 + total <= len(frame)
        assert csum16(frame[14:14 + ihl]) == 0xffff
        seg = frame[14 + ihl:14 + total]
        pseudo = frame[26:34] + struct.pack("!BBH", 0, 6, len(seg))
        assert csum16(pseudo + seg) == 0xffff, "bad TCP checksum"
        n += 1
    return n


@pytest.mark.parametrize("offloads", ["on", "off"])
def test_user_net_bulk_with_offloads(guest, tmp_path, offloads):
    pcap = str(tmp_path / "wire.pcap")
    props = "" if offloads == "on" else "," + OFFLOAD_PROPS
    g = guest(args=["-netdev", "user,id=n0",
                    "-device", "virtio-net-device,netdev=n0" + props,
                    "-object", "filter-dump,id=f0,netdev=n0,file=" + pcap])
    g.console.expect(READY)
    g.console.run(GUEST_NET)
    vireo = is_vireo(g.mon.greeting)
    features = net_features(g)
    if offloads == "off":
        assert not features & set(OFFLOADS)
    elif vireo:
        # QEMU offers them only with a vnet_hdr backend; Vireo does the
        # work itself.
        assert set(OFFLOADS) <= features
    size = 16 << 20
    rx0 = stat(g, "rx_packets")
    host_to_guest(g, tmp_path, size)
    rx = stat(g, "rx_packets") - rx0
    tx0 = stat(g, "tx_packets")
    guest_to_host(g, size >> 20)
    tx = stat(g, "tx_packets") - tx0
    segments = size // MSS
    if offloads == "off" or not vireo:
        # Every segment a frame of its own.
        assert rx >= segments and tx >= segments
    else:
        # Segments joined for the guest, super-packets from it.
        assert rx < segments // 2 and tx < segments // 2
    g.mon.cmd("object-del", id="f0")
    # On the wire (what slirp saw): ordinary frames, right checksums.
    assert check_wire(pcap) >= 2 * segments


def test_offload_properties_and_queue_errors(guest):
    g = guest(args=["-netdev", "user,id=n0", "-device",
                    "virtio-net-device,netdev=n0,id=nic0,host_tso6=off,"
                    "guest_csum=off,mq=on"])
    g.console.expect(READY)
    if not is_vireo(g.mon.greeting):
        return
    features = net_features(g)
    assert F_HOST_TSO4 in features and F_HOST_TSO6 not in features
    assert F_GUEST_CSUM not in features and F_GUEST_TSO4 not in features
    assert F_MQ in features and F_CTRL_GUEST_OFFLOADS in features
    # One queue pair: user networking has one queue.
    assert queues(g) == ["rx-0", "tx-0"]
    props = {p["name"]: p for p in g.mon.cmd("device-list-properties",
                                             typename="virtio-net-device")}
    for name in ("csum", "guest_csum", "gso", "host_tso4", "host_tso6",
                 "host_ecn", "host_ufo", "guest_tso4", "guest_tso6",
                 "guest_ecn", "guest_ufo", "guest_announce",
                 "ctrl_guest_offloads", "mq"):
        assert props[name]["type"] == "bool", name
    # Backends that cannot have several queues say so, as QEMU.
    r = run_binary("riscv64", ["-M", "virt", "-display", "none",
                               "-netdev", "user,id=n1,queues=2"])
    assert r.returncode != 0 and "queues" in r.stderr
    r = run_binary("riscv64", ["-M", "virt", "-display", "none",
                               "-net", "tap,queues=2"])
    assert r.returncode != 0
    assert "Multiqueue tap cannot be used with hubs" in r.stderr


def test_announce_self_asks_the_guest(guest, tmp_path):
    pcap = str(tmp_path / "announce.pcap")
    g = guest(args=["-netdev", "user,id=n0", "-device",
                    "virtio-net-device,netdev=n0,mac=52:54:00:00:00:77",
                    "-object", "filter-dump,id=f0,netdev=n0,file=" + pcap])
    g.console.expect(READY)
    g.console.run(GUEST_NET)
    if not is_vireo(g.mon.greeting):
        return
    assert F_GUEST_ANNOUNCE in net_features(g)
    mac = bytes.fromhex("525400000077")
    g.mon.cmd("announce-self", initial=50, max=50, rounds=1, step=10)

    def gratuitous_arp():
        for frame, _ in pcap_frames(pcap):
            # An ARP from the guest whose sender and target are its own
            # address: the guest announced itself.
            if (frame[6:12] == mac and frame[12:14] == b"\x08\x06" and
                    frame[28:32] == bytes([10, 0, 2, 15]) and
                    frame[38:42] == bytes([10, 0, 2, 15])):
                return True
        return False

    deadline = time.monotonic() + 60
    while not gratuitous_arp():
        assert time.monotonic() < deadline, "the guest did not announce"
        g.console.run("sleep 0.5")
    # And the RARP the host sends for it, as before.
    assert any(f[6:12] == mac and f[12:14] == b"\x80\x35"
               for f, _ in pcap_frames(pcap))


needs_tap = pytest.mark.skipif(not tap_possible(),
                               reason="tap interfaces need root")


@needs_tap
@pytest.mark.parametrize("model", ["virtio-net-device", "virtio-net-pci"])
def test_tap_two_queues_with_vnet_hdr(guest, tmp_path, model):
    n = (os.getpid() + (model == "virtio-net-pci")) % 200 + 20
    ifname = "vireomq%d" % n
    host, addr = "10.79.%d.1" % n, "10.79.%d.2" % n
    g = guest(smp=2, args=[
        "-netdev", "tap,id=t0,ifname=%s,script=no,downscript=no,"
        "vnet_hdr=on,queues=2" % ifname,
        "-device", "%s,netdev=t0,id=nic0,mq=on" % model])
    try:
        ip("addr", "add", host + "/24", "dev", ifname)
        ip("link", "set", ifname, "up")
        g.console.expect(READY)
        info = hmp(g.mon, "info network")
        for q in (0, 1):
            assert "nic0: index=%d,type=nic" % q in info
            assert "t0: index=%d,type=tap,ifname=%s" % (q, ifname) in info
        features = net_features(g)
        assert F_MQ in features and set(OFFLOADS) <= features
        # Two CPUs: the driver asks for both pairs.
        assert queues(g) == ["rx-0", "rx-1", "tx-0", "tx-1"]
        g.console.run("ip link set eth0 up; ip addr add %s/24 dev eth0"
                      % addr)
        out = g.console.run("ping -c 3 -W 5 %s" % host, timeout=60)
        assert " 0% packet loss" in out, out
        # Headers pass between the guest and the kernel: super-packets
        # both ways, data intact.
        size = 8 << 20
        rx0 = stat(g, "rx_packets")
        host_to_guest(g, tmp_path, size, host=host, guest_host=host)
        assert stat(g, "rx_packets") - rx0 < size // MSS // 2
        tx0 = stat(g, "tx_packets")
        guest_to_host(g, size >> 20, host=host, guest_host=host)
        assert stat(g, "tx_packets") - tx0 < size // MSS // 2
    finally:
        g.close()
    # Every queue closed, the interface went with the emulator.
    assert subprocess.run(["ip", "link", "show", ifname],
                          capture_output=True).returncode != 0


TUNSETIFF = 0x400454ca
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR, IFF_MULTI_QUEUE = 0x2, 0x1000, 0x4000, 0x100


def open_tap_queue(ifname, vnet_hdr):
    import fcntl
    fd = os.open("/dev/net/tun", os.O_RDWR)
    flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE | (IFF_VNET_HDR if vnet_hdr
                                                     else 0)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), flags))
    return fd


@needs_tap
def test_tap_fds_from_a_manager(launch):
    ifname = "vireofds%d" % (os.getpid() % 10000)
    fds = [open_tap_queue(ifname, True) for _ in range(2)]
    plain = [open_tap_queue(ifname + "p", False) for _ in range(2)]
    # The kernel keeps one header flag per interface: two of them.
    odd = [open_tap_queue(ifname + n, v) for n, v in (("x", True),
                                                      ("y", False))]
    try:
        m = launch("riscv64", args=[
            "-M", "virt", "-S", "-netdev",
            "tap,id=t0,fds=%d:%d" % tuple(fds),
            "-device", "virtio-net-device,netdev=t0,id=nic0,mq=on"],
            pass_fds=fds + plain + odd)
        m.mon = m.qmp()
        info = hmp(m.mon, "info network")
        for q in (0, 1):
            assert "nic0: index=%d,type=nic" % q in info
            assert "t0: index=%d,type=tap,fd=%d" % (q, fds[q]) in info
        # Every queue goes with its netdev.
        m.mon.cmd("netdev_add", type="tap", id="t1",
                  fds="%d:%d" % tuple(plain))
        assert "t1: index=1,type=tap,fd=%d" % plain[1] in hmp(
            m.mon, "info network")
        m.mon.cmd("netdev_del", id="t1")
        assert "t1:" not in hmp(m.mon, "info network")
        # Queues must agree about the header.
        expect_error(m.mon, "netdev_add",
                     {"type": "tap", "id": "t2",
                      "fds": "%d:%d" % tuple(odd)},
                     desc="vnet_hdr not consistent across given tap fds")
        assert "t2:" not in hmp(m.mon, "info network")
        expect_error(m.mon, "netdev_add",
                     {"type": "tap", "id": "t3", "fds": "%d" % fds[0],
                      "queues": 2}, desc="are invalid with fds=")
    finally:
        for fd in fds + plain + odd:
            os.close(fd)
