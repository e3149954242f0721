"""One TCP connection to a name server, broker or controller, shared by many threads.

Requests are matched to responses by opaque (brokers answer out of order). There is no reader
thread: a caller waiting for its response reads the socket itself when no other caller is reading
(leader/follower). The reader hands every response it decodes to its waiting caller, and when it
leaves with others still waiting, wakes one of them to read next. A single-threaded sender
therefore writes and reads in its own thread and never waits for a thread switch.
After any close the next request dials again.
"""

from __future__ import annotations

import itertools
import select
import socket
import struct
import threading
import time

from rmqlab.remoting import codec
from rmqlab.remoting.errors import (
    RemotingClosed,
    RemotingConnectError,
    RemotingError,
    RemotingProtocolError,
    RemotingTimeout,
)

# Servers close connections idle for 120 s; redial before that so a send never races the close.
IDLE_REDIAL_SECONDS = 100.0
RECV_BYTES = 262144
_LEN = struct.Struct(">i")


def split_addr(addr: str) -> tuple[str, int]:
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"address {addr!r} is not host:port")
    return host.strip("[]"), int(port)


class _Pending:
    """One outstanding request. `gate` exists once its caller sleeps as a follower: a lock held
    while it sleeps, released (under the link's lock) to wake it with a result or to read next."""

    __slots__ = ("response", "error", "gate")

    def __init__(self) -> None:
        self.response: codec.Command | None = None
        self.error: RemotingError | None = None
        self.gate: threading.Lock | None = None

    @property
    def done(self) -> bool:
        return self.response is not None or self.error is not None

    def wake(self) -> None:
        """Call with the link's lock held (the only place gates are released)."""
        gate = self.gate
        if gate is not None and gate.locked():
            gate.release()


class _Link:
    """One socket and its outstanding requests; dead for good once failed."""

    def __init__(self, sock: socket.socket, addr: str):
        self.sock = sock
        self.addr = addr
        self.pending: dict[int, _Pending] = {}
        self.lock = threading.Lock()  # pending, failed and every gate release
        self.reading = threading.Lock()  # held by the one caller that reads the socket
        self.buf = bytearray()
        self.failed = False
        self.last_used = time.monotonic()

    def register(self, opaque: int) -> _Pending:
        pending = _Pending()
        with self.lock:
            if self.failed:
                raise RemotingClosed(f"connection to {self.addr} is closed", addr=self.addr,
                                     maybe_sent=False)
            self.pending[opaque] = pending
        return pending

    def forget(self, opaque: int) -> None:
        with self.lock:
            self.pending.pop(opaque, None)

    def fail(self, reason: str) -> None:
        with self.lock:
            if self.failed:
                return
            self.failed = True
            pending, self.pending = self.pending, {}
            for item in pending.values():
                item.error = RemotingClosed(f"{reason} (request outcome unknown)",
                                            addr=self.addr, maybe_sent=True)
                item.wake()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._close_if_unread()

    def await_response(self, opaque: int, pending: _Pending, deadline: float) -> bool:
        """Wait until `pending` is answered or failed (True) or the deadline passes (False),
        reading the socket whenever nobody else does."""
        try:
            while not pending.done:
                if deadline - time.monotonic() <= 0:
                    return False
                if self.reading.acquire(blocking=False):
                    try:
                        self._read_until(pending, deadline)
                    finally:
                        self.reading.release()
                        self._close_if_unread()
                else:
                    self._follow(pending, deadline)
            return True
        finally:
            # Out of the table before passing the reading on, so that it never goes to a caller
            # who is leaving.
            if not pending.done:
                self.forget(opaque)
            self._promote()

    def is_open(self) -> bool:
        """Whether the socket still stands, as far as can be known without waiting: when nobody
        is reading, take in whatever arrived meanwhile (late responses, the peer's close)."""
        if self.failed:
            return False
        if self.reading.acquire(blocking=False):
            try:
                self._read_available()
            finally:
                self.reading.release()
                self._close_if_unread()
                self._promote()
        return not self.failed

    # -- the reader's side ----------------------------------------------------------------------

    def _read_until(self, pending: _Pending, deadline: float) -> None:
        while not pending.done and not self.failed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                readable, _, _ = select.select([self.sock], [], [], remaining)
            except (OSError, ValueError) as exc:
                self.fail(f"connection to {self.addr} broke: {exc}")
                return
            if readable:
                self._read_available()

    def _read_available(self) -> None:
        """Read what the socket holds now (it is non-blocking) and dispatch complete frames."""
        try:
            while True:
                try:
                    chunk = self.sock.recv(RECV_BYTES)
                except BlockingIOError:
                    return
                if not chunk:
                    self.fail(f"connection to {self.addr} closed by peer")
                    return
                self.buf += chunk
                self._dispatch()
                if len(chunk) < RECV_BYTES:
                    return
        except RemotingProtocolError as exc:
            self.fail(f"bad frame from {self.addr}: {exc.message}")
        except (OSError, ValueError) as exc:
            self.fail(f"connection to {self.addr} broke: {exc}")

    def _dispatch(self) -> None:
        buf = self.buf
        while len(buf) >= 4:
            (length,) = _LEN.unpack_from(buf)
            if length < 4 or length + 4 > codec.MAX_FRAME:
                raise RemotingProtocolError(f"frame length {length} out of range")
            if len(buf) < 4 + length:
                return
            cmd = codec.decode(memoryview(buf)[4:4 + length])
            del buf[:4 + length]
            if not cmd.is_response:
                continue  # server-initiated request (only after HEART_BEAT registration)
            with self.lock:
                pending = self.pending.pop(cmd.opaque, None)
                if pending is not None:  # None: the caller already gave up (timeout)
                    pending.response = cmd
                    pending.wake()

    # -- the followers' side --------------------------------------------------------------------

    def _follow(self, pending: _Pending, deadline: float) -> None:
        with self.lock:
            if pending.done:
                return
            if pending.gate is None:
                pending.gate = threading.Lock()
                pending.gate.acquire()
        # The reader may have left before our gate existed, and then woke nobody: look again.
        if not self.reading.locked():
            return
        pending.gate.acquire(timeout=max(0.0, deadline - time.monotonic()))

    def _promote(self) -> None:
        """If nobody reads while callers sleep, wake one of them to read."""
        if self.reading.locked() or not self.pending:
            return
        with self.lock:
            for item in self.pending.values():
                if item.gate is not None and item.gate.locked():
                    item.gate.release()
                    return

    def _close_if_unread(self) -> None:
        # Whoever finds the link failed with nobody reading closes the socket (close is idempotent).
        if self.failed and self.reading.acquire(blocking=False):
            try:
                self.sock.close()
            finally:
                self.reading.release()


