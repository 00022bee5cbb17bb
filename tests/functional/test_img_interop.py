# Images move freely between Vireo and QEMU (Debian's qemu-utils).
# SPDX-License-Identifier: MIT
"""qemu-img made images read identically in Vireo; Vireo's images pass
qemu-img check/compare; snapshots cross over both ways."""

import json
import os
import random

import pytest

from imgtools import run, vimg, vio, qimg, qio  # noqa: F401

OPTION_MIXES = [
    "compat=0.10",
    "compat=1.1",
    "cluster_size=512",
    "cluster_size=4k,refcount_bits=1",
    "cluster_size=2M",
    "refcount_bits=2",
    "refcount_bits=4",
    "refcount_bits=8",
    "refcount_bits=32",
    "refcount_bits=64",
    "lazy_refcounts=on",
    "preallocation=metadata",
    "preallocation=falloc,cluster_size=16k",
    "preallocation=full,cluster_size=128k",
    "compat=0.10,cluster_size=1k",
]

QEMU_IO_SCRIPT = ["write -P 0x11 0 1M", "write -P 0x22 5000 70000",
                  "write -z 2M 1M", "write -c 4M 64k", "discard 100k 64k",
                  "write -P 0x33 7M 3000"]


def _qio_args(script):
    args = []
    for c in script:
        args += ["-c", c]
    return args


@pytest.mark.parametrize("opts", OPTION_MIXES)
def test_qemu_images_read_identically(tmp_path, vimg, qimg, qio, opts):
    img = str(tmp_path / "q.qcow2")
    run([qimg, "create", "-q", "-f", "qcow2", "-o", opts, img, "8M"])
    script = [c for c in QEMU_IO_SCRIPT
              if not (c.startswith("write -c") and ("preallocation" in opts or
                                                    "2M" in opts))]
    run([qio] + _qio_args(script) + [img])
    run([qimg, "convert", "-O", "raw", img, str(tmp_path / "q.raw")])
    run([vimg, "convert", "-O", "raw", img, str(tmp_path / "v.raw")])
    assert open(tmp_path / "q.raw", "rb").read() == \
        open(tmp_path / "v.raw", "rb").read()
    assert run([vimg, "check", img]).returncode == 0
    assert run([vimg, "compare", img, str(tmp_path / "q.raw")]).stdout == \
        "Images are identical.\n"


@pytest.mark.parametrize("opts", ["cluster_size=64k", "cluster_size=512",
                                  "compat=0.10", "refcount_bits=1",
                                  "refcount_bits=64,cluster_size=4k"])
def test_vireo_writes_pass_qemu_check(tmp_path, vimg, vio, qimg, qio, opts):
    rnd = random.Random(opts)
    a, b = str(tmp_path / "v.qcow2"), str(tmp_path / "q.qcow2")
    run([vimg, "create", "-q", "-f", "qcow2", "-o", opts, a, "16M"])
    run([qimg, "create", "-q", "-f", "qcow2", "-o", opts, b, "16M"])
    script = []
    for i in range(60):
        off = rnd.randrange(0, 16 << 20, 512)
        n = min(rnd.choice([512, 4096, 65536, 300000]), (16 << 20) - off)
        kind = rnd.random()
        if kind < 0.6:
            script.append("write -P %d %d %d" % (i + 1, off, n))
        elif kind < 0.75:
            script.append("write -z %d %d" % (off, n))
        elif kind < 0.9:
            script.append("discard %d %d" % (off, n))
        else:
            script.append("flush")
    run([vio] + _qio_args(script) + [a])
    run([qio] + _qio_args(script) + [b])
    assert run([qimg, "check", a]).returncode == 0
    assert run([qimg, "compare", a, b]).stdout == "Images are identical.\n"


