# Vireo functional tests: --preconfig and x-exit-preconfig.
# SPDX-License-Identifier: MIT
"""With --preconfig the emulator stops before the board is built: only
commands marked allow-preconfig run (QMP and HMP alike); x-exit-preconfig
builds the machine and starts the guest (or leaves it paused with -S)."""

import time

from conftest import connect_unix, expect_error

NOT_YET = ("^The command '%s' is permitted only after machine "
           "initialization has completed$")


def wait_status(mon, status, timeout=30):
    deadline = time.monotonic() + timeout
    while mon.cmd("query-status")["status"] != status:
        assert time.monotonic() < deadline, "status never became " + status
        time.sleep(0.05)


class HMPSocket:
    """An HMP monitor on a unix socket (-mon mode=readline)."""

    def __init__(self, path):
        self.sock = connect_unix(path)
        self.sock.settimeout(10)
        self.read_to_prompt()

    def read_to_prompt(self):
        buf = b""
        while not buf.endswith(b"(qemu) "):
            data = self.sock.recv(4096)
            assert data, "HMP closed; got %r" % buf
            buf += data
        return buf.decode(errors="replace")

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        out = self.read_to_prompt()
        # Drop the echoed line (terminal sequences included) and the prompt.
        return out.split("\r\n", 1)[-1].rsplit("(qemu) ", 1)[0]


def test_preconfig_riscv_virt(launch, tmp_path):
    serial = tmp_path / "serial.txt"
    hmp_path = str(tmp_path / "hmp.sock")
    m = launch("riscv64", ["-M", "virt", "-m", "128", "-smp", "2",
                           "-nodefaults", "--preconfig", "-display", "none",
                           "-chardev", "socket,id=h0,path=%s,server=on,"
                           "wait=off" % hmp_path,
                           "-mon", "chardev=h0,mode=readline",
                           "-serial", "file:%s" % serial], defaults=False)
    mon = m.qmp()
    assert mon.cmd("query-status") == {"status": "prelaunch",
                                       "running": False}
    # The machine object exists, its board does not yet.
    names = [p["name"] for p in mon.cmd("qom-list", path="/machine")]
    assert "peripheral" in names
    for cmd in ("query-cpus-fast", "cont", "system_reset", "stop"):
        expect_error(mon, cmd, {}, desc=NOT_YET % cmd)
    # As in QEMU 9.2, HMP through QMP waits for the machine too ...
    expect_error(mon, "human-monitor-command", {"command-line": "info status"},
                 desc=NOT_YET % "human-monitor-command")
    # ... and an HMP monitor offers only what needs no board.
    hmp = HMPSocket(hmp_path)
    assert hmp.cmd("info registers").startswith(
        "Command 'info registers' not available until machine "
        "initialization has completed.")
    assert "not available until" in hmp.cmd("system_reset")
    assert "VM status: paused (prelaunch)" in hmp.cmd("info status")
    # Nothing ran: the firmware has not printed a byte.
    assert serial.read_bytes() == b""

    mon.cmd("x-exit-preconfig")
    wait_status(mon, "running")
    assert len(mon.cmd("query-cpus-fast")) == 2
    deadline = time.monotonic() + 60
    while b"OpenSBI" not in serial.read_bytes():
        assert time.monotonic() < deadline, "firmware never printed"
        time.sleep(0.1)
    expect_error(mon, "x-exit-preconfig", {},
                 desc="^The command is permitted only before machine "
                      "initialization$")
    assert "x1/ra" in hmp.cmd("info registers")
    assert "VM status: running" in hmp.cmd("info status")


def test_preconfig_with_S_stays_paused(launch):
    m = launch("x86_64", ["-S", "--preconfig"])
    mon = m.qmp()
    expect_error(mon, "stop", {}, desc=NOT_YET % "stop")
    mon.cmd("object-add", **{"qom-type": "iothread", "id": "io0"})
    mon.cmd("x-exit-preconfig")
    assert mon.cmd("query-status")["status"] == "prelaunch"
    mon.cmd("cont")
    assert mon.cmd("query-status")["status"] == "running"
    assert [t["id"] for t in mon.cmd("query-iothreads")] == ["io0"]


def test_x_exit_preconfig_without_preconfig(launch):
    m = launch("x86_64")
    mon = m.qmp()
    expect_error(mon, "x-exit-preconfig", {},
                 desc="^The command is permitted only before machine "
                      "initialization$")
    # x-exit-preconfig is unstable, as in QEMU's schema.
    schema = mon.cmd("query-qmp-schema")
    cmd = [e for e in schema if e.get("meta-type") == "command" and
           e["name"] == "x-exit-preconfig"]
    assert cmd and cmd[0].get("features") == ["unstable"]
