# Vireo functional tests: I/O errors in a running riscv64 guest, injected
# by blkdebug nodes, handled by virtio-blk's werror/rerror policy as in
# QEMU (BLOCK_IO_ERROR, the VM stopped with io-error, the request retried
# on 'cont').
# SPDX-License-Identifier: MIT

import hashlib
import json
import os
import re

from conftest import expect_error, run_binary
from imgtools import qio, run, tool  # noqa: F401  (fixture)
from conftest import launch  # noqa: F401  (fixture)
from test_riscv_boot import READY, guest  # noqa: F401  (fixture)

MiB = 1 << 20
PATTERN = 0xab
# Guest blocks (4 KiB) the rules aim at, far from what booting reads.
WBLK, RBLK, WBLK2 = 2560, 2600, 2700


def make_disk(path, size=64 * MiB, fill=None):
    with open(path, "wb") as f:
        f.truncate(size)
        if fill is not None:
            f.seek(RBLK * 4096)
            f.write(bytes([fill]) * 4096)
    return str(path)


def write_config(path, sections):
    """A blkdebug config file in QEMU's -readconfig format."""
    with open(path, "w") as f:
        f.write("# blkdebug rules\n")
        for name, keys in sections:
            f.write("[%s]\n" % name)
            for k, v in keys.items():
                f.write('%s = "%s"\n' % (k, v))
            f.write("\n")
    return str(path)


def sector(blk):
    return blk * 8


def start(g, cmd):
    """Type @cmd on the console without waiting (the VM may stop)."""
    g.console.sock.sendall(("%s; echo @@RC=$?@@\n" % cmd).encode())


def finish(g, timeout=60):
    """The exit status and output of the command start() typed."""
    m = g.console.expect(rb"(?s)(.*)@@RC=(\d+)@@", timeout)
    return int(m.group(2)), m.group(1).decode(errors="replace")


def guest_write(blk, extra="oflag=direct"):
    return ("dd if=/dev/zero bs=4096 count=1 2>/dev/null | tr '\\000' "
            "'\\%03o' > /tmp/p && dd if=/tmp/p of=/dev/vda bs=4096 seek=%d "
            "count=1 %s" % (PATTERN, blk, extra))


def guest_read(blk):
    return ("dd if=/dev/vda bs=4096 skip=%d count=1 iflag=direct 2>/dev/null"
            " | od -An -tx1 | head -1" % blk)


def block_info(mon, device):
    return [b for b in mon.cmd("query-block") if b["device"] == device][0]


def image_has(path, blk, byte, fmt="raw"):
    r = run([tool("vireo-io"), "-r", "-U", "-f", fmt, "-c",
             "read -P 0x%02x %d 4096" % (byte, blk * 4096), path],
            check=False)
    return r.returncode == 0 and "Pattern verification failed" not in r.stdout


def wait_error(mon, stop=False, timeout=30):
    """The next BLOCK_IO_ERROR (and with @stop the STOP).  QEMU holds back
    a BLOCK_IO_ERROR within a second of the last one, so STOP may come
    first."""
    want = {"BLOCK_IO_ERROR", "STOP"} if stop else {"BLOCK_IO_ERROR"}
    got = {}
    while want - set(got):
        ev = mon.wait_event(None, timeout=timeout)
        if ev["event"] in want and ev["event"] not in got:
            got[ev["event"]] = ev
    if stop:
        assert mon.cmd("query-status") == {"running": False,
                                           "status": "io-error"}
    return got["BLOCK_IO_ERROR"]["data"]


