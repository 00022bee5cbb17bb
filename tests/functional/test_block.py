# Vireo functional tests: disks for the riscv64 guest (-drive, -blockdev,
# virtio-blk-device) and the block QMP commands around them.
# SPDX-License-Identifier: MIT

import os
import re

import pytest

from conftest import expect_error, is_vireo
from test_riscv_boot import READY, guest  # noqa: F401  (fixture)


def make_raw(path, size):
    with open(path, "wb") as f:
        f.truncate(size)
    return str(path)


def test_ext2_survives_reboot(guest, tmp_path):
    disk = make_raw(tmp_path / "disk.raw", 64 << 20)
    g = guest(args=["-drive", "file=%s,format=raw,if=virtio,id=d0" % disk])
    g.console.expect(READY)
    out = g.console.run("mkfs.ext2 -q /dev/vda && mkdir -p /mnt && "
                        "mount /dev/vda /mnt && "
                        "dd if=/dev/urandom of=/mnt/f bs=1k count=3000 "
                        "2>/dev/null && md5sum /mnt/f && umount /mnt")
    before = re.search(r"([0-9a-f]{32})\s+/mnt/f", out).group(1)
    stats = g.mon.cmd("query-blockstats")
    d0 = [s for s in stats if s["device"] == "d0"][0]["stats"]
    assert d0["wr_bytes"] >= 3000 * 1024 and d0["wr_operations"] > 0
    assert d0["flush_operations"] > 0
    g.mon.cmd("system_reset")
    g.console.expect(READY)
    out = g.console.run("mkdir -p /mnt && mount /dev/vda /mnt && "
                        "md5sum /mnt/f && umount /mnt")
    assert before in out
    info = g.mon.cmd("query-block")
    d0 = [b for b in info if b["device"] == "d0"][0]
    assert d0["inserted"]["drv"] == "raw"
    assert d0["inserted"]["file"] == disk
    assert d0["inserted"]["image"]["virtual-size"] == 64 << 20
    # if=virtio is QEMU's "virtio-blk" alias: virtio-blk-pci on riscv virt.
    assert d0["qdev"].startswith("/machine/peripheral-anon/")
    assert d0["qdev"].endswith("/virtio-backend")
    # -drive's nodes have automatic names, and QEMU lists them too.
    auto = {n["node-name"]: n["drv"]
            for n in g.mon.cmd("query-named-block-nodes")}
    assert sorted(auto.values()) == ["file", "raw"], auto
    assert all(re.fullmatch(r"#block\d+", name) for name in auto), auto
    assert d0["inserted"]["node-name"] in auto


