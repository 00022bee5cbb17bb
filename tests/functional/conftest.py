# Vireo functional tests: fixtures to start emulator binaries and talk to them.
# SPDX-License-Identifier: MIT
"""Shared fixtures.

The binaries come from VIREO_SYSTEM_X86_64 / VIREO_SYSTEM_RISCV64, or
build/vireo-system-{x86_64,riscv64} in the source tree.  A missing binary is
a test failure, never a skip.  Every process a test starts is killed at
teardown, daemonized ones included (through their pid file).
"""

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from qmp import QMPSync, QMPCommandError  # noqa: E402

SRC_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ARCHES = ("x86_64", "riscv64")
DEFAULT_ARGS = ["-machine", "none", "-nodefaults", "-display", "none"]


def binary_path(arch):
    env = os.environ.get("VIREO_SYSTEM_" + arch.upper())
    if env:
        return env
    return os.path.join(SRC_ROOT, "build", "vireo-system-" + arch)


def require_binary(arch):
    path = binary_path(arch)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail("emulator binary for %s not found or not executable: %s"
                    % (arch, path), pytrace=False)
    return path


def version_of(greeting):
    v = greeting["QMP"]["version"]["qemu"]
    return (v["major"], v["minor"], v["micro"])


def is_vireo(greeting):
    return str(greeting["QMP"]["version"].get("package", "")).startswith("vireo")


def is_old_qemu(greeting):
    """True when talking to a real QEMU older than 9.2 (Debian's 7.2)."""
    return not is_vireo(greeting) and version_of(greeting) < (9, 2, 0)


