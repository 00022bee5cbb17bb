# Vireo functional tests: hostile QMP input and bad command lines.
# SPDX-License-Identifier: MIT
"""Thousands of malformed inputs on one monitor while another stays
responsive; then a fresh connection must still work.  Bad command-line
values must end the process with status 1 and a one-line message."""

import json
import os
import random
import re
import socket
import threading
import time

import pytest

from conftest import run_binary, require_binary

BIG = 4 * 1024 * 1024


class RawMonitor:
    """A bare socket client whose replies are read and counted by a thread,
    so the server never blocks on output we do not read."""

    def __init__(self, path, negotiate=True):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.lines = []
        self.bad_lines = []
        self.cond = threading.Condition()
        self.eof = False
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()
        self.wait_for(lambda ls: len(ls) >= 1, 15)
        assert "QMP" in self.lines[0]
        if negotiate:
            self.send(b'{"execute":"qmp_capabilities","id":"neg"}\n')
            self.wait_id("neg")

    def _reader(self):
        buf = b""
        try:
            while True:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    try:
                        if not line.endswith(b"\r"):
                            raise ValueError("line not CRLF terminated")
                        msg = json.loads(line[:-1])
                        if not isinstance(msg, dict):
                            raise ValueError("not an object")
                    except ValueError as e:
                        with self.cond:
                            self.bad_lines.append((line[:200], str(e)))
                        continue
                    with self.cond:
                        self.lines.append(msg)
                        self.cond.notify_all()
        except OSError:
            pass
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def send(self, data):
        self.sock.sendall(data)

    def wait_for(self, pred, timeout=30):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred(self.lines):
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    raise AssertionError(
                        "condition not met (eof=%s, %d lines, last %r)"
                        % (self.eof, len(self.lines), self.lines[-3:]))
                self.cond.wait(left)

    def wait_id(self, msg_id, timeout=30):
        found = []

        def pred(lines):
            for m in lines:
                if m.get("id") == msg_id:
                    found.append(m)
                    return True
            return False
        self.wait_for(pred, timeout)
        return found[0]

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)


def valid_commands():
    return [
        b'{"execute": "query-status"}',
        b'{"execute": "query-version", "id": 1}',
        b'{"execute": "qom-list", "arguments": {"path": "/"}, "id": [1]}',
        b'{"execute": "query-name", "id": {"a": "b"}}',
        b'{"execute": "qom-get", "arguments": {"path": "/machine", '
        b'"property": "type"}}',
    ]


def malformed_inputs(rng, schema):
    """Yield (label, bytes) inputs; each is followed by a parser reset."""
    for i in range(1500):
        n = rng.randint(1, 300)
        yield "random", bytes(rng.getrandbits(8) for _ in range(n))
    for i in range(600):
        n = rng.randint(1, 8)
        yield "random-short", bytes(rng.getrandbits(8) for _ in range(n))
    for cmd in valid_commands():
        for cut in range(1, len(cmd)):
            yield "truncated", cmd[:cut]
    for seq in (b"\xc3\x28", b"\xa0\xa1", b"\xe2\x28\xa1", b"\xf0\x28\x8c\xbc",
                b"\xf8\xa1\xa1\xa1\xa1", b"\xfc\xa1\xa1\xa1\xa1\xa1",
                b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xff", b"\xfe",
                b"\xf4\x90\x80\x80"):
        yield "utf8", b'{"execute": "' + seq + b'"}'
        yield "utf8", b'{"execute": "query-name", "id": "' + seq + b'"}'
        yield "utf8", seq
    for depth in (1025, 1100, 5000, 20000):
        yield "deep", b"[" * depth + b"]" * depth
        yield "deep", b'{"execute": "query-status", "id": ' + \
            b'{"a":' * depth + b"1" + b"}" * depth + b"}"
        yield "deep", b"{" * depth
    yield "huge-string", (b'{"execute": "query-status", "id": "'
                          + b"x" * BIG + b'"}')
    yield "huge-string", (b'{"execute": "query-status", "arguments": '
                          b'{"s": "' + b"y" * BIG + b'"}}')
    yield "huge-array", (b'{"execute": "query-status", "id": ['
                         + b"1," * (BIG // 2) + b"1]}")
    yield "huge-token", b'"' + b"z" * (70 * 1024 * 1024)
    for v in (b"1", b"-1.5e308", b"1e999999", b"null", b"true", b'"str"',
              b"[]", b"[{}]", b'["execute", "query-status"]'):
        yield "non-object", v
    for m in (b'{"execute": 1}', b'{"execute": null}', b'{"execute": {}}',
              b'{"execute": true}', b'{"execute": "query-status", '
              b'"arguments": 1}', b'{"execute": "query-status", '
              b'"arguments": null}', b'{"exec-oob": 5}', b'{"id": 1}',
              b'{"execute": "query-status", "execute": 1}'):
        yield "wrong-type", m
    for e in schema:
        if e["meta-type"] != "command":
            continue
        yield "unknown-arg", json.dumps({
            "execute": e["name"],
            "arguments": {"no-such-argument-vireo": 1}}).encode()
    for name, args in wrong_typed_args(schema):
        yield "wrong-arg-type", json.dumps(
            {"execute": name, "arguments": args}).encode()


def wrong_typed_args(schema):
    """For each command with a required typed argument, arguments whose
    values all have the wrong JSON type."""
    by_name = {e["name"]: e for e in schema}
    for e in schema:
        if e["meta-type"] != "command":
            continue
        arg = by_name.get(e["arg-type"])
        if not arg or arg["meta-type"] != "object" or "variants" in arg:
            continue
        args = {}
        required_typed = False
        for m in arg["members"]:
            t = by_name.get(m["type"], {})
            jt = t.get("json-type") if t.get("meta-type") == "builtin" else None
            if jt == "value":
                args[m["name"]] = 1
                continue
            if jt in ("int", "number", "boolean"):
                args[m["name"]] = "not-a-number"
            else:
                args[m["name"]] = 12345
            if t.get("meta-type") == "alternate":
                args[m["name"]] = [[["nested-list"]]]
            if "default" not in m:
                required_typed = True
        if required_typed:
            yield e["name"], args


def test_malformed_flood(launch):
    m = launch("x86_64", qmp_sockets=2)
    good = m.qmp(index=1, name="good")
    schema = good.cmd("query-qmp-schema")
    rng = random.Random(0x5eed)

    bad = RawMonitor(m.qmp_paths[0])
    count = 0
    for label, data in malformed_inputs(rng, schema):
        # A control character resets the JSON parser (QMP spec).
        bad.send(data + b"\n\x01\n")
        count += 1
        if count % 250 == 0:
            assert good.cmd("query-status")["running"] is True
    assert count > 2000
    # The bad monitor still answers once the parser is reset.
    bad.send(b'\x01\n{"execute": "query-status", "id": "after-garbage"}\n')
    r = bad.wait_id("after-garbage", 120)
    assert r["return"]["running"] is True
    assert bad.bad_lines == []
    # Every reply to garbage was an error object without a return value
    # other than those we asked for.
    for msg in bad.lines[2:]:
        assert "error" in msg or "return" in msg or "event" in msg, msg
        if "error" in msg:
            assert msg["error"]["class"] in ("GenericError", "CommandNotFound",
                                             "DeviceNotFound"), msg
            assert isinstance(msg["error"]["desc"], str)
    assert m.alive()
    st = good.cmd("query-status")
    assert st["status"] == "running", "garbage changed the run state"
    bad.close()

    # Clients that disconnect in the middle of a message.
    for i in range(40):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(m.qmp_paths[0])
        if i % 2:
            s.recv(4096)
        s.sendall(b'{"execute": "qmp_capabilities"}\n{"execute": "query-'
                  if i % 3 else b'{"exec')
        s.close()
    assert good.cmd("query-name") == {}

    fresh = m.qmp(index=0, name="fresh")
    assert fresh.cmd("query-status")["running"] is True
    assert fresh.cmd("qom-get", path="/machine", property="type") == \
        "none-machine"
    assert m.alive()


def test_unknown_and_wrong_args_fail_cleanly(vm):
    schema = vm.mon.cmd("query-qmp-schema")
    n = 0
    for e in schema:
        if e["meta-type"] != "command":
            continue
        err = vm.mon.error(e["name"], {"no-such-argument-vireo": 1})
        assert err["class"] == "GenericError", (e["name"], err)
        n += 1
    for name, args in wrong_typed_args(schema):
        err = vm.mon.error(name, args)
        assert err["class"] == "GenericError", (name, args, err)
        n += 1
    assert n > 40
    st = vm.mon.cmd("query-status")
    assert st["status"] == "running"
    assert vm.alive()


def test_command_flood_without_reading(launch):
    m = launch("x86_64", qmp_sockets=2)
    good = m.qmp(index=1, name="good")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(m.qmp_paths[0])
    f = s.makefile("rb")
    assert b"QMP" in f.readline()
    s.sendall(b'{"execute":"qmp_capabilities"}\n')
    assert json.loads(f.readline()) == {"return": {}}
    total = 10000
    payload = b"".join(b'{"execute":"query-status","id":%d}\n' % i
                       for i in range(total))
    sender_err = []

    def sender():
        try:
            s.sendall(payload)
        except OSError as e:
            sender_err.append(e)
    t = threading.Thread(target=sender, daemon=True)
    t.start()
    # The other monitor keeps answering while this one is flooded and its
    # replies pile up unread.
    for _ in range(20):
        assert good.cmd("query-status")["running"] is True
    ids = []
    for _ in range(total):
        line = f.readline()
        assert line.endswith(b"\r\n")
        msg = json.loads(line)
        assert msg["return"]["running"] is True
        ids.append(msg["id"])
    t.join(30)
    assert not sender_err
    assert ids == list(range(total)), "in-band replies must keep order"
    f.close()
    s.close()
    assert m.qmp(index=0).cmd("query-status")["running"] is True


# --- command line -----------------------------------------------------------

_vireo_cache = {}


def binary_is_vireo(arch):
    if arch not in _vireo_cache:
        r = run_binary(arch, ["-version"])
        _vireo_cache[arch] = "vireo" in (r.stdout + r.stderr).lower()
    return _vireo_cache[arch]


BASE = ["-machine", "none", "-nodefaults", "-display", "none"]

# (extra args, option the message must name, QEMU deviates from one line)
BAD_CMDLINES = [
    (["-bogus-option"], "-bogus-option", False),
    (["-machine", "foo"], "-machine", True),
    (["-M", "foo"], "-M", True),
    (["-m", "abc"], "-m", True),
    (["-m", "-5"], "-m", True),
    (["-accel", "bogus"], "-accel", False),
    (["-chardev", "bogus"], "-chardev", False),
    (["-chardev", "null,id=c0", "-chardev", "null,id=c0"], "-chardev", False),
    (["-qmp", "bad:addr"], "-qmp", True),
    (["-qmp", "tcp:127.0.0.1:notaport,server=on,wait=off"], "-qmp", True),
    (["-name", "foo=bar"], "-name", False),
    (["-name", "guest=x,bogus=1"], "-name", False),
    (["-uuid", "not-a-uuid"], "-uuid", False),
    (["-msg", "timestamp=maybe"], "-msg", False),
    (["-object", "bogus-type,id=x"], "-object", False),
    (["-mon", "chardev=missing"], "-mon", False),
    (["-action", "reboot=bogus"], "-action", False),
    (["-display", "bogus"], "-display", False),
]


@pytest.mark.parametrize("args,opt,qemu_multiline", BAD_CMDLINES,
                         ids=[" ".join(c[0]) for c in BAD_CMDLINES])
def test_bad_command_line(args, opt, qemu_multiline, tmp_path):
    require_binary("x86_64")
    sock = str(tmp_path / "never.sock")
    r = run_binary("x86_64", BASE + args +
                   ["-qmp", "unix:%s,server=on,wait=off" % sock],
                   cwd=str(tmp_path))
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert r.stdout == ""
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines, "no error message"
    if qemu_multiline and not binary_is_vireo("x86_64"):
        pytest.skip("QEMU prints this error differently (several lines or "
                    "without the option); the Vireo contract wants one line")
    assert len(lines) == 1, lines
    assert re.search(re.escape(opt) + r"(\b|\s|:|$)", lines[0]), lines[0]


def test_bad_command_line_creates_nothing(tmp_path):
    """Startup fails before any socket or pid file is created."""
    require_binary("x86_64")
    sock = str(tmp_path / "q.sock")
    pidfile = str(tmp_path / "p.pid")
    r = run_binary("x86_64", BASE + [
        "-qmp", "unix:%s,server=on,wait=off" % sock, "-pidfile", pidfile,
        "-object", "bogus-type,id=x"], cwd=str(tmp_path))
    assert r.returncode == 1
    assert not os.path.exists(pidfile)
