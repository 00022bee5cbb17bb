# Damaged and hostile qcow2 images: clear errors, no crash, no growth.
# SPDX-License-Identifier: MIT
"""Hundreds of mutated images through vireo-img info/check/convert and
vireo-io, plus hand-made damage with the error each one must give."""

import os
import random
import resource
import signal
import subprocess

import pytest

from imgtools import run, vimg, vio, qimg, qio  # noqa: F401

HEADER_FIELDS = [(4, 4), (8, 8), (16, 4), (20, 4), (24, 8), (32, 4), (36, 4),
                 (40, 8), (48, 8), (56, 4), (60, 4), (64, 8), (72, 8),
                 (80, 8), (96, 4), (100, 4)]
INTERESTING = [0, 1, 3, 7, 9, 22, 64, 512, 4096, 0x10000, 0x7fffffff,
               0x80000000, 0xffffffff, 1 << 40, 1 << 62, (1 << 64) - 1]


def _limit_memory():
    # A header must not make the tools allocate gigabytes.
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def _run_limited(cmd):
    try:
        return subprocess.run(cmd, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=60,
                              preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail("hangs: %s" % " ".join(cmd))


@pytest.fixture(scope="module")
def seed_image(tmp_path_factory):
    d = tmp_path_factory.mktemp("seed")
    img = str(d / "seed.qcow2")
    qimg, qio = "/usr/bin/qemu-img", "/usr/bin/qemu-io"
    run([qimg, "create", "-q", "-f", "qcow2", "-o", "cluster_size=4k", img,
         "16M"])
    run([qio, "-c", "write -P 1 0 64k", "-c", "write -c 1M 64k", "-c",
         "write -z 2M 64k", img])
    run([qimg, "snapshot", "-c", "s", img])
    run([qio, "-c", "write -P 2 32k 64k", img])
    return open(img, "rb").read()


@pytest.mark.parametrize("seed", range(4))
def test_mutated_images_never_crash(tmp_path, vimg, vio, seed_image, seed):
    rnd = random.Random(seed)
    for i in range(100):
        b = bytearray(seed_image)
        for _ in range(rnd.randint(1, 4)):
            r = rnd.random()
            if r < 0.5:
                off, n = rnd.choice(HEADER_FIELDS)
                v = rnd.choice(INTERESTING + [rnd.getrandbits(n * 8)])
                b[off:off + n] = (v & ((1 << (n * 8)) - 1)).to_bytes(n, "big")
            elif r < 0.9:
                b[rnd.randrange(min(len(b), 65536))] = rnd.randrange(256)
            else:
                del b[rnd.randrange(len(b)):]
        img = str(tmp_path / "m.qcow2")
        with open(img, "wb") as f:
            f.write(b)
        for cmd in ([vimg, "info", img], [vimg, "check", img],
                    [vimg, "snapshot", "-l", img],
                    [vimg, "convert", "-O", "raw", img,
                     str(tmp_path / "o.raw")],
                    [vio, "-c", "read 0 64k", "-c", "write -P 3 0 8k", "-c",
                     "write 1M 4k", "-c", "discard 0 16k", "-c",
                     "write -c 3M 4k", img],
                    [vimg, "check", "-r", "all", img]):
            r = _run_limited(cmd)
            assert r.returncode >= 0, \
                "%s died of signal %d (mutation %d)" % (cmd[1], -r.returncode,
                                                       i)
            assert r.returncode < 64 or r.returncode == 63, cmd
        # Writes may allocate a little; nothing runs away.
        assert os.path.getsize(img) < len(b) + (4 << 20)


def _damaged(tmp_path, seed_image, patches, truncate=None):
    b = bytearray(seed_image)
    for off, n, v in patches:
        b[off:off + n] = v.to_bytes(n, "big")
    if truncate is not None:
        del b[truncate:]
    img = str(tmp_path / "d.qcow2")
    with open(img, "wb") as f:
        f.write(b)
    return img


@pytest.mark.parametrize("patches,truncate,message", [
    ([(36, 4, 0x7fffffff)], None, "Active L1 table too large"),
    ([(40, 8, 0x1000000000)], None, "Invalid L1 table offset"),
    ([(40, 8, 0x123)], None, "Invalid L1 table offset"),
    ([(48, 8, 1 << 50)], None, "Invalid reference count table offset"),
    ([(56, 4, 0xffffffff)], None, "Reference count table too large"),
    ([(20, 4, 30)], None, "Unsupported cluster size: 2^30"),
    ([(4, 4, 4)], None, "Unsupported qcow2 version 4"),
    ([(60, 4, 100000)], None, "Too many snapshots"),
    ([(64, 8, 1 << 45)], None, "Snapshot table offset invalid"),
    ([(24, 8, 1 << 61)], None, "Image is too big"),
    ([(72, 8, 1 << 40)], None, "Unsupported qcow2 feature(s)"),
    ([(96, 4, 7)], None, "Reference count entry width too large"),
    ([(32, 4, 1)], None, "Unsupported encryption method: 1"),
    ([], 200, "Invalid reference count table offset"),
    ([(0, 4, 0x12345678)], None, "Image is not in qcow2 format"),
])
def test_damage_gives_clear_error(tmp_path, vimg, seed_image, patches,
                                  truncate, message):
    img = _damaged(tmp_path, seed_image, patches, truncate)
    r = run([vimg, "info", "-f", "qcow2", img], check=False)
    assert r.returncode == 1
    assert message in r.stderr


def test_metadata_overlap_marks_corrupt(tmp_path, vimg, vio, qimg,
                                        seed_image):
    # Refcounts of the first clusters (header, tables) dropped to 0: the
    # allocator picks metadata clusters for new data, and the overlap
    # check must refuse to write there and mark the image corrupt.
    img = _damaged(tmp_path, seed_image, [])
    l1_off = int.from_bytes(seed_image[40:48], "big")
    rt_off = int.from_bytes(seed_image[48:56], "big")
    rb_off = int.from_bytes(seed_image[rt_off:rt_off + 8], "big")
    l1_cluster = l1_off // 4096
    with open(img, "r+b") as f:
        for c in range(1, l1_cluster + 1):
            f.seek(rb_off + 2 * c)
            f.write((0).to_bytes(2, "big"))
    before = open(img, "rb").read(4096)
    r = run([vio, "-c", "write -P 9 160k 4k", img], check=False)
    assert r.returncode == 1
    assert "Marking image as corrupt" in r.stderr
    with open(img, "rb") as f:
        hdr = f.read(4096)
    # Only the corrupt bit changed in the header.
    assert hdr[:72] == before[:72]
    assert int.from_bytes(hdr[72:80], "big") & 2
    r = run([vio, "-c", "write 0 512", img], check=False)
    assert "cannot be opened read/write" in r.stderr
    r = run([qimg, "info", img])
    assert "corrupt: true" in r.stdout
    # check -r all repairs it and clears the bit.
    run([vimg, "check", "-r", "all", img], check=False)
    assert run([qimg, "check", img]).returncode == 0
    assert "corrupt: false" in run([qimg, "info", img]).stdout


def test_unknown_header_extension_preserved(tmp_path, vimg, vio, qimg,
                                            seed_image):
    img = _damaged(tmp_path, seed_image, [])
    # Insert an unknown extension before the end marker.
    with open(img, "r+b") as f:
        data = bytearray(f.read(4096))
        pos = int.from_bytes(data[100:104], "big")
        while int.from_bytes(data[pos:pos + 4], "big") != 0:
            pos += 8 + ((int.from_bytes(data[pos + 4:pos + 8], "big") + 7)
                        & ~7)
        ext = (0x12345678).to_bytes(4, "big") + (5).to_bytes(4, "big") + \
            b"hello\0\0\0" + bytes(8)
        data[pos:pos + len(ext)] = ext
        f.seek(0)
        f.write(data)
    run([vimg, "amend", "-o", "lazy_refcounts=on", img])
    run([vio, "-c", "write 0 4k", img])
    with open(img, "rb") as f:
        assert b"\x12\x34\x56\x78\x00\x00\x00\x05hello" in f.read(4096)
    assert run([qimg, "check", img]).returncode == 0


def test_dirty_lazy_refcounts_repaired_on_open(tmp_path, vimg, vio, qimg,
                                               qio):
    img = str(tmp_path / "lazy.qcow2")
    run([qimg, "create", "-q", "-f", "qcow2", "-o", "lazy_refcounts=on",
         img, "16M"])
    # QEMU killed while writing with lazy refcounts leaves the dirty bit.
    p = subprocess.Popen([qio, "-c", "write -P 5 0 4M", "-c", "sleep 10000",
                          img], stdout=subprocess.DEVNULL)
    # Wait until the data is there (read through a shared open), then kill.
    for _ in range(500):
        r = run([qio, "-U", "-r", "-c", "read -P 5 0 4M", img], check=False)
        if r.returncode == 0:
            break
    assert r.returncode == 0
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    with open(img, "rb") as f:
        f.seek(72)
        assert int.from_bytes(f.read(8), "big") & 1, "no dirty bit to repair"
    run([vio, "-c", "read -P 5 0 4M", img])
    with open(img, "rb") as f:
        f.seek(72)
        assert int.from_bytes(f.read(8), "big") & 1 == 0
    assert run([qimg, "check", img]).returncode == 0
