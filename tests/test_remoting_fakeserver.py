"""A tiny remoting server on 127.0.0.1 for connection and client tests (no tests here)."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable
from pathlib import Path

from rmqlab.remoting import codec

FIXTURES = Path(__file__).parent / "fixtures" / "remoting"

Handler = Callable[[codec.Command, socket.socket], None]


def fixture_reply(version: str, name: str) -> Callable[[codec.Command], bytes]:
    """A reply function answering with a captured frame, its opaque set to the request's."""
    captured = codec.decode((FIXTURES / version / f"{name}.bin").read_bytes()[4:])

    def reply(request: codec.Command) -> bytes:
        captured.opaque = request.opaque
        return codec.encode(captured)

    return reply


def response(request: codec.Command, code: int = 0, ext: dict | None = None,
             body: bytes = b"", remark: str | None = None) -> bytes:
    return codec.encode(codec.Command(code=code, ext=ext or {}, body=body, remark=remark,
                                      opaque=request.opaque, flag=codec.FLAG_RESPONSE,
                                      language="JAVA"))


class FakeServer:
    """Accepts connections; calls `handler(request, sock)` for each request frame it reads."""

    def __init__(self, handler: Handler):
        self.handler = handler
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.addr = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = 0
        self.requests: list[codec.Command] = []
        self._socks: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self._socks.append(sock)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                head = _read(sock, 4)
                if head is None:
                    return
                payload = _read(sock, struct.unpack(">i", head)[0])
                if payload is None:
                    return
                request = codec.decode(payload)
                self.requests.append(request)
                threading.Thread(target=self._handle, args=(request, sock), daemon=True).start()
        except OSError:
            return

    def _handle(self, request: codec.Command, sock: socket.socket) -> None:
        try:
            self.handler(request, sock)
        except OSError:
            pass

    def close(self) -> None:
        self._stop = True
        self.listener.close()
        for sock in self._socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


def _read(sock: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf
