# Crash consistency: vireo-io killed with SIGKILL in the middle of writes.
# SPDX-License-Identifier: MIT
"""After a SIGKILL during heavy writing, both vireo-img check and qemu-img
check find no corruption (leaks are allowed), and everything written and
flushed before the kill reads back."""

import random
import signal
import subprocess
import time

import pytest

from imgtools import run, vimg, vio, qimg  # noqa: F401

OPTS = ["cluster_size=512", "cluster_size=4k", "cluster_size=64k",
        "cluster_size=64k,refcount_bits=1", "compat=0.10"]


@pytest.mark.parametrize("round_", range(10))
def test_sigkill_during_writes(tmp_path, vimg, vio, qimg, round_):
    rnd = random.Random(round_)
    img = str(tmp_path / "c.qcow2")
    run([vimg, "create", "-q", "-f", "qcow2", "-o", OPTS[round_ % len(OPTS)],
         img, "64M"])
    # Phase 1: known data in the first 8 MiB, flushed.
    cmds = []
    for i in range(16):
        cmds += ["-c", "write -q -P %d %d 300000" % (i + 1, i * 512 * 1024)]
    cmds += ["-c", "flush", "-c", "write -q -P 0xee 60M 4k"]
    # Phase 2: churn above 8 MiB until killed.
    for k in range(3000):
        off = rnd.randrange(8 << 20, 64 << 20, 512)
        n = min(rnd.choice([512, 4096, 65536, 200000]), (64 << 20) - off)
        r = rnd.random()
        if r < 0.65:
            cmds += ["-c", "write -q -P %d %d %d" % (k % 250, off, n)]
        elif r < 0.75:
            cmds += ["-c", "flush"]
        elif r < 0.9:
            cmds += ["-c", "discard -q %d %d" % (off, n)]
        else:
            cmds += ["-c", "write -q -z %d %d" % (off, n)]
    p = subprocess.Popen([vio] + cmds + [img], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    # Kill once phase 1 is surely done: its last write marks 60M.
    deadline = time.time() + 30
    while time.time() < deadline and p.poll() is None:
        r = run([vio, "-U", "-r", "-c", "read -q -P 0xee 60M 4k", img],
                check=False)
        if r.returncode == 0:
            break
        time.sleep(0.01)
    time.sleep(rnd.uniform(0.0, 0.3))
    p.send_signal(signal.SIGKILL)
    p.wait()
    for checker in (qimg, vimg):
        r = run([checker, "check", img], check=False)
        assert r.returncode in (0, 3), "%s: %s%s" % (checker, r.stdout,
                                                      r.stderr)
    script = []
    for i in range(16):
        script += ["-c", "read -q -P %d %d 300000" % (i + 1, i * 512 * 1024)]
    run([vio, "-r"] + script + [img])