def skip_if_old_qemu(greeting, reason):
    if is_old_qemu(greeting):
        pytest.skip("QEMU %d.%d differs from 9.2: %s"
                    % (version_of(greeting)[:2] + (reason,)))


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); look at its state.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_pid_gone(pid, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return True
        time.sleep(0.01)
    return False


class Machine:
    """One emulator process started by a test."""

    def __init__(self, arch, tmpdir, name):
        self.arch = arch
        self.binary = require_binary(arch)
        self.tmp = str(tmpdir)
        self.name = name
        self.proc = None
        self.qmp_path = os.path.join(self.tmp, "%s-qmp.sock" % name)
        self.stdout_path = os.path.join(self.tmp, "%s.stdout" % name)
        self.stderr_path = os.path.join(self.tmp, "%s.stderr" % name)
        self.clients = []
        self.extra_pids = []
        self.args = []

    def start(self, args=None, qmp=True, defaults=True, stdin=subprocess.DEVNULL,
              stdout=None, stderr=None, env=None, pass_fds=(), qmp_sockets=1):
        """Start the binary.  A QMP socket server accepts one client at a
        time (as in QEMU), so qmp_sockets=N opens N separate QMP sockets:
        qmp_paths[i], used by qmp(index=i)."""
        argv = [self.binary]
        if defaults:
            argv += DEFAULT_ARGS
        self.qmp_paths = [self.qmp_path] + [
            os.path.join(self.tmp, "%s-qmp%d.sock" % (self.name, i))
            for i in range(1, qmp_sockets)]
        if qmp:
            for path in self.qmp_paths:
                argv += ["-qmp", "unix:%s,server=on,wait=off" % path]
        argv += list(args or [])
        self.args = argv
        self._out = open(self.stdout_path, "wb") if stdout is None else None
        self._err = open(self.stderr_path, "wb") if stderr is None else None
        self.proc = subprocess.Popen(
            argv, stdin=stdin,
            stdout=self._out if stdout is None else stdout,
            stderr=self._err if stderr is None else stderr,
            cwd=self.tmp, env=env, pass_fds=pass_fds,
            start_new_session=True)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def qmp(self, negotiate=True, oob=False, address=None, name=None,
            timeout=15.0, index=0):
        c = QMPSync(name or "%s-%d" % (self.name, len(self.clients)))
        self.clients.append(c)
        c.connect(address or self.qmp_paths[index], timeout=timeout,
                  negotiate=negotiate, oob=oob, proc=self.proc)
        return c

    def wait(self, timeout=15.0):
        return self.proc.wait(timeout)

    def alive(self):
        return self.proc.poll() is None

    def stdout(self):
        with open(self.stdout_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def thread_names(self, pid=None):
        pid = pid or self.pid
        names = {}
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                    names[int(tid)] = f.read().strip()
            except OSError:
                pass
        return names

    def shutdown(self):
        for c in self.clients:
            c.close()
        self.clients = []
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                self.proc.kill()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        for pid in self.extra_pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for f in (getattr(self, "_out", None), getattr(self, "_err", None)):
            if f:
                f.close()


@pytest.fixture
def launch(tmp_path):
    """Factory: launch(arch="x86_64", args=[...], **start_kw) -> Machine."""
    machines = []

    def _launch(arch="x86_64", args=None, **kw):
        m = Machine(arch, tmp_path, "vm%d" % len(machines))
        machines.append(m)
        return m.start(args, **kw)

    yield _launch
    for m in machines:
        m.shutdown()


@pytest.fixture
def vm(launch):
    """An x86_64 emulator with machine none and a negotiated QMP client
    available as vm.mon."""
    m = launch("x86_64")
    m.mon = m.qmp()
    return m


@pytest.fixture(params=ARCHES)
def arch(request):
    return request.param


def hmp(mon, cmdline):
    """Run an HMP command through human-monitor-command; return its text."""
    out = mon.execute("human-monitor-command", {"command-line": cmdline})
    assert isinstance(out, str)
    return out


def connect_unix(path, timeout=10):
    """Connect to a unix stream socket the emulator is about to create."""
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def run_binary(arch, args, timeout=20, **kw):
    """Run the binary to completion; return CompletedProcess (text)."""
    return subprocess.run([require_binary(arch)] + list(args),
                          stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=timeout, text=True, errors="replace", **kw)


class PtyProcess:
    """A child with its stdin/stdout/stderr on a pseudo terminal."""

    def __init__(self, argv, cwd=None):
        import pty
        import tty
        self.master, slave = pty.openpty()
        tty.setraw(slave)
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave,
                                     stderr=slave, cwd=cwd,
                                     start_new_session=True)
        os.close(slave)
        self.buf = b""
        self.all = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        os.write(self.master, data)

    def _fill(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            raise EOFError("pty closed; output so far: %r" % self.all[-2000:])
        self.buf += chunk
        self.all += chunk
        return True

    def expect(self, pattern, timeout=10.0):
        """Wait until pattern (bytes regex) matches the unread output;
        consume through the match and return the match object."""
        if isinstance(pattern, str):
            pattern = pattern.encode()
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timeout waiting for %r; got %r"
                                     % (pattern, self.buf[-2000:]))
            try:
                self._fill(left)
            except EOFError as e:
                m = rx.search(self.buf)
                if m:
                    self.buf = self.buf[m.end():]
                    return m
                raise AssertionError("EOF waiting for %r: %s" % (pattern, e))

    def drain_until_eof(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self._fill(max(deadline - time.monotonic(), 0))
            except EOFError:
                return True
        return False

    def close(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait(10)
        try:
            os.close(self.master)
        except OSError:
            pass


@pytest.fixture
def pty_launch(tmp_path):
    procs = []

    def _launch(arch, args):
        p = PtyProcess([require_binary(arch)] + list(args), cwd=str(tmp_path))
        procs.append(p)
        return p

    yield _launch
    for p in procs:
        p.close()


def free_tcp_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def expect_error(mon, cmd, args=None, cls="GenericError", desc=None):
    """Run cmd expecting an error of class cls (desc: substring or regex)."""
    err = mon.error(cmd, args)
    assert err["class"] == cls, "%s: expected %s, got %r" % (cmd, cls, err)
    assert isinstance(err["desc"], str) and err["desc"]
    if desc is not None:
        assert re.search(desc, err["desc"]), \
            "%s: desc %r does not match %r" % (cmd, err["desc"], desc)
    return err


__all__ = ["Machine", "hmp", "run_binary", "PtyProcess", "free_tcp_port",
           "expect_error", "is_vireo", "is_old_qemu", "skip_if_old_qemu",
           "version_of", "QMPCommandError", "wait_pid_gone", "require_binary",
           "binary_path"]
