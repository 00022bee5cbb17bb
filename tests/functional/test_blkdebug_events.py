# Vireo functional tests: every blkdebug event Vireo accepts is raised by a
# real code path.  For each event, an error rule on it (errno 61) and the
# vireo-io commands that make the drivers raise it; the commands, and a
# probe read after them, must then fail with that errno; qemu-io runs the
# same script on the same kind of image and must fail the same way.
# Events no Vireo code path raises are refused, like unknown names.
# SPDX-License-Identifier: MIT

import pytest

from imgtools import run, vio, qimg, qio  # noqa: F401

ERR = "No data available"       # errno 61
PROBE = ["read 0 512"]          # cluster 0 holds data in every image

# event -> (image kind, extra blkdebug options, commands)
SCENARIOS = {
    "l1_update": ("big", "", ["write 1500M 4k"]),
    "l1_grow_alloc_table": ("fresh", "", ["truncate 1G"]),
    "l1_grow_write_table": ("fresh", "", ["truncate 1G"]),
    "l1_grow_activate_table": ("fresh", "", ["truncate 1G"]),
    "l2_load": ("fresh", "", []),
    "l2_update": ("fresh", "", ["write 1M 4k"]),
    "l2_update_compressed": ("fresh", "", ["write -c 1M 64k"]),
    "l2_alloc_cow_read": ("snapshot", "", ["write 0 4k"]),
    "l2_alloc_write": ("big", "", ["write 1500M 4k"]),
    "read_aio": ("fresh", "", []),
    "read_backing_aio": ("overlay", "", ["read 1M 4k"]),
    "read_compressed": ("compressed", "", ["read 1M 4k"]),
    "write_aio": ("fresh", "", ["write 0 4k"]),
    "write_compressed": ("fresh", "", ["write -c 1M 64k"]),
    "cow_read": ("overlay", "", ["write 1M 4k"]),
    "cow_write": ("overlay", "", ["write 1M 4k"]),
    "reftable_load": ("fresh", "", []),
    "reftable_grow": ("small", "", ["write 0 12M"]),
    "refblock_load": ("fresh", "", ["write 1M 4k"]),
    "refblock_update_part": ("fresh", "", ["write 1M 4k"]),
    # A whole refblock rewritten at once: Vireo's batched refcount update
    # (QEMU writes refblocks back partially only, so never raises it).
    "refblock_update": ("wide", "", ["write 0 32M"]),
    "refblock_alloc": ("small", "", ["write 0 2M"]),
    "refblock_alloc_hookup": ("small", "", ["write 0 2M"]),
    "refblock_alloc_write": ("small", "", ["write 0 2M"]),
    "refblock_alloc_write_blocks": ("small", "", ["write 0 12M"]),
    "refblock_alloc_write_table": ("small", "", ["write 0 12M"]),
    "refblock_alloc_switch_table": ("small", "", ["write 0 12M"]),
    "cluster_alloc": ("fresh", "", ["write 1M 4k"]),
    "cluster_alloc_bytes": ("fresh", "", ["write -c 1M 64k"]),
    "cluster_free": ("fresh", "", ["discard 0 64k"]),
    "flush_to_os": ("fresh", "", ["write 0 4k", "flush"]),
    "flush_to_disk": ("fresh", "", ["write 0 4k", "flush"]),
    "pwritev_rmw_head": ("fresh", ",file.align=4096", ["write 512 512"]),
    "pwritev_rmw_after_head": ("fresh", ",file.align=4096",
                               ["write 512 512"]),
    "pwritev_rmw_tail": ("fresh", ",file.align=4096", ["write 512 512"]),
    "pwritev_rmw_after_tail": ("fresh", ",file.align=4096",
                               ["write 512 512"]),
    "pwritev": ("fresh", "", ["write 0 4k"]),
    "pwritev_zero": ("raw", "", ["write -z 1M 4k"]),
    "pwritev_done": ("fresh", "", ["write 0 4k"]),
    "l1_shrink_write_table": ("big", "", ["truncate 256M"]),
    "l1_shrink_free_l2_clusters": ("big", "", ["truncate 256M"]),
    "cluster_alloc_space": ("fresh", "", ["write 1M 4k"]),
    "none": ("fresh", "", []),
}
VIREO_ONLY = {"refblock_update"}


