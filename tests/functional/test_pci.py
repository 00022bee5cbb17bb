# Vireo functional tests: PCI Express on the riscv64 virt board and the
# virtio-pci transport.
# SPDX-License-Identifier: MIT
"""Linux finds the generic host bridge from the device tree, enumerates
the bus through ECAM, assigns BARs and drives virtio-X-pci devices with
INTx interrupts; QMP sees each proxy with its 'virtio-backend' child."""

import re
import subprocess

from conftest import expect_error, require_binary
from test_riscv_boot import READY, guest  # noqa: F401  (fixture)


def pci_ids(g):
    out = g.console.run("for d in /sys/bus/pci/devices/*; do echo "
                        "${d##*/} $(cat $d/vendor) $(cat $d/device) "
                        "$(cat $d/class); done")
    return {m[0]: m[1:] for m in re.findall(
        r"^(0000:[0-9a-f]{2}:[0-9a-f]{2}\.\d) (0x[0-9a-f]{4}) (0x[0-9a-f]{4}) "
        r"(0x[0-9a-f]{6})\r?$", out, re.M)}


def test_virtio_pci_devices_work(guest, tmp_path):
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * (32 << 20))
    g = guest(["-drive", "if=none,id=d0,format=raw,file=%s" % disk,
               "-device", "virtio-blk-pci,drive=d0,id=disk0,serial=pcidisk,"
               "addr=0x3",
               "-netdev", "user,id=n0",
               "-device", "virtio-net-pci,netdev=n0,id=nic0,"
               "mac=52:54:00:12:34:99",
               "-device", "virtio-rng-pci,id=rng0",
               "-device", "virtio-balloon-pci,id=balloon0"])
    g.console.expect(READY)
    ids = pci_ids(g)
    # The bridge's own function, then the devices by slot (auto slots
    # fill from 1, the explicit one is at 3), with QEMU's ids and classes.
    assert ids["0000:00:00.0"] == ("0x1b36", "0x0008", "0x060000")
    assert ids["0000:00:03.0"] == ("0x1af4", "0x1042", "0x010000")
    assert ids["0000:00:01.0"] == ("0x1af4", "0x1041", "0x020000")
    assert ids["0000:00:02.0"] == ("0x1af4", "0x1044", "0x00ff00")
    assert ids["0000:00:04.0"] == ("0x1af4", "0x1045", "0x00ff00")
    assert len(ids) == 5

    assert g.console.run("cat /sys/block/vda/serial").strip() == "pcidisk"
    out = g.console.run("echo pci-data > /tmp/x && dd if=/tmp/x of=/dev/vda "
                        "conv=fsync 2>/dev/null && sync && "
                        "dd if=/dev/vda bs=8 count=1 2>/dev/null")
    assert "pci-data" in out
    assert disk.read_bytes()[:8] == b"pci-data"

    assert g.console.run("cat /sys/class/net/eth0/address").strip() == \
        "52:54:00:12:34:99"
    out = g.console.run("ip link set eth0 up && ip addr add 10.0.2.15/24 "
                        "dev eth0 && ping -c 2 10.0.2.2 | tail -2")
    assert "2 packets received" in out, out

    out = g.console.run("dd if=/dev/hwrng bs=32 count=1 2>/dev/null | "
                        "od -An -tx1 | wc -w")
    assert out.split()[-1] == "32"

    # QMP: the proxies and their backends, as libvirt expects them.
    assert g.mon.cmd("qom-get", path="/machine/peripheral/disk0",
                     property="addr") == 0x18
    assert g.mon.cmd("qom-get", path="/machine/peripheral/disk0/"
                     "virtio-backend", property="serial") == "pcidisk"
    blocks = {b["device"]: b for b in g.mon.cmd("query-block")}
    assert blocks["d0"]["qdev"] == "/machine/peripheral/disk0/virtio-backend"
    # Backend properties are the proxy's too.
    assert g.mon.cmd("qom-get", path="/machine/peripheral/nic0",
                     property="mac") == "52:54:00:12:34:99"
    g.mon.cmd("balloon", value=128 << 20)
    assert g.mon.cmd("query-balloon")["actual"] <= 256 << 20


