# Vireo functional tests: the networking HMP commands (info network,
# info usernet, netdev_add/netdev_del, set_link, hostfwd_add/remove) on a
# stopped riscv64 virt machine; no guest needed.
# SPDX-License-Identifier: MIT

import os
import socket

from conftest import free_tcp_port, hmp


def start(launch, *args):
    m = launch("riscv64", args=["-M", "virt", "-S", *args])
    m.mon = m.qmp()
    return m


def test_info_network_and_netdev_commands(launch):
    m = start(launch, "-netdev", "user,id=n0,net=10.1.2.0/24,restrict=on",
              "-device", "virtio-net-device,netdev=n0",
              "-device", "virtio-net-device")
    out = hmp(m.mon, "info network")
    assert ("virtio-net-device.0: index=0,type=nic,model=virtio-net-device,"
            "macaddr=52:54:00:12:34:56") in out
    assert " \\ n0: index=0,type=user,net=10.1.2.0,restrict=on" in out
    # The second NIC has no backend and the next default MAC.
    assert ("virtio-net-device.1: index=0,type=nic,model=virtio-net-device,"
            "macaddr=52:54:00:12:34:57") in out

    assert hmp(m.mon, "netdev_add user,id=n1") == ""
    assert "n1: index=0,type=user,net=10.0.2.0,restrict=off" in \
        hmp(m.mon, "info network")
    assert "Duplicate ID 'n1'" in hmp(m.mon, "netdev_add user,id=n1")
    assert "in use" in hmp(m.mon, "netdev_del n0")
    assert hmp(m.mon, "netdev_del n1") == ""
    assert "n1:" not in hmp(m.mon, "info network")
    assert "not found" in hmp(m.mon, "netdev_del n1")

    assert "Expected 'on' or 'off'" in hmp(m.mon,
                                           "set_link virtio-net-device.0 x")
    assert hmp(m.mon, "set_link virtio-net-device.0 off") == ""
    assert "not found" in hmp(m.mon, "set_link nope on")


def test_hostfwd_add_remove(launch):
    port = free_tcp_port()
    m = start(launch, "-netdev", "user,id=n0",
              "-device", "virtio-net-device,netdev=n0")
    assert hmp(m.mon, "hostfwd_add n0 tcp:127.0.0.1:%d-:22" % port) == ""
    # The rule listens on the host now, and info usernet shows it.
    socket.create_connection(("127.0.0.1", port), 5).close()
    assert "HOST_FORWARD" in hmp(m.mon, "info usernet")
    assert "Hub -1 (n0):" in hmp(m.mon, "info usernet")
    assert hmp(m.mon, "hostfwd_remove n0 tcp:127.0.0.1:%d" % port) == \
        "host forwarding rule for tcp:127.0.0.1:%d removed\r\n" % port
    assert "not found" in hmp(m.mon,
                              "hostfwd_remove tcp:127.0.0.1:%d" % port)
    try:
        socket.create_connection(("127.0.0.1", port), 2).close()
        refused = False
    except OSError:
        refused = True
    assert refused
    assert "invalid format" in hmp(m.mon, "hostfwd_remove n0 sctp:x:1")
    assert "Invalid host forwarding rule 'bogus'" in \
        hmp(m.mon, "hostfwd_add bogus")
    assert "unrecognized netdev id 'zz'" in \
        hmp(m.mon, "hostfwd_add zz tcp::1-:2")


def test_legacy_net_hubs(launch):
    m = start(launch, "-net", "nic", "-net", "user,hostfwd=tcp::0-:22",
              "-netdev", "hubport,id=hp,hubid=1")
    out = hmp(m.mon, "info network")
    assert out == (
        "hub 1\r\n"
        " \\ hp\r\n"
        "hub 0\r\n"
        " \\ hub0port1: user.0: index=0,type=user,net=10.0.2.0,"
        "restrict=off\r\n"
        " \\ hub0port0: virtio-net-device.0: index=0,type=nic,"
        "model=virtio-net-device,macaddr=52:54:00:12:34:56\r\n")
    assert "Hub 0 (user.0):" in hmp(m.mon, "info usernet")


def test_legacy_net_errors():
    import subprocess
    from conftest import require_binary
    binary = require_binary("riscv64")
    for arg, msg in (("foo", "Parameter 'type' does not accept value 'foo'"),
                     ("nic,model=e1000", "Unsupported NIC model: e1000"),
                     ("nic,bogus=1", "Invalid parameter 'bogus'"),
                     ("nic,netdev=nope", "netdev 'nope' not found")):
        p = subprocess.run([binary, "-M", "virt", "-display", "none",
                            "-net", arg], capture_output=True, text=True,
                           timeout=20)
        assert p.returncode == 1
        assert p.stderr.strip() == "%s: -net %s: %s" % (
            os.path.basename(binary), arg, msg)
