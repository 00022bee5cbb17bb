# Vireo functional tests: a small asyncio QMP client (plus a synchronous wrapper).
# SPDX-License-Identifier: MIT
"""Minimal QMP client used by the functional tests.

QMPClient is asyncio based: a reader task splits the byte stream into CRLF
terminated lines, parses each one and files it as an event, as a reply for
a known id, or as an id-less reply.  Replies whose id nobody waits for are
kept, so interleaved commands never lose answers.  QMPSync runs a client on
a private event loop in a background thread for straight-line tests.
"""

import asyncio
import base64
import itertools
import json
import os
import socket
import threading
import time

__all__ = [
    "QMPError", "QMPCommandError", "QMPProtocolError", "QMPTimeout",
    "QMPClient", "QMPSync", "id_key", "AUTO", "b64",
]


class QMPError(Exception):
    """Base class of every error this module raises."""


class QMPProtocolError(QMPError):
    """The server broke the wire protocol (bad JSON, closed connection...)."""


class QMPTimeout(QMPError):
    """Nothing arrived within the allowed time."""


class QMPCommandError(QMPError):
    """A command answered with {"error": ...}."""

    def __init__(self, reply):
        err = reply.get("error", {})
        self.reply = reply
        self.error_class = err.get("class")
        self.desc = err.get("desc")
        super().__init__("%s: %s" % (self.error_class, self.desc))


AUTO = object()   # execute(id=AUTO): generate an id; id=None sends "id": null


