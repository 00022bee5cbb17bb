# Vireo functional tests: Debian's real libvirt 9.0 drives
# vireo-system-riscv64 (probe, start, console, pause, monitor passthrough,
# stats, destroy, guest poweroff).  Needs root and the libvirt packages that
# scripts/install-deps.sh installs; tests/libvirt/setup.sh configures and
# starts the daemons.
# SPDX-License-Identifier: MIT

import json
import os
import re
import select
import shutil
import subprocess
import time
import tty
import uuid
import xml.etree.ElementTree as ET

import pytest

from conftest import require_binary, SRC_ROOT
from test_riscv_boot import guest_dir

LIBVIRTD_LOG = "/var/log/libvirt/libvirtd.log"
# libvirt's own complaints that it makes for QEMU just the same.
LIBVIRT_OWN = ("is tainted: high-privileges", "is tainted: custom-monitor",
               "'riscv64' architecture is not supported by CPU driver")


def virsh(*args, check=True, timeout=120):
    r = subprocess.run(["virsh", "-c", "qemu:///system"] + list(args),
                       capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError("virsh %s failed: %s%s"
                             % (" ".join(args), r.stdout, r.stderr))
    return r.stdout


@pytest.fixture(scope="module")
def libvirt():
    if os.geteuid() != 0:
        pytest.skip("libvirt tests need root (libvirtd runs QEMU as root)")
    for tool in ("virsh", "libvirtd", "virtlogd"):
        if not shutil.which(tool):
            pytest.skip("%s is not installed: run scripts/install-deps.sh"
                        % tool)
    subprocess.run([os.path.join(SRC_ROOT, "tests", "libvirt", "setup.sh")],
                   check=True, timeout=60)
    log_start = os.path.getsize(LIBVIRTD_LOG) \
        if os.path.exists(LIBVIRTD_LOG) else 0
    yield os.path.realpath(require_binary("riscv64"))
    # Nothing libvirt logged during these tests may be an error or a
    # warning about the emulator.
    with open(LIBVIRTD_LOG, errors="replace") as f:
        f.seek(log_start)
        bad = [line for line in f
               if re.search(r": (error|warning) : ", line)
               and not any(own in line for own in LIBVIRT_OWN)]
    assert not bad, "libvirtd complained:\n" + "".join(bad[:20])


def domain_xml(name, emulator, memballoon=False, disk=None, fmt="raw",
               nic=False, tap=None):
    g = guest_dir()
    return """<domain type='qemu'>
  <name>%s</name>
  <uuid>%s</uuid>
  <memory unit='MiB'>512</memory>
  <vcpu>2</vcpu>
  <os>
    <type arch='riscv64' machine='virt'>hvm</type>
    <kernel>%s</kernel>
    <initrd>%s</initrd>
    <cmdline>console=ttyS0</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>%s</emulator>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    %s
    %s
    %s
    %s
  </devices>
</domain>
""" % (name, uuid.uuid4(), os.path.join(g, "Image"),
       os.path.join(g, "initramfs.cpio.gz"), emulator,
       "" if memballoon else "<memballoon model='none'/>",
       "" if not disk else
       "<disk type='file' device='disk'><driver name='qemu' type='%s'/>"
       "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
       % (fmt, disk),
       "<interface type='user'><model type='virtio'/></interface>"
       if nic else "",
       "<interface type='ethernet'><target dev='%s'/>"
       "<model type='virtio'/></interface>" % tap if tap else "")


class PtyConsole:
    """The domain's serial console, through the pty libvirt reports."""

    def __init__(self, name):
        path = virsh("ttyconsole", name).strip()
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        self.buf = b""
        # Lines typed while the guest boots may arrive cut.  A cut line
        # must not leave the shell waiting (an open quote or $(( ) or a
        # command reading the console (the tail of a pipe), so the first
        # line is a lone printf whose output differs from its text.
        self.run("printf %s%s VIREO UP", "VIREOUP")

    def run(self, cmd, want, timeout=120):
        """Type @cmd until the output shows @want (the shell may still be
        starting when the first line arrives)."""
        deadline = time.monotonic() + timeout
        next_send = 0
        while time.monotonic() < deadline:
            if time.monotonic() >= next_send:
                os.write(self.fd, cmd.encode() + b"\n")
                next_send = time.monotonic() + 5
            r, _, _ = select.select([self.fd], [], [], 0.5)
            if r:
                self.buf += os.read(self.fd, 65536)
                if want.encode() in self.buf:
                    return
        raise AssertionError("console never showed %r: %r"
                             % (want, self.buf[-500:]))

    def close(self):
        os.close(self.fd)


def state(name):
    return virsh("domstate", name, "--reason").strip()


def wait_state(name, want, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if state(name) == want:
                return
        except AssertionError:
            pass
        time.sleep(0.2)
    raise AssertionError("%s: state %r, expected %r"
                         % (name, state(name), want))


@pytest.fixture
def domains():
    names = []
    yield names
    for n in names:
        virsh("destroy", n, check=False)
        virsh("undefine", n, check=False)


def test_domcapabilities(libvirt):
    out = virsh("domcapabilities", "--emulatorbin", libvirt, "--arch",
                "riscv64", "--virttype", "qemu", "--machine", "virt")
    caps = ET.fromstring(out)
    assert caps.findtext("domain") == "qemu"
    assert caps.findtext("machine") == "virt"
    assert caps.findtext("arch") == "riscv64"
    backing = {v.text for v in caps.findall(
        "./memoryBacking/enum[@name='sourceType']/value")}
    assert {"file", "anonymous", "memfd"} <= backing
    rng = {v.text for v in caps.findall(
        "./devices/rng/enum[@name='model']/value")}
    assert "virtio" in rng


def test_transient_domain(libvirt, domains, tmp_path):
    name = "vireo-t-%d" % os.getpid()
    domains.append(name)
    xml = tmp_path / "dom.xml"
    xml.write_text(domain_xml(name, libvirt))
    virsh("create", str(xml))
    assert state(name) == "running (booted)"
    con = PtyConsole(name)
    try:
        con.run("echo typed-$((6*7))", "typed-42")
        virsh("suspend", name)
        assert state(name) == "paused (user)"
        virsh("resume", name)
        assert state(name) == "running (unpaused)"
        con.run("echo again-$((7*7))", "again-49")
    finally:
        con.close()
    status = virsh("qemu-monitor-command", name, "--pretty",
                   '{"execute":"query-status"}')
    assert '"status": "running"' in status
    dumped = ET.fromstring(virsh("dumpxml", name))
    assert dumped.findtext("name") == name
    assert dumped.find("./devices/emulator").text == libvirt
    stats = virsh("domstats", name)
    assert "state.state=1" in stats
    assert re.search(r"cpu\.time=[1-9]", stats)
    assert "vcpu.current=2" in stats
    # Each vCPU has its own thread, so libvirt reports its own time.
    cpus = json.loads(virsh("qemu-monitor-command", name,
                            '{"execute":"query-cpus-fast"}'))["return"]
    assert len({c["thread-id"] for c in cpus}) == 2
    for vcpu in (0, 1):
        assert re.search(r"vcpu\.%d\.time=[1-9]" % vcpu, stats), stats
    virsh("destroy", name)
    assert name not in virsh("list", "--all", "--name").split()


def test_guest_poweroff_is_shutdown(libvirt, domains, tmp_path):
    name = "vireo-p-%d" % os.getpid()
    domains.append(name)
    xml = tmp_path / "dom.xml"
    xml.write_text(domain_xml(name, libvirt))
    virsh("define", str(xml))
    virsh("start", name)
    con = PtyConsole(name)
    try:
        con.run("echo up-$((1+1))", "up-2")
        os.write(con.fd, b"poweroff -f\n")
    finally:
        con.close()
    wait_state(name, "shut off (shutdown)")
    # The persistent domain starts again after a clean guest shutdown.
    virsh("start", name)
    assert state(name) == "running (booted)"
    virsh("destroy", name)
    assert state(name) == "shut off (destroyed)"


def test_raw_disk(libvirt, domains, tmp_path):
    name = "vireo-d-%d" % os.getpid()
    domains.append(name)
    disk = tmp_path / "disk.raw"
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
    xml = tmp_path / "dom.xml"
    xml.write_text(domain_xml(name, libvirt, disk=disk, nic=True))
    virsh("create", str(xml))
    listing = virsh("domblklist", name)
    assert re.search(r"user\s+-\s+virtio\s+52:54:00:",
                     virsh("domiflist", name))
    assert re.search(r"vda\s+%s" % re.escape(str(disk)), listing)
    con = PtyConsole(name)
    try:
        con.run("cat /sys/block/vda/size", str((64 << 20) // 512))
        con.run("echo libvirt-disk | dd of=/dev/vda conv=sync 2>/dev/null;"
                " sync; echo wrote-$((3*3))", "wrote-9")
        virsh("blockresize", name, "vda", "96M")
        con.run("cat /sys/block/vda/size", str((96 << 20) // 512))
        # The user-mode interface: slirp's DHCP server answers.
        con.run("ip link set eth0 up; udhcpc -i eth0 -q -n -s /bin/true",
                "lease of 10.0.2.15 obtained")
    finally:
        con.close()
    assert os.path.getsize(disk) == 96 << 20
    with open(disk, "rb") as f:
        assert f.read(12) == b"libvirt-disk"
    virsh("destroy", name)


def test_pci_topology_stats_and_balloon(libvirt, domains, tmp_path):
    # With pcie-root-port and the non-transitional virtio models libvirt
    # puts virtio devices behind root ports, and the statistics that need
    # PCI device paths work: domblkstat, the default memballoon's stats.
    name = "vireo-b-%d" % os.getpid()
    domains.append(name)
    disk = tmp_path / "disk.raw"
    with open(disk, "wb") as f:
        f.truncate(32 << 20)
    xml = tmp_path / "dom.xml"
    tap = "vtap%d" % (os.getpid() % 10000)
    xml.write_text(domain_xml(name, libvirt, memballoon=True, disk=disk,
                              tap=tap))
    virsh("create", str(xml))
    dumped = virsh("dumpxml", name)
    assert "model='pcie-root-port'" in dumped
    assert re.search(r"<disk .*?<address type='pci'", dumped, re.S)
    assert re.search(r"<memballoon model='virtio'>\s*<alias name='balloon0'/>"
                     r"\s*<address type='pci'", dumped)
    con = PtyConsole(name)
    try:
        con.run("dd if=/dev/vda of=/dev/null bs=4k count=256 iflag=direct "
                "2>/dev/null; echo read-$((2*4))", "read-8")
        stats = dict(re.findall(r"vda (\w+) (\d+)",
                                virsh("domblkstat", name, "vda")))
        assert int(stats["rd_req"]) >= 256 and \
            int(stats["rd_bytes"]) >= 1 << 20, stats
        # A tap libvirt made and passed by fd: the guest's frames reach
        # it, and domifstat counts them (from the guest's side).
        con.run("ip link set eth0 up; ip addr add 192.168.77.2/24 dev eth0;"
                " ping -c 3 -W 1 192.168.77.1 >/dev/null 2>&1;"
                " echo sent-$((1+2))", "sent-3", timeout=60)
        ifstat = dict(re.findall(r"%s (\w+) (\d+)" % tap,
                                 virsh("domifstat", name, tap)))
        assert int(ifstat["tx_packets"]) >= 1, ifstat
        virsh("dommemstat", name, "--period", "1", "--live")
        deadline = time.monotonic() + 60
        mem = {}
        while "unused" not in mem and time.monotonic() < deadline:
            time.sleep(1)
            mem = dict(re.findall(r"^(\w+) (\d+)$",
                                  virsh("dommemstat", name), re.M))
        assert int(mem["actual"]) == 512 * 1024, mem
        assert 0 < int(mem["unused"]) < 512 * 1024, mem
        # The balloon inflates: the guest gives memory back.
        virsh("setmem", name, str(384 * 1024), "--live")
        con.run("grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2 "
                "| awk '{print ($1 < 400000) ? \"SHR\" \"UNK\" : \"not\"}'",
                "SHRUNK")
    finally:
        con.close()
    virsh("destroy", name)


def test_qcow2_disk_external_snapshot(libvirt, domains, tmp_path):
    name = "vireo-s-%d" % os.getpid()
    domains.append(name)
    disk = tmp_path / "disk.qcow2"
    subprocess.run(["qemu-img", "create", "-f", "qcow2", str(disk), "64M"],
                   check=True, capture_output=True)
    xml = tmp_path / "dom.xml"
    xml.write_text(domain_xml(name, libvirt, disk=disk, fmt="qcow2"))
    virsh("create", str(xml))
    con = PtyConsole(name)
    try:
        con.run("echo before-snap | dd of=/dev/vda conv=sync 2>/dev/null;"
                " sync; echo one-$((2*2))", "one-4")
        # libvirt formats the overlay with blockdev-create, adds it and
        # switches the disk to it with a transaction (blockdev-snapshot).
        virsh("snapshot-create-as", name, "snap1", "--disk-only",
              "--no-metadata")
        overlay = tmp_path / "disk.snap1"
        assert re.search(r"vda\s+%s" % re.escape(str(overlay)),
                         virsh("domblklist", name))
        con.run("echo after-snap1 | dd of=/dev/vda bs=512 seek=1 conv=sync"
                " 2>/dev/null; sync; dd if=/dev/vda bs=512 count=1 "
                "2>/dev/null | head -c 11; echo; echo two-$((3*3))",
                "two-9")
        assert b"before-snap" in con.buf
    finally:
        con.close()
    virsh("destroy", name)
    for image in (disk, overlay):
        subprocess.run(["qemu-img", "check", str(image)], check=True,
                       capture_output=True)
    info = subprocess.run(["qemu-img", "info", str(overlay)], check=True,
                          capture_output=True, text=True).stdout
    assert "backing file: %s" % disk in info
    r = subprocess.run(["qemu-io", "-c", "read -v 512 11", str(overlay)],
                       capture_output=True, text=True, check=True)
    assert "after.snap1" in r.stdout
    r = subprocess.run(["qemu-io", "-c", "read -P 0 512 512", str(disk)],
                       capture_output=True, text=True, check=True)
    assert "Pattern verification failed" not in r.stdout
