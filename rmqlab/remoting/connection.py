"""One TCP connection to a name server, broker or controller, shared by many threads.

Requests are matched to responses by opaque (brokers answer out of order). A reader thread per
socket hands each response to the waiting caller. After any close the next request dials again.
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
_LEN = struct.Struct(">i")


def split_addr(addr: str) -> tuple[str, int]:
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"address {addr!r} is not host:port")
    return host.strip("[]"), int(port)


class _Pending:
    __slots__ = ("event", "response", "error")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.response: codec.Command | None = None
        self.error: RemotingError | None = None


class _Link:
    """One socket and its outstanding requests; dead for good once failed."""

    def __init__(self, sock: socket.socket, addr: str):
        self.sock = sock
        self.addr = addr
        self.pending: dict[int, _Pending] = {}
        self.lock = threading.Lock()
        self.failed = False
        self.last_used = time.monotonic()
        self.reader = threading.Thread(target=self._read_loop, daemon=True,
                                       name=f"rmqlab-remoting-{addr}")

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
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        for item in pending.values():
            item.error = RemotingClosed(f"{reason} (request outcome unknown)", addr=self.addr,
                                        maybe_sent=True)
            item.event.set()

    def _read_loop(self) -> None:
        buf = bytearray()
        reason = f"connection to {self.addr} closed by peer"
        try:
            while not self.failed:
                select.select([self.sock], [], [])
                chunk = self.sock.recv(262144)
                if not chunk:
                    break
                buf += chunk
                self._dispatch(buf)
        except RemotingProtocolError as exc:
            reason = f"bad frame from {self.addr}: {exc.message}"
        except (OSError, ValueError) as exc:
            reason = f"connection to {self.addr} broke: {exc}"
        finally:
            self.fail(reason)
            self.sock.close()

    def _dispatch(self, buf: bytearray) -> None:
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
                pending.event.set()


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
        if not pending.event.wait(max(0.0, deadline - time.monotonic())):
            link.forget(cmd.opaque)
        if not pending.event.is_set():
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
        if link is not None and not link.failed:
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
        link = _Link(sock, self.addr)
        link.reader.start()
        return link

    def _write(self, link: _Link, frame: bytes, deadline: float) -> None:
        view, sent = memoryview(frame), 0
        try:
            while sent < len(frame):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("send buffer full")
                _, writable, _ = select.select([], [link.sock], [], remaining)
                if writable:
                    sent += link.sock.send(view[sent:])
        except (OSError, ValueError) as exc:
            # A partly written frame can never be decoded by the server: the request was not sent.
            link.fail(f"write to {self.addr} failed: {exc}")
            error = RemotingTimeout if isinstance(exc, TimeoutError) else RemotingClosed
            raise error(f"could not write request to {self._where()}: {exc}", addr=self.addr,
                        maybe_sent=sent == len(frame)) from exc
        link.last_used = time.monotonic()