def make_image(kind, d, qimg, qio):
    img = str(d / "img.qcow2")
    size = {"big": "2G", "small": "64M", "wide": "64M"}.get(kind, "8M")
    opts = {"small": ["-o", "cluster_size=512"],
            "wide": ["-o", "cluster_size=512,refcount_bits=64"],
            "raw": ["-f", "raw"]}.get(kind, ["-f", "qcow2"])
    if kind == "overlay":
        base = str(d / "base.qcow2")
        run([qimg, "create", "-q", "-f", "qcow2", base, size])
        run([qio, "-c", "write -P 0x11 1M 64k", base])
        run([qimg, "create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2",
             img])
    else:
        if kind in ("small", "wide"):
            opts = ["-f", "qcow2"] + opts
        run([qimg, "create", "-q"] + opts + [img, size])
    run([qio, "-f", "raw" if kind == "raw" else "qcow2", "-c",
         "write -P 0x22 0 64k", img])
    if kind == "snapshot":
        run([qimg, "snapshot", "-c", "s1", img])
    if kind == "compressed":
        run([qio, "-c", "write -c -P 0x33 1M 64k", img])
    if kind == "big":
        run([qio, "-c", "write 600M 64k", img])  # the second L2 table
    return img


def script(tool, img, cfg, extra, cmds, fmt="qcow2"):
    spec = ("driver=%s,file.driver=blkdebug,file.config=%s,"
            "file.image.filename=%s%s" % (fmt, cfg, img, extra))
    args = [tool, "--image-opts"]
    for c in cmds + PROBE:
        args += ["-c", c]
    return run(args + [spec], check=False)


@pytest.mark.parametrize("event", sorted(SCENARIOS))
def test_event_is_raised(tmp_path, vio, qimg, qio, event):
    kind, extra, cmds = SCENARIOS[event]
    out = {}
    for name, tool in (("qemu", qio), ("vireo", vio)):
        d = tmp_path / name
        d.mkdir()
        img = make_image(kind, d, qimg, qio)
        cfg = d / "rules.cfg"
        cfg.write_text('[inject-error]\nevent = "%s"\nerrno = "61"\n' % event)
        r = script(tool, img, str(cfg), extra, cmds,
                   "raw" if kind == "raw" else "qcow2")
        out[name] = r.stdout + r.stderr
    assert ERR in out["vireo"], out
    if event not in VIREO_ONLY:
        assert ERR in out["qemu"], out


def test_quiet_event_does_not_fail(tmp_path, vio, qimg, qio):
    """The probe itself does not fail: a rule on an event the commands do
    not raise injects nothing."""
    img = make_image("fresh", tmp_path, qimg, qio)
    cfg = tmp_path / "rules.cfg"
    cfg.write_text('[inject-error]\nevent = "l1_shrink_write_table"\n'
                   'errno = "61"\n')
    r = script(vio, img, str(cfg), "", ["write 0 4k", "flush"])
    assert ERR not in r.stdout + r.stderr, r.stdout


@pytest.mark.parametrize("event", ["vmstate_load", "vmstate_save",
                                   "reftable_update", "empty_image_prepare",
                                   "preadv"])
def test_events_never_raised_are_refused(tmp_path, vio, qimg, qio, event):
    img = make_image("fresh", tmp_path, qimg, qio)
    cfg = tmp_path / "rules.cfg"
    cfg.write_text('[inject-error]\nevent = "%s"\n' % event)
    r = script(vio, img, str(cfg), "", [])
    assert r.returncode == 1
    assert "invalid parameter value: %s" % event in r.stderr, r.stderr
    r = run([vio, "-c", "break %s t" % event, "blkdebug::" + img],
            check=False)
    assert "Could not set breakpoint: No such file or directory" in r.stdout


def test_cor_write_on_a_copy_on_read_blkdebug_node(tmp_path, vio, qimg,
                                                    qio):
    """cor_write fires on the node that copies: a blkdebug node read with
    copy-on-read over an overlay sees its image's allocation, copies the
    backing data through itself, and the rule fails that copy."""
    out = {}
    for name, tool in (("qemu", qio), ("vireo", vio)):
        d = tmp_path / name
        d.mkdir()
        img = make_image("overlay", d, qimg, qio)
        cfg = d / "rules.cfg"
        cfg.write_text('[inject-error]\nevent = "cor_write"\nerrno = "61"\n'
                       'once = "on"\n')
        spec = ("driver=blkdebug,config=%s,image.driver=qcow2,"
                "image.file.filename=%s" % (cfg, img))
        r = run([tool, "-C", "--image-opts", "-c", "read -P 0x22 0 4k",
                 "-c", "read -P 0x11 1M 4k", "-c", "read -P 0x11 1M 4k",
                 spec], check=False)
        out[name] = [line for line in r.stdout.splitlines()
                     if "ops;" not in line]
        m = run([qimg, "map", "--output=json", img]).stdout
        out[name].append("copied" if '"start": 1048576, "length": 65536, '
                         '"depth": 0' in m else "not copied")
    assert out["vireo"] == out["qemu"], out
    assert out["vireo"] == ["read 4096/4096 bytes at offset 0",
                            "read failed: No data available",
                            "read 4096/4096 bytes at offset 1048576",
                            "copied"], out