def test_pci_addresses_checked_as_qemu(guest):
    # Cold plug only (pcie.0 has no hotplug), so check through -device.
    for args, msg in (
        (["-device", "virtio-rng-pci,addr=0x2", "-device",
          "virtio-rng-pci,addr=0x2,id=r2"],
         "PCI: slot 2 function 0 not available for virtio-rng-pci, in use "
         "by virtio-rng-pci,id="),
        (["-device", "virtio-rng-pci,addr=0x2.1"],
         None),
        (["-device", "virtio-rng-pci,addr=0x2", "-device",
          "virtio-rng-pci,addr=0x2.1"],
         "PCI: single function device can't be populated in function 2.1"),
        (["-device", "virtio-rng-pci,addr=0x20"],
         "Property 'virtio-rng-pci.addr' doesn't take value '0x20'"),
        (["-device", "virtio-rng-pci,addr=zz"],
         "Property 'virtio-rng-pci.addr' doesn't take value 'zz'"),
    ):
        p = subprocess.run([require_binary("riscv64"), "-M", "virt",
                            "-display", "none", "-nodefaults", "-S"] + args
                           + ["-qmp", "stdio"],
                           input='{"execute":"qmp_capabilities"}'
                                 '{"execute":"quit"}',
                           capture_output=True, text=True, timeout=30)
        if msg is None:
            assert p.returncode == 0, p.stderr
        else:
            assert p.returncode == 1 and msg in p.stderr, p.stderr
    g = guest(kernel=False)
    expect_error(g.mon, "device_add", {"driver": "virtio-rng-pci"},
                 desc="^Bus 'pcie.0' does not support hotplugging$")


def test_pci_in_device_tree_and_qtree(guest, tmp_path):
    g = guest(["-device", "virtio-rng-pci,id=rng0"], kernel=False)
    qtree = g.mon.cmd("human-monitor-command",
                      **{"command-line": "info qtree"})
    assert re.search(r"bus: pcie\.0\r?\n\s+type PCIE", qtree), qtree
    assert "dev: virtio-rng-pci, id \"rng0\"" in qtree
    assert "dev: virtio-rng-device" in qtree
    mtree = g.mon.cmd("human-monitor-command",
                      **{"command-line": "info mtree"})
    assert "pcie-mmcfg-mmio" in mtree and "pcie-mmio-high" in mtree


def test_devices_behind_pcie_root_ports(guest, tmp_path):
    # The topology libvirt builds: root ports as functions of slot 1,
    # one endpoint behind each, the buses named after the ports' ids.
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * (16 << 20))
    g = guest(["-device", "pcie-root-port,port=8,chassis=1,id=pci.1,"
               "bus=pcie.0,multifunction=on,addr=0x1",
               "-device", "pcie-root-port,port=9,chassis=2,id=pci.2,"
               "bus=pcie.0,addr=0x1.0x1",
               "-drive", "if=none,id=d0,format=raw,file=%s" % disk,
               "-device", "virtio-blk-pci,drive=d0,id=disk0,bus=pci.2,"
               "addr=0x0",
               "-device", "virtio-rng-pci,id=rng0,bus=pci.1"])
    g.console.expect(READY)
    ids = pci_ids(g)
    assert ids["0000:00:01.0"] == ("0x1b36", "0x000c", "0x060400")
    assert ids["0000:00:01.1"] == ("0x1b36", "0x000c", "0x060400")
    assert ids["0000:01:00.0"] == ("0x1af4", "0x1044", "0x00ff00")
    assert ids["0000:02:00.0"] == ("0x1af4", "0x1042", "0x010000")
    out = g.console.run("echo behind-port > /tmp/x && dd if=/tmp/x "
                        "of=/dev/vda conv=fsync 2>/dev/null; sync")
    assert disk.read_bytes()[:11] == b"behind-port"
    # Interrupts cross the ports: the rng answers.
    out = g.console.run("dd if=/dev/hwrng bs=32 count=1 2>/dev/null | "
                        "od -An -tx1 | wc -w")
    assert out.split()[-1] == "32"
    # A port's link reports the device behind it (PCIe link status).
    out = g.console.run("cat /sys/bus/pci/devices/0000:00:01.1/"
                        "current_link_speed")
    assert "2.5 GT/s" in out
    qtree = g.mon.cmd("human-monitor-command",
                      **{"command-line": "info qtree"})
    assert re.search(r"bus: pci\.2\r?\n\s+type PCIE", qtree), qtree
    # A root port's slot holds one device: the next free one is refused.
    expect_error(g.mon, "device_add", {"driver": "virtio-rng-pci",
                                       "bus": "pci.1"},
                 desc="^Unsupported PCI slot 1 for standard hotplug "
                      "controller. Valid slots are between 0 and 0.$")


