# Vireo functional tests: I/O throttling (-drive throttling.*, throttle
# groups, block_set_io_throttle, the throttle filter node) with a riscv64
# guest reading its virtio disks.
# SPDX-License-Identifier: MIT
"""Rates are checked from below only: a transfer must take at least the
time its limit implies (less the tenth of a second a bucket lets through
at once, and some slack), never less time than some bound, so a slow
machine cannot make these tests fail."""

import re

from conftest import expect_error, run_binary
from test_block import make_raw
from test_riscv_boot import READY, guest  # noqa: F401  (fixture)

MB = 1000 * 1000
ZERO = dict(bps=0, bps_rd=0, bps_wr=0, iops=0, iops_rd=0, iops_wr=0)


def read_secs(g, dev, mib, skip_mib=0):
    """Read @mib MiB of @dev with O_DIRECT in the guest; dd's own time."""
    out = g.console.run("dd if=%s of=/dev/null bs=64k iflag=direct "
                        "count=%d skip=%d 2>&1" % (dev, mib * 16,
                                                   skip_mib * 16),
                        timeout=120)
    m = re.search(r"(\d+) bytes .* copied, ([\d.]+) seconds", out)
    assert m and int(m.group(1)) == mib << 20, out
    return float(m.group(2))


def min_secs(nbytes, bps):
    """The least time @nbytes take at @bps: all but a tenth of a second's
    worth waits, and 10% slack for timer granularity."""
    return (nbytes - bps / 10) / bps * 0.9


def inserted(g, device):
    return [b for b in g.mon.cmd("query-block")
            if b["device"] == device][0]["inserted"]


def test_drive_bps_limit_and_live_change(guest, tmp_path):
    disk = make_raw(tmp_path / "disk.raw", 32 << 20)
    g = guest(args=["-drive", "file=%s,format=raw,if=virtio,id=d0,"
                    "throttling.bps-total=2000000" % disk])
    g.console.expect(READY)
    info = inserted(g, "d0")
    assert (info["bps"], info["bps_rd"], info["iops"]) == (2 * MB, 0, 0)
    assert info["group"] == "d0"            # named after the drive
    assert "bps_max" not in info and "iops_size" not in info
    assert read_secs(g, "/dev/vda", 4) >= min_secs(4 << 20, 2 * MB)

    # Halve the rate while the guest runs.
    g.mon.cmd("block_set_io_throttle", device="d0",
              **dict(ZERO, bps=MB, bps_max=2 * MB, bps_max_length=1))
    info = inserted(g, "d0")
    assert (info["bps"], info["bps_max"], info["bps_max_length"]) == \
        (MB, 2 * MB, 1)
    # A burst bucket of max x length = 2 MB goes first, then 1 MB/s.
    assert read_secs(g, "/dev/vda", 4, skip_mib=4) >= \
        ((4 << 20) - 2 * MB) / MB * 0.9

    # All zero: no limits, no group.
    g.mon.cmd("block_set_io_throttle", device="d0", **ZERO)
    info = inserted(g, "d0")
    assert info["bps"] == 0 and "group" not in info
    read_secs(g, "/dev/vda", 4, skip_mib=8)


def test_group_shares_budget(guest, tmp_path):
    """Two disks in one group read at once: together they get the
    group's rate, so 2 MiB each take as long as 4 MiB on one disk."""
    a = make_raw(tmp_path / "a.raw", 16 << 20)
    b = make_raw(tmp_path / "b.raw", 16 << 20)
    g = guest(args=[
        "-drive", "file=%s,format=raw,if=virtio,id=da,bps=2000000,"
                  "group=shared" % a,
        "-drive", "file=%s,format=raw,if=virtio,id=db,"
                  "throttling.bps-total=2000000,throttling.group=shared" % b])
    g.console.expect(READY)
    for dev in ("da", "db"):
        info = inserted(g, dev)
        assert info["group"] == "shared" and info["bps"] == 2 * MB
    out = g.console.run(
        "s=$(cut -d' ' -f1 /proc/uptime); "
        "for d in vda vdb; do dd if=/dev/$d of=/dev/null bs=64k "
        "iflag=direct count=32 2>/dev/null & done; wait; "
        "e=$(cut -d' ' -f1 /proc/uptime); echo \"took $s $e\"", timeout=120)
    m = re.search(r"took ([\d.]+) ([\d.]+)", out)
    assert m, out
    assert float(m.group(2)) - float(m.group(1)) >= \
        min_secs(4 << 20, 2 * MB) - 0.01
    # A new limit for one member is the whole group's.
    g.mon.cmd("block_set_io_throttle", device="da", **dict(ZERO, iops=500))
    assert inserted(g, "db")["iops"] == 500
    # Moving db to its own group leaves da's limits alone.
    g.mon.cmd("block_set_io_throttle", device="db",
              **dict(ZERO, bps=3 * MB, group="solo"))
    assert inserted(g, "db")["group"] == "solo"
    assert (inserted(g, "da")["iops"], inserted(g, "da")["bps"]) == (500, 0)


