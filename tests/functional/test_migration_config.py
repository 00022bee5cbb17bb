# Vireo functional tests: migration configuration, trace points, TPM queries.
# SPDX-License-Identifier: MIT
"""The configuration a management layer sets before a migration, stored
and checked as QEMU 9.2 does; trace-event-get/set-state over real trace
points; the (empty) TPM model and type lists."""

import pytest

from conftest import expect_error, hmp, is_old_qemu, skip_if_old_qemu

CAPS_9_2 = [
    "xbzrle", "rdma-pin-all", "auto-converge", "zero-blocks", "events",
    "postcopy-ram", "x-colo", "release-ram", "return-path",
    "pause-before-switchover", "multifd", "dirty-bitmaps",
    "postcopy-blocktime", "late-block-activate", "x-ignore-shared",
    "validate-uuid", "background-snapshot", "zero-copy-send",
    "postcopy-preempt", "switchover-ack", "dirty-limit", "mapped-ram",
]


def caps_of(mon):
    return {c["capability"]: c["state"]
            for c in mon.execute("query-migrate-capabilities")}


def test_capabilities_list_and_defaults(vm):
    skip_if_old_qemu(vm.mon.greeting, "capability list changed")
    reply = vm.mon.execute("query-migrate-capabilities")
    assert [c["capability"] for c in reply] == CAPS_9_2
    assert not any(c["state"] for c in reply)


def test_capabilities_round_trip(vm):
    vm.mon.execute("migrate-set-capabilities", {"capabilities": [
        {"capability": "xbzrle", "state": True},
        {"capability": "events", "state": True}]})
    caps = caps_of(vm.mon)
    assert caps["xbzrle"] and caps["events"] and not caps["multifd"]
    vm.mon.execute("migrate-set-capabilities", {"capabilities": [
        {"capability": "xbzrle", "state": False}]})
    caps = caps_of(vm.mon)
    assert not caps["xbzrle"] and caps["events"]


def test_capability_rules(vm):
    expect_error(vm.mon, "migrate-set-capabilities", {"capabilities": [
        {"capability": "zero-copy-send", "state": True}]},
        desc="^Zero copy only available for non-compressed non-TLS "
             "multifd migration$")
    expect_error(vm.mon, "migrate-set-capabilities", {"capabilities": [
        {"capability": "no-such-cap", "state": True}]},
        desc="no-such-cap")
    # A refused change leaves every capability as it was.
    assert not any(caps_of(vm.mon).values())


def test_parameters_defaults(vm):
    p = vm.mon.execute("query-migrate-parameters")
    expect = {"announce-initial": 50, "announce-max": 550,
              "announce-rounds": 5, "announce-step": 100,
              "throttle-trigger-threshold": 50, "cpu-throttle-initial": 20,
              "cpu-throttle-increment": 10, "cpu-throttle-tailslow": False,
              "tls-creds": "", "tls-hostname": "", "max-bandwidth": 134217728,
              "downtime-limit": 300, "x-checkpoint-delay": 20000,
              "multifd-channels": 2, "xbzrle-cache-size": 67108864,
              "max-postcopy-bandwidth": 0, "max-cpu-throttle": 99,
              "multifd-compression": "none", "multifd-zlib-level": 1,
              "multifd-zstd-level": 1}
    for key, value in expect.items():
        assert p[key] == value, key
    if not is_old_qemu(vm.mon.greeting):
        assert p["mode"] == "normal"
        assert p["zero-page-detection"] == "multifd"
        assert p["vcpu-dirty-limit"] == 1
        assert "block-bitmap-mapping" not in p


def test_parameters_set_and_errors(vm):
    vm.mon.execute("migrate-set-parameters",
                   {"multifd-channels": 5, "tls-creds": "tls0",
                    "max-bandwidth": 1 << 20})
    p = vm.mon.execute("query-migrate-parameters")
    assert (p["multifd-channels"], p["tls-creds"], p["max-bandwidth"]) == \
        (5, "tls0", 1 << 20)
    vm.mon.execute("migrate-set-parameters", {"tls-creds": None})
    assert vm.mon.execute("query-migrate-parameters")["tls-creds"] == ""
    expect_error(vm.mon, "migrate-set-parameters",
                 {"cpu-throttle-initial": 0},
                 desc="^Parameter 'cpu_throttle_initial' expects an integer "
                      "in the range of 1 to 99$")
    expect_error(vm.mon, "migrate-set-parameters",
                 {"xbzrle-cache-size": 1000},
                 desc="^Parameter 'xbzrle_cache_size' expects a power of two "
                      "no less than the target page size$")
    # max-cpu-throttle is checked against the new initial value.
    expect_error(vm.mon, "migrate-set-parameters",
                 {"cpu-throttle-initial": 50, "max-cpu-throttle": 40},
                 desc="max_cpu_throttle")
    expect_error(vm.mon, "migrate-set-parameters",
                 {"multifd-channels": 300}, cls="GenericError")
    # Nothing from a refused call was applied.
    assert vm.mon.execute("query-migrate-parameters")[
        "cpu-throttle-initial"] == 20


def test_query_migrate_before_any(vm):
    assert vm.mon.execute("query-migrate") == {}


def test_tpm_lists(vm):
    models = vm.mon.execute("query-tpm-models")
    types = vm.mon.execute("query-tpm-types")
    assert isinstance(models, list) and isinstance(types, list)
    if not is_old_qemu(vm.mon.greeting) and \
            str(vm.mon.greeting["QMP"]["version"]["package"]).startswith("vireo"):
        assert models == [] and types == []


def test_trace_events(vm):
    skip_if_old_qemu(vm.mon.greeting, "different trace points")
    name = "memory_region_ops_read"
    assert vm.mon.execute("trace-event-get-state", {"name": name}) == \
        [{"name": name, "state": "disabled", "vcpu": False}]
    vm.mon.execute("trace-event-set-state", {"name": "memory_region_ops_*",
                                             "enable": True})
    states = vm.mon.execute("trace-event-get-state",
                            {"name": "memory_region_ops_*"})
    assert sorted(s["name"] for s in states) == \
        ["memory_region_ops_read", "memory_region_ops_write"]
    assert all(s["state"] == "enabled" for s in states)
    expect_error(vm.mon, "trace-event-get-state", {"name": "nosuch"},
                 desc='^unknown event "nosuch"$')
    expect_error(vm.mon, "trace-event-set-state",
                 {"name": "nosuch", "enable": True},
                 desc='^unknown event "nosuch"$')
    assert vm.mon.execute("trace-event-get-state", {"name": "nosuch*"}) == []
