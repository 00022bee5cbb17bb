# Vireo functional tests: libvirt's probe command line and probe sequence.
# SPDX-License-Identifier: MIT
"""Start each binary the way libvirt probes an emulator (-daemonize, pid
file, QMP on a unix socket) and replay libvirt's probe command sequence,
checking each reply's shape against QEMU's schema."""

import os
import subprocess
import time

import pytest

from conftest import (require_binary, is_old_qemu, is_vireo, wait_pid_gone)
from qmp import QMPSync

# libvirt's device-list-properties table (caps_9.1.0_riscv64.replies order).
LIBVIRT_DEVICE_TYPES = [
    "virtio-blk-pci", "virtio-net-pci", "virtio-scsi-pci", "virtio-net-ccw",
    "virtio-scsi-ccw", "vfio-pci", "scsi-hd", "ide-hd", "PIIX4_PM",
    "usb-redir", "usb-storage", "kvm-pit", "VGA", "virtio-gpu-pci",
    "virtio-gpu-device", "ICH9-LPC", "virtio-balloon-pci",
    "virtio-balloon-ccw", "virtio-balloon-device", "pcie-root-port",
    "usb-host", "vhost-user-fs-device", "virtio-iommu-pci",
]

SCHEMA_META_TYPES = {"builtin", "enum", "array", "object", "alternate",
                     "command", "event"}


def is_str_list(v):
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def check_opt(d, key, typ):
    if key in d:
        assert isinstance(d[key], typ), "%s: %r is not %s" % (key, d[key], typ)


def check_property_info_list(props, what):
    assert isinstance(props, list), what
    names = set()
    for p in props:
        assert isinstance(p, dict), what
        assert isinstance(p.get("name"), str) and p["name"], (what, p)
        assert isinstance(p.get("type"), str) and p["type"], (what, p)
        check_opt(p, "description", str)
        assert set(p) <= {"name", "type", "description", "default-value"}, \
            (what, p)
        names.add(p["name"])
    return names


def check_version(v):
    assert set(v) == {"qemu", "package"}, v
    assert set(v["qemu"]) == {"major", "minor", "micro"}, v
    for k in ("major", "minor", "micro"):
        assert isinstance(v["qemu"][k], int) and not isinstance(v["qemu"][k], bool)
    assert isinstance(v["package"], str)


def check_schema(schema):
    assert isinstance(schema, list) and schema
    by_name = {}
    for e in schema:
        assert isinstance(e, dict)
        assert isinstance(e.get("name"), str), e
        assert e.get("meta-type") in SCHEMA_META_TYPES, e
        assert e["name"] not in by_name, "duplicate schema entity %s" % e["name"]
        by_name[e["name"]] = e
        check_opt(e, "features", list)
    commands = {}
    for e in schema:
        mt = e["meta-type"]
        if mt == "command":
            assert isinstance(e["arg-type"], str) and e["arg-type"] in by_name, e
            assert isinstance(e["ret-type"], str) and e["ret-type"] in by_name, e
            check_opt(e, "allow-oob", bool)
            commands[e["name"]] = e
        elif mt == "event":
            assert e["arg-type"] in by_name, e
        elif mt == "object":
            assert isinstance(e["members"], list), e
            for m in e["members"]:
                assert isinstance(m["name"], str), e
                assert m["type"] in by_name, (e["name"], m)
            if "variants" in e:
                assert isinstance(e["tag"], str), e
                for v in e["variants"]:
                    assert v["type"] in by_name, (e["name"], v)
        elif mt == "enum":
            assert isinstance(e["members"], list), e
            for m in e["members"]:
                assert isinstance(m["name"], str), e
            assert is_str_list(e["values"]), e
        elif mt == "array":
            assert e["element-type"] in by_name, e
        elif mt == "alternate":
            for m in e["members"]:
                assert m["type"] in by_name, e
        elif mt == "builtin":
            assert e["json-type"] in {"string", "number", "int", "boolean",
                                      "null", "object", "array", "value"}, e
    return commands