def test_compressed_and_chains_pass_qemu_check(tmp_path, vimg, qimg, qio):
    raw = str(tmp_path / "src.raw")
    with open(raw, "wb") as f:
        rnd = random.Random(7)
        f.truncate(32 << 20)
        for i in range(40):
            f.seek(rnd.randrange(0, 31 << 20, 4096))
            f.write(bytes([i]) * rnd.randrange(1, 200000) +
                    os.urandom(4096))
    for opts in ("", "-c"):
        out = str(tmp_path / ("out%s.qcow2" % opts))
        run([vimg, "convert"] + ([opts] if opts else []) +
            ["-O", "qcow2", raw, out])
        assert run([qimg, "check", out]).returncode == 0
        assert run([qimg, "compare", raw, out]).returncode == 0
    info = run([qimg, "check", "--output=json",
                str(tmp_path / "out-c.qcow2")]).stdout
    assert '"compressed-clusters"' in info
    # A chain made by Vireo: base <- mid <- top, with writes at each level.
    base = str(tmp_path / "base.qcow2")
    run([vimg, "convert", "-O", "qcow2", raw, base])
    mid = str(tmp_path / "mid.qcow2")
    top = str(tmp_path / "top.qcow2")
    run([vimg, "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F",
         "qcow2", mid])
    run([tool_vio(), "-c", "write -P 0x77 1M 3M", mid])
    run([vimg, "create", "-q", "-f", "qcow2", "-b", "mid.qcow2", "-F",
         "qcow2", top])
    run([tool_vio(), "-c", "write -P 0x88 2M 64k", "-c",
         "write -z 10M 1M", top])
    run([qio, "-c", "write -P 0x77 1M 3M", "-c", "write -P 0x88 2M 64k",
         "-c", "write -z 10M 1M", raw])
    for img in (mid, top):
        assert run([qimg, "check", img]).returncode == 0
    assert run([qimg, "compare", top, raw]).returncode == 0
    assert run([vimg, "compare", top, raw]).returncode == 0
    # commit the top into mid, rebase onto base: still the same content.
    run([vimg, "commit", top])
    assert run([qimg, "compare", mid, raw]).returncode == 0
    run([vimg, "rebase", "-b", "base.qcow2", "-F", "qcow2", top])
    assert run([qimg, "compare", top, raw]).returncode == 0
    assert run([qimg, "check", top]).returncode == 0


def tool_vio():
    from imgtools import tool
    return tool("vireo-io")


def test_snapshots_cross_over(tmp_path, vimg, vio, qimg, qio):
    img = str(tmp_path / "s.qcow2")
    run([qimg, "create", "-q", "-f", "qcow2", img, "8M"])
    run([qio, "-c", "write -P 1 0 1M", img])
    run([qimg, "snapshot", "-c", "by-qemu", img])
    run([vio, "-c", "write -P 2 0 1M", img])
    run([vimg, "snapshot", "-c", "by-vireo", img])
    run([vio, "-c", "write -P 3 512k 1M", img])
    assert run([qimg, "check", img]).returncode == 0
    for lister in (vimg, qimg):
        out = run([lister, "snapshot", "-l", img]).stdout
        assert "by-qemu" in out and "by-vireo" in out
    v = [l.split()[:2] for l in run([vimg, "snapshot", "-l", img]).stdout
         .splitlines()[2:]]
    q = [l.split()[:2] for l in run([qimg, "snapshot", "-l", img]).stdout
         .splitlines()[2:]]
    assert v == q
    # Vireo applies QEMU's snapshot, QEMU applies Vireo's.
    run([vimg, "snapshot", "-a", "by-qemu", img])
    run([qio, "-c", "read -P 1 0 1M", img])
    assert run([qimg, "check", img]).returncode == 0
    run([qimg, "snapshot", "-a", "by-vireo", img])
    run([vio, "-c", "read -P 2 0 1M", img])
    assert run([vimg, "check", img]).returncode == 0
    run([vimg, "snapshot", "-d", "by-qemu", img])
    run([qimg, "snapshot", "-d", "by-vireo", img])
    assert run([qimg, "check", img]).returncode == 0
    assert run([vimg, "check", img]).returncode == 0
    assert "by-" not in run([qimg, "snapshot", "-l", img]).stdout


