# Vireo functional tests: the QMP wire protocol.
# SPDX-License-Identifier: MIT
"""Greeting, CRLF framing, negotiation, ids, parse errors, out-of-band
rules, events and several monitors at once."""

import json
import socket
import subprocess
import time

import pytest

from conftest import (is_vireo, is_old_qemu, free_tcp_port, expect_error)
from qmp import QMPSync

NEGOTIATE_DESC = "Expecting capabilities negotiation with 'qmp_capabilities'"


def test_greeting_shape(launch):
    m = launch("x86_64")
    mon = m.qmp(negotiate=False)
    g = mon.greeting
    assert set(g) == {"QMP"}
    assert set(g["QMP"]) == {"version", "capabilities"}
    assert g["QMP"]["capabilities"] == ["oob"]
    v = g["QMP"]["version"]
    assert set(v) == {"qemu", "package"}
    assert all(isinstance(v["qemu"][k], int) for k in ("major", "minor", "micro"))
    if is_vireo(g):
        assert v["qemu"] == {"major": 9, "minor": 2, "micro": 0}
        assert v["package"].startswith("vireo-")
    # The greeting is one line: the first raw line is the whole greeting.
    assert json.loads(mon.raw_lines[0]) == g


def test_crlf_line_endings(vm):
    mon = vm.mon
    mon.cmd("query-version")
    mon.cmd("query-status")
    mon.error("no-such-command")
    mon.cmd("stop")
    mon.wait_event("STOP")
    mon.cmd("cont")
    mon.wait_event("RESUME")
    lines = list(mon.raw_lines)
    assert len(lines) >= 8
    for line in lines:
        assert line.endswith(b"\r\n"), line
        body = line[:-2]
        assert b"\r" not in body and b"\n" not in body, line
        # The server writes ASCII only.
        body.decode("ascii")
        assert isinstance(json.loads(body), dict)


def test_negotiation_required(launch):
    m = launch("x86_64")
    mon = m.qmp(negotiate=False)
    for cmd in ("query-version", "query-status", "quit", "no-such-cmd"):
        err = mon.error(cmd)
        assert err == {"class": "CommandNotFound", "desc": NEGOTIATE_DESC}
    assert m.alive()
    # A bad capability is refused and negotiation is still pending.
    err = mon.error("qmp_capabilities", {"enable": ["no-such-cap"]})
    assert err["class"] == "GenericError"
    assert "no-such-cap" in err["desc"]
    err = mon.error("qmp_capabilities", {"bogus": 1})
    assert err["class"] == "GenericError"
    assert err["desc"] == "Parameter 'bogus' is unexpected"
    assert mon.error("query-version")["desc"] == NEGOTIATE_DESC
    assert mon.cmd("qmp_capabilities") == {}
    assert mon.cmd("query-version")["qemu"]["major"] >= 7
    # A second negotiation is refused with CommandNotFound.
    err = mon.error("qmp_capabilities")
    assert err["class"] == "CommandNotFound"
    assert "already complete" in err["desc"]
    assert mon.cmd("query-status")["running"] is True


def test_one_client_per_socket(launch):
    """Like QEMU, a QMP socket serves one client; a second one gets its
    greeting only once the first has gone."""
    m = launch("x86_64")
    a = m.qmp()
    second = QMPSync("second")
    m.clients.append(second)
    with pytest.raises(Exception):
        second.connect(m.qmp_path, timeout=1, negotiate=False)
    assert a.cmd("query-status")["running"] is True
    a.close()
    b = m.qmp()
    assert b.cmd("query-status")["running"] is True


def test_negotiation_is_per_connection(launch):
    m = launch("x86_64")
    a = m.qmp()
    a.cmd("query-status")
    a.close()
    # Reconnecting starts negotiation afresh.
    b = m.qmp(negotiate=False)
    assert b.error("query-status")["desc"] == NEGOTIATE_DESC
    b.negotiate()
    assert b.cmd("query-status")["status"] == "running"


@pytest.mark.parametrize("the_id", [
    0, 42, -7, 1.5, "a string", "", True, False, None, [], [1, "two", None],
    {}, {"nested": {"deep": [1, 2, {"x": "y"}]}}, "\u00e9\u4e2d",
    2 ** 53, "with \"quotes\" and \\backslash",
])
def test_id_echoed_verbatim(vm, the_id):
    reply = vm.mon.execute("query-status", id=the_id, raw_error=True)
    assert "return" in reply
    assert reply["id"] == the_id
    assert type(reply["id"]) is type(the_id)
    err = vm.mon.execute("no-such-command", id=the_id, raw_error=True)
    assert err["id"] == the_id
    assert err["error"]["class"] == "CommandNotFound"


def test_no_id_no_id_in_reply(vm):
    reply = vm.mon.execute("query-status", with_id=False, raw_error=True)
    assert "id" not in reply and "return" in reply