def libvirt_probe(mon, arch):
    """Replay libvirt's probe sequence on a negotiated monitor."""
    # query-version: mandatory, and libvirt wants a recent version.
    v = mon.cmd("query-version")
    check_version(v)
    assert v == mon.greeting["QMP"]["version"]
    assert (v["qemu"]["major"], v["qemu"]["minor"]) >= (6, 2)

    t = mon.cmd("query-target")
    assert t == {"arch": arch}

    commands = check_schema(mon.cmd("query-qmp-schema"))
    for c in ("qmp_capabilities", "query-version", "query-target",
              "query-qmp-schema", "query-kvm", "qom-list-types",
              "device-list-properties", "qom-list-properties",
              "query-machines", "query-tpm-models", "query-tpm-types",
              "query-command-line-options", "query-migrate-capabilities"):
        assert c in commands, "%s missing from query-qmp-schema" % c

    kvm = mon.cmd("query-kvm")
    assert set(kvm) == {"enabled", "present"}
    assert isinstance(kvm["enabled"], bool) and isinstance(kvm["present"], bool)
    assert not (kvm["enabled"] and not kvm["present"])

    types = mon.cmd("qom-list-types")
    assert isinstance(types, list) and types
    names = set()
    for ti in types:
        assert isinstance(ti["name"], str)
        check_opt(ti, "parent", str)
        check_opt(ti, "abstract", bool)
        assert set(ti) <= {"name", "parent", "abstract"}, ti
        names.add(ti["name"])
    assert "none-machine" in names

    for typename in LIBVIRT_DEVICE_TYPES:
        r = mon.execute("device-list-properties", {"typename": typename},
                        raw_error=True)
        if "error" in r:
            assert r["error"]["class"] == "DeviceNotFound", (typename, r)
            assert typename not in names or typename in (
                "vfio-pci", "usb-host"), (typename, r)
        else:
            check_property_info_list(r["return"], typename)

    for typename in ("memory-backend-file", "memory-backend-memfd"):
        r = mon.execute("qom-list-properties", {"typename": typename},
                        raw_error=True)
        if "error" in r:
            assert r["error"]["class"] == "DeviceNotFound", (typename, r)
        else:
            check_property_info_list(r["return"], typename)

    machines = mon.cmd("query-machines")
    assert isinstance(machines, list) and machines
    mnames = set()
    for mi in machines:
        assert isinstance(mi["name"], str)
        assert isinstance(mi["cpu-max"], int)
        assert isinstance(mi["hotpluggable-cpus"], bool)
        assert isinstance(mi["numa-mem-supported"], bool)
        assert isinstance(mi["deprecated"], bool)
        if not is_old_qemu(mon.greeting):
            assert isinstance(mi["acpi"], bool)
        check_opt(mi, "alias", str)
        check_opt(mi, "is-default", bool)
        check_opt(mi, "default-cpu-type", str)
        check_opt(mi, "default-ram-id", str)
        mnames.add(mi["name"])
    assert "none" in mnames
    assert sum(1 for mi in machines if mi.get("is-default")) <= 1

    machine_types = ["none-machine"]
    if arch == "riscv64":
        machine_types.insert(0, "virt-machine")
    for typename in machine_types:
        r = mon.execute("qom-list-properties", {"typename": typename},
                        raw_error=True)
        if "error" in r:
            assert typename != "none-machine", r
            assert r["error"]["class"] == "DeviceNotFound", (typename, r)
        else:
            props = check_property_info_list(r["return"], typename)
            if typename == "none-machine":
                assert "type" in props

    # libvirt sends these two only when the schema lists them; the issue
    # requires Vireo to have both (QEMU 7.2 riscv64 lacks them).
    for c in ("query-cpu-definitions", "query-cpu-model-expansion"):
        if is_vireo(mon.greeting) or not is_old_qemu(mon.greeting):
            assert c in commands, "%s missing from query-qmp-schema" % c
    r = mon.execute("query-cpu-definitions", raw_error=True)
    if "query-cpu-definitions" not in commands:
        assert r["error"]["class"] == "CommandNotFound", r
    elif "error" in r:
        assert r["error"]["class"] == "GenericError", r
    else:
        assert isinstance(r["return"], list)
        for cd in r["return"]:
            assert isinstance(cd["name"], str)
            assert isinstance(cd["static"], bool)
            assert isinstance(cd["typename"], str)
            assert isinstance(cd["deprecated"], bool)
            check_opt(cd, "migration-safe", bool)
            check_opt(cd, "alias-of", str)
            if "unavailable-features" in cd:
                assert is_str_list(cd["unavailable-features"])

    models = mon.cmd("query-tpm-models")
    assert is_str_list(models)
    assert set(models) <= {"tpm-tis", "tpm-crb", "tpm-spapr"}
    ttypes = mon.cmd("query-tpm-types")
    assert is_str_list(ttypes)
    assert set(ttypes) <= {"passthrough", "emulator"}

    opts = mon.cmd("query-command-line-options")
    assert isinstance(opts, list) and opts
    for o in opts:
        assert set(o) == {"option", "parameters"}, o
        assert isinstance(o["option"], str)
        for p in o["parameters"]:
            assert isinstance(p["name"], str)
            assert p["type"] in {"string", "boolean", "number", "size"}, p
            check_opt(p, "help", str)
            check_opt(p, "default", str)
    assert len({o["option"] for o in opts}) == len(opts)

    caps = mon.cmd("query-migrate-capabilities")
    assert isinstance(caps, list) and caps
    for c in caps:
        assert set(c) == {"capability", "state"}
        assert isinstance(c["capability"], str)
        assert isinstance(c["state"], bool)

    r = mon.execute("query-cpu-model-expansion",
                    {"type": "static", "model": {"name": "host"}},
                    raw_error=True)
    if "query-cpu-model-expansion" not in commands:
        assert r["error"]["class"] == "CommandNotFound", r
    elif "error" in r:
        assert r["error"]["class"] == "GenericError", r
    else:
        assert isinstance(r["return"]["model"]["name"], str)
        check_opt(r["return"]["model"], "props", dict)