def test_werror_rerror_stop_and_retry_on_cont(guest, tmp_path):
    """werror=stop/rerror=stop: the failing request stops the VM with
    QEMU's BLOCK_IO_ERROR; once the rule is used up, 'cont' retries it and
    the guest's dd completes, its data in the image."""
    disk = make_disk(tmp_path / "disk.raw", fill=0x5c)
    cfg = write_config(tmp_path / "rules.cfg", [
        ("inject-error", {"event": "write_aio", "errno": 5, "once": "on",
                          "sector": sector(WBLK), "iotype": "write"}),
        ("inject-error", {"event": "read_aio", "errno": 5, "once": "on",
                          "sector": sector(RBLK), "iotype": "read"}),
    ])
    g = guest(args=[
        "-drive", "if=none,id=d0,format=raw,werror=stop,rerror=stop,"
                  "file=blkdebug:%s:%s" % (cfg, disk),
        "-device", "virtio-blk-device,drive=d0,id=vd0"])
    g.console.expect(READY)
    mon = g.mon
    d0 = block_info(mon, "d0")
    assert d0["io-status"] == "ok"
    assert d0["inserted"]["drv"] == "raw"
    assert d0["inserted"]["file"] == "blkdebug:%s:%s" % (cfg, disk)
    node = d0["inserted"]["node-name"]

    start(g, guest_write(WBLK))
    assert wait_error(mon, stop=True) == {
        "qom-path": "/machine/peripheral/vd0", "device": "d0",
        "node-name": node, "operation": "write", "action": "stop",
        "nospace": False, "reason": "Input/output error"}
    assert block_info(mon, "d0")["io-status"] == "failed"
    # The write is still pending: nothing reached the image yet.
    assert not image_has(disk, WBLK, PATTERN)
    mon.cmd("cont")
    mon.wait_event("RESUME", timeout=10)
    rc, out = finish(g)
    assert rc == 0 and "1+0 records out" in out
    assert block_info(mon, "d0")["io-status"] == "ok"
    assert image_has(disk, WBLK, PATTERN)

    start(g, guest_read(RBLK))
    ev = wait_error(mon, stop=True)
    assert (ev["operation"], ev["action"]) == ("read", "stop")
    assert block_info(mon, "d0")["io-status"] == "failed"
    mon.cmd("cont")
    rc, out = finish(g)
    assert rc == 0 and "5c 5c 5c 5c" in out
    # Only reported errors count as failed, as in QEMU.
    stats = [s for s in mon.cmd("query-blockstats")
             if s["device"] == "d0"][0]["stats"]
    assert stats["failed_wr_operations"] == 0
    assert stats["failed_rd_operations"] == 0


def test_werror_report_enospc_ignore(guest, tmp_path):
    """werror=report: the guest sees EIO and the VM runs on; the default
    werror=enospc stops on ENOSPC (nospace, io-status 'nospace') but
    reports EIO; werror=ignore completes the write without the data."""
    disks, args = {}, []
    policies = [("rep", "werror=report", [(WBLK, 5)]),
                ("nsp", "", [(WBLK, 28), (WBLK2, 5)]),
                ("ign", "werror=ignore", [(WBLK, 5)])]
    for name, policy, rules in policies:
        disks[name] = make_disk(tmp_path / ("%s.raw" % name))
        cfg = write_config(tmp_path / ("%s.cfg" % name), [
            ("inject-error", {"event": "write_aio", "errno": e,
                              "sector": sector(b), "iotype": "write",
                              "once": "on"}) for b, e in rules])
        args += ["-drive", "if=none,id=%s,format=raw,file=blkdebug:%s:%s%s"
                 % (name, cfg, disks[name], "," + policy if policy else ""),
                 "-device", "virtio-blk-device,drive=%s,id=vd-%s,serial=%s"
                 % (name, name, name)]
    g = guest(args=args)
    g.console.expect(READY)
    mon = g.mon
    # Which /dev/vdX is which drive.
    out = g.console.run("for d in /sys/block/vd*; do echo ${d##*/}="
                        "$(cat $d/serial); done")
    dev = {v: k for k, v in re.findall(r"(vd[a-z])=(\w+)", out)}

    def write(name, blk):
        return guest_write(blk).replace("/dev/vda", "/dev/" + dev[name])

    start(g, write("rep", WBLK))
    ev = wait_error(mon)
    assert (ev["device"], ev["action"], ev["nospace"]) == ("rep", "report",
                                                           False)
    rc, out = finish(g)
    assert rc != 0 and "Input/output error" in out
    assert mon.cmd("query-status")["status"] == "running"
    assert block_info(mon, "rep")["io-status"] == "ok"

    start(g, write("nsp", WBLK2))
    ev = wait_error(mon)
    assert (ev["device"], ev["action"]) == ("nsp", "report")
    rc, out = finish(g)
    assert rc != 0
    start(g, write("nsp", WBLK))
    ev = wait_error(mon, stop=True)
    assert ev["action"] == "stop" and ev["nospace"] is True
    assert ev["reason"] == "No space left on device"
    assert block_info(mon, "nsp")["io-status"] == "nospace"
    mon.cmd("cont")
    rc, out = finish(g)
    assert rc == 0

    start(g, write("ign", WBLK))
    ev = wait_error(mon)
    assert (ev["device"], ev["action"]) == ("ign", "ignore")
    rc, out = finish(g)
    assert rc == 0 and "1+0 records out" in out
    assert mon.cmd("query-status")["status"] == "running"
    stats = {s["device"]: s["stats"] for s in mon.cmd("query-blockstats")}
    assert stats["rep"]["failed_wr_operations"] == 1
    assert stats["ign"]["failed_wr_operations"] == 0
    mon.cmd("quit")
    g.proc.wait(30)
    assert not image_has(disks["rep"], WBLK, PATTERN)
    assert image_has(disks["nsp"], WBLK, PATTERN)
    assert not image_has(disks["nsp"], WBLK2, PATTERN)
    assert not image_has(disks["ign"], WBLK, PATTERN)