def test_throttle_filter_node(guest, tmp_path):
    disk = make_raw(tmp_path / "disk.raw", 32 << 20)
    g = guest(args=[
        "-object", "throttle-group,id=tg0,x-bps-total=2000000",
        "-blockdev", '{"driver":"file","filename":"%s","node-name":"f0"}'
                     % disk,
        "-blockdev", "driver=throttle,node-name=thr0,throttle-group=tg0,"
                     "file=f0",
        "-device", "virtio-blk-device,drive=thr0,id=vd0"])
    g.console.expect(READY)
    mon = g.mon
    limits = mon.cmd("qom-get", path="/objects/tg0", property="limits")
    assert limits["bps-total"] == 2 * MB and limits["iops-total"] == 0
    assert limits["bps-total-max-length"] == 1
    assert mon.cmd("qom-get", path="/objects/tg0",
                   property="x-bps-total") == 2 * MB
    nodes = {n["node-name"]: n for n in mon.cmd("query-named-block-nodes")}
    assert nodes["thr0"]["drv"] == "throttle"
    assert nodes["thr0"]["image"]["virtual-size"] == 32 << 20
    assert read_secs(g, "/dev/vda", 4) >= min_secs(4 << 20, 2 * MB)

    # New limits through qom-set; writes count too.
    mon.cmd("qom-set", path="/objects/tg0", property="limits",
            value={"bps-total": 0, "bps-write": MB})
    limits = mon.cmd("qom-get", path="/objects/tg0", property="limits")
    assert (limits["bps-total"], limits["bps-write"]) == (0, MB)
    out = g.console.run("dd if=/dev/zero of=/dev/vda bs=64k oflag=direct "
                        "count=32 2>&1", timeout=120)
    m = re.search(r"copied, ([\d.]+) seconds", out)
    assert m and float(m.group(1)) >= min_secs(2 << 20, MB), out
    # Reads are free now.
    read_secs(g, "/dev/vda", 4, skip_mib=4)

    expect_error(mon, "qom-set", {"path": "/objects/tg0",
                                  "property": "x-bps-total", "value": 5},
                 desc="^Property cannot be set after initialization$")
    expect_error(mon, "qom-set", {"path": "/objects/tg0",
                                  "property": "limits",
                                  "value": {"bps-total": 5}},
                 desc="^bps/iops/max total values and read/write values "
                      "cannot be used at the same time$")
    expect_error(mon, "object-del", {"id": "tg0"}, desc="in use")
    expect_error(mon, "blockdev-add", {"driver": "throttle",
                                       "node-name": "thr1", "file": "f0",
                                       "throttle-group": "nope"},
                 desc="^Throttle group 'nope' does not exist$")
    # block_set_io_throttle finds the device by id (anonymous backend).
    mon.cmd("block_set_io_throttle", id="vd0", **dict(ZERO, iops=50))
    blk = [b for b in mon.cmd("query-block") if b["qdev"] == "vd0"][0]
    assert blk["inserted"]["iops"] == 50 and \
        blk["inserted"]["group"] == "vd0"


def drive_error(arg):
    r = run_binary("riscv64", ["-M", "virt", "-display", "none",
                               "-nodefaults", "-drive", arg])
    assert r.returncode == 1, (arg, r.stderr)
    return r.stderr


