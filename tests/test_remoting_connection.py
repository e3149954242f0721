"""Connection behaviour against a fake server on 127.0.0.1: multiplexing, timeouts, closes."""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest
from test_remoting_fakeserver import FakeServer, response

from rmqlab.remoting import codec
from rmqlab.remoting.connection import Connection
from rmqlab.remoting.errors import (
    RemotingClosed,
    RemotingConnectError,
    RemotingTimeout,
)


@pytest.fixture
def serve():
    servers = []

    def start(handler):
        server = FakeServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def echo(request, sock):
    sock.sendall(response(request, ext={"echo": request.ext.get("n", "")}))


def ask(conn, n="", timeout=2.0, code=30):
    return conn.request(codec.Command(code=code, ext={"n": str(n)}), timeout)


def test_request_response(serve):
    conn = Connection(serve(echo).addr)
    assert ask(conn, 1).ext == {"echo": "1"}
    conn.close()


def test_out_of_order_responses_reach_their_callers(serve):
    def slow_first(request, sock):
        time.sleep(0.3 if request.ext["n"] == "0" else 0.0)
        echo(request, sock)

    server = serve(slow_first)
    conn = Connection(server.addr)
    results, order = {}, []

    def call(n):
        results[n] = ask(conn, n).ext["echo"]
        order.append(n)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
        time.sleep(0.01)
    for t in threads:
        t.join()
    assert results == {n: str(n) for n in range(8)}
    assert order[-1] == 0
    assert server.connections == 1
    conn.close()


def test_many_threads_share_one_connection(serve):
    server = serve(echo)
    conn = Connection(server.addr)
    errors = []

    def worker(base):
        try:
            for i in range(50):
                assert ask(conn, base + i).ext["echo"] == str(base + i)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k * 1000,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and server.connections == 1


def test_timeout_is_maybe_sent_and_connection_survives(serve):
    def silent_once(request, sock):
        if request.ext["n"] != "silent":
            echo(request, sock)

    conn = Connection(serve(silent_once).addr)
    started = time.monotonic()
    with pytest.raises(RemotingTimeout) as info:
        ask(conn, "silent", timeout=0.3)
    assert 0.25 < time.monotonic() - started < 1.5
    assert info.value.maybe_sent is True
    assert ask(conn, "after").ext["echo"] == "after"
    conn.close()


def test_late_response_after_timeout_is_dropped(serve):
    def late(request, sock):
        time.sleep(0.4 if request.ext["n"] == "late" else 0)
        echo(request, sock)

    conn = Connection(serve(late).addr)
    with pytest.raises(RemotingTimeout):
        ask(conn, "late", timeout=0.1)
    time.sleep(0.5)
    assert ask(conn, "next").ext["echo"] == "next"
    conn.close()


def test_connect_refused_is_not_maybe_sent():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conn = Connection(f"172.28.5.11:{port}", dial=f"127.0.0.1:{port}", connect_timeout=1)
    with pytest.raises(RemotingConnectError) as info:
        ask(conn)
    assert info.value.maybe_sent is False
    assert "172.28.5.11" in str(info.value) and "dialled 127.0.0.1" in str(info.value)


def test_server_closing_mid_request_is_closed_maybe_sent(serve):
    def hang_up(request, sock):
        sock.shutdown(socket.SHUT_RDWR)

    conn = Connection(serve(hang_up).addr)
    with pytest.raises(RemotingClosed) as info:
        ask(conn, timeout=2)
    assert info.value.maybe_sent is True


def test_half_written_response_then_close(serve):
    def half(request, sock):
        sock.sendall(response(request, body=b"x" * 100)[:30])
        time.sleep(0.05)
        sock.shutdown(socket.SHUT_RDWR)

    conn = Connection(serve(half).addr)
    with pytest.raises(RemotingClosed):
        ask(conn)


@pytest.mark.parametrize("bad", [
    struct.pack(">i", 64 * 1024 * 1024) + b"x" * 8,  # oversize length
    struct.pack(">i", 2) + b"xx",  # shorter than the header-length field
    struct.pack(">i", 12) + b"\x00\x00\x00\x08not json",  # garbage header
    struct.pack(">i", 8) + b"\x07\x00\x00\x00xxxx",  # unknown serialize type
])
def test_bad_frames_close_the_connection_with_a_reason(serve, bad):
    conn = Connection(serve(lambda request, sock: sock.sendall(bad)).addr)
    with pytest.raises(RemotingClosed, match="bad frame"):
        ask(conn)
    assert not conn.connected


def test_reconnects_on_next_use_after_a_close(serve):
    def close_first(request, sock):
        if request.ext["n"] == "first":
            sock.shutdown(socket.SHUT_RDWR)
        else:
            echo(request, sock)

    server = serve(close_first)
    conn = Connection(server.addr)
    with pytest.raises(RemotingClosed):
        ask(conn, "first")
    assert ask(conn, "second").ext["echo"] == "second"
    assert server.connections == 2
    conn.close()
    assert ask(conn, "third").ext["echo"] == "third"
    assert server.connections == 3


def test_server_initiated_requests_are_ignored(serve):
    def push_then_answer(request, sock):
        push = codec.Command(code=40, opaque=request.opaque, flag=0, language="JAVA")
        sock.sendall(codec.encode(push) + response(request, ext={"real": "yes"}))

    conn = Connection(serve(push_then_answer).addr)
    assert ask(conn).ext == {"real": "yes"}


def test_idle_connection_is_redialled_before_server_would_close_it(serve, monkeypatch):
    from rmqlab.remoting import connection as connection_module

    server = serve(echo)
    conn = Connection(server.addr)
    ask(conn)
    monkeypatch.setattr(connection_module, "IDLE_REDIAL_SECONDS", 0.05)
    time.sleep(0.1)
    ask(conn)
    assert server.connections == 2


def test_rocketmq_binary_requests(serve):
    def answer(request, sock):
        assert request.serialize_type == codec.ROCKETMQ
        echo(request, sock)

    conn = Connection(serve(answer).addr, serialize_type=codec.ROCKETMQ)
    assert ask(conn, 5).ext == {"echo": "5"}