def test_libvirt_probe_daemonize(arch, tmp_path):
    binary = require_binary(arch)
    d = tmp_path / "qmp-probe"
    d.mkdir()
    sock = str(d / "qmp.monitor")
    pidfile = str(d / "qmp.pid")
    argv = [binary, "-S", "-no-user-config", "-nodefaults", "-nographic",
            "-machine", "none,accel=kvm:tcg",
            "-qmp", "unix:%s,server=on,wait=off" % sock,
            "-pidfile", pidfile, "-daemonize"]
    errf = open(str(tmp_path / "stderr"), "wb")
    parent = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=errf,
                              cwd=str(tmp_path))
    daemon_pid = None
    try:
        rc = parent.wait(30)
        errf.close()
        err = (tmp_path / "stderr").read_text(errors="replace")
        assert rc == 0, "probe start failed (%d): %s" % (rc, err)
        # The parent returned: the socket must already exist, no waiting.
        assert os.path.exists(sock), "socket missing when the parent exited"
        with open(pidfile) as f:
            content = f.read()
        daemon_pid = int(content.strip())
        assert daemon_pid != parent.pid
        assert os.path.exists("/proc/%d" % daemon_pid)
        with open("/proc/%d/cmdline" % daemon_pid, "rb") as f:
            assert f.read().split(b"\0")[0] == binary.encode()

        mon = QMPSync("libvirt")
        try:
            mon.connect(sock, timeout=5, negotiate=False)
            assert mon.cmd("qmp_capabilities") == {}
            libvirt_probe(mon, arch)
            st = mon.cmd("query-status")
            assert st["status"] == "prelaunch" and st["running"] is False
            assert mon.cmd("quit") == {}
            mon.wait_closed(10)
        finally:
            mon.close()
        assert wait_pid_gone(daemon_pid, 10), "daemon did not exit on quit"
        daemon_pid = None
    finally:
        if daemon_pid is not None:
            try:
                os.kill(daemon_pid, 9)
            except OSError:
                pass
        if parent.poll() is None:
            parent.kill()


def test_probe_without_daemonize(arch, launch):
    """Same sequence on a foreground process with -S and accel=tcg."""
    m = launch(arch, ["-S", "-no-user-config", "-machine", "none,accel=tcg"])
    mon = m.qmp()
    libvirt_probe(mon, arch)
    assert m.alive()


def test_pidfile_without_daemonize(launch, tmp_path):
    pidfile = str(tmp_path / "fg.pid")
    m = launch("x86_64", ["-pidfile", pidfile])
    mon = m.qmp()
    with open(pidfile) as f:
        assert int(f.read().strip()) == m.pid
    mon.cmd("quit")
    assert m.wait(10) == 0
    # QEMU removes its pid file on a clean exit.
    deadline = time.monotonic() + 5
    while os.path.exists(pidfile) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not os.path.exists(pidfile)


def test_daemonize_fails_cleanly_on_bad_option(arch, tmp_path):
    binary = require_binary(arch)
    pidfile = str(tmp_path / "bad.pid")
    r = subprocess.run([binary, "-machine", "none", "-nodefaults",
                        "-display", "none", "-pidfile", pidfile,
                        "-daemonize", "-m", "abc"],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=20, text=True)
    assert r.returncode == 1
    assert "-m" in r.stderr or "memory" in r.stderr.lower() or "abc" in r.stderr
    assert not os.path.exists(pidfile)


@pytest.mark.parametrize("arch_", ["x86_64", "riscv64"])
def test_target_matches_binary(arch_, launch):
    m = launch(arch_)
    mon = m.qmp()
    assert mon.cmd("query-target") == {"arch": arch_}
    st = mon.cmd("query-status")
    assert st == {"status": "running", "running": True} or (
        is_old_qemu(mon.greeting) and st["status"] == "running")
