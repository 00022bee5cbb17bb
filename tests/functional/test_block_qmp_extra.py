# Vireo functional tests: latency histograms, x-debug-query-block-graph
# and query-block-jobs (written by helper-23; its copy-on-read, write
# threshold and internal snapshot tests are in test_block.py's versions).
# SPDX-License-Identifier: MIT

import subprocess

from conftest import expect_error
from imgtools import tool
from test_riscv_boot import READY, guest  # noqa: F401  (fixture)


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def test_latency_histograms(guest, tmp_path):
    disk = str(tmp_path / "disk.raw")
    with open(disk, "wb") as f:
        f.truncate(16 << 20)
    g = guest(args=["-drive", "file=%s,format=raw,if=none,id=d0" % disk,
                    "-device", "virtio-blk-device,drive=d0,id=disk0"])
    g.console.expect(READY)
    mon = g.mon

    def stats():
        return [s for s in mon.cmd("query-blockstats")
                if s["device"] == "d0"][0]["stats"]

    hset = "block-latency-histogram-set"
    # The id is the device's, as in QEMU (not the drive's).
    for bad in ("nope", "d0"):
        expect_error(mon, hset, {"id": bad}, cls="DeviceNotFound",
                     desc="^Device '%s' not found$" % bad)
    expect_error(mon, hset, {"id": "disk0", "boundaries": [10, 10]},
                 desc="^Device 'disk0' set read boundaries fail$")
    expect_error(mon, hset, {"id": "disk0", "boundaries-read": [1],
                             "boundaries-write": [0]},
                 desc="^Device 'disk0' set write boundaries fail$")
    expect_error(mon, hset, {"id": "disk0", "boundaries": [1],
                             "boundaries-zap": [5, 1]},
                 desc="^Device 'disk0' set append write boundaries fail$")
    mon.cmd(hset, id="disk0")               # clears them all
    assert "rd_latency_histogram" not in stats()
    mon.cmd(hset, id="disk0", boundaries=[100000, 1000000000],
            **{"boundaries-write": [1000, 10000, 100000000]})
    before = stats()
    for key in ("rd", "wr", "flush"):
        h = before[key + "_latency_histogram"]
        assert sum(h["bins"]) == 0
        assert len(h["bins"]) == len(h["boundaries"]) + 1
    g.console.run("dd if=/dev/vda of=/dev/null bs=4k count=20 iflag=direct "
                  "2>/dev/null; dd if=/dev/urandom of=/dev/vda bs=4k count=10 "
                  "oflag=direct conv=fsync 2>/dev/null; sync")
    after = stats()
    rd, wr = after["rd_latency_histogram"], after["wr_latency_histogram"]
    assert rd["boundaries"] == [100000, 1000000000]
    assert wr["boundaries"] == [1000, 10000, 100000000]
    # Every request since the reset falls in exactly one bin.
    assert sum(rd["bins"]) == \
        after["rd_operations"] - before["rd_operations"] >= 20
    assert sum(wr["bins"]) == \
        after["wr_operations"] - before["wr_operations"] >= 10
    assert sum(after["flush_latency_histogram"]["bins"]) == \
        after["flush_operations"] - before["flush_operations"] >= 1
    assert after["zone_append_latency_histogram"] == {
        "boundaries": [100000, 1000000000], "bins": [0, 0, 0]}
    # QEMU 9.2 looks only at boundaries, -read, -write and -flush to
    # decide on clearing: boundaries-zap alone clears everything.
    mon.cmd(hset, id="disk0", **{"boundaries-zap": [7]})
    s = stats()
    for key in ("rd", "wr", "zone_append", "flush"):
        assert key + "_latency_histogram" not in s


def test_block_graph_and_jobs(launch, tmp_path):
    img = str(tmp_path / "a.qcow2")
    raw = str(tmp_path / "b.raw")
    run([tool("vireo-img"), "create", "-f", "qcow2", img, "1M"])
    with open(raw, "wb") as f:
        f.truncate(1 << 20)
    m = launch("x86_64", args=[
        "-blockdev", '{"driver":"file","filename":"%s","node-name":"p"}'
                     % img,
        "-blockdev", '{"driver":"qcow2","node-name":"q","file":"p",'
                     '"backing":null}',
        "-drive", "file=%s,format=raw,if=none,id=d0,node-name=r" % raw])
    mon = m.qmp()
    # No block job types exist, so no block jobs either.
    assert mon.cmd("query-block-jobs") == []
    graph = mon.cmd("x-debug-query-block-graph")
    ids = {(n["type"], n["name"]): n["id"] for n in graph["nodes"]}
    assert len(ids) == len(graph["nodes"]) == \
        len({n["id"] for n in graph["nodes"]})
    assert ("block-backend", "d0") in ids
    for name in ("p", "q", "r"):
        assert ("block-driver", name) in ids
    edges = {(e["parent"], e["child"]): e for e in graph["edges"]}
    root = edges[(ids[("block-backend", "d0")], ids[("block-driver", "r")])]
    assert root["name"] == "root"
    # The backend writes and lets others read and resize (QEMU's order:
    # highest permission first).
    assert root["perm"] == ["write", "consistent-read"]
    assert root["shared-perm"] == ["resize", "write-unchanged",
                                   "consistent-read"]
    f = edges[(ids[("block-driver", "q")], ids[("block-driver", "p")])]
    assert f["name"] == "file"
    assert f["perm"] == ["resize", "write", "consistent-read"]
    assert f["shared-perm"] == ["write-unchanged", "consistent-read"]
    # The raw node's file child is an auto-named node.
    r_file = [e for e in graph["edges"]
              if e["parent"] == ids[("block-driver", "r")]]
    assert [e["name"] for e in r_file] == ["file"]
    name = [n["name"] for n in graph["nodes"]
            if n["id"] == r_file[0]["child"]][0]
    assert name.startswith("#block")
    assert all(e["parent"] in ids.values() and e["child"] in ids.values()
               for e in graph["edges"])