def test_replies_matched_by_id_out_of_order(vm):
    mon = vm.mon
    ids = ["first", 2, {"third": True}]
    for i in ids:
        mon.send_msg({"execute": "query-name", "id": i})
    for i in reversed(ids):
        r = mon.recv_reply(i)
        assert r == {"return": {}, "id": i}


def test_parse_errors_have_no_id(vm):
    mon = vm.mon
    cases = [
        (b'{"execute": "query-status", "id": 1,}\n', "JSON parse error"),
        (b'{"execute" "query-status"}\n', "JSON parse error"),
        (b'}\n', "JSON parse error"),
        (b'{"execute": "query-status", "id": tru}\n', "JSON parse error"),
    ]
    for data, desc in cases:
        mon.send_raw(data)
        r = mon.recv_anon()
        assert "id" not in r, r
        assert r["error"]["class"] == "GenericError"
        assert r["error"]["desc"].startswith(desc), r
        # Swallow any further errors from the same garbage, then resync.
        mon.send_raw(b'\x01\n')
        marker = {"sync": data.decode()}
        assert mon.execute("query-name", id=marker, raw_error=True) == \
            {"return": {}, "id": marker}
        while not mon.client.anon_replies.empty():
            mon.recv_anon()


@pytest.mark.parametrize("data,desc", [
    (b'[1, 2]', "QMP input must be a JSON object"),
    (b'"query-status"', "QMP input must be a JSON object"),
    (b'42', "QMP input must be a JSON object"),
    (b'{"execute": 1}', "QMP input member 'execute' must be a string"),
    (b'{"execute": ["query-status"]}',
     "QMP input member 'execute' must be a string"),
    (b'{"execute": "query-status", "arguments": []}',
     "QMP input member 'arguments' must be an object"),
    (b'{"execute": "query-status", "arguments": "x"}',
     "QMP input member 'arguments' must be an object"),
    (b'{"execute": "query-status", "foo": 1}',
     "QMP input member 'foo' is unexpected"),
    (b'{"arguments": {}}', "QMP input lacks member 'execute'"),
    (b'{}', "QMP input lacks member 'execute'"),
    (b'{"exec-oob": "query-status"}',
     "QMP input member 'exec-oob' is unexpected"),
])
def test_bad_requests(vm, data, desc):
    vm.mon.send_raw(data + b"\n")
    r = vm.mon.recv_anon()
    assert r == {"error": {"class": "GenericError", "desc": desc}}
    assert vm.mon.cmd("query-status")["status"] == "running"


def test_bad_request_keeps_id(vm):
    vm.mon.send_raw(b'{"execute": 1, "id": "keep-me"}\n')
    r = vm.mon.recv_reply("keep-me")
    assert r["error"] == {"class": "GenericError",
                          "desc": "QMP input member 'execute' must be a string"}


def test_single_quoted_strings_accepted(vm):
    vm.mon.send_raw(b"{'execute': 'query-name', 'id': 'it\\'s'}\n")
    assert vm.mon.recv_reply("it's") == {"return": {}, "id": "it's"}


def test_argument_errors(vm):
    mon = vm.mon
    expect_error(mon, "query-status", {"x": 1},
                 desc="^Parameter 'x' is unexpected$")
    expect_error(mon, "qom-list", {},
                 desc="^Parameter 'path' is missing$")
    expect_error(mon, "qom-list", {"path": 1},
                 desc="^Invalid parameter type for 'path', expected: string$")
    expect_error(mon, "no-such-command", cls="CommandNotFound",
                 desc="^The command no-such-command has not been found$")


def test_oob_rules(launch):
    m = launch("x86_64")
    plain = m.qmp()
    # exec-oob is unknown input without the oob capability.
    plain.send_msg({"exec-oob": "yank", "arguments": {"instances": []},
                    "id": "o1"})
    r = plain.recv_reply("o1")
    assert r["error"] == {"class": "GenericError",
                          "desc": "QMP input member 'exec-oob' is unexpected"}
    plain.close()

    oob = m.qmp(oob=True)
    schema = oob.cmd("query-qmp-schema")
    oob_cmds = {e["name"] for e in schema
                if e["meta-type"] == "command" and e.get("allow-oob")}
    assert "yank" in oob_cmds
    assert "query-status" not in oob_cmds
    err = oob.exec_oob("query-status", raw_error=True)["error"]
    assert err == {"class": "GenericError",
                   "desc": "The command query-status does not support OOB"}
    assert oob.exec_oob("yank", {"instances": []}) == {}
    # Both execute and exec-oob at once clash.
    oob.send_msg({"execute": "query-status", "exec-oob": "yank", "id": "c"})
    r = oob.recv_reply("c")
    assert r["error"]["class"] == "GenericError"
    assert "clashes" in r["error"]["desc"]
    # In-band commands still work on an oob-enabled monitor.
    assert oob.cmd("query-status")["running"] is True


