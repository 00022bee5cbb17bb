# Vireo functional tests: networking for the riscv64 guest: the 'user'
# backend (libslirp) behind virtio-net-device, -netdev/-nic, hostfwd,
# set_link and netdev_add/netdev_del.
# SPDX-License-Identifier: MIT

import hashlib
import http.server
import os
import socket
import threading
import time

from conftest import expect_error, free_tcp_port, is_vireo
from test_net_offload import guest_to_host
from test_riscv_boot import READY, guest  # noqa: F401  (fixture)

GUEST_NET = ("ip link set eth0 up; ip addr add 10.0.2.15/24 dev eth0; "
             "ip route add default via 10.0.2.2")


def serve(directory):
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(  # noqa
        *a, directory=str(directory), **kw)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def test_user_net_tftp_and_bootfile(guest, tmp_path):
    """slirp's TFTP server serves tftp=DIR; DHCP names bootfile=."""
    tftp = tmp_path / "tftp"
    tftp.mkdir()
    payload = os.urandom(200 << 10)
    (tftp / "kernel.bin").write_bytes(payload)
    g = guest(args=["-netdev", "user,id=n0,tftp=%s,bootfile=kernel.bin"
                    % tftp, "-device", "virtio-net-device,netdev=n0"])
    g.console.expect(READY)
    g.console.run("printf '#!/bin/sh\\necho boot=$boot_file\\n' "
                  "> /tmp/dhcp.sh; chmod +x /tmp/dhcp.sh")
    out = g.console.run("ip link set eth0 up; udhcpc -i eth0 -q -n -s "
                        "/tmp/dhcp.sh 2>&1", timeout=60)
    assert "boot=kernel.bin" in out
    g.console.run(GUEST_NET)
    out = g.console.run("tftp -g -r kernel.bin -l /tmp/k 10.0.2.2 && "
                        "md5sum /tmp/k", timeout=120)
    assert hashlib.md5(payload).hexdigest() in out
    out = g.console.run("tftp -g -r missing.bin -l /tmp/m 10.0.2.2; "
                        "echo rc=$?")
    assert "rc=1" in out


def test_user_net_dhcp_http_and_hostfwd(guest, tmp_path):
    payload = os.urandom(4 << 20)
    (tmp_path / "blob").write_bytes(payload)
    srv = serve(tmp_path)
    port = free_tcp_port()
    g = guest(args=["-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:8022"
                    % port, "-device",
                    "virtio-net-device,netdev=n0,id=nic0,"
                    "mac=52:54:00:aa:bb:cc"])
    g.console.expect(READY)
    assert "52:54:00:aa:bb:cc" in g.console.run(
        "cat /sys/class/net/eth0/address")
    # slirp's DHCP server answers busybox udhcpc.
    out = g.console.run("ip link set eth0 up; udhcpc -i eth0 -q -n -s "
                        "/bin/true 2>&1", timeout=60)
    assert "lease of 10.0.2.15 obtained from 10.0.2.2" in out
    g.console.run(GUEST_NET)
    # The guest fetches from a web server on the host, through slirp.
    out = g.console.run("wget -q -O - http://10.0.2.2:%d/blob | md5sum"
                        % srv.server_address[1], timeout=120)
    assert hashlib.md5(payload).hexdigest() in out
    srv.shutdown()
    # hostfwd: a host connection reaches a guest server.
    g.console.run("(echo hello-from-guest | nc -l -p 8022 &)")
    deadline = time.monotonic() + 30
    got = b""
    while b"hello-from-guest" not in got and time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 5) as s:
                got = s.recv(100)
        except OSError:
            time.sleep(0.5)
    assert b"hello-from-guest" in got


def test_set_link_and_netdev_lifecycle(guest):
    g = guest(args=["-netdev", "user,id=n0",
                    "-device", "virtio-net-device,netdev=n0,id=nic0"])
    g.console.expect(READY)
    g.console.run("ip link set eth0 up; sleep 1")
    assert g.console.run("cat /sys/class/net/eth0/carrier").strip() == "1"
    g.mon.cmd("set_link", name="nic0", up=False)
    assert g.console.run("sleep 1; cat /sys/class/net/eth0/carrier"
                         ).strip() == "0"
    g.mon.cmd("set_link", name="nic0", up=True)
    assert g.console.run("sleep 1; cat /sys/class/net/eth0/carrier"
                         ).strip() == "1"
    expect_error(g.mon, "set_link", {"name": "nope", "up": True},
                 cls="DeviceNotFound")
    # A backend a NIC holds stays (Debian's QEMU 7.2 deletes it anyway);
    # a free one goes.
    if is_vireo(g.mon.greeting):
        expect_error(g.mon, "netdev_del", {"id": "n0"}, desc="in use")
    g.mon.cmd("netdev_add", type="user", id="n1",
              hostfwd=[{"str": "tcp:127.0.0.1:0-:22"}])
    expect_error(g.mon, "netdev_add", {"type": "user", "id": "n1"},
                 desc="Duplicate ID 'n1'")
    g.mon.cmd("netdev_del", id="n1")
    expect_error(g.mon, "netdev_del", {"id": "n1"}, cls="DeviceNotFound")
    expect_error(g.mon, "netdev_add", {"type": "user", "id": "n2",
                                       "hostfwd": [{"str": "bogus"}]},
                 desc="Invalid host forwarding rule 'bogus'")