def test_blockdev_json_and_dotted_rules_with_device_werror(guest, tmp_path):
    """-blockdev blkdebug nodes with inline rules (JSON, dotted keys) and
    the device's own werror=/rerror= properties; a set-state rule arms the
    error only for the second write."""
    d1 = make_disk(tmp_path / "json.raw")
    d2 = make_disk(tmp_path / "dotted.raw")
    node1 = {
        "driver": "raw", "node-name": "j0",
        "file": {"driver": "blkdebug", "node-name": "dbg0",
                 "image": {"driver": "file", "filename": d1},
                 "set-state": [{"event": "write_aio", "state": 1,
                                "new_state": 2}],
                 "inject-error": [{"event": "write_aio", "state": 2,
                                   "errno": 5, "once": True,
                                   "immediately": False, "sector": -1,
                                   "iotype": "write"}]}}
    g = guest(args=[
        "-blockdev", json.dumps(node1),
        "-device", "virtio-blk-device,drive=j0,id=vj,serial=json,"
                   "werror=stop",
        "-blockdev", "driver=raw,node-name=k0,file.driver=blkdebug,"
                     "file.image.driver=file,file.image.filename=%s,"
                     "file.inject-error.0.event=read_aio,"
                     "file.inject-error.0.sector=%d,"
                     "file.inject-error.0.errno=5" % (d2, sector(RBLK)),
        "-device", "virtio-blk-device,drive=k0,id=vk,serial=dotted,"
                   "rerror=report"])
    g.console.expect(READY)
    mon = g.mon
    out = g.console.run("for d in /sys/block/vd*; do echo ${d##*/}="
                        "$(cat $d/serial); done")
    dev = {v: k for k, v in re.findall(r"(vd[a-z])=(\w+)", out)}
    nodes = {n["node-name"]: n for n in mon.cmd("query-named-block-nodes")}
    assert nodes["dbg0"]["drv"] == "blkdebug"
    assert nodes["dbg0"]["file"] == d1     # inline rules: no blkdebug: name

    # The first write moves the state to 2 and succeeds ...
    out = g.console.run(guest_write(WBLK).replace("/dev/vda",
                                                  "/dev/" + dev["json"]))
    assert "1+0 records out" in out
    # ... the second fails and stops the VM (the device's werror=stop).
    start(g, guest_write(WBLK2).replace("/dev/vda", "/dev/" + dev["json"]))
    ev = wait_error(mon, stop=True)
    assert (ev["device"], ev["node-name"]) == ("", "j0")
    assert ev["qom-path"] == "/machine/peripheral/vj"
    assert ev["action"] == "stop"
    mon.cmd("cont")
    rc, _ = finish(g)
    assert rc == 0

    start(g, guest_read(RBLK).replace("/dev/vda", "/dev/" + dev["dotted"]))
    ev = wait_error(mon)
    assert (ev["node-name"], ev["operation"], ev["action"]) == (
        "k0", "read", "report")
    finish(g)
    assert mon.cmd("query-status")["status"] == "running"
    mon.cmd("quit")
    g.proc.wait(30)
    assert image_has(d1, WBLK, PATTERN) and image_has(d1, WBLK2, PATTERN)