def id_key(value):
    """Canonical key for a JSON id value (ids may be any JSON value)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _parse_address(address):
    """A str is a unix socket path; (host, port) or 'host:port' strings
    starting with 'tcp:' are TCP."""
    if isinstance(address, tuple):
        return ("tcp", address)
    if isinstance(address, str) and address.startswith("tcp:"):
        host, _, port = address[4:].rpartition(":")
        return ("tcp", (host, int(port)))
    if isinstance(address, str) and address.startswith("unix:"):
        return ("unix", address[5:])
    return ("unix", os.fspath(address))


class QMPClient:
    """Asynchronous QMP client."""

    def __init__(self, name="qmp"):
        self.name = name
        self.reader = None
        self.writer = None
        self.sock = None
        self.greeting = None
        self.raw_lines = []          # every raw line received, with its ending
        self.events = asyncio.Queue()
        self.event_log = []          # every event ever received, in order
        self.replies = {}            # id_key -> list of replies not yet taken
        self.anon_replies = asyncio.Queue()  # replies without an id
        self._reply_cond = None
        self._reader_task = None
        self._ids = itertools.count(1)
        self.closed_by_peer = asyncio.Event()
        self.protocol_errors = []

    # -- connection ---------------------------------------------------------

    async def connect(self, address, timeout=15.0, negotiate=False,
                      oob=False, proc=None):
        """Connect, retrying until the socket appears, then read the greeting.

        proc, when given, is a subprocess.Popen: if it dies we stop waiting.
        """
        kind, addr = _parse_address(address)
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                if kind == "unix":
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                else:
                    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                loop = asyncio.get_running_loop()
                await loop.sock_connect(s, addr)
                break
            except (FileNotFoundError, ConnectionRefusedError, OSError) as e:
                s.close()
                if proc is not None and proc.poll() is not None:
                    raise QMPProtocolError(
                        "process exited (status %s) before %s accepted "
                        "connections" % (proc.returncode, address)) from e
                if time.monotonic() >= deadline:
                    raise QMPTimeout("cannot connect to %s: %s"
                                     % (address, e)) from e
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.1)
        try:
            await self.attach_socket(
                s, timeout=max(deadline - time.monotonic(), 0.5))
        except BaseException:
            await self.close()
            s.close()
            raise
        if negotiate:
            await self.negotiate(oob=oob)
        return self.greeting

    async def attach_socket(self, sock, timeout=15.0, greeting=True):
        """Use an already connected socket (e.g. a socketpair end)."""
        self.sock = sock
        sock.setblocking(False)
        self.reader, self.writer = await asyncio.open_connection(
            sock=sock, limit=64 * 1024 * 1024)
        self._reply_cond = asyncio.Condition()
        self._reader_task = asyncio.get_running_loop().create_task(
            self._read_loop())
        if greeting:
            self.greeting = await self.recv_anon(timeout)
            if "QMP" not in self.greeting:
                raise QMPProtocolError("bad greeting: %r" % (self.greeting,))
        return self.greeting

    async def attach_streams(self, reader, writer, timeout=15.0):
        """Use existing asyncio streams (e.g. a child's stdio)."""
        self.reader, self.writer = reader, writer
        self._reply_cond = asyncio.Condition()
        self._reader_task = asyncio.get_running_loop().create_task(
            self._read_loop())
        self.greeting = await self.recv_anon(timeout)
        return self.greeting

    async def close(self):
        if self.writer is not None:
            try:
                self.writer.close()
                await asyncio.wait_for(self.writer.wait_closed(), 2)
            except (OSError, asyncio.TimeoutError, ConnectionError):
                pass
            self.writer = None
        if self._reader_task is not None:
            self._reader_task.cancel()
            try:
                await self._reader_task
            except (asyncio.CancelledError, Exception):
                pass
            self._reader_task = None

    # -- reading ------------------------------------------------------------

    async def _read_loop(self):
        try:
            while True:
                try:
                    line = await self.reader.readuntil(b"\n")
                except asyncio.IncompleteReadError as e:
                    if e.partial:
                        self.protocol_errors.append(
                            "unterminated data at EOF: %r" % e.partial[:200])
                    break
                except asyncio.LimitOverrunError:
                    self.protocol_errors.append("line too long")
                    break
                self.raw_lines.append(line)
                try:
                    msg = json.loads(line.decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as e:
                    self.protocol_errors.append("bad JSON line %r: %s"
                                                % (line[:200], e))
                    continue
                await self._file(msg)
        except (ConnectionError, OSError):
            pass
        finally:
            self.closed_by_peer.set()
            if self._reply_cond is not None:
                async with self._reply_cond:
                    self._reply_cond.notify_all()

    async def _file(self, msg):
        if not isinstance(msg, dict):
            self.protocol_errors.append("non-object message %r" % (msg,))
            return
        if "event" in msg:
            self.event_log.append(msg)
            await self.events.put(msg)
            return
        if "id" in msg:
            async with self._reply_cond:
                self.replies.setdefault(id_key(msg["id"]), []).append(msg)
                self._reply_cond.notify_all()
            return
        await self.anon_replies.put(msg)

    async def recv_anon(self, timeout=10.0):
        """Next message that has no id (greeting, parse error replies...)."""
        get = asyncio.ensure_future(self.anon_replies.get())
        closed = asyncio.ensure_future(self.closed_by_peer.wait())
        done, _ = await asyncio.wait({get, closed}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if get in done:
            closed.cancel()
            return get.result()
        get.cancel()
        closed.cancel()
        if not self.anon_replies.empty():
            return self.anon_replies.get_nowait()
        if closed in done:
            raise QMPProtocolError("connection closed by peer")
        raise QMPTimeout("no id-less message within %ss" % timeout)

    async def recv_reply(self, msg_id, timeout=30.0):
        """Wait for the reply carrying msg_id (any JSON value)."""
        key = id_key(msg_id)
        deadline = time.monotonic() + timeout
        async with self._reply_cond:
            while True:
                lst = self.replies.get(key)
                if lst:
                    reply = lst.pop(0)
                    if not lst:
                        del self.replies[key]
                    return reply
                if self.closed_by_peer.is_set():
                    raise QMPProtocolError(
                        "connection closed while waiting for id %s" % key)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise QMPTimeout("no reply for id %s within %ss"
                                     % (key, timeout))
                try:
                    await asyncio.wait_for(self._reply_cond.wait(), left)
                except asyncio.TimeoutError:
                    pass

    async def wait_event(self, name=None, timeout=10.0, match=None):
        """Wait for the next event called name (others are kept in
        event_log but consumed from the queue)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPTimeout("event %s not received within %ss"
                                 % (name, timeout))
            try:
                ev = await asyncio.wait_for(self.events.get(), left)
            except asyncio.TimeoutError:
                raise QMPTimeout("event %s not received within %ss"
                                 % (name, timeout)) from None
            if name is not None and ev.get("event") != name:
                continue
            if match is not None and not match(ev):
                continue
            return ev

    def pending_events(self):
        out = []
        while not self.events.empty():
            out.append(self.events.get_nowait())
        return out

    # -- writing ------------------------------------------------------------

    def next_id(self):
        return "%s-%d" % (self.name, next(self._ids))

    async def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.writer.write(data)
        await self.writer.drain()

    async def send_msg(self, msg):
        await self.send_raw(json.dumps(msg).encode("utf-8") + b"\n")

    async def execute(self, cmd, args=None, id=AUTO, raw_error=False,
                      oob=False, timeout=30.0, with_id=True):
        """Run a command; return its 'return' value, or raise
        QMPCommandError (with raw_error=True, return the whole reply)."""
        msg = {"exec-oob" if oob else "execute": cmd}
        if args is not None:
            msg["arguments"] = args
        if with_id:
            if id is AUTO:
                id = self.next_id()
            msg["id"] = id
        await self.send_msg(msg)
        if with_id:
            reply = await self.recv_reply(id, timeout)
        else:
            reply = await self.recv_anon(timeout)
        if raw_error:
            return reply
        if "error" in reply:
            raise QMPCommandError(reply)
        if "return" not in reply:
            raise QMPProtocolError("reply without return: %r" % (reply,))
        return reply["return"]

    async def exec_oob(self, cmd, args=None, id=AUTO, raw_error=False,
                       timeout=30.0):
        return await self.execute(cmd, args, id=id, raw_error=raw_error,
                                  oob=True, timeout=timeout)

    async def negotiate(self, oob=False):
        args = {"enable": ["oob"]} if oob else None
        return await self.execute("qmp_capabilities", args)

    async def send_fds(self, fds, data=b""):
        """Send file descriptors with SCM_RIGHTS (unix sockets only).

        QEMU takes the fds that arrive with the bytes of a command, so the
        command text is normally passed as data."""
        await self.writer.drain()
        sock = self.writer.get_extra_info("socket")
        raw = socket.socket(fileno=os.dup(sock.fileno()))
        try:
            raw.setblocking(True)
            socket.send_fds(raw, [data or b" "], list(fds))
        finally:
            raw.close()

    async def execute_with_fds(self, cmd, args, fds, id=AUTO, raw_error=False,
                               timeout=30.0):
        if id is AUTO:
            id = self.next_id()
        msg = {"execute": cmd, "id": id}
        if args is not None:
            msg["arguments"] = args
        await self.send_fds(fds, json.dumps(msg).encode() + b"\n")
        reply = await self.recv_reply(id, timeout)
        if raw_error:
            return reply
        if "error" in reply:
            raise QMPCommandError(reply)
        return reply["return"]


class QMPSync:
    """Blocking wrapper: owns a private event loop in a daemon thread."""

    def __init__(self, name="qmp"):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever,
                                        daemon=True)
        self._thread.start()
        self.client = self._run(self._make(name))

    async def _make(self, name):
        return QMPClient(name)

    def _run(self, coro, timeout=None):
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return fut.result(timeout)

    @property
    def greeting(self):
        return self.client.greeting

    @property
    def raw_lines(self):
        return self.client.raw_lines

    @property
    def event_log(self):
        return self.client.event_log

    def connect(self, address, timeout=15.0, negotiate=True, oob=False,
                proc=None):
        return self._run(self.client.connect(address, timeout, negotiate,
                                             oob, proc))

    def attach_socket(self, sock, timeout=15.0):
        return self._run(self.client.attach_socket(sock, timeout))

    def negotiate(self, oob=False):
        return self._run(self.client.negotiate(oob))

    def execute(self, cmd, args=None, **kw):
        return self._run(self.client.execute(cmd, args, **kw))

    def cmd(self, cmd, **args):
        """execute() with keyword arguments, for brevity."""
        return self.execute(cmd, args if args else None)

    def error(self, cmd, args=None, **kw):
        """Run a command that must fail; return the error dict."""
        reply = self.execute(cmd, args, raw_error=True, **kw)
        if "error" not in reply:
            raise AssertionError("%s unexpectedly succeeded: %r" % (cmd, reply))
        return reply["error"]

    def exec_oob(self, cmd, args=None, **kw):
        return self._run(self.client.exec_oob(cmd, args, **kw))

    def send_raw(self, data):
        return self._run(self.client.send_raw(data))

    def send_msg(self, msg):
        return self._run(self.client.send_msg(msg))

    def recv_anon(self, timeout=10.0):
        return self._run(self.client.recv_anon(timeout))

    def recv_reply(self, msg_id, timeout=30.0):
        return self._run(self.client.recv_reply(msg_id, timeout))

    def wait_event(self, name=None, timeout=10.0, match=None):
        return self._run(self.client.wait_event(name, timeout, match))

    def pending_events(self):
        return self._run(self._pending())

    async def _pending(self):
        return self.client.pending_events()

    def wait_closed(self, timeout=10.0):
        async def w():
            await asyncio.wait_for(self.client.closed_by_peer.wait(), timeout)
        try:
            self._run(w())
        except asyncio.TimeoutError:
            raise QMPTimeout("connection not closed within %ss" % timeout)

    def send_fds(self, fds, data=b""):
        return self._run(self.client.send_fds(fds, data))

    def execute_with_fds(self, cmd, args, fds, **kw):
        return self._run(self.client.execute_with_fds(cmd, args, fds, **kw))

    def close(self):
        if self._loop.is_closed():
            return
        try:
            self._run(self.client.close(), timeout=5)
        except Exception:
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode("ascii")