class Connection:
    """A reconnecting, thread-safe request/response channel to one address."""

    def __init__(self, addr: str, dial: str | None = None, connect_timeout: float = 3.0,
                 serialize_type: int = codec.JSON):
        self.addr = addr
        self.dial = dial or addr
        self.connect_timeout = connect_timeout
        self.serialize_type = serialize_type
        self._lock = threading.Lock()
        self._link: _Link | None = None
        self._opaque = itertools.count(1)

    def request(self, cmd: codec.Command, timeout: float) -> codec.Command:
        """Send `cmd` and wait for its response; raises RemotingError subclasses."""
        deadline = time.monotonic() + timeout
        cmd.serialize_type = self.serialize_type
        with self._lock:
            link = self._usable_link()
            cmd.opaque = next(self._opaque) & 0x7FFFFFFF
            frame = codec.encode(cmd)
            try:
                pending = link.register(cmd.opaque)
            except RemotingClosed:  # the peer closed it an instant ago: nothing sent yet
                link = self._link = self._open()
                pending = link.register(cmd.opaque)
            self._write(link, frame, deadline)
        link.await_response(cmd.opaque, pending, deadline)
        if not pending.done:
            raise RemotingTimeout(
                f"no response from {self._where()} to request code {cmd.code} within {timeout}s",
                addr=self.addr, maybe_sent=True)
        if pending.error is not None:
            raise pending.error
        assert pending.response is not None
        return pending.response

    def close(self) -> None:
        with self._lock:
            link, self._link = self._link, None
        if link is not None:
            link.fail(f"connection to {self.addr} closed by client")

    @property
    def connected(self) -> bool:
        link = self._link
        return link is not None and not link.failed

    def _where(self) -> str:
        return self.addr if self.dial == self.addr else f"{self.addr} (dialled {self.dial})"

    def _usable_link(self) -> _Link:
        link = self._link
        if link is not None and link.is_open():
            if link.pending or time.monotonic() - link.last_used < IDLE_REDIAL_SECONDS:
                return link
            link.fail(f"connection to {self.addr} idle, redialled")
        self._link = self._open()
        return self._link

    def _open(self) -> _Link:
        try:
            host, port = split_addr(self.dial)
            sock = socket.create_connection((host, port), timeout=self.connect_timeout)
        except (OSError, ValueError) as exc:
            raise RemotingConnectError(
                f"cannot connect to {self._where()}: {exc}",
                hint="Is the process running and its port published on this address?",
                addr=self.addr) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        return _Link(sock, self.addr)

    def _write(self, link: _Link, frame: bytes, deadline: float) -> None:
        view, sent = memoryview(frame), 0
        try:
            while sent < len(frame):
                try:
                    sent += link.sock.send(view[sent:])
                    continue
                except BlockingIOError:
                    pass
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("send buffer full")
                select.select([], [link.sock], [], remaining)
        except (OSError, ValueError) as exc:
            # A partly written frame can never be decoded by the server: the request was not sent.
            link.fail(f"write to {self.addr} failed: {exc}")
            error = RemotingTimeout if isinstance(exc, TimeoutError) else RemotingClosed
            raise error(f"could not write request to {self._where()}: {exc}", addr=self.addr,
                        maybe_sent=sent == len(frame)) from exc
        link.last_used = time.monotonic()
