"""Serve the dashboard of one cluster with uvicorn on 127.0.0.1, in the foreground until Ctrl-C (or SIGTERM).

The socket is bound here, before uvicorn starts, so the URL (with its free port when none was asked for) is
known and recorded for `rmqlab status` before the first request can come."""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from rmqlab.api import BadInput, RmqlabError
from rmqlab.web.guard import new_token

HOST = "127.0.0.1"  # never anything else: the page can break a cluster


@dataclass
class Serving:
    url: str
    port: int
    token: str


def bind(port: int | None) -> socket.socket:
    if port is not None and not 0 < port < 65536:
        raise BadInput(f"--port must be between 1 and 65535, not {port}.", hint="Leave it out to pick a free one.")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port or 0))
    except OSError as error:
        sock.close()
        taken = error.errno == errno.EADDRINUSE
        raise RmqlabError(f"Cannot listen on {HOST}:{port}: {'it is taken' if taken else error.strerror}.",
                          hint="Pick another --port, or leave it out to pick a free one.") from None
    sock.listen(64)
    return sock


def make_server(monitor, sock: socket.socket):
    import uvicorn

    from rmqlab.web.app import build_app

    port = sock.getsockname()[1]
    token = new_token()
    config = uvicorn.Config(build_app(monitor, token, port), log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=2, ws="none")
    return uvicorn.Server(config), Serving(f"http://{HOST}:{port}/?token={token}", port, token)


def serve(lab, name: str, port: int | None = None, on_ready: Callable[[Serving], None] = lambda s: None,
          probe_rate: float | None = None) -> None:
    """Run until interrupted; the dashboard is recorded for `status` meanwhile."""
    sock = bind(port)
    monitor = lab.monitor(name, probe_rate).start()
    try:
        server, serving = make_server(monitor, sock)
        with lab.serving_dashboard(name, serving.url, serving.port):
            on_ready(serving)
            server.run(sockets=[sock])
    finally:
        monitor.close()
        sock.close()


class Background:
    """The same server on a thread (tests and benchmarks): `with Background(lab, name) as serving:`."""

    def __init__(self, lab, name: str, probe_rate: float | None = None, monitor=None):
        self.sock = bind(None)
        self.monitor = monitor or lab.monitor(name, probe_rate).start()
        self.server, self.serving = make_server(self.monitor, self.sock)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Serving:
        self.thread.start()
        while not self.server.started and self.thread.is_alive():
            threading.Event().wait(0.02)
        return self.serving

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.monitor.close()
        self.sock.close()
