# vireo-img and vireo-io: behaviour, output and exit codes as qemu-img's.
# SPDX-License-Identifier: MIT
"""vireo-img/vireo-io on their own, side by side with qemu-img where the
output is meant to be identical."""

import json
import os

from imgtools import run, vimg, vio, qimg, qio  # noqa: F401


def test_create_matches_qemu_img_byte_for_byte(tmp_path, vimg, qimg):
    for opts in ("", "cluster_size=4k", "compat=0.10", "refcount_bits=8",
                 "lazy_refcounts=on"):
        a, b = str(tmp_path / "v.qcow2"), str(tmp_path / "q.qcow2")
        args = ["-o", opts] if opts else []
        rv = run([vimg, "create", "-f", "qcow2"] + args + [a, "1G"])
        rq = run([qimg, "create", "-f", "qcow2"] + args + [b, "1G"])
        assert rv.stdout.replace(a, "X") == rq.stdout.replace(b, "X")
        assert open(a, "rb").read() == open(b, "rb").read(), opts
        os.unlink(a)
        os.unlink(b)


def test_info_human_and_json_like_qemu_img(tmp_path, vimg, qimg, qio):
    base = str(tmp_path / "base.qcow2")
    top = str(tmp_path / "top.qcow2")
    run([qimg, "create", "-q", "-f", "qcow2", base, "64M"])
    run([qimg, "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F",
         "qcow2", top])
    run([qio, "-c", "write -P 1 0 1M", top])
    os.chdir(str(tmp_path))
    for args in (["top.qcow2"], ["--output=json", "top.qcow2"],
                 ["--backing-chain", "top.qcow2"],
                 ["--output=json", "--backing-chain", "top.qcow2"]):
        v = run([vimg, "info"] + args).stdout
        q = run([qimg, "info"] + args).stdout
        if "--output=json" in args:
            v, q = json.loads(v), json.loads(q)
            for d in (v if isinstance(v, list) else [v]):
                d.pop("actual-size")
            for d in (q if isinstance(q, list) else [q]):
                d.pop("actual-size")
        else:
            v = [x for x in v.splitlines() if not x.startswith("disk size")]
            q = [x for x in q.splitlines() if not x.startswith("disk size")]
        assert v == q


def test_check_exit_codes_and_repair(tmp_path, vimg, qimg, qio):
    img = str(tmp_path / "a.qcow2")
    run([qimg, "create", "-q", "-f", "qcow2", img, "16M"])
    run([qio, "-c", "write 0 64k", img])
    assert run([vimg, "check", img]).returncode == 0
    # A leak: a cluster after the data (0x60000) that nothing uses.
    with open(img, "r+b") as f:
        f.truncate(0x70000)
        f.seek(0x20000 + 6 * 2)
        f.write((1).to_bytes(2, "big"))
    r = run([vimg, "check", img], check=False)
    assert r.returncode == 3
    assert "1 leaked clusters were found on the image." in r.stdout
    assert "Leaked cluster 6 refcount=1 reference=0" in r.stderr
    j = json.loads(run([vimg, "check", "--output=json", img],
                       check=False).stdout)
    assert j["leaks"] == 1 and j["check-errors"] == 0
    r = run([vimg, "check", "-r", "leaks", img], check=False)
    assert r.returncode == 0
    assert "1 leaked clusters" in r.stdout
    assert run([qimg, "check", img]).returncode == 0
    # A corruption: the header cluster's refcount dropped to 0.
    with open(img, "r+b") as f:
        f.seek(0x20000)
        f.write((0).to_bytes(2, "big"))
    r = run([vimg, "check", img], check=False)
    assert r.returncode == 2
    assert "ERROR cluster 0 refcount=0 reference=1" in r.stderr
    assert run([vimg, "check", "-r", "all", img]).returncode == 0
    assert run([qimg, "check", img]).returncode == 0
    # A format without checks, as qemu-img.
    raw = str(tmp_path / "r.raw")
    run([vimg, "create", "-q", "-f", "raw", raw, "1M"])
    assert run([vimg, "check", raw], check=False).returncode == 63


def test_vireo_io_commands(tmp_path, vimg, vio, qimg):
    img = str(tmp_path / "a.qcow2")
    run([vimg, "create", "-q", "-f", "qcow2", img, "8M"])
    r = run([vio, "-c", "write -P 0x5a 4096 8192", "-c",
             "read -P 0x5a 4096 8192", "-c", "readv -P 0x5a 4096 512 3584",
             "-c", "writev -P 7 0 512 512", "-c", "aio_write -P 9 1M 64k",
             "-c", "aio_read 0 512", "-c", "aio_flush", "-c", "alloc 0 64k",
             "-c", "write -z 2M 128k", "-c", "discard 1M 64k",
             "-c", "length", "-c", "info", img])
    out = r.stdout
    assert "wrote 8192/8192 bytes at offset 4096" in out
    assert "read 8192/8192 bytes at offset 4096" in out
    assert "read 4096/4096 bytes at offset 4096" in out
    assert "wrote 1024/1024 bytes at offset 0" in out
    assert "wrote 65536/65536 bytes at offset 1048576" in out
    assert "65536/65536 bytes allocated at offset 0 bytes" in out
    assert "discard 65536/65536 bytes at offset 1048576" in out
    assert "8 MiB" in out and "format name: qcow2" in out
    # Verification fails loudly and sets the exit status.
    r = run([vio, "-c", "read -P 0x11 4096 512", img], check=False)
    assert r.returncode == 1
    assert "Pattern verification failed at offset 4096, 512 bytes" in r.stdout
    r = run([vio, "-c", "nosuchcmd", img], check=False)
    assert r.returncode == 1 and 'command "nosuchcmd" not found' in r.stderr
    # --image-opts, -r and -f.
    r = run([vio, "--image-opts", "-c", "read -P 0x5a 4096 4096",
             "driver=qcow2,file.filename=" + img])
    assert "read 4096/4096" in r.stdout
    r = run([vio, "-r", "-f", "qcow2", "-c", "write 0 512", img],
            check=False)
    assert r.returncode == 1 and "write failed" in r.stdout
    assert run([qimg, "check", img]).returncode == 0