def test_blkdebug_bad_input(tmp_path):
    """Bad blkdebug options, config files and names fail with QEMU's
    errors (and never crash)."""
    disk = make_disk(tmp_path / "d.raw", 1 * MiB)
    bad_cfg = tmp_path / "bad.cfg"
    cases = [
        ("blkdebug:%s" % disk, "blkdebug requires both config file and "
         "image path"),
        ("blkdebug:/nonexistent.cfg:%s" % disk,
         "Could not read blkdebug config file: No such file or directory"),
        ("blkdebug:%s:%s" % (bad_cfg, disk), "parse error"),
    ]
    bad_cfg.write_text("[inject-error]\nevent = read_aio\n")
    for name, msg in cases:
        r = run_binary("riscv64", ["-M", "virt", "-display", "none",
                                   "-nodefaults", "-drive",
                                   "if=none,format=raw,file=" + name])
        assert r.returncode == 1 and msg in r.stderr, (name, r.stderr)
    img = {"driver": "file", "filename": disk}
    blockdev_cases = [
        ({"inject-error": [{"event": "nope"}]}, "inject-error"),
        ({"inject-error": [{"event": "read_aio", "iotype": "x"}]},
         "iotype"),
        ({"inject-error": [{"event": "read_aio", "errno": -5}]},
         "Parameter 'errno' expects a value between 0 and 4095"),
        ({"inject-error": [{"event": "read_aio", "sector": -7}]},
         "Parameter 'sector' expects a value between -1"),
        ({"align": 3}, "Cannot meet constraints with align 3"),
        ({"align": 4096, "max-transfer": 1000},
         "Cannot meet constraints with max-transfer 1000"),
        ({"opt-discard": 8192, "max-discard": 12288},
         "Cannot meet constraints with max-discard 12288"),
    ]
    for extra, msg in blockdev_cases:
        node = dict({"driver": "blkdebug", "node-name": "b", "image": img},
                    **extra)
        r = run_binary("riscv64", ["-M", "virt", "-display", "none",
                                   "-nodefaults", "-blockdev",
                                   json.dumps(node)])
        assert r.returncode == 1 and msg in r.stderr, (extra, r.stderr)
    # A config file's unknown group and keys, through the tools too.
    for text, msg in [("[nope]\n", "There is no option group 'nope'"),
                      ('event = "read_aio"\n', "no group defined"),
                      ('[set-state]\nevent = "read_aio"\nx = "1"\n',
                       "bad.cfg:3: Invalid parameter 'x'"),
                      ('[inject-error]\nstate = "1"\n',
                       "Missing event name for rule")]:
        bad_cfg.write_text(text)
        r = run([tool("vireo-io"), "-f", "raw", "-c", "read 0 512",
                 "blkdebug:%s:%s" % (bad_cfg, disk)], check=False)
        assert r.returncode == 1 and msg in r.stderr, (text, r.stderr)


def test_monitor_blkdebug_node(launch, tmp_path):
    """blockdev-add of a blkdebug node; query-qmp-schema knows its options
    (QEMU's names)."""
    disk = make_disk(tmp_path / "d.raw", 1 * MiB)
    mon = launch("riscv64").qmp()
    schema = mon.cmd("query-qmp-schema")
    drivers = [e for e in schema if e.get("meta-type") == "enum" and
               "blkdebug" in e.get("values", []) and "qcow2" in
               e.get("values", [])]
    assert drivers
    events = [e for e in schema if e.get("meta-type") == "enum" and
              "l2_alloc_write" in e.get("values", [])]
    assert events and events[0]["values"][-3:] == [
        "cor_write", "cluster_alloc_space", "none"]
    mon.cmd("blockdev-add", driver="blkdebug", **{
        "node-name": "dbg", "image": {"driver": "file", "filename": disk},
        "align": 4096, "max-transfer": 65536,
        "inject-error": [{"event": "none", "iotype": "flush"}]})
    nodes = {n["node-name"]: n for n in mon.cmd("query-named-block-nodes")}
    assert nodes["dbg"]["drv"] == "blkdebug"
    expect_error(mon, "blockdev-add", {
        "driver": "blkdebug", "node-name": "dbg2",
        "image": {"driver": "file", "filename": disk},
        "inject-error": [{"event": "no_such_event"}]})
    mon.cmd("blockdev-del", **{"node-name": "dbg"})