def test_map_output_identical(tmp_path, vimg, qimg, qio):
    base = str(tmp_path / "b.qcow2")
    top = str(tmp_path / "t.qcow2")
    run([qimg, "create", "-q", "-f", "qcow2", base, "16M"])
    run([qio, "-c", "write 0 1M", "-c", "write -z 3M 1M", base])
    run([qimg, "create", "-q", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2",
         top])
    run([qio, "-c", "write 512k 1M", "-c", "write -c 8M 64k", top])
    os.chdir(str(tmp_path))
    for args in ([], ["--output=json"]):
        for img in ("b.qcow2", "t.qcow2"):
            v = run([vimg, "map"] + args + [img], check=False)
            q = run([qimg, "map"] + args + [img], check=False)
            assert (v.stdout, v.returncode) == (q.stdout, q.returncode)


def test_convert_options(tmp_path, vimg, vio, qimg, qio):
    a = str(tmp_path / "a.qcow2")
    b = str(tmp_path / "b.raw")
    run([qimg, "create", "-q", "-f", "qcow2", a, "4M"])
    run([qio, "-c", "write -P 1 0 1M", a])
    run([qimg, "snapshot", "-c", "snap", a])
    run([qio, "-c", "write -P 2 0 512k", a])
    run([qimg, "create", "-q", "-f", "raw", b, "2M"])
    run([qio, "-f", "raw", "-c", "write -P 3 1M 4k", b])
    # Several sources are concatenated.
    out = str(tmp_path / "cat.qcow2")
    run([vimg, "convert", "-O", "qcow2", a, b, out])
    ref = str(tmp_path / "cat.raw")
    run([qimg, "convert", "-O", "raw", a, b, ref])
    assert run([qimg, "compare", out, ref]).returncode == 0
    # -l takes an internal snapshot, by name or snapshot.id.
    for sn in ("snap", "snapshot.id=1", "snapshot.name=snap"):
        v, q = str(tmp_path / "v.raw"), str(tmp_path / "q.raw")
        run([vimg, "convert", "-l", sn, "-O", "raw", a, v])
        run([qimg, "convert", "-l", sn, "-O", "raw", a, q])
        assert open(v, "rb").read() == open(q, "rb").read()
        os.unlink(v)
        os.unlink(q)
    # -n writes into an existing image, zeroes included.
    tgt = str(tmp_path / "t.qcow2")
    run([qimg, "create", "-q", "-f", "qcow2", tgt, "4M"])
    run([qio, "-c", "write -P 9 0 4M", tgt])
    run([vimg, "convert", "-n", "-O", "qcow2", a, tgt])
    assert run([qimg, "compare", a, tgt]).returncode == 0
    # -S 0: every byte written, the target is fully allocated.
    full = str(tmp_path / "full.raw")
    run([vimg, "convert", "-S", "0", "-O", "raw", a, full])
    assert os.stat(full).st_blocks * 512 >= 4 << 20
    assert run([qimg, "compare", a, full]).returncode == 0
    # -c with -o options; qemu-img reads it back identically.
    comp = str(tmp_path / "c.qcow2")
    run([vimg, "convert", "-c", "-O", "qcow2", "-o", "cluster_size=4k", a,
         comp])
    assert run([qimg, "check", comp]).returncode == 0
    assert run([qimg, "compare", a, comp]).returncode == 0
    # dd and bench speak qemu-img's language.
    dd = str(tmp_path / "dd.raw")
    run([vimg, "dd", "-f", "qcow2", "if=" + a, "of=" + dd, "bs=4k",
         "skip=1", "count=2"])
    assert open(dd, "rb").read() == b"\x02" * 8192
    r = run([vimg, "bench", "-c", "100", "-d", "4", a])
    assert r.stdout.startswith("Sending 100 read requests, 4096 bytes each, "
                               "4 in parallel (starting at offset 0, step "
                               "size 4096)\nRun completed in ")