def test_locking_excludes_qemu_both_ways(tmp_path, vimg, vio, qio):
    import subprocess
    import time
    img = str(tmp_path / "a.qcow2")
    run([vimg, "create", "-q", "-f", "qcow2", img, "1M"])
    p = subprocess.Popen([vio, img], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        p.stdin.write("write 0 1\n")
        p.stdin.flush()
        assert p.stdout.readline().startswith("vireo-io> wrote 1/1")
        r = run([qio, "-c", "write 0 1", img], check=False)
        assert r.returncode != 0 and '"write" lock' in r.stderr
        r = run(["/usr/bin/qemu-img", "info", img], check=False)
        assert 'Failed to get shared "write" lock' in r.stderr
        assert run(["/usr/bin/qemu-img", "info", "-U", img]).returncode == 0
    finally:
        p.stdin.close()
        p.wait(timeout=10)
    p = subprocess.Popen([qio, img], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        p.stdin.write("write 0 1\n")
        p.stdin.flush()
        deadline = time.time() + 10
        while time.time() < deadline:
            if "wrote" in p.stdout.readline():
                break
        r = run([vio, "-c", "write 0 1", img], check=False)
        assert r.returncode == 1 and '"write" lock' in r.stderr
        r = run([vimg, "info", img], check=False)
        assert 'Failed to get shared "write" lock' in r.stderr
    finally:
        p.stdin.close()
        p.wait(timeout=10)


def test_resize_amend_measure_dd(tmp_path, vimg, qimg):
    img = str(tmp_path / "a.qcow2")
    run([vimg, "create", "-q", "-f", "qcow2", img, "64M"])
    assert run([vimg, "resize", img, "+64M"]).stdout == "Image resized.\n"
    r = run([vimg, "resize", img, "32M"], check=False)
    assert r.returncode == 1 and "--shrink" in r.stderr
    run([vimg, "resize", "--shrink", img, "32M"])
    assert json.loads(run([qimg, "info", "--output=json", img]).stdout)[
        "virtual-size"] == 32 << 20
    run([vimg, "amend", "-o", "compat=0.10", img])
    info = json.loads(run([qimg, "info", "--output=json", img]).stdout)
    assert info["format-specific"]["data"]["compat"] == "0.10"
    run([vimg, "amend", "-o", "compat=1.1,lazy_refcounts=on", img])
    info = json.loads(run([qimg, "info", "--output=json", img]).stdout)
    assert info["format-specific"]["data"]["lazy-refcounts"] is True
    assert run([qimg, "check", img]).returncode == 0
    for args in (["--size", "1G"], ["--size", "100M", "-o", "cluster_size=4k"]):
        v = run([vimg, "measure", "-O", "qcow2"] + args).stdout
        q = run([qimg, "measure", "-O", "qcow2"] + args).stdout
        assert v == q
    raw = str(tmp_path / "out.raw")
    run([vimg, "dd", "if=" + img, "of=" + raw, "bs=64k", "count=3"])
    assert os.path.getsize(raw) == 3 * 65536


def test_amend_refcount_bits(tmp_path, vimg, vio, qimg, qio):
    img = str(tmp_path / "a.qcow2")
    ref = str(tmp_path / "ref.raw")
    run([qimg, "create", "-q", "-f", "qcow2", img, "16M"])
    run([qio, "-c", "write -P 3 0 3M", "-c", "write -c 8M 64k", img])
    run([qimg, "convert", "-O", "raw", img, ref])
    for bits in (1, 64, 4, 16):
        run([vimg, "amend", "-o", "refcount_bits=%d" % bits, img])
        assert "refcount bits: %d" % bits in run([qimg, "info", img]).stdout
        assert run([qimg, "check", img]).returncode == 0
        assert run([qimg, "compare", img, ref]).returncode == 0
    run([qimg, "snapshot", "-c", "s", img])
    r = run([vimg, "amend", "-o", "refcount_bits=1", img], check=False)
    assert r.returncode == 1
    assert "Cannot decrease refcount entry width to 1 bits" in r.stderr
    assert run([qimg, "check", img]).returncode == 0