# blkdebug rules against Debian's qemu-io: the same commands on the same
# kind of image fail the same way.  (qemu-io -t writeback: no flush after
# every write; a failed flush prints nothing in qemu-io, so its lines are
# left out.)  Not compared: rules acting on a read-modify-write's reads,
# whose failure QEMU ignores (it writes the padding unread), and qcow2
# metadata events with lasting rules (QEMU caches metadata and writes it
# later).
RAW = ("driver=raw,file.driver=blkdebug,file.image.driver=file,"
       "file.image.filename=%s")
QCOW2 = RAW.replace("driver=raw", "driver=qcow2", 1)
IE = ",file.inject-error.0."
QEMU_IO_CASES = [
    (RAW + IE + "event=write_aio" + IE + "once=on",
     ["write 0 512", "write 0 512", "read 0 512"]),
    (RAW + IE + "event=write_aio" + IE + "errno=28",
     ["read 0 512", "write 0 512", "read 0 512", "flush"]),
    (RAW + IE + "event=write_aio" + IE + "iotype=write",
     ["write 0 512", "read 0 512", "flush"]),
    (RAW + ",file.set-state.0.event=write_aio,file.set-state.0.state=1,"
     "file.set-state.0.new_state=2" + IE + "event=write_aio" + IE +
     "state=2", ["write 0 512", "write 0 512", "write 0 512", "read 0 512"]),
    (RAW + IE + "event=read_aio" + IE + "sector=3",
     ["read 0 1024", "read 0 2048", "read 1536 512", "read 2048 512"]),
    (RAW + IE + "event=flush_to_disk" + IE + "once=on",
     ["write 0 512", "flush", "flush", "write 0 512"]),
    (RAW + ",file.align=4096" + IE + "event=pwritev_rmw_after_head" + IE +
     "once=on", ["write 0 4096", "write 512 512", "write 512 512",
                 "read -P 0xcd 512 512"]),
    (RAW + ",file.align=4096" + IE + "event=pwritev_rmw_after_tail",
     ["write 4000 200", "write 4000 200", "read 0 512"]),
    (RAW + IE + "event=none" + IE + "iotype=read" + IE + "once=on",
     ["write 0 512", "read 0 512", "read 0 512"]),
    (RAW + ",file.max-transfer=4096" + IE + "event=write_aio" + IE +
     "sector=9", ["write 0 4096", "write 0 8192", "write 8192 4096"]),
    (RAW + IE + "event=write_aio" + IE + "iotype=discard",
     ["write 0 4096", "discard 0 4096", "discard 0 100", "write 0 512"]),
    (RAW + ",file.align=4096,file.opt-discard=8192,file.max-discard=16384" +
     IE + "event=none" + IE + "iotype=discard" + IE + "sector=57",
     ["discard 100 30000", "discard 0 28672", "discard 28672 4096"]),
    (RAW + ",file.align=4096,file.opt-write-zero=8192,"
     "file.max-write-zero=16384" + IE + "event=none" + IE +
     "iotype=write-zeroes" + IE + "sector=40",
     ["write -z 10 20000", "write -z 16384 16384", "write -z 16384 8192",
      "write -z 24576 8192"]),
    (RAW + ",file.opt-write-zero=8192" + IE + "event=pwritev_zero" + IE +
     "iotype=write", ["write -z 0 4096", "write -z 0 8192",
                      "write -z 4096 16384"]),
] + [(QCOW2 + IE + "event=%s" % ev + IE + "once=on",
      ["write 0 512", "write 65536 4096", "read 0 512",
       "write 1048576 65536", "read 0 65536", "flush", "write 100 100"])
     for ev in ("l1_update", "l2_load", "l2_update", "l2_alloc_write",
                "cluster_alloc", "cluster_free", "write_aio", "read_aio",
                "cow_read", "cow_write", "refblock_load",
                "refblock_update_part", "flush_to_os", "flush_to_disk",
                "pwritev", "pwritev_done")]