def test_blockdev_nodes_resize_and_del(guest, tmp_path):
    disk = make_raw(tmp_path / "disk.raw", 32 << 20)
    spare = make_raw(tmp_path / "spare.raw", 1 << 20)
    g = guest(args=[
        "-blockdev", '{"driver":"file","filename":"%s",'
                     '"node-name":"proto0"}' % disk,
        "-blockdev", "driver=raw,node-name=fmt0,file=proto0",
        "-device", "virtio-blk-device,drive=fmt0,id=disk0,serial=VIREO123"])
    g.console.expect(READY)
    assert g.console.run("cat /sys/block/vda/size").strip() == str(
        (32 << 20) // 512)
    assert "VIREO123" in g.console.run("cat /sys/block/vda/serial")
    mon = g.mon
    nodes = {n["node-name"]: n for n in mon.cmd("query-named-block-nodes")}
    assert nodes["fmt0"]["drv"] == "raw" and nodes["proto0"]["drv"] == "file"
    blocks = mon.cmd("query-block")
    assert [b["qdev"] for b in blocks if b["device"] == ""] == ["disk0"]
    # The guest sees a resize through a config change.
    mon.cmd("block_resize", **{"node-name": "fmt0", "size": 48 << 20})
    assert os.path.getsize(disk) == 48 << 20
    out = g.console.run("sleep 1; cat /sys/block/vda/size")
    assert out.strip() == str((48 << 20) // 512)
    # A node in use stays; one that is not goes.
    expect_error(mon, "blockdev-del", {"node-name": "fmt0"},
                 desc="in use")
    mon.cmd("blockdev-add", driver="file", filename=spare,
            **{"node-name": "spare0"})
    expect_error(mon, "blockdev-add", {"driver": "file", "filename": spare,
                                       "node-name": "spare0"},
                 desc="Duplicate nodes with node-name='spare0'")
    mon.cmd("blockdev-del", **{"node-name": "spare0"})
    expect_error(mon, "blockdev-del", {"node-name": "spare0"},
                 desc="Failed to find node with node-name='spare0'")
    expect_error(mon, "block_resize", {"device": "nope", "size": 1 << 20},
                 cls="DeviceNotFound")


def test_read_only_drive(guest, tmp_path):
    disk = make_raw(tmp_path / "ro.raw", 8 << 20)
    with open(disk, "r+b") as f:
        f.write(b"VIREO-RO-CONTENT")
    g = guest(args=["-drive", "file=%s,format=raw,if=virtio,readonly=on"
                    % disk])
    g.console.expect(READY)
    assert "VIREO-RO-CONTENT" in g.console.run("head -c 16 /dev/vda")
    assert g.console.run("cat /sys/block/vda/ro").strip() == "1"
    g.console.run("echo x | dd of=/dev/vda conv=notrunc 2>&1")
    with open(disk, "rb") as f:
        assert f.read(16) == b"VIREO-RO-CONTENT"


def test_drive_errors(guest, tmp_path):
    from conftest import run_binary
    disk = make_raw(tmp_path / "d.raw", 1 << 20)
    cases = [
        ("file=%s,format=raw,if=ide" % disk, "unsupported bus type 'ide'"),
        ("file=%s,format=nope" % disk, "Unknown driver 'nope'"),
        ("file=%s,format=raw,cache=bogus" % disk, "invalid cache option"),
        ("file=%s,format=raw,werror=bogus" % disk,
         "'bogus' invalid write error action"),
        ("file=/nonexistent/x,format=raw", "Could not open"),
    ]
    for arg, msg in cases:
        r = run_binary("riscv64", ["-M", "virt", "-display", "none",
                                   "-nodefaults", "-drive", arg])
        assert r.returncode == 1, arg
        assert msg in r.stderr, (arg, r.stderr)
        assert "-drive " + arg in r.stderr


def test_qcow2_overlay_written_by_guest(guest, tmp_path):
    import subprocess
    img = os.path.join(os.path.dirname(os.environ.get(
        "VIREO_SYSTEM_RISCV64", "build/x")), "vireo-img")
    base, top = str(tmp_path / "base.qcow2"), str(tmp_path / "top.qcow2")
    subprocess.run([img, "create", "-f", "qcow2", base, "32M"], check=True,
                   capture_output=True)
    subprocess.run(["qemu-io", "-c", "write -P 0x5a 0 64k", base],
                   check=True, capture_output=True)
    subprocess.run([img, "create", "-f", "qcow2", "-b", base, "-F", "qcow2",
                    top], check=True, capture_output=True)
    g = guest(args=[
        "-blockdev", '{"driver":"file","filename":"%s","node-name":"p"}'
                     % top,
        "-blockdev", '{"driver":"qcow2","node-name":"q","file":"p"}',
        "-device", "virtio-blk-device,drive=q,id=disk0"])
    g.console.expect(READY)
    # Reads fall through to the backing file; writes land in the overlay.
    assert "5a5a5a5a" in g.console.run(
        "dd if=/dev/vda bs=512 count=1 2>/dev/null | od -An -tx4 | head -1"
    ).replace(" ", "")
    g.console.run("echo overlay-data | dd of=/dev/vda bs=512 seek=1 "
                  "conv=sync,notrunc 2>/dev/null; sync")
    nodes = {n["node-name"]: n for n in g.mon.cmd("query-named-block-nodes")}
    assert nodes["q"]["backing_file_depth"] == 1
    assert nodes["q"]["image"]["backing-image"]["filename"] == base
    g.mon.cmd("quit")
    g.proc.wait(30)
    # Debian's QEMU reads what the guest wrote, and finds the image sound.
    subprocess.run(["qemu-img", "check", top], check=True,
                   capture_output=True)
    r = subprocess.run(["qemu-io", "-c", "read -P 0x5a 0 512", "-c",
                        "read -v 512 12", top], capture_output=True,
                       text=True, check=True)
    assert "overlay.data" in r.stdout  # qemu-io shows "-" as "."
    r = subprocess.run(["qemu-io", "-c", "read -P 0x5a 512 512", base],
                       capture_output=True, text=True, check=True)
    assert "Pattern verification failed" not in r.stdout


def test_create_job_snapshots_and_transaction(guest, tmp_path):
    import subprocess
    disk = make_raw(tmp_path / "base.raw", 16 << 20)
    g = guest(args=["-drive", "file=%s,format=raw,if=virtio,id=d0,"
                    "node-name=base" % disk])
    g.console.expect(READY)
    mon = g.mon
    # blockdev-create formats a new qcow2 in a job that waits for dismiss.
    ovl = str(tmp_path / "ovl.qcow2")
    open(ovl, "wb").close()
    mon.cmd("blockdev-add", driver="file", filename=ovl,
            **{"node-name": "ovl-file"})
    mon.cmd("blockdev-create", **{"job-id": "c1", "options": {
        "driver": "qcow2", "file": "ovl-file", "size": 16 << 20}})
    seen = []
    while "concluded" not in seen:
        seen.append(mon.wait_event("JOB_STATUS_CHANGE",
                                   timeout=30)["data"]["status"])
    assert seen[:2] == ["created", "running"]
    jobs = mon.cmd("query-jobs")
    assert jobs == [{"id": "c1", "type": "create", "status": "concluded",
                     "current-progress": 1, "total-progress": 1}]
    expect_error(mon, "blockdev-create", {"job-id": "c1", "options": {
        "driver": "qcow2", "file": "ovl-file", "size": 1 << 20}},
        desc="Job ID 'c1' already in use")
    mon.cmd("job-dismiss", id="c1")
    assert mon.cmd("query-jobs") == []
    mon.cmd("blockdev-add", driver="qcow2", file="ovl-file", backing=None,
            **{"node-name": "ovl"})
    # A transaction with a bad action changes nothing.
    expect_error(mon, "transaction", {"actions": [
        {"type": "blockdev-snapshot",
         "data": {"node": "base", "overlay": "ovl"}},
        {"type": "blockdev-snapshot",
         "data": {"node": "base", "overlay": "missing"}}]},
        desc="missing")
    assert mon.cmd("query-block")[0]["inserted"]["node-name"] == "base"
    mon.cmd("transaction", actions=[
        {"type": "blockdev-snapshot",
         "data": {"node": "base", "overlay": "ovl"}}])
    top = mon.cmd("query-block")[0]["inserted"]
    assert top["node-name"] == "ovl" and top["backing_file_depth"] == 1
    # The guest now writes into the overlay; the raw base stays as it was.
    g.console.run("echo into-overlay | dd of=/dev/vda conv=sync "
                  "2>/dev/null; sync")
    with open(disk, "rb") as f:
        assert f.read(512) == bytes(512)
    # blockdev-snapshot-sync makes a second overlay on top.
    snap2 = str(tmp_path / "snap2.qcow2")
    mon.cmd("blockdev-snapshot-sync", device="d0", **{
        "snapshot-file": snap2, "snapshot-node-name": "snap2",
        "format": "qcow2"})
    top = mon.cmd("query-block")[0]["inserted"]
    assert top["node-name"] == "snap2" and top["backing_file_depth"] == 2
    g.console.run("echo 2 > /proc/sys/vm/drop_caches; "
                  "dd if=/dev/vda bs=512 count=1 2>/dev/null | head -c 12")
    mon.cmd("quit")
    g.proc.wait(30)
    r = subprocess.run(["qemu-io", "-c", "read -v 0 12", snap2],
                       capture_output=True, text=True, check=True)
    assert "into.overlay" in r.stdout
    subprocess.run(["qemu-img", "check", snap2], check=True,
                   capture_output=True)


def test_detect_zeroes(guest, tmp_path):
    import json
    import subprocess
    img = str(tmp_path / "z.qcow2")
    subprocess.run(["qemu-img", "create", "-f", "qcow2", img, "16M"],
                   check=True, capture_output=True)
    g = guest(args=[
        "-blockdev", '{"driver":"file","filename":"%s","node-name":"f"}'
                     % img,
        "-blockdev", '{"driver":"qcow2","node-name":"q","file":"f",'
                     '"detect-zeroes":"on"}',
        "-device", "virtio-blk-device,drive=q"])
    g.console.expect(READY)
    nodes = {n["node-name"]: n for n in g.mon.cmd("query-named-block-nodes")}
    assert nodes["q"]["detect_zeroes"] == "on"
    # Zeroes become zero clusters; real data is written as data.
    g.console.run("dd if=/dev/zero of=/dev/vda bs=65536 count=16 "
                  "conv=fsync 2>/dev/null; echo x | dd of=/dev/vda bs=512 "
                  "seek=4096 conv=sync,fsync 2>/dev/null")
    g.mon.cmd("quit")
    g.proc.wait(30)
    m = json.loads(subprocess.run(["qemu-img", "map", "--output=json", img],
                                  check=True, capture_output=True,
                                  text=True).stdout)
    first = [e for e in m if e["start"] == 0][0]
    assert first["zero"] and not first["data"]
    assert any(e["data"] and e["start"] <= 2 << 20 < e["start"] + e["length"]
               for e in m)


@pytest.mark.parametrize("how", ["snapshot=on", "-snapshot"])
def test_snapshot_leaves_image_untouched(guest, tmp_path, how):
    disk = make_raw(tmp_path / "disk.raw", 16 << 20)
    with open(disk, "r+b") as f:
        f.write(b"original")
    before = open(disk, "rb").read()
    drive = "file=%s,format=raw,if=virtio,id=d0" % disk
    args = ["-drive", drive + ",snapshot=on"] if how == "snapshot=on" \
        else ["-snapshot", "-drive", drive]
    g = guest(args=args)
    g.console.expect(READY)
    out = g.console.run("dd if=/dev/vda bs=8 count=1 2>/dev/null; echo; "
                        "echo changed | dd of=/dev/vda conv=fsync "
                        "2>/dev/null; dd if=/dev/vda bs=7 count=1 "
                        "2>/dev/null")
    assert "original" in out and "changed" in out
    # The guest's writes live in a qcow2 overlay whose backing is the image.
    d0 = [b for b in g.mon.cmd("query-block") if b["device"] == "d0"][0]
    assert d0["inserted"]["drv"] == "qcow2"
    assert d0["inserted"]["backing_file_depth"] == 1
    assert d0["inserted"]["image"]["backing-image"]["filename"] == disk
    # Named as QEMU names it (its backing is not one the image names).
    assert d0["inserted"]["file"].startswith(
        'json:{"backing": {"driver": "raw", "file": {"driver": "file", '
        '"filename": "%s"}}, "driver": "qcow2", "file": {"driver": "file", '
        '"filename": "' % disk)
    assert d0["inserted"]["backing_file"] == disk
    g.mon.cmd("quit")
    g.proc.wait(30)
    assert open(disk, "rb").read() == before
    # Nothing is left behind in the temporary directory either.
    assert not [p for p in os.listdir(os.environ.get("TMPDIR", "/var/tmp"))
                if p.startswith("vl.") and
                os.path.getmtime(os.path.join(
                    os.environ.get("TMPDIR", "/var/tmp"), p)) >
                os.path.getmtime(disk)]


def test_write_threshold(guest, tmp_path):
    disk = make_raw(tmp_path / "disk.raw", 32 << 20)
    g = guest(args=["-blockdev", '{"driver":"raw","node-name":"thr0",'
                    '"file":{"driver":"file","filename":"%s"}}' % disk,
                    "-device", "virtio-blk-pci,drive=thr0,id=vd0"])
    g.console.expect(READY)
    expect_error(g.mon, "block-set-write-threshold",
                 {"node-name": "nope", "write-threshold": 1},
                 desc="^Device 'nope' not found$")
    g.mon.cmd("block-set-write-threshold", **{"node-name": "thr0",
                                              "write-threshold": 4 << 20})
    node = [n for n in g.mon.cmd("query-named-block-nodes")
            if n["node-name"] == "thr0"][0]
    assert node["write_threshold"] == 4 << 20
    # Below the threshold: nothing.  Past it: one event, then disarmed.
    g.console.run("dd if=/dev/zero of=/dev/vda bs=64k count=4 oflag=direct "
                  "2>/dev/null")
    g.console.run("dd if=/dev/zero of=/dev/vda bs=64k seek=128 count=4 "
                  "oflag=direct 2>/dev/null")
    ev = g.mon.wait_event("BLOCK_WRITE_THRESHOLD", timeout=30)["data"]
    assert ev["node-name"] == "thr0" and ev["write-threshold"] == 4 << 20
    # offset + length - threshold of the first write past it (at 8 MiB).
    assert (4 << 20) < ev["amount-exceeded"] <= (4 << 20) + (256 << 10)
    node = [n for n in g.mon.cmd("query-named-block-nodes")
            if n["node-name"] == "thr0"][0]
    assert node["write_threshold"] == 0
    g.console.run("dd if=/dev/zero of=/dev/vda bs=64k seek=256 count=4 "
                  "oflag=direct 2>/dev/null")
    g.mon.cmd("query-status")      # events before this reply are in
    assert not [e for e in g.mon.pending_events()
                if e["event"] == "BLOCK_WRITE_THRESHOLD"]


def test_internal_snapshots(guest, tmp_path):
    import subprocess
    img = str(tmp_path / "i.qcow2")
    raw = make_raw(tmp_path / "r.raw", 1 << 20)
    subprocess.run(["qemu-img", "create", "-f", "qcow2", img, "16M"],
                   check=True, capture_output=True)
    g = guest(args=[
        "-blockdev", '{"driver":"qcow2","node-name":"q",'
                     '"file":{"driver":"file","filename":"%s"}}' % img,
        "-device", "virtio-blk-pci,drive=q,id=vd0",
        "-drive", "file=%s,format=raw,if=none,id=rawd" % raw])
    g.console.expect(READY)
    mon = g.mon

    def write(word):
        g.console.run("echo %s | dd of=/dev/vda conv=fsync 2>/dev/null"
                      % word)

    write("first")
    mon.cmd("blockdev-snapshot-internal-sync", device="q", name="s1")
    write("second")
    mon.cmd("transaction", actions=[
        {"type": "blockdev-snapshot-internal-sync",
         "data": {"device": "q", "name": "s2"}}])
    write("third")
    for args, desc in (
            ({"device": "q", "name": ""}, "^Name is empty$"),
            ({"device": "q", "name": "s1"},
             "^Snapshot with name 's1' already exists on device 'q'$"),
            ({"device": "rawd", "name": "x"},
             "^Block format 'raw' used by device 'rawd' does not support "
             "internal snapshots$")):
        expect_error(mon, "blockdev-snapshot-internal-sync", args, desc=desc)
    expect_error(mon, "blockdev-snapshot-internal-sync",
                 {"device": "nope", "name": "x"}, cls="DeviceNotFound")
    # All or nothing: the failing second action takes s3 back out.
    expect_error(mon, "transaction", {"actions": [
        {"type": "blockdev-snapshot-internal-sync",
         "data": {"device": "q", "name": "s3"}},
        {"type": "blockdev-snapshot",
         "data": {"node": "q", "overlay": "missing"}}]})
    info = mon.cmd("blockdev-snapshot-delete-internal-sync", device="q",
                   name="s1")
    assert info["name"] == "s1" and info["id"] and info["vm-state-size"] == 0
    assert info["date-sec"] > 1700000000
    expect_error(mon, "blockdev-snapshot-delete-internal-sync",
                 {"device": "q", "name": "s1"},
                 desc="^Snapshot with id '\\(null\\)' and name 's1' does "
                      "not exist on device 'q'$")
    expect_error(mon, "blockdev-snapshot-delete-internal-sync",
                 {"device": "q"}, desc="^Name or id must be provided$")
    mon.cmd("quit")
    g.proc.wait(30)
    # Debian's qemu-img agrees: s2 only, a clean image, s2 holds "second".
    out = subprocess.run(["qemu-img", "snapshot", "-l", img], check=True,
                         capture_output=True, text=True).stdout
    names = re.findall(r"^\d+\s+(\S+)\s", out, re.M)
    assert names == ["s2"], out
    subprocess.run(["qemu-img", "check", img], check=True,
                   capture_output=True)
    snap = str(tmp_path / "s2.raw")
    subprocess.run(["qemu-img", "convert", "-l", "snapshot.name=s2", "-O",
                    "raw", img, snap], check=True, capture_output=True)
    assert open(snap, "rb").read(6) == b"second"
    assert open(img, "rb").read(4) == b"QFI\xfb"


@pytest.mark.parametrize("how", ["blockdev", "drive", "drive-snapshot"])
def test_copy_on_read(guest, tmp_path, how):
    import json
    import subprocess
    base, top = str(tmp_path / "base.qcow2"), str(tmp_path / "top.qcow2")
    subprocess.run(["qemu-img", "create", "-f", "qcow2", base, "8M"],
                   check=True, capture_output=True)
    subprocess.run(["qemu-io", "-c", "write -P 0x5a 0 128k", "-c",
                    "write -P 0xa5 4M 128k", base], check=True,
                   capture_output=True)
    subprocess.run(["qemu-img", "create", "-f", "qcow2", "-b", base, "-F",
                    "qcow2", top], check=True, capture_output=True)
    if how == "blockdev":
        # The filter driver stays for -blockdev, as in QEMU.
        args = ["-blockdev", '{"driver":"qcow2","node-name":"top",'
                '"file":{"driver":"file","filename":"%s"}}' % top,
                "-blockdev", '{"driver":"copy-on-read","node-name":"cor",'
                '"file":"top"}',
                "-device", "virtio-blk-pci,drive=cor"]
    else:
        args = ["-drive", "file=%s,format=qcow2,if=virtio,id=d0,"
                "copy-on-read=on,node-name=top%s"
                % (top, ",snapshot=on" if how == "drive-snapshot" else "")]
    g = guest(args=args)
    g.console.expect(READY)
    # QEMU 9.2: -drive copy-on-read=on sets the flag on the drive's top
    # node, no copy-on-read node in the graph; -blockdev has its filter.
    drivers = [n["drv"] for n in g.mon.cmd("query-named-block-nodes")]
    graph = g.mon.cmd("x-debug-query-block-graph")
    name = {n["id"]: n["name"] for n in graph["nodes"]}
    kids = {}
    for e in graph["edges"]:
        kids.setdefault(name[e["parent"]], {})[e["name"]] = name[e["child"]]
    if how == "blockdev":
        assert drivers.count("copy-on-read") == 1
        assert kids["cor"] == {"file": "top"}
    else:
        assert "copy-on-read" not in drivers, drivers
        blocks = {b["device"]: b for b in g.mon.cmd("query-block")}
        assert blocks["d0"]["inserted"]["drv"] == "qcow2"
        root = kids["d0"]["root"]
        if how == "drive":
            # The backend's root is the qcow2 node itself.
            assert root == "top", graph
        else:
            # The temporary overlay, right over the image.
            assert kids[root]["backing"] == "top", graph
        assert sorted(kids["top"]) == ["backing", "file"], graph
    out = g.console.run("dd if=/dev/vda bs=64k count=2 iflag=direct "
                        "2>/dev/null | od -An -v -tx1 | tr -s ' ' '\\n' | "
                        "sort -u | tr '\\n' -")
    assert out.split()[-1] == "-5a-", out
    g.mon.cmd("quit")
    g.proc.wait(30)
    # What was read now lives in the top image; the rest is still below.
    # With snapshot=on the copies went to the temporary overlay.
    m = json.loads(subprocess.run(["qemu-img", "map", "--output=json", top],
                                  check=True, capture_output=True,
                                  text=True).stdout)
    at = {e["start"]: e["depth"] for e in m if e["data"]}
    if how == "drive-snapshot":
        assert at[0] == 1 and at[4 << 20] == 1, m
    else:
        assert at[0] == 0 and at[4 << 20] == 1, m
    subprocess.run(["qemu-img", "check", top], check=True,
                   capture_output=True)


def test_copy_on_read_read_only_drive(guest, tmp_path):
    """QEMU's warning, and the drive reads without copying."""
    import json
    import subprocess
    base, top = str(tmp_path / "base.qcow2"), str(tmp_path / "top.qcow2")
    subprocess.run(["qemu-img", "create", "-f", "qcow2", base, "8M"],
                   check=True, capture_output=True)
    subprocess.run(["qemu-io", "-c", "write -P 0x5a 0 128k", base],
                   check=True, capture_output=True)
    subprocess.run(["qemu-img", "create", "-f", "qcow2", "-b", base, "-F",
                    "qcow2", top], check=True, capture_output=True)
    g = guest(args=["-drive", "file=%s,format=qcow2,if=virtio,id=d0,"
                    "read-only=on,copy-on-read=on" % top])
    g.console.expect(READY)
    g.console.run("dd if=/dev/vda of=/dev/null bs=64k count=2 iflag=direct")
    g.mon.cmd("quit")
    g.proc.wait(30)
    err = g.proc.stderr.read().decode()
    assert "warning: disabling copy-on-read on read-only drive" in err, err
    m = json.loads(subprocess.run(["qemu-img", "map", "--output=json", top],
                                  check=True, capture_output=True,
                                  text=True).stdout)
    assert all(e["depth"] == 1 for e in m), m
