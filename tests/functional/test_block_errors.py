# Vireo functional tests: what a disk write error does to the VM
# (werror=stop|enospc|report), shown with a real "no space left" from a
# small tmpfs under the image.
# SPDX-License-Identifier: MIT
"""The image is a sparse raw file on a 40 MiB tmpfs that a 16 MiB filler
file already half fills, so a guest writing 32 MiB runs out of space.
With werror=stop (or enospc) the VM stops with BLOCK_IO_ERROR and
io-status "nospace"; once the filler is deleted, `cont` retries the
stopped request and the guest's write completes.  With werror=report
the guest gets the error and the VM runs on."""

import os
import subprocess

import pytest

from test_riscv_boot import READY, guest  # noqa: F401  (fixture)


@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "fs"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40M", "tmpfs",
                        str(mnt)], capture_output=True, text=True)
    if r.returncode:
        pytest.skip("cannot mount a tmpfs here (needs root): " + r.stderr)
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)])


def fill(mnt):
    disk = mnt / "disk.raw"
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
    with open(mnt / "filler", "wb") as f:
        f.write(b"\xff" * (16 << 20))
    return disk


WRITE = ("dd if=/dev/zero of=/dev/vda bs=1M count=32 oflag=direct "
         "2>&1 | grep -o 'records out\\|error.*' | head -1")


@pytest.mark.parametrize("policy", ["stop", "enospc"])
def test_write_error_stops_vm_and_cont_retries(guest, small_fs, policy):
    disk = fill(small_fs)
    g = guest(args=["-drive", "file=%s,format=raw,if=none,id=d0,werror=%s"
                    % (disk, policy), "-device",
                    "virtio-blk-pci,drive=d0,id=vd0"])
    g.console.expect(READY)
    g.console.sock.sendall((WRITE + "; echo DD-$((6*7))\n").encode())
    ev = g.mon.wait_event("BLOCK_IO_ERROR", timeout=120)
    data = ev["data"]
    assert data["device"] == "d0" and data["operation"] == "write"
    assert data["action"] == "stop" and data["nospace"] is True
    assert data["reason"] == "No space left on device"
    g.mon.wait_event("STOP", timeout=10)
    assert g.mon.cmd("query-status") == {"status": "io-error",
                                         "running": False}
    d0 = [b for b in g.mon.cmd("query-block") if b["device"] == "d0"][0]
    assert d0["io-status"] == "nospace"
    # Make room and go on: the stopped write is retried and succeeds.
    os.unlink(small_fs / "filler")
    g.mon.cmd("cont")
    g.console.expect(rb"records out\r?\n(.*\r?\n)?DD-42", timeout=120)
    assert g.mon.cmd("query-status")["status"] == "running"
    d0 = [b for b in g.mon.cmd("query-block") if b["device"] == "d0"][0]
    assert d0["io-status"] == "ok"
    with open(disk, "rb") as f:
        f.seek((32 << 20) - 4096)
        assert f.read(4096) == b"\0" * 4096


def test_write_error_reported_to_guest(guest, small_fs):
    disk = fill(small_fs)
    g = guest(args=["-drive", "file=%s,format=raw,if=none,id=d0,"
                    "werror=report" % disk, "-device",
                    "virtio-blk-pci,drive=d0,id=vd0"])
    g.console.expect(READY)
    g.console.sock.sendall((WRITE + "; echo DD-$((6*7))\n").encode())
    ev = g.mon.wait_event("BLOCK_IO_ERROR", timeout=120)
    assert ev["data"]["action"] == "report"
    # The guest saw an I/O error; the VM never stopped.
    m = g.console.expect(rb"(error[^\r\n]*)\r?\n(.*\r?\n)?DD-42", timeout=120)
    assert b"error" in m.group(1)
    assert g.mon.cmd("query-status")["status"] == "running"
    # As QEMU: only an error that stops the VM is kept in io-status.
    d0 = [b for b in g.mon.cmd("query-block") if b["device"] == "d0"][0]
    assert d0["io-status"] == "ok"