def test_blkdebug_like_qemu_io(tmp_path, qio):
    vio = tool("vireo-io")
    for opts, cmds in QEMU_IO_CASES:
        results = []
        for prog in (qio, vio):
            img = str(tmp_path / "t.img")
            if os.path.exists(img):
                os.unlink(img)
            fmt = "qcow2" if opts.startswith("driver=qcow2") else "raw"
            run([tool("vireo-img"), "create", "-q", "-f", fmt, img, "4M"])
            argv = [prog, "-t", "writeback", "--image-opts"]
            for c in cmds:
                argv += ["-c", c]
            r = run(argv + [opts % img], check=False)
            out = re.sub(r"\d+ ops; .*", "", r.stdout + r.stderr)
            out = re.sub(r"flush failed: .*\n", "", out)
            check = run([tool("vireo-img"), "check", "-q", img],
                        check=False).returncode if fmt == "qcow2" else 0
            results.append((r.returncode, out, check))
        assert results[0] == results[1], (opts, cmds, results)


def test_drive_dotted_and_driver_forms(guest, tmp_path):
    """QEMU's other -drive spellings of a blkdebug disk: the format's file
    child by dotted keys, the blkdebug node itself as the drive's driver
    (config and inline rules), and the file= name completing file.*
    options.  Each injects its error into the guest's write (on write_aio
    under raw; on pwritev where blkdebug is the top node, as no format
    above it raises write_aio)."""
    forms = {
        "dot": "format=raw,file.driver=blkdebug,file.config=%(cfg)s,"
               "file.image.filename=%(disk)s",
        "drv": "driver=blkdebug,config=%(cfg)s,image.filename=%(disk)s",
        "inl": "driver=blkdebug,image.filename=%(disk)s,"
               "inject-error.0.event=pwritev,inject-error.0.errno=5,"
               "inject-error.0.sector=%(sec)d,inject-error.0.iotype=write",
        "fnm": "file=%(disk)s,format=raw,file.driver=blkdebug,"
               "file.config=%(cfg)s",
    }
    args, disks = [], {}
    for name, form in forms.items():
        disks[name] = make_disk(tmp_path / ("%s.raw" % name))
        event = "pwritev" if name == "drv" else "write_aio"
        cfg = write_config(tmp_path / ("%s.cfg" % name), [
            ("inject-error", {"event": event, "errno": 5,
                              "sector": sector(WBLK), "iotype": "write"})])
        spec = form % {"cfg": cfg, "disk": disks[name], "sec": sector(WBLK)}
        args += ["-drive", "if=none,id=%s,werror=report,%s" % (name, spec),
                 "-device", "virtio-blk-device,drive=%s,serial=%s"
                 % (name, name)]
    g = guest(args=args)
    g.console.expect(READY)
    mon = g.mon
    info = {b["device"]: b["inserted"] for b in mon.cmd("query-block")}
    assert info["dot"]["drv"] == "raw"
    assert info["dot"]["file"].startswith("blkdebug:%s:" % (
        tmp_path / "dot.cfg"))
    assert info["drv"]["drv"] == "blkdebug"
    assert info["fnm"]["file"] == "blkdebug:%s:%s" % (tmp_path / "fnm.cfg",
                                                       disks["fnm"])
    out = g.console.run("for d in /sys/block/vd*; do echo ${d##*/}="
                        "$(cat $d/serial); done")
    dev = {v: k for k, v in re.findall(r"(vd[a-z])=(\w+)", out)}
    for name in forms:
        start(g, guest_write(WBLK).replace("/dev/vda", "/dev/" + dev[name]))
        ev = wait_error(mon)
        assert (ev["device"], ev["action"]) == (name, "report")
        rc, out = finish(g)
        assert rc != 0 and "Input/output error" in out, (name, out)
        # A block the rule does not name is written.
        start(g, guest_write(WBLK2).replace("/dev/vda", "/dev/" + dev[name]))
        rc, out = finish(g)
        assert rc == 0, (name, out)
    mon.cmd("quit")
    g.proc.wait(30)
    for name in forms:
        assert not image_has(disks[name], WBLK, PATTERN)
        assert image_has(disks[name], WBLK2, PATTERN)
    # Both a format and a driver: QEMU's error.
    r = run_binary("riscv64", ["-M", "virt", "-display", "none",
                               "-nodefaults", "-drive",
                               "if=none,format=raw,driver=blkdebug,"
                               "image.filename=%s" % disks["dot"]])
    assert r.returncode == 1
    assert "Cannot specify both 'driver' and 'format'" in r.stderr