@pytest.mark.parametrize("seed", range(12))
def test_random_operations_match_qemu(tmp_path, vimg, vio, qimg, qio, seed):
    """The same random writes, zeroes, discards, compressed writes and
    snapshots through Vireo and through QEMU: same results, same content,
    and Vireo's image passes both checkers."""
    rnd = random.Random(seed)
    opts = rnd.choice(["cluster_size=512", "cluster_size=4k",
                       "cluster_size=64k", "compat=0.10", "refcount_bits=1",
                       "cluster_size=64k,refcount_bits=64"])
    size = rnd.choice([1 << 20, 5 << 20, 3000000 // 512 * 512])
    cs = {"512": 512, "4k": 4096}.get(
        opts.split("cluster_size=")[-1].split(",")[0], 65536) \
        if "cluster_size" in opts else 65536
    os.chdir(str(tmp_path))
    back = []
    if rnd.random() < 0.4:
        run([qimg, "create", "-q", "-f", "qcow2", "base.qcow2",
             str(size // 2)])
        run([qio, "-c", "write -P 77 0 %d" % (size // 2), "base.qcow2"])
        back = ["-b", "base.qcow2", "-F", "qcow2"]
    for img in ("v.qcow2", "q.qcow2"):
        run([qimg, "create", "-q", "-f", "qcow2", "-o", opts] + back +
            [img, str(size)])
    for step in range(30):
        r = rnd.random()
        if r < 0.1:
            a = run([vimg, "snapshot", "-c", "s%d" % step, "v.qcow2"],
                    check=False)
            q = run([qimg, "snapshot", "-c", "s%d" % step, "q.qcow2"],
                    check=False)
            assert a.returncode == q.returncode
            continue
        if r < 0.15:
            lines = run([qimg, "snapshot", "-l", "q.qcow2"]).stdout \
                .splitlines()[2:]
            if lines:
                name = rnd.choice(lines).split()[1]
                op = rnd.choice(["-a", "-d"])
                run([vimg, "snapshot", op, name, "v.qcow2"])
                run([qimg, "snapshot", op, name, "q.qcow2"])
            continue
        vsize = json.loads(run([qimg, "info", "--output=json",
                                "q.qcow2"]).stdout)["virtual-size"]
        off = rnd.randrange(0, vsize, 512)
        n = min(rnd.choice([512, 4096, 65536, 300000]), vsize - off)
        if r < 0.6:
            cmd = "write -P %d %d %d" % (step + 1, off, n)
        elif r < 0.7:
            cmd = "write -z %d %d" % (off, n)
        elif r < 0.8:
            cmd = "discard %d %d" % (off, n)
        elif r < 0.9:
            o = off // cs * cs
            if o + cs > vsize:
                continue
            cmd = "write -c -P %d %d %d" % (step + 1, o, cs)
        else:
            cmd = "write -z -u %d %d" % (off, n)
        a = run([vio, "-c", cmd, "v.qcow2"], check=False)
        q = run([qio, "-c", cmd, "q.qcow2"], check=False)
        assert a.returncode == q.returncode, cmd
    assert run([qimg, "check", "v.qcow2"]).returncode == 0
    assert run([vimg, "check", "v.qcow2"]).returncode == 0
    assert run([qimg, "compare", "v.qcow2", "q.qcow2"]).returncode == 0
    # Allocation states match too (host offsets may differ).

    def shape(img):
        out = []
        for e in json.loads(run([qimg, "map", "--output=json", img]).stdout):
            e.pop("offset", None)
            if out and out[-1]["start"] + out[-1]["length"] == e["start"] \
                    and all(out[-1][k] == e[k]
                            for k in ("depth", "present", "zero", "data")):
                out[-1]["length"] += e["length"]
            else:
                out.append(e)
        return out
    assert shape("v.qcow2") == shape("q.qcow2")


def test_copy_on_read_like_qemu_io(tmp_path, vio, qimg, qio):
    """vireo-io -C and 'open -C' copy what a read gets from the backing
    chain into the top image exactly as qemu-io -C does: the same maps
    (data clusters and zero clusters where the chain reads zeroes) and
    QEMU's error on a read-only image."""
    maps = {}
    for name, io in (("qemu", qio), ("vireo", vio)):
        d = tmp_path / name
        d.mkdir()
        base, mid, top = (str(d / n) for n in ("base.qcow2", "mid.qcow2",
                                                "top.qcow2"))
        run([qimg, "create", "-q", "-f", "qcow2", base, "8M"])
        run([qio, "-c", "write -P 0x5a 0 1M", "-c", "write -z 3M 64k",
             base])
        run([qimg, "create", "-q", "-f", "qcow2", "-b", base, "-F",
             "qcow2", mid])
        run([qio, "-c", "write -P 0x22 512k 64k", mid])
        run([qimg, "create", "-q", "-f", "qcow2", "-b", mid, "-F", "qcow2",
             top])
        run([qio, "-c", "write -P 0x33 100k 4k", top])
        # Unaligned reads across data, a mid cluster, zeroes and an
        # allocated cluster of the top image.
        out = run([io, "-C", "-c", "read -P 0x5a 1000 5000", "-c",
                   "read -P 0x22 520k 4k", "-c", "read -P 0 6M 100k", "-c",
                   "read 90k 40k", "-c", "readv -P 0x5a 700k 4k 8k", "-c",
                   "aio_read -P 0x5a 800k 64k", "-c", "aio_flush", top])
        assert "failed" not in out.stdout, out.stdout
        run([io, "-c", "open -C %s" % top, "-c", "read -P 0 3M 64k"])
        maps[name] = json.loads(run([qimg, "map", "--output=json",
                                     top]).stdout)
        run([qimg, "check", top])
        # The data went to the top image, the layers below are unchanged.
        for m in (json.loads(run([qimg, "map", "--output=json",
                                  mid]).stdout),):
            assert [e for e in m if e["depth"] == 0][0]["start"] == 512 << 10
        # Read-only: QEMU's message, exit status 1.
        r = run([io, "-C", "-r", "-c", "read 0 4k", top], check=False)
        assert r.returncode == 1
        assert r.stderr.endswith("can't open device %s: Can't use "
                                 "copy-on-read on read-only device\n" % top)
        r = run([io, "-c", "open -C -r %s" % top], check=False)
        assert "Can't use copy-on-read on read-only device" in r.stderr
    strip = [[{k: v for k, v in e.items() if k != "offset"} for e in m]
             for m in (maps["qemu"], maps["vireo"])]
    assert strip[0] == strip[1], maps
    assert any(e["depth"] == 0 and e["start"] == 0 for e in maps["vireo"])


def test_convert_mapped_source_like_qemu_img(tmp_path, vimg, qimg, qio):
    """convert reads raw data and qcow2 data clusters through a mapping of
    the source file: the outputs equal the source and qemu-img's (qcow2
    allocation too), and the same as with -U (read through buffers)."""
    raw = str(tmp_path / "src.raw")
    with open(raw, "wb") as f:
        rnd = random.Random(11)
        f.truncate(24 << 20)
        for i in range(30):
            f.seek(rnd.randrange(0, 23 << 20, 512))
            f.write(os.urandom(rnd.randrange(1, 300000)))
            f.write(bytes(rnd.randrange(0, 20000)))     # zeroes in data
    src_q = str(tmp_path / "src.qcow2")
    run([qimg, "convert", "-O", "qcow2", raw, src_q])
    base = str(tmp_path / "base.qcow2")
    run([qimg, "create", "-q", "-f", "qcow2", base, "24M"])
    run([qio, "-c", "write -P 0x44 0 5M", base])
    top = str(tmp_path / "top.qcow2")
    run([qimg, "create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2",
         top])
    run([qio, "-c", "write -P 0x55 1M 100k", "-c", "write -z 3M 64k", top])
    for src, fmt, ofmt in ((raw, "raw", "qcow2"), (src_q, "qcow2", "raw"),
                           (top, "qcow2", "raw"), (top, "qcow2", "qcow2")):
        outs = {}
        for name, cmd in (("qemu", [qimg]), ("vireo", [vimg]),
                          ("vireo-U", [vimg, "-U"])):
            out = str(tmp_path / ("%s.%s" % (name, ofmt)))
            if cmd[-1] == "-U":
                cmd = [vimg, "convert", "-U"]
            else:
                cmd = cmd + ["convert"]
            run(cmd + ["-f", fmt, "-O", ofmt, src, out])
            assert run([qimg, "compare", "-f", fmt, "-F", ofmt, src,
                        out]).returncode == 0
            outs[name] = [{k: v for k, v in e.items() if k != "offset"}
                          for e in json.loads(run(
                              [qimg, "map", "--output=json", "-f", ofmt,
                               out]).stdout)]
        assert outs["vireo"] == outs["vireo-U"], (src, ofmt)
        if ofmt == "qcow2":
            # (A raw file qemu-img makes has its first block allocated.)
            assert outs["vireo"] == outs["qemu"], (src, ofmt)