def wait_console(g, cmd, want, timeout=60):
    import time
    deadline = time.monotonic() + timeout
    while True:
        out = g.console.run(cmd)
        if want in out:
            return out
        assert time.monotonic() < deadline, (cmd, out)
        time.sleep(1)


def test_hotplug_on_root_ports(guest, tmp_path):
    """The device side of PCIe native hotplug.  The guest kernel is the
    riscv defconfig, which has no pciehp driver, so the test does the
    driver's part by hand: rescan after an add; for a removal, release the
    device and power the slot off through the port's configuration space
    (slot control in the PCIe capability at 0x40, as the port lays it)."""
    disk = tmp_path / "hot.raw"
    disk.write_bytes(b"hot-disk" + b"\0" * ((8 << 20) - 8))
    g = guest(["-device", "pcie-root-port,port=8,chassis=1,id=pci.1,"
               "bus=pcie.0,multifunction=on,addr=0x1",
               "-device", "pcie-root-port,port=9,chassis=2,id=pci.2,"
               "bus=pcie.0,addr=0x1.0x1"])
    g.console.expect(READY)
    mon = g.mon
    port1 = "/sys/bus/pci/devices/0000:00:01.0"
    # The port announces a hotplug slot (Slot Capabilities: HPC).
    out = g.console.run("dd if=%s/config bs=1 skip=84 count=1 2>/dev/null "
                        "| od -An -tx1" % port1)
    assert int(out.split()[-1], 16) & 0x40, out
    mon.cmd("netdev_add", type="user", id="hn0")
    mon.cmd("device_add", driver="virtio-net-pci", netdev="hn0", id="hnic",
            bus="pci.1", mac="52:54:00:12:34:77")
    mon.cmd("blockdev-add", **{"driver": "raw", "node-name": "hd0",
                               "file": {"driver": "file",
                                        "filename": str(disk)}})
    mon.cmd("device_add", driver="virtio-blk-pci", drive="hd0", id="hdisk",
            bus="pci.2")
    # Presence detect: the slot status says a card is in.
    out = g.console.run("dd if=%s/config bs=1 skip=90 count=1 2>/dev/null "
                        "| od -An -tx1" % port1)
    assert int(out.split()[-1], 16) & 0x48 == 0x48, out   # PDS | PDC
    g.console.run("echo 1 > /sys/bus/pci/rescan")
    wait_console(g, "cat /sys/class/net/eth0/address", "52:54:00:12:34:77")
    out = g.console.run("ip link set eth0 up && ip addr add 10.0.2.15/24 "
                        "dev eth0 && ping -c 1 10.0.2.2 | tail -1")
    assert "round-trip" in out, out
    wait_console(g, "dd if=/dev/vda bs=8 count=1 2>/dev/null", "hot-disk")
    # Not on the root complex, not twice in one slot.
    expect_error(mon, "device_add", {"driver": "virtio-rng-pci"},
                 desc="^Bus 'pcie.0' does not support hotplugging$")
    expect_error(mon, "device_add", {"driver": "virtio-rng-pci",
                                     "bus": "pci.1", "addr": "0"},
                 desc="^PCI: slot 0 function 0 not available for "
                      "virtio-rng-pci, in use by virtio-net-pci,id=hnic$")
    # Unplug: the attention button is pressed; the device stays until the
    # guest powers the slot off.
    mon.cmd("device_del", id="hnic")
    expect_error(mon, "device_del", {"id": "hnic"},
                 desc="^Device hnic is already in the process of unplug$")
    expect_error(mon, "netdev_del", {"id": "hn0"}, desc="in use")
    out = g.console.run("dd if=%s/config bs=1 skip=90 count=1 2>/dev/null "
                        "| od -An -tx1" % port1)
    assert int(out.split()[-1], 16) & 0x01, out          # ABP
    g.console.run("echo 1 > /sys/bus/pci/devices/0000:01:00.0/remove")
    # Slot control: power controller off, both indicators off.
    g.console.run("printf '\\300\\007' | dd of=%s/config bs=1 seek=88 "
                  "conv=notrunc 2>/dev/null" % port1)
    deleted = [mon.wait_event("DEVICE_DELETED", timeout=30)["data"]
               for _ in range(2)]
    assert deleted == [
        {"path": "/machine/peripheral/hnic/virtio-backend"},
        {"device": "hnic", "path": "/machine/peripheral/hnic"}]
    mon.cmd("netdev_del", id="hn0")
    assert not [d for d in mon.cmd("qom-list", path="/machine/peripheral")
                if d["name"] == "hnic"]
    expect_error(mon, "device_del", {"id": "hnic"}, cls="DeviceNotFound")
    # The slot stays powered off: a card put in and taken out again
    # before the guest powers it on goes at once.
    mon.cmd("device_add", driver="virtio-rng-pci", id="r1", bus="pci.1")
    mon.cmd("device_del", id="r1")
    assert mon.wait_event("DEVICE_DELETED", timeout=5,
                          match=lambda e: e["data"].get("device") == "r1")