def test_nic_shorthand(guest):
    g = guest(args=["-nic", "user,model=virtio-net-device"])
    g.console.expect(READY)
    if not is_vireo(g.mon.greeting):
        return      # QEMU 7.2 does not put -nic models on virtio-mmio
    g.console.run(GUEST_NET)
    out = g.console.run("ping -c 1 -W 5 10.0.2.2 >/dev/null 2>&1; "
                        "wget -q -O /dev/null http://10.0.2.2:1/ 2>&1; "
                        "cat /sys/class/net/eth0/address")
    assert "52:54:00:12:34:5" in out


def test_nic_default_model_is_virtio_net_pci(guest):
    # "virtio", the default model, is QEMU's alias: virtio-net-pci.
    g = guest(args=["-nic", "user,mac=52:54:00:12:34:88"])
    g.console.expect(READY)
    if not is_vireo(g.mon.greeting):
        return      # QEMU 7.2 creates no NIC for -nic on riscv virt
    out = g.console.run("cat /sys/class/net/eth0/address "
                        "/sys/class/net/eth0/device/../vendor "
                        "/sys/class/net/eth0/device/../device")
    assert "52:54:00:12:34:88" in out and "0x1af4" in out and "0x1041" in out
    qtree = g.mon.cmd("human-monitor-command",
                      **{"command-line": "info qtree"})
    assert "dev: virtio-net-pci" in qtree


def test_legacy_net_nic_and_user(guest):
    # -net nic -net user: the NIC and slirp meet on hub 0.
    g = guest(args=["-net", "nic", "-net", "user"])
    g.console.expect(READY)
    if not is_vireo(g.mon.greeting):
        return      # QEMU 7.2 does not put -net nics on virtio-mmio
    out = g.console.run("ip link set eth0 up; udhcpc -i eth0 -q -n -s "
                        "/bin/true 2>&1", timeout=60)
    assert "lease of 10.0.2.15 obtained from 10.0.2.2" in out


def test_bulk_64mib_both_ways(guest, tmp_path):
    size = 64 << 20
    payload = os.urandom(size)
    (tmp_path / "big").write_bytes(payload)
    srv = serve(tmp_path)
    g = guest(args=["-netdev", "user,id=n0",
                    "-device", "virtio-net-device,netdev=n0"])
    g.console.expect(READY)
    g.console.run(GUEST_NET)
    # host -> guest over HTTP, checked in the guest.
    out = g.console.run("wget -q -O - http://10.0.2.2:%d/big | md5sum"
                        % srv.server_address[1], timeout=600)
    assert hashlib.md5(payload).hexdigest() in out
    srv.shutdown()
    # guest -> host: random data made in the guest, checked on the host.
    guest_to_host(g, size >> 20)


def test_rx_filter_through_control_queue(guest):
    g = guest(args=["-netdev", "user,id=n0",
                    "-device", "virtio-net-device,netdev=n0,id=nic0"])
    g.console.expect(READY)
    g.console.run("ip link set eth0 up")
    ev = g.mon.wait_event("NIC_RX_FILTER_CHANGED", timeout=30)
    assert ev["data"]["name"] == "nic0"
    assert ev["data"]["path"].startswith("/machine/peripheral/nic0")
    [info] = g.mon.cmd("query-rx-filter", name="nic0")
    # Linux turned promiscuous mode off and listed its multicast groups.
    assert info["promiscuous"] is False
    assert info["main-mac"] == "52:54:00:12:34:56"
    assert info["unicast"] == "normal" and info["multicast"] == "normal"
    assert info["broadcast-allowed"] is True
    assert info["vlan"] == "normal"
    assert "33:33:00:00:00:01" in info["multicast-table"]
    g.console.run("ip link set eth0 promisc on")
    g.mon.wait_event("NIC_RX_FILTER_CHANGED", timeout=30)
    assert g.mon.cmd("query-rx-filter")[0]["promiscuous"] is True
    # Traffic still flows through the filter.
    out = g.console.run("ip link set eth0 promisc off; udhcpc -i eth0 -q "
                        "-n -s /bin/true 2>&1", timeout=60)
    assert "lease of 10.0.2.15" in out
    expect_error(g.mon, "query-rx-filter", {"name": "n0"},
                 desc=r"net client\(n0\) isn't a NIC")
    expect_error(g.mon, "query-rx-filter", {"name": "zz"},
                 desc="invalid net client name: zz")
