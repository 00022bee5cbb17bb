# Vireo functional tests: the debug log (-d, -D) of the riscv64 hart and
# how the machine takes bad guest behaviour.
# SPDX-License-Identifier: MIT
"""A bare-metal program (tests/tcg/riscv64/guesterr.S, built with the
riscv64 cross compiler) stores to, loads from and jumps to an address
nothing decodes, and runs an illegal instruction in M-mode.  It passes
(exit status 0 through sifive_test) only when each trapped as hardware
traps; the log must name every bad access when -d guest_errors is on and
stay silent when it is off."""

import os
import re
import subprocess

import pytest

from conftest import require_binary


def program(name):
    path = os.path.join(os.path.dirname(require_binary("riscv64")), "tests",
                        "tcg", name + ".elf")
    if not os.path.exists(path):
        pytest.skip("%s not built (riscv64 cross compiler missing)" % path)
    return path


def run(tmp_path, name, log_items=None, timeout=60):
    log = tmp_path / "vireo.log"
    argv = [require_binary("riscv64"), "-M", "virt", "-bios", "none",
            "-kernel", program(name), "-display", "none", "-nodefaults",
            "-D", str(log)]
    if log_items:
        argv += ["-d", log_items]
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=timeout)
    return p, log.read_text() if log.exists() else ""


def test_guest_errors_logged_and_survived(tmp_path):
    p, log = run(tmp_path, "guesterr", "guest_errors")
    assert p.returncode == 0, p.stderr
    assert "Invalid write at addr 0x200000, size 4, region '(null)', " \
        "reason: rejected" in log
    assert "Invalid read at addr 0x200008, size 4" in log
    assert "Invalid fetch at addr 0x200000" in log
    # Traps are not guest errors: those need -d int.
    assert "riscv_cpu_do_interrupt" not in log


def test_guest_errors_silent_without_d(tmp_path):
    p, log = run(tmp_path, "guesterr")
    assert p.returncode == 0, p.stderr
    assert log == ""
    assert b"Invalid" not in p.stderr


def test_int_logs_each_trap(tmp_path):
    p, log = run(tmp_path, "guesterr", "int")
    assert p.returncode == 0, p.stderr
    causes = re.findall(r"riscv_cpu_do_interrupt: hart:0, async:0, "
                        r"cause:([0-9a-f]{16}), epc:0x[0-9a-f]{16}, "
                        r"tval:0x([0-9a-f]{16}), desc=(\w+)", log)
    assert [(int(c, 16), int(t, 16), d) for c, t, d in causes] == [
        (7, 0x200000, "fault_store"),
        (5, 0x200008, "fault_load"),
        (2, 0x707b, "illegal_instruction"),
        (1, 0x200000, "fault_fetch"),
    ]


def test_in_asm_disassembles_each_new_block(tmp_path):
    p, log = run(tmp_path, "guesterr", "in_asm")
    assert p.returncode == 0, p.stderr
    blocks = log.split("----------------\n")[1:]
    # The reset ROM's first block, as QEMU's virt machine lays it out.
    assert blocks[0].splitlines()[:5] == [
        "IN: ",
        "Priv: 3; Virt: 0",
        "0x0000000000001000:  00000297          auipc t0,0x0",
        "0x0000000000001004:  02828613          addi a2,t0,40",
        "0x0000000000001008:  f1402573          csrrs a0,0xf14,zero",
    ]
    assert re.search(r"0x[0-9a-f]{16}:  0000707b          illegal", log)
    # Translated once: the block at _start appears a single time.
    assert log.count("0x0000000080000000:  ") == 1


def test_exec_and_cpu_trace_every_block(tmp_path):
    p, log = run(tmp_path, "guesterr", "exec,cpu,nochain")
    assert p.returncode == 0, p.stderr
    traces = re.findall(r"^Trace 0: 0x[0-9a-f]+ \[00000000/([0-9a-f]{16})/",
                        log, re.M)
    assert traces[0] == "0000000000001000"
    # Every block of the program is traced (it runs 38 before the one
    # that writes sifive_test; how many more run before the process
    # exits varies).
    assert len(traces) >= 38 and "0000000080000000" in traces
    # -d cpu dumps the registers before each block, in step with the
    # traces.
    pcs = re.findall(r"^ pc\s+([0-9a-f]{16})$", log, re.M)
    assert pcs[:38] == traces[:38]


def test_bad_log_item_is_refused(tmp_path):
    p = subprocess.run([require_binary("riscv64"), "-M", "none", "-d",
                        "in_asm,bogus"], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=30)
    assert p.returncode == 1
    assert b"Log items (comma separated):" in p.stderr
    assert b"guest_errors" in p.stderr