def test_oob_overtakes_queued_inband(launch):
    """Several in-band commands and one oob command in flight: all answered,
    each under its own id."""
    m = launch("x86_64")
    mon = m.qmp(oob=True)
    for i in range(5):
        mon.send_msg({"execute": "query-qmp-schema", "id": "ib%d" % i})
    mon.send_msg({"exec-oob": "yank", "arguments": {"instances": []},
                  "id": "oob"})
    assert mon.recv_reply("oob") == {"return": {}, "id": "oob"}
    for i in range(5):
        assert isinstance(mon.recv_reply("ib%d" % i)["return"], list)


def check_event(ev, name):
    assert ev["event"] == name
    ts = ev["timestamp"]
    assert set(ts) == {"seconds", "microseconds"}
    assert isinstance(ts["seconds"], int) and isinstance(ts["microseconds"], int)
    assert 0 <= ts["microseconds"] < 1000000
    t = ts["seconds"] + ts["microseconds"] / 1e6
    assert abs(t - time.time()) < 60
    assert set(ev) <= {"event", "data", "timestamp"}


def test_stop_cont_events_to_every_monitor(launch):
    m = launch("x86_64", qmp_sockets=3)
    a = m.qmp(name="a")
    b = m.qmp(name="b", index=1)
    pending = m.qmp(negotiate=False, name="pending", index=2)
    assert a.cmd("stop") == {}
    for mon in (a, b):
        ev = mon.wait_event("STOP")
        check_event(ev, "STOP")
        assert "data" not in ev or ev["data"] == {}
    assert b.cmd("query-status") == {"status": "paused", "running": False} or \
        (is_old_qemu(b.greeting) and b.cmd("query-status")["status"] == "paused")
    # stop when already stopped: no second event, still succeeds.
    assert a.cmd("stop") == {}
    assert b.cmd("cont") == {}
    for mon in (a, b):
        check_event(mon.wait_event("RESUME"), "RESUME")
    assert [e["event"] for e in a.event_log] == ["STOP", "RESUME"]
    # The un-negotiated monitor got nothing, even after it negotiates.
    pending.negotiate()
    pending.cmd("query-status")
    assert pending.event_log == []
    assert [json.loads(line) for line in pending.raw_lines
            if b'"event"' in line] == []


def test_event_times_monotonic(vm):
    mon = vm.mon
    stamps = []
    for _ in range(3):
        mon.cmd("stop")
        mon.cmd("cont")
    for _ in range(6):
        ev = mon.wait_event()
        stamps.append((ev["timestamp"]["seconds"],
                       ev["timestamp"]["microseconds"]))
    assert stamps == sorted(stamps)


def test_many_monitors(launch, tmp_path):
    port = free_tcp_port()
    chr_path = str(tmp_path / "mon-chardev.sock")
    parent_end, child_end = socket.socketpair()
    m = launch("x86_64", [
        "-qmp", "tcp:127.0.0.1:%d,server=on,wait=off" % port,
        "-chardev", "socket,id=qmpchr,path=%s,server=on,wait=off" % chr_path,
        "-mon", "chardev=qmpchr,mode=control",
        "-qmp", "stdio",
    ], stdin=child_end.fileno(), stdout=child_end.fileno())
    child_end.close()
    unix_mon = m.qmp(name="unix")
    tcp_mon = m.qmp(address=("127.0.0.1", port), name="tcp")
    chr_mon = m.qmp(address=chr_path, name="chr")
    stdio_mon = QMPSync("stdio")
    m.clients.append(stdio_mon)
    stdio_mon.attach_socket(parent_end)
    stdio_mon.negotiate()
    mons = [unix_mon, tcp_mon, chr_mon, stdio_mon]
    for mon in mons:
        assert mon.greeting["QMP"]["version"] == unix_mon.greeting["QMP"]["version"]
        assert mon.cmd("query-status")["running"] is True
    tcp_mon.cmd("stop")
    for mon in mons:
        check_event(mon.wait_event("STOP"), "STOP")
    chr_mon.cmd("cont")
    for mon in mons:
        check_event(mon.wait_event("RESUME"), "RESUME")
    # query-chardev lists the monitor chardevs.
    labels = {c["label"] for c in unix_mon.cmd("query-chardev")}
    assert "qmpchr" in labels
    assert len(labels) >= 4
    stdio_mon.cmd("quit")
    assert m.wait(10) == 0


def test_monitor_reconnect_after_disconnect(vm):
    vm.mon.close()
    for i in range(5):
        c = vm.qmp(name="again%d" % i)
        assert c.cmd("query-status")["running"] is True
        c.close()
    assert vm.alive()


def test_chardev_mon_wait_false_stdio_absent(launch):
    """A monitor on a socket chardev in client mode that has nobody to
    connect to makes startup fail with exit status 1."""
    r = launch("x86_64", ["-chardev",
                          "socket,id=c,path=/nonexistent/dir/sock",
                          "-mon", "chardev=c,mode=control"], qmp=False)
    assert r.wait(20) == 1
    assert "c" in r.stderr()