@pytest.mark.parametrize("immediately", ["on", "off"])
def test_immediately(tmp_path, vio, qimg, qio, immediately):
    """immediately only decides whether QEMU's failing request yields
    once before it returns the error: the same requests fail either way,
    after the event, and a 'once' rule fails only the first."""
    out = {}
    for name, tool in (("qemu", qio), ("vireo", vio)):
        d = tmp_path / name
        d.mkdir()
        img = make_image("fresh", d, qimg, qio)
        cfg = d / "rules.cfg"
        cfg.write_text('[inject-error]\nevent = "read_aio"\nerrno = "5"\n'
                       'once = "on"\nimmediately = "%s"\n' % immediately)
        r = run([tool, "-c", "write 64k 4k", "-c", "read 0 4k", "-c",
                 "aio_read 0 4k", "-c", "aio_flush", "-c", "read 0 4k",
                 "blkdebug:%s:%s" % (cfg, img)], check=False)
        out[name] = ([line for line in r.stdout.splitlines()
                      if "ops;" not in line], r.returncode)
    assert out["vireo"] == out["qemu"], out
    assert out["vireo"][0] == ["wrote 4096/4096 bytes at offset 65536",
                               "read failed: Input/output error",
                               "read 4096/4096 bytes at offset 0",
                               "read 4096/4096 bytes at offset 0"], out


def test_breakpoints_like_qemu_io(tmp_path, vio, qimg, qio):
    """break/wait_break/resume/remove_break: a request hitting the event
    stops until resumed, with qemu-io's messages and errors."""
    cmds = ["break write_aio A", "aio_write -P 1 0 4k", "wait_break A",
            "resume A", "aio_flush", "read -P 1 0 4k", "break bogus B",
            "resume X", "remove_break X", "break l2_update C",
            "aio_write -P 3 1M 4k", "wait_break C", "remove_break C",
            "aio_flush", "read -P 3 1M 4k",
            "break cluster_alloc D", "remove_break D"]
    out = {}
    for name, tool in (("qemu", qio), ("vireo", vio)):
        d = tmp_path / name
        d.mkdir()
        img = make_image("fresh", d, qimg, qio)
        args = [tool]
        for c in cmds:
            args += ["-c", c]
        r = run(args + ["blkdebug::" + img], check=False)
        out[name] = ([line for line in r.stdout.splitlines()
                      if "ops;" not in line], r.returncode)
        run([qimg, "check", img])
    assert out["vireo"] == out["qemu"], out
    assert out["vireo"][0][:3] == ["blkdebug: Suspended request 'A'",
                                   "blkdebug: Resuming request 'A'",
                                   "wrote 4096/4096 bytes at offset 0"]
    # Without a blkdebug node: QEMU's ENOTSUP.
    img = make_image("fresh", tmp_path, qimg, qio)
    r = run([vio, "-c", "break write_aio A", "-c", "resume A", img],
            check=False)
    assert r.stdout.splitlines() == [
        "Could not set breakpoint: Operation not supported",
        "Could not resume request: Operation not supported"]


def test_breakpoint_holds_a_request_while_others_run(tmp_path, vio, qimg):
    """While one write waits at its breakpoint, a read completes; the
    write finishes only on resume."""
    img = make_image("fresh", tmp_path, qimg, qio_path())
    r = run([vio, "-c", "break write_aio W", "-c", "aio_write -P 7 1M 4k",
             "-c", "wait_break W", "-c", "read -P 0x22 0 4k", "-c",
             "resume W", "-c", "aio_flush", "-c", "read -P 7 1M 4k",
             "blkdebug::" + img])
    lines = [line for line in r.stdout.splitlines() if "ops;" not in line]
    assert lines == ["blkdebug: Suspended request 'W'",
                     "read 4096/4096 bytes at offset 0",
                     "blkdebug: Resuming request 'W'",
                     "wrote 4096/4096 bytes at offset 1048576",
                     "read 4096/4096 bytes at offset 1048576"], lines


def qio_path():
    return "/usr/bin/qemu-io"
