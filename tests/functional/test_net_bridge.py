# Vireo functional tests: the 'bridge' netdev and tap's helper=: QEMU's
# qemu-bridge-helper makes a tap on a host bridge and hands its fd over;
# a riscv64 guest and the host reach each other through the bridge, and a
# bridge the helper's ACL denies is refused with QEMU's error.  Needs
# root, /dev/net/tun and the helper (Debian's qemu-system-common); the
# helper reads /etc/qemu/bridge.conf, which the test writes for the time
# it runs and then puts back as it was.
# SPDX-License-Identifier: MIT

import contextlib
import os
import subprocess

import pytest

from conftest import expect_error, hmp, is_vireo, run_binary
from test_net_tap import talk_both_ways, tap_possible
from test_riscv_boot import READY, guest  # noqa: F401  (fixture)

HELPER = "/usr/lib/qemu/qemu-bridge-helper"
ACL = "/etc/qemu/bridge.conf"

pytestmark = [
    pytest.mark.skipif(not tap_possible(),
                       reason="tap interfaces need root and /dev/net/tun"),
    pytest.mark.skipif(not os.access(HELPER, os.X_OK),
                       reason="%s missing (Debian's qemu-system-common)"
                       % HELPER),
]


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True)


@contextlib.contextmanager
def acl_allowing(bridge):
    """/etc/qemu/bridge.conf allows @bridge while the block runs."""
    made_dir = not os.path.isdir(os.path.dirname(ACL))
    old = None
    if made_dir:
        os.makedirs(os.path.dirname(ACL))
    elif os.path.exists(ACL):
        with open(ACL) as f:
            old = f.read()
    try:
        with open(ACL, "a") as f:
            f.write("allow %s\n" % bridge)
        yield
    finally:
        if old is None:
            os.unlink(ACL)
            if made_dir:
                os.rmdir(os.path.dirname(ACL))
        else:
            with open(ACL, "w") as f:
                f.write(old)


@contextlib.contextmanager
def host_bridge(n):
    """A bridge vireobrN with 10.78.N.1/24, allowed to the helper."""
    name = "vireobr%d" % n
    subprocess.run(["ip", "link", "del", name], capture_output=True)
    ip("link", "add", name, "type", "bridge")
    try:
        ip("addr", "add", "10.78.%d.1/24" % n, "dev", name)
        ip("link", "set", name, "up")
        with acl_allowing(name):
            yield name
    finally:
        subprocess.run(["ip", "link", "del", name], capture_output=True)


def bridge_ports(name):
    return os.listdir("/sys/class/net/%s/brif" % name)


@pytest.mark.parametrize("how", ["netdev", "nic", "tap-helper"])
def test_guest_and_host_ping_over_a_bridge(guest, how):
    n = (os.getpid() + ["netdev", "nic", "tap-helper"].index(how)) % 200 + 10
    with host_bridge(n) as br:
        if how == "netdev":
            args = ["-netdev", "bridge,id=n0,br=%s" % br,
                    "-device", "virtio-net-device,netdev=n0"]
            info = "n0: index=0,type=tap,helper=(null),br=%s" % br
        elif how == "nic":
            args = ["-nic", "bridge,br=%s,helper=%s,model=virtio-net-device"
                    % (br, HELPER)]
            info = "type=tap,helper=%s,br=%s" % (HELPER, br)
        else:
            args = ["-netdev", "tap,id=n0,br=%s,helper=%s" % (br, HELPER),
                    "-device", "virtio-net-device,netdev=n0"]
            info = "n0: index=0,type=tap,helper=%s\r\n" % HELPER
        g = guest(args=args)
        try:
            g.console.expect(READY)
            if how == "nic" and not is_vireo(g.mon.greeting):
                return  # QEMU 7.2 does not put -nic models on virtio-mmio
            assert info in hmp(g.mon, "info network")
            # The helper put a tap on the bridge.
            [tap] = bridge_ports(br)
            talk_both_ways(g, "10.78.%d" % n, "bridge")
        finally:
            g.close()
        # The tap was the emulator's: it went with it.
        assert bridge_ports(br) == []
        assert not os.path.exists("/sys/class/net/%s" % tap)


def test_bridge_helper_errors(launch):
    n = (os.getpid() + 3) % 200 + 10
    with host_bridge(n):
        denied = "vireono%d" % n
        # A bridge the ACL does not allow: the helper says why, on stderr;
        # the emulator reports QEMU's error and exits with status 1.
        r = run_binary("riscv64", ["-M", "virt", "-display", "none",
                                   "-nodefaults", "-S", "-netdev",
                                   "bridge,id=n0,br=%s" % denied])
        assert r.returncode == 1
        assert "access denied by acl file" in r.stderr
        assert ("-netdev bridge,id=n0,br=%s: bridge helper failed" % denied
                in r.stderr), r.stderr
        r = run_binary("riscv64", ["-M", "virt", "-display", "none",
                                   "-nodefaults", "-S", "-netdev",
                                   "tap,id=n0,helper=/nonexistent"])
        assert r.returncode == 1
        assert "bridge helper failed" in r.stderr
        # netdev_add reports the same and the emulator goes on.
        m = launch("riscv64", args=["-M", "virt", "-S"])
        m.mon = m.qmp()
        expect_error(m.mon, "netdev_add", {"type": "bridge", "id": "n1",
                                           "br": denied},
                     desc="^bridge helper failed$")
        expect_error(m.mon, "netdev_add",
                     {"type": "tap", "id": "n1", "helper": HELPER,
                      "ifname": "x"},
                     desc="ifname=, script=, downscript=, vnet_hdr=, "
                          "queues=, and vhostfds= are invalid with helper=")
        expect_error(m.mon, "netdev_add",
                     {"type": "tap", "id": "n1", "helper": HELPER,
                      "fd": "3"},
                     desc="helper=, queues=, fds=, and vhostfds= are "
                          "invalid with fd=")
        # A helper that answers without a tap.
        expect_error(m.mon, "netdev_add",
                     {"type": "bridge", "id": "n1", "helper": "/bin/false"},
                     desc="^bridge helper failed$")
        assert m.mon.cmd("query-status")["status"] == "prelaunch"
