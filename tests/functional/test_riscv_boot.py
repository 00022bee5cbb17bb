# Vireo functional tests: the riscv64 virt machine boots OpenSBI, U-Boot
# and Linux, and the management plane works on the running guest.
# SPDX-License-Identifier: MIT
"""Each test starts vireo-system-riscv64 with its serial console on a unix
socket and QMP on another, waits for output on the console, and checks
the guest and QMP replies.  Needs the images of tests/guest/build.sh
(VIREO_GUEST_DIR, or the newest ~/.cache/vireo/guest/*)."""

import glob
import os
import re
import shutil
import socket
import subprocess
import time

import pytest

from conftest import connect_unix, expect_error, require_binary
from qmp import QMPSync

READY = b"VIREO-GUEST-READY"


def guest_dir():
    d = os.environ.get("VIREO_GUEST_DIR")
    if d:
        return d
    dirs = [p for p in glob.glob(os.path.expanduser("~/.cache/vireo/guest/*"))
            if os.path.exists(os.path.join(p, ".done"))]
    if not dirs:
        pytest.skip("riscv64 guest images missing: run tests/guest/build.sh")
    return max(dirs, key=os.path.getmtime)


class Console:
    """The guest's serial port on a unix socket."""

    def __init__(self, path):
        self.sock = connect_unix(path)
        self.buf = b""

    def expect(self, pattern, timeout=120):
        """Wait for @pattern (bytes regex); return the match."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            m = regex.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timeout waiting for %r; console tail: %r"
                                     % (pattern, self.buf[-500:]))
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise AssertionError("console closed waiting for %r; tail %r"
                                     % (pattern, self.buf[-500:]))
            self.buf += data

    def run(self, cmd, timeout=60):
        """Run a shell command in the guest; return its output."""
        n = int(time.monotonic() * 1000) % 100000
        # The shell expands the marker, so its echo of the command line
        # does not contain the expanded form.
        self.sock.sendall(("%s; echo @@$((%d+1))@@\n" % (cmd, n)).encode())
        m = self.expect(rb"(?s)(.*?)@@" + str(n + 1).encode() + rb"@@",
                        timeout)
        # The line editor may echo the typed line more than once (typed
        # ahead of the prompt): the output follows the last echo.
        echo = b"@@$((" + str(n).encode() + b"+1))@@"
        out = m.group(1).rsplit(echo, 1)[-1]
        return out.lstrip(b"\r\n").decode(errors="replace")

    def close(self):
        self.sock.close()


class Guest:
    def __init__(self, tmp_path, args, smp=1, kernel=True):
        g = guest_dir()
        self.serial = str(tmp_path / "serial.sock")
        self.qmp_path = str(tmp_path / "qmp.sock")
        argv = [require_binary("riscv64"), "-M", "virt", "-m", "256",
                "-smp", str(smp), "-display", "none", "-nodefaults",
                "-chardev", "socket,id=s0,path=%s,server=on,wait=off"
                % self.serial, "-serial", "chardev:s0",
                "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path, "-S"]
        if kernel:
            argv += ["-kernel", os.path.join(g, "Image"),
                     "-initrd", os.path.join(g, "initramfs.cpio.gz"),
                     "-append", "console=ttyS0"]
        self.proc = subprocess.Popen(argv + args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.console = Console(self.serial)
        self.mon = QMPSync()
        self.mon.connect(self.qmp_path, negotiate=True)
        # Started with -S: run only once the console listens, so no
        # output is lost (a socket chardev drops it while unconnected).
        self.mon.cmd("cont")

    def close(self):
        try:
            self.mon.close()
        except Exception:
            pass
        self.console.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def guest(tmp_path):
    made = []

    def _make(args=(), **kw):
        g = Guest(tmp_path, list(args), **kw)
        made.append(g)
        return g

    yield _make
    for g in made:
        g.close()


@pytest.mark.parametrize("smp", [1, 2, 4])
def test_linux_boots_to_shell(guest, smp):
    g = guest(smp=smp)
    g.console.expect(rb"OpenSBI v1\.\d")
    g.console.expect(rb"Platform Name\s+: riscv-virtio,qemu")
    m = g.console.expect(rb"Platform HART Count\s+: (\d+)")
    assert int(m.group(1)) == smp
    m = g.console.expect(READY + rb" harts=(\d+)")
    assert int(m.group(1)) == smp
    out = g.console.run("echo $((6*7)); grep -c ^processor /proc/cpuinfo")
    assert out.split() == ["42", str(smp)]


def test_uboot_prompt(guest, tmp_path):
    g = guest(args=["-kernel", os.path.join(guest_dir(), "u-boot.bin")],
              kernel=False)
    g.console.expect(rb"U-Boot \d{4}\.\d+", timeout=120)
    g.console.expect(rb"=> ", timeout=120)
    g.console.sock.sendall(b"version\n")
    g.console.expect(rb"U-Boot \d{4}\.\d+.*\r?\n", timeout=30)


def test_console_output_is_not_lost(guest):
    # Linux fills the 16-byte transmit FIFO per interrupt; a reader slower
    # than the guest must slow the guest down, not lose bytes.
    g = guest()
    g.console.expect(READY)
    out = g.console.run("seq 1 3000", timeout=120)
    nums = [line.strip() for line in out.splitlines()]
    assert nums[-3000:] == [str(i) for i in range(1, 3001)]


def test_poweroff_and_reboot_events(guest):
    g = guest()
    g.console.expect(READY)
    g.console.sock.sendall(b"reboot -f\n")
    ev = g.mon.wait_event("RESET", timeout=60)
    assert ev["data"] == {"guest": True, "reason": "guest-reset"}
    g.console.expect(READY)
    g.console.sock.sendall(b"poweroff -f\n")
    ev = g.mon.wait_event("SHUTDOWN", timeout=60)
    assert ev["data"] == {"guest": True, "reason": "guest-shutdown"}
    assert g.proc.wait(30) == 0


def test_no_shutdown_pauses(guest):
    g = guest(args=["-no-shutdown"])
    g.console.expect(READY)
    g.console.sock.sendall(b"poweroff -f\n")
    g.mon.wait_event("SHUTDOWN", timeout=60)
    g.mon.wait_event("STOP", timeout=30)
    st = g.mon.cmd("query-status")
    assert st == {"running": False, "status": "shutdown"}
    assert g.proc.poll() is None


def test_stop_freezes_guest_time(guest):
    g = guest()
    g.console.expect(READY)
    t0 = float(g.console.run("cut -d' ' -f1 /proc/uptime").strip())
    g.mon.cmd("stop")
    assert g.mon.cmd("query-status") == {"running": False, "status": "paused"}
    time.sleep(3)
    g.mon.cmd("cont")
    t1 = float(g.console.run("cut -d' ' -f1 /proc/uptime").strip())
    # Three seconds passed on the host while stopped; the guest saw ~none.
    assert t1 - t0 < 2.0, (t0, t1)


def rtc_seconds(g):
    return int(g.console.run("cat /sys/class/rtc/rtc0/since_epoch").strip())


@pytest.mark.parametrize("clock", ["vm", "host"])
def test_rtc_base_date_and_clock(guest, clock):
    g = guest(["-rtc", "base=2010-01-02T03:04:05,clock=%s" % clock])
    g.console.expect(READY)
    start = 1262401445          # 2010-01-02T03:04:05Z
    r0, h0 = rtc_seconds(g), time.time()
    assert start <= r0 < start + 120, r0
    g.mon.cmd("stop")
    time.sleep(3)
    g.mon.cmd("cont")
    r1, h1 = rtc_seconds(g), time.time()
    lost = (h1 - h0) - (r1 - r0)
    if clock == "vm":
        assert lost > 2, (r0, r1, h1 - h0)      # stood still while stopped
    else:
        assert lost < 2, (r0, r1, h1 - h0)      # host time runs on


def test_rtc_base_localtime(guest, monkeypatch):
    # India has no daylight saving time: a fixed +05:30.
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    g = guest(["-rtc", "base=localtime"])
    g.console.expect(READY)
    offset = rtc_seconds(g) - time.time()
    assert 19800 - 30 < offset < 19800 + 30, offset


def test_rtc_bad_values():
    for opt, msg in (("base=2010-13-01", "invalid datetime format"),
                     ("clock=tsc", "invalid option value 'tsc'")):
        p = subprocess.run([require_binary("riscv64"), "-M", "virt",
                            "-display", "none", "-rtc", opt],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=30)
        assert p.returncode == 1 and msg in p.stderr, p.stderr


def test_system_reset_boots_again(guest):
    g = guest()
    g.console.expect(READY)
    g.mon.cmd("system_reset")
    ev = g.mon.wait_event("RESET", timeout=30)
    assert ev["data"] == {"guest": False, "reason": "host-qmp-system-reset"}
    g.console.expect(READY)


def test_cpus_and_qom(guest):
    g = guest(smp=2)
    g.console.expect(READY)
    cpus = g.mon.cmd("query-cpus-fast")
    assert [c["cpu-index"] for c in cpus] == [0, 1]
    for c in cpus:
        assert c["target"] == "riscv64"
        assert c["qom-path"].startswith("/machine/soc0/harts[")
        assert c["thread-id"] > 0 and c["thread-id"] != g.proc.pid
    names = {p["name"] for p in g.mon.cmd("qom-list", path="/machine")}
    assert {"soc0", "unattached", "type"} <= names
    assert g.mon.cmd("qom-get", path="/machine", property="type") == \
        "virt-machine"
    err = g.mon.error("query-hotpluggable-cpus")
    assert err["class"] == "GenericError"
    err = g.mon.error("inject-nmi")
    assert err["class"] == "GenericError"


def thread_cpu_ticks(pid, tid):
    with open("/proc/%d/task/%d/stat" % (pid, tid)) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])     # utime + stime


def test_each_hart_has_its_own_thread(guest):
    """Host tools (libvirt's per-vCPU times) read each hart's thread."""
    g = guest(smp=2)
    g.console.expect(READY)
    tids = [c["thread-id"] for c in g.mon.cmd("query-cpus-fast")]
    assert len(set(tids)) == 2
    for index, tid in enumerate(tids):
        with open("/proc/%d/task/%d/comm" % (g.proc.pid, tid)) as f:
            assert f.read().strip() == "CPU %d/TCG" % index
    before = [thread_cpu_ticks(g.proc.pid, t) for t in tids]
    # Two busy shells: Linux puts one on each hart.
    out = g.console.run("for n in 1 2; do (i=0; while [ $i -lt 60000 ]; "
                        "do i=$((i+1)); done) & done; wait; "
                        "echo busy-$((2+3))", timeout=300)
    assert "busy-5" in out
    after = [thread_cpu_ticks(g.proc.pid, t) for t in tids]
    assert all(a > b for a, b in zip(after, before)), (before, after)


def test_dump_guest_memory(guest, tmp_path):
    g = guest()
    g.console.expect(READY)
    core = str(tmp_path / "core")
    g.mon.cmd("dump-guest-memory", paging=False, protocol="file:" + core)
    ev = g.mon.wait_event("DUMP_COMPLETED", timeout=60)
    assert ev["data"]["result"]["status"] == "completed"
    out = subprocess.run(["readelf", "-h", "-l", "-n", core],
                         capture_output=True, text=True, check=True).stdout
    assert "CORE (Core file)" in out and "RISC-V" in out
    assert "0x0000000080000000" in out          # RAM's physical base
    assert "NT_PRSTATUS" in out
    assert g.mon.cmd("query-status")["running"] is True


def test_memsave_pmemsave(guest, tmp_path):
    g = guest()
    g.console.expect(READY)
    p = str(tmp_path / "p.bin")
    g.mon.cmd("pmemsave", val=0x1000, size=64, filename=p)
    data = open(p, "rb").read()
    assert len(data) == 64 and data != bytes(64)    # the reset ROM
    err = g.mon.error("memsave", {"val": 0, "size": 4, "filename": p,
                                  "cpu-index": 9})
    assert "cpu-index" in err["desc"]


def test_dumpdtb_matches_qemu(tmp_path):
    vireo = str(tmp_path / "v.dtb")
    r = subprocess.run([require_binary("riscv64"), "-M",
                        "virt,dumpdtb=" + vireo, "-m", "256", "-smp", "2",
                        "-display", "none", "-nodefaults"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    dts = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", vireo],
                         capture_output=True, text=True, check=True).stdout
    nodes = set(re.findall(r"^\s*([\w@,.-]+) \{", dts, re.M))
    for n in ("cpus", "memory@80000000", "serial@10000000",
              "plic@c000000", "test@100000", "rtc@101000", "chosen",
              "fw-cfg@10100000", "pci@30000000"):
        assert n in nodes, (n, sorted(nodes))
    assert 'compatible = "riscv-virtio"' in dts
    pci = node_lines(dts, "pci@30000000")
    assert 'compatible = "pci-host-ecam-generic";' in pci
    assert ("ranges = <0x1000000 0x00 0x00 0x00 0x3000000 0x00 0x10000 "
            "0x2000000 0x00 0x40000000 0x00 0x40000000 0x00 0x40000000 "
            "0x3000000 0x04 0x00 0x04 0x00 0x04 0x00>;") in pci
    qemu = shutil.which("qemu-system-riscv64")
    if qemu:
        # The PCIe node is QEMU's to the byte (phandles included).
        ref = str(tmp_path / "q.dtb")
        subprocess.run([qemu, "-M", "virt,dumpdtb=" + ref, "-m", "256",
                        "-smp", "2", "-display", "none", "-nodefaults"],
                       capture_output=True, timeout=30, check=True)
        qdts = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", ref],
                              capture_output=True, text=True,
                              check=True).stdout
        assert pci == node_lines(qdts, "pci@30000000")


def node_lines(dts, name):
    """The property lines of node @name, sorted (order is not meaning)."""
    m = re.search(r"^(\s*)" + re.escape(name) + r" \{\n(.*?)^\1\};", dts,
                  re.M | re.S)
    assert m, name
    return sorted(line.strip() for line in m.group(2).splitlines())


def test_hmp_inspection(guest):
    g = guest(smp=2)
    g.console.expect(READY)
    hmp = lambda line: g.mon.cmd("human-monitor-command", **{
        "command-line": line})
    cpus = hmp("info cpus").splitlines()
    assert cpus[0].startswith("* CPU #0: thread_id=") and len(cpus) == 2
    regs = hmp("info registers")
    assert re.search(r"^ pc\s+[0-9a-f]{16}\r?$", regs, re.M)
    assert "x2/sp" in regs
    # The reset ROM starts with "auipc t0, 0" (0x00000297).
    assert hmp("xp /4xw 0x1000").startswith(
        "0000000000001000: 0x00000297 ")
    # The same ROM disassembled.
    assert hmp("xp /3i 0x1000").splitlines() == [
        "0x0000000000001000:  00000297          auipc t0,0x0",
        "0x0000000000001004:  02828613          addi a2,t0,40",
        "0x0000000000001008:  f1402573          csrrs a0,0xf14,zero"]
    assert "riscv_virt_board.ram" in hmp("info mtree")
    # A virtual address the guest does not map.
    assert "Cannot access memory" in hmp("x /2xg 0x10")
    assert "invalid char in format" in hmp("x /2q 0x10")
    assert hmp("x /2i 0x10") == "0x0000000000000010: Cannot access memory\r\n"


def test_device_add_is_not_a_silent_hotplug(guest):
    # virtio-mmio slots are probed once at boot: a device added later
    # would be invisible to the guest, so QEMU refuses it, and so do we.
    g = guest(kernel=False)
    expect_error(g.mon, "device_add", {"driver": "virtio-rng-device",
                                       "id": "rng9"},
                 desc=r"^Bus 'virtio-mmio-bus\.\d+' does not support "
                      r"hotplugging$")
    assert not [d for d in g.mon.cmd("qom-list", path="/machine/peripheral")
                if d["name"] == "rng9"]


def test_virtio_rng(guest):
    g = guest(args=["-device", "virtio-rng-device,id=rng0"])
    g.console.expect(READY)
    out = g.console.run("cat /sys/class/misc/hw_random/rng_current")
    assert "virtio_rng" in out
    out = g.console.run("head -c 4096 /dev/hwrng | md5sum; "
                        "head -c 4096 /dev/hwrng | md5sum")
    sums = [line.split()[0] for line in out.strip().splitlines()]
    assert len(sums) == 2 and sums[0] != sums[1]
    # QEMU puts the first -device on the last transport (IRQ 8).
    assert "virtio0" in g.console.run("grep virtio /proc/interrupts")
    props = {p["name"] for p in g.mon.cmd("device-list-properties",
                                          typename="virtio-rng-device")}
    assert {"max-bytes", "period", "rng"} <= props
    path = g.mon.cmd("qom-get", path="/machine/peripheral/rng0",
                     property="parent_bus")
    assert "virtio-mmio-bus" in path


def test_virtio_rng_backends(guest, tmp_path):
    # A file of known bytes as the source shows that rng= is what feeds
    # the guest (rng-random reads the file as it would /dev/hwrng).
    src = tmp_path / "entropy"
    src.write_bytes(bytes(range(256)) * 64)
    g = guest(args=["-object", "rng-random,id=r0,filename=%s" % src,
                    "-device", "virtio-rng-device,rng=r0,id=rng0",
                    "-object", "rng-builtin,id=r1"])
    g.console.expect(READY)
    out = g.console.run("head -c 16 /dev/hwrng | od -An -tx1")
    got = [int(x, 16) for x in out.split()]
    # The kernel takes some bytes itself first: the run goes on from there.
    assert len(got) == 16
    assert all(b == (a + 1) % 256 for a, b in zip(got, got[1:])), got
    assert g.mon.cmd("qom-get", path="/machine/peripheral/rng0",
                     property="rng") == "/objects/r0"
    assert g.mon.cmd("qom-get", path="/objects/r0",
                     property="filename") == str(src)
    g.mon.cmd("chardev-add", id="egd", backend={"type": "null",
                                                "data": {}})
    g.mon.cmd("object-add", **{"qom-type": "rng-egd", "id": "r2",
                               "chardev": "egd"})
    err = g.mon.error("object-add", {"qom-type": "rng-egd", "id": "r4",
                                     "chardev": "s0"})
    assert "is in use" in err["desc"]
    err = g.mon.error("object-add", {"qom-type": "rng-random", "id": "r3",
                                     "filename": str(tmp_path / "none")})
    assert "Could not open" in err["desc"]


def test_set_action_reboot_shutdown(guest):
    g = guest()
    g.console.expect(READY)
    g.mon.cmd("set-action", reboot="shutdown")
    g.console.sock.sendall(b"reboot -f\n")
    ev = g.mon.wait_event("SHUTDOWN", timeout=60)
    assert ev["data"] == {"guest": True, "reason": "guest-reset"}
    assert g.proc.wait(30) == 0


def test_no_reboot_option(guest):
    g = guest(args=["-no-reboot"])
    g.console.expect(READY)
    g.console.sock.sendall(b"reboot -f\n")
    ev = g.mon.wait_event("SHUTDOWN", timeout=60)
    assert ev["data"]["reason"] == "guest-reset"
    assert g.proc.wait(30) == 0


def test_virtconsole(guest, tmp_path):
    path = str(tmp_path / "vc.sock")
    g = guest(args=["-device", "virtio-serial-device",
                    "-chardev", "socket,id=vc,path=%s,server=on,wait=off"
                    % path, "-device", "virtconsole,chardev=vc,id=con0"])
    vc = Console(path)
    g.console.expect(READY)
    assert "hvc0" in g.console.run("ls /dev/hvc0")
    # Guest to host.
    g.console.run("echo hello-from-guest > /dev/hvc0")
    vc.expect(rb"hello-from-guest", timeout=30)
    # Host to guest: the reader holds the port open before the host writes.
    g.console.run("(cat /dev/hvc0 > /tmp/got &)")
    vc.sock.sendall(b"host-ping\n")
    out = g.console.run("for i in 1 2 3 4 5 6 7 8 9 10; do "
                        "grep -q host-ping /tmp/got && break; sleep 1; done;"
                        " cat /tmp/got")
    assert "host-ping" in out
    vc.close()


def test_ram_from_memory_backend_file(guest, tmp_path):
    ram = tmp_path / "guest-ram"
    g = guest(args=["-machine", "memory-backend=m0", "-object",
                    "memory-backend-file,id=m0,size=256M,share=on,"
                    "mem-path=%s" % ram])
    g.console.expect(READY)
    # The guest's RAM is the file: what the guest writes lands in it.
    g.console.run("echo vireo-ram-$((6*7))-marker > /tmp/m; sync")
    assert ram.stat().st_size == 256 << 20
    with open(ram, "rb") as f:
        assert b"vireo-ram-42-marker" in f.read()
    assert g.mon.cmd("qom-get", path="/objects/m0",
                     property="mem-path") == str(ram)


def test_virtio_balloon(guest):
    g = guest(args=["-device", "virtio-balloon-device,id=b0"])
    g.console.expect(READY)
    mon = g.mon
    ram = 256 << 20
    assert mon.cmd("query-balloon") == {"actual": ram}
    mon.cmd("balloon", value=128 << 20)
    # The guest gives the pages back; BALLOON_CHANGE reports the progress.
    while mon.wait_event("BALLOON_CHANGE",
                         timeout=60)["data"]["actual"] != 128 << 20:
        pass
    assert mon.cmd("query-balloon") == {"actual": 128 << 20}
    mon.cmd("qom-set", path="/machine/peripheral/b0",
            property="guest-stats-polling-interval", value=1)
    # The guest's own statistics show the memory it gave up.
    deadline = time.monotonic() + 30
    while True:
        stats = mon.cmd("qom-get", path="/machine/peripheral/b0",
                        property="guest-stats")
        if 0 < stats["stats"]["stat-total-memory"] < 130 << 20:
            break
        assert time.monotonic() < deadline, stats
        time.sleep(0.5)
    assert stats["last-update"] > 0
    mon.cmd("balloon", value=ram)
    while mon.wait_event("BALLOON_CHANGE",
                         timeout=60)["data"]["actual"] != ram:
        pass
    expect_error(mon, "balloon", {"value": 0}, desc="expects a size")


def test_balloon_absent(guest):
    g = guest(kernel=False)
    expect_error(g.mon, "query-balloon", cls="DeviceNotActive",
                 desc="No balloon device has been activated")
    expect_error(g.mon, "balloon", {"value": 1 << 20},
                 cls="DeviceNotActive")