def test_throttle_errors(tmp_path, launch):
    disk = make_raw(tmp_path / "d.raw", 1 << 20)
    base = "file=%s,format=raw,if=none,id=d0," % disk
    cases = [
        ("bps=100,bps_rd=5", "bps/iops/max total values and read/write "
         "values cannot be used at the same time"),
        ("throttling.bps-total=100,throttling.bps-total-max=50",
         "bps_max/iops_max cannot be lower than bps/iops"),
        ("iops_max=100", "bps_max/iops_max require corresponding bps/iops "
         "values"),
        ("throttling.bps-total=100,throttling.bps-total-max-length=5",
         "burst length set without burst rate"),
        ("throttling.iops-total=5,throttling.iops-total-max=6,"
         "throttling.iops-total-max-length=0", "the burst length cannot be 0"),
        ("throttling.bps-total=1000,throttling.bps-total-max=1000000000000000,"
         "throttling.bps-total-max-length=2",
         "burst length too high for this burst rate"),
        ("throttling.iops-total=2000000000000000",
         "bps/iops/max values must be within [0, 1000000000000000]"),
        ("iops_size=4096", "iops size requires an iops value to be set"),
        ("bps=5,throttling.bps-total=5", "'throttling.bps-total' and its "
         "alias 'bps' can't be used at the same time"),
        ("throttling.bps-total=fast",
         "Parameter 'throttling.bps-total' expects a number"),
    ]
    for arg, msg in cases:
        assert msg in drive_error(base + arg), arg

    m = launch("x86_64", args=["-drive", base + "iops=10"])
    mon = m.qmp()
    expect_error(mon, "block_set_io_throttle", dict(ZERO, device="nope"),
                 cls="DeviceNotFound", desc="^Device 'nope' not found$")
    expect_error(mon, "block_set_io_throttle", dict(ZERO, id="nope"),
                 cls="DeviceNotFound", desc="^Device 'nope' not found$")
    expect_error(mon, "block_set_io_throttle", ZERO,
                 desc="^Need exactly one of 'device' and 'id'$")
    expect_error(mon, "block_set_io_throttle",
                 dict(ZERO, device="d0", bps=-1),
                 desc=r"^bps/iops/max values must be within \[0, ")
    expect_error(mon, "block_set_io_throttle",
                 dict(ZERO, device="d0", iops=10, iops_max=5),
                 desc="^bps_max/iops_max cannot be lower than bps/iops$")
    expect_error(mon, "block_set_io_throttle",
                 dict(ZERO, device="d0", bps_max=5),
                 desc="^bps_max/iops_max require corresponding bps/iops "
                      "values$")
    # A failed call leaves the limits as they were.
    info = mon.cmd("query-block")[0]["inserted"]
    assert info["iops"] == 10 and info["group"] == "d0"
    expect_error(mon, "object-add", {"qom-type": "throttle-group", "id": "g",
                                     "x-iops-total": -1},
                 desc="^Property values cannot be negative$")
    expect_error(mon, "object-add", {"qom-type": "throttle-group", "id": "g",
                                     "limits": {"iops-total": 10,
                                                "iops-total-max": 5}},
                 desc="^bps_max/iops_max cannot be lower than bps/iops$")
    expect_error(mon, "object-add", {"qom-type": "throttle-group", "id": "g",
                                     "limits": {"bps-read-max-length":
                                                1 << 33}},
                 desc=r"^bps-read-max-length value must be in the range "
                      r"\[0, 4294967295\]$")
    # The drive's implicit group holds the name.
    expect_error(mon, "object-add", {"qom-type": "throttle-group",
                                     "id": "d0"},
                 desc="^A group with this name already exists$")
    mon.cmd("object-add", **{"qom-type": "throttle-group", "id": "g",
                             "limits": {"iops-total": 10}})
    assert mon.cmd("qom-get", path="/objects/g",
                   property="x-iops-total") == 10
    mon.cmd("object-del", id="g")
    r = run_binary("x86_64", ["-M", "none", "-display", "none",
                              "-nodefaults", "-blockdev",
                              "driver=null-co,node-name=n0", "-blockdev",
                              "driver=throttle,node-name=t0,file=n0,"
                              "throttle-group=missing"])
    assert r.returncode == 1
    assert "Throttle group 'missing' does not exist" in r.stderr
