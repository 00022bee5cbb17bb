# Vireo functional tests: filter-dump writes the frames of a netdev to a
# pcap file (classic format, Ethernet link type), from -object and
# object-add, cut at maxlen; bad options are refused.
# SPDX-License-Identifier: MIT

import os
import socket
import struct

from conftest import expect_error


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, vmaj, vmin, _, _, snaplen, link = struct.unpack("<IHHiIII",
                                                           data[:24])
    assert (magic, vmaj, vmin, link) == (0xa1b2c3d4, 2, 4, 1)
    frames, off = [], 24
    while off < len(data):
        _, _, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        frames.append((data[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    assert off == len(data)
    return snaplen, frames


def test_filter_dump_records_frames(launch, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    pcap = str(tmp_path / "a.pcap")
    small = str(tmp_path / "b.pcap")
    m = launch("riscv64", args=[
        "-M", "virt", "-S", "-netdev",
        "stream,id=s0,server=on,addr.type=inet,addr.host=127.0.0.1,"
        "addr.port=%d" % port, "-device", "virtio-net-device,netdev=s0",
        "-object", "filter-dump,id=f0,netdev=s0,file=" + pcap])
    m.mon = m.qmp()
    m.mon.cmd("object-add", **{"qom-type": "filter-dump", "id": "f1",
                               "netdev": "s0", "file": small, "maxlen": 20})
    frames = [os.urandom(n) for n in (60, 1514, 100)]
    s = socket.create_connection(("127.0.0.1", port), 5)
    m.mon.wait_event("NETDEV_STREAM_CONNECTED", timeout=15)
    for f in frames:
        s.sendall(struct.pack(">I", len(f)) + f)
    # Once the monitor has answered after the frames, they are written.
    for _ in range(50):
        if len(read_pcap(pcap)[1]) == 3:
            break
        m.mon.cmd("query-status")
    snaplen, got = read_pcap(pcap)
    assert snaplen == 65536
    assert got == [(f, len(f)) for f in frames]
    snaplen, got = read_pcap(small)
    assert snaplen == 20
    assert got == [(f[:20], len(f)) for f in frames]
    m.mon.cmd("object-del", id="f1")
    s.close()

    expect_error(m.mon, "object-add", {"qom-type": "filter-dump",
                                       "id": "f2", "file": pcap},
                 desc="Parameter 'netdev' is missing")
    expect_error(m.mon, "object-add", {"qom-type": "filter-dump",
                                       "id": "f2", "netdev": "nope",
                                       "file": pcap},
                 desc="Parameter 'netdev' expects a network backend id")
    expect_error(m.mon, "object-add", {"qom-type": "filter-dump",
                                       "id": "f2", "netdev": "s0"},
                 desc="Parameter 'file' is missing")
    expect_error(m.mon, "object-add", {"qom-type": "filter-dump",
                                       "id": "f2", "netdev": "s0",
                                       "file": "/nonexistent/x.pcap"},
                 desc="can't open file")