def test_query_pci_and_info_pci(guest):
    g = guest(["-device", "pcie-root-port,port=8,chassis=1,id=pci.1,"
               "bus=pcie.0,addr=0x1",
               "-netdev", "user,id=n0",
               "-device", "virtio-net-pci,netdev=n0,id=nic0,bus=pci.1"])
    g.console.expect(READY)
    (root,) = g.mon.cmd("query-pci")
    assert root["bus"] == 0
    host, port = root["devices"]
    assert host["id"] == {"vendor": 0x1b36, "device": 0x0008,
                          "subsystem": 0, "subsystem-vendor": 0}
    assert host["class_info"] == {"class": 0x0600, "desc": "Host bridge"}
    assert port["slot"] == 1 and port["class_info"]["class"] == 0x0604
    bridge = port["pci_bridge"]
    assert bridge["bus"]["number"] == 0 and bridge["bus"]["secondary"] == 1
    (nic,) = bridge["devices"]
    assert nic["bus"] == 1 and nic["slot"] == 0 and nic["qdev_id"] == "nic0"
    assert nic["id"]["device"] == 0x1041 and nic["irq_pin"] == 1
    (bar,) = nic["regions"]
    # Linux put BAR 4 in the port's prefetchable window.
    assert bar["bar"] == 4 and bar["type"] == "memory"
    assert bar["size"] == 0x4000 and bar["prefetch"] and bar["mem_type_64"]
    pref = bridge["bus"]["prefetchable_range"]
    assert pref["base"] <= bar["address"] < pref["limit"]
    info = g.mon.cmd("human-monitor-command",
                     **{"command-line": "info pci"})
    assert "Ethernet controller: PCI device 1af4:1041" in info
    assert 'id "nic0"' in info and "64 bit prefetchable memory at" in info


def test_query_pci_without_pci(launch):
    m = launch("x86_64")
    assert m.qmp().cmd("query-pci") == []


def test_system_reset_resets_pci_devices(guest):
    """Reset clears the BARs and bridge windows Linux programmed."""
    g = guest(["-device", "virtio-rng-pci,id=rng0"])
    g.console.expect(READY)

    def rng_bar():
        (root,) = g.mon.cmd("query-pci")
        (dev,) = [d for d in root["devices"] if d.get("qdev_id") == "rng0"]
        (bar,) = dev["regions"]
        return bar["address"]

    assert rng_bar() != -1
    g.mon.cmd("stop")
    g.mon.cmd("system_reset")
    assert rng_bar() == -1
    g.mon.cmd("cont")
    g.console.expect(READY)
    assert rng_bar() != -1
