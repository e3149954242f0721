"""The dashboard's server for real (uvicorn on 127.0.0.1, a fake cluster behind it): the event stream, the token,
the CSRF check, foreign Host headers, what listens where, and the detached dashboard of `up --dashboard`."""

from __future__ import annotations

import http.client
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from clirunner import run

from rmqlab.api import ClusterSpec


@pytest.fixture
def served(fake):
    from rmqlab.cli.options import lab
    from rmqlab.web.server import Background

    lab().up(ClusterSpec(name="w1"))
    with Background(lab(), "w1") as serving:
        yield serving


def _request(serving, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
             host: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", serving.port, timeout=10)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    connection.putheader("Host", host or f"127.0.0.1:{serving.port}")
    for key, value in (headers or {}).items():
        connection.putheader(key, value)
    if body is not None:
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read().decode()


def _post_fault(serving, payload: dict, **headers):
    base = {"Content-Type": "application/json", "X-Rmqlab-Token": serving.token,
            "Origin": f"http://127.0.0.1:{serving.port}"}
    base.update({k.replace("_", "-"): v for k, v in headers.items() if v is not None})
    for key in [k for k, v in headers.items() if v is None]:
        base.pop(key.replace("_", "-"), None)
    return _request(serving, "POST", "/api/fault", json.dumps(payload).encode(), base)


def test_the_page_needs_its_token_and_ships_everything_it_uses(served):
    status, _, body = _request(served, "GET", "/")
    assert status == 403 and "token" in body
    status, headers, page = _request(served, "GET", f"/?token={served.token}")
    assert status == 200 and f'content="{served.token}"' in page
    assert "frame-ancestors 'none'" in headers["content-security-policy"] and headers["x-frame-options"] == "DENY"
    for src in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert src.startswith("/assets/"), f"{src}: the page fetches nothing from elsewhere"
        assert _request(served, "GET", src)[0] == 200
    status, _, _ = _request(served, "GET", "/api/view?token=wrong")
    assert status == 403


def test_a_foreign_host_header_is_refused(served):
    for host in ("evil.example", f"evil.example:{served.port}", "127.0.0.1.nip.io", "attacker.localhost.example"):
        status, _, body = _request(served, "GET", f"/?token={served.token}", host=host)
        assert status == 403 and "Refused" in body, host
    assert _request(served, "GET", f"/?token={served.token}", host=f"localhost:{served.port}")[0] == 200


def test_a_post_without_the_token_or_from_another_origin_is_403_and_changes_nothing(served, fake):
    calls = len(fake.calls)
    assert _post_fault(served, {"action": "kill", "target": "broker-a-master"}, X_Rmqlab_Token=None)[0] == 403
    assert _post_fault(served, {"action": "kill", "target": "broker-a-master"}, X_Rmqlab_Token="nope")[0] == 403
    assert _post_fault(served, {"action": "kill", "target": "broker-a-master"}, Origin="http://evil.example")[0] == 403
    assert _post_fault(served, {"action": "kill", "target": "broker-a-master"}, Sec_Fetch_Site="cross-site")[0] == 403
    token_in_query = _request(served, "POST", f"/api/fault?token={served.token}",
                              b'{"action": "kill", "target": "broker-a-master"}', {"Content-Type": "application/json"})
    assert token_in_query[0] == 403, "a change needs the token in its header, which a form cannot set"
    form = _request(served, "POST", "/api/fault", b"action=kill", {"X-Rmqlab-Token": served.token,
                                                                  "Content-Type": "application/x-www-form-urlencoded"})
    assert form[0] == 415
    assert _request(served, "GET", "/api/fault")[0] == 405
    assert len(fake.calls) == calls, "a refused request changed the cluster"


def test_a_post_with_the_token_does_the_fault_and_bad_input_says_why(served, fake):
    status, _, body = _post_fault(served, {"action": "kill", "target": "broker-a-master"})
    assert status == 200 and json.loads(body)["lines"][0].startswith("sent SIGKILL to broker-a-master")
    assert ("kill", "w1", "broker-a-master") in fake.calls
    status, _, body = _post_fault(served, {"action": "isolate", "target": "broker-a-master"})
    answer = json.loads(body)
    assert status == 400 and "cannot be cut off alone" in answer["error"] and "isolate machine-a" in answer["hint"]
    assert _post_fault(served, {"target": "x"})[0] == 400


def _events(serving, count: int, timeout: float = 10.0) -> list[dict]:
    """The first `count` views the stream pushes, parsed."""
    connection = http.client.HTTPConnection("127.0.0.1", serving.port, timeout=timeout)
    connection.request("GET", f"/api/events?token={serving.token}")
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("content-type").startswith("text/event-stream")
    views, event, data = [], None, []
    deadline = time.monotonic() + timeout
    while len(views) < count and time.monotonic() < deadline:
        line = response.fp.readline().decode().rstrip("\r\n")
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data.append(line.split(":", 1)[1].strip())
        elif not line and data:
            if event == "view":
                views.append(json.loads("\n".join(data)))
            event, data = None, []
    connection.close()
    return views


def test_the_stream_pushes_the_view_and_then_each_change(served, fake):
    first = _events(served, 1)[0]
    assert first["cluster"] == "w1"
    _post_fault(served, {"action": "kill", "target": "broker-b-master"})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        views = _events(served, 3, timeout=3)
        # A view taken before the cluster's status (a phase change) carries no groups at all.
        if any(g["name"] == "broker-b" and g["master"] is None for v in views for g in v["groups"]):
            break
    else:
        raise AssertionError("no pushed view showed broker-b without a master")
    assert all(b["version"] >= a["version"] for a, b in zip(views, views[1:], strict=False))


def _listening(pid: int) -> set[str]:
    """Local addresses of the TCP sockets in LISTEN state that process `pid` holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                found.add(fields[1])
    return found


def test_the_server_listens_on_127_0_0_1_only(served):
    assert urlsplit(served.url).hostname == "127.0.0.1"
    listening = _listening(os.getpid())
    assert listening, "nothing listens at all?"
    assert all(addr.startswith("0100007F:") for addr in listening), listening


def test_up_with_dashboard_runs_it_detached_status_shows_it_and_down_stops_it(fake):
    """The detached process has no fake behind it (it is a new process on the real engine, which the fixture
    hides): so it also shows that a missing engine reads as a message."""
    from rmqlab.cli.options import lab

    result = run("up", "--name", "w2", "--dashboard")
    assert result.exit_code == 0, result.output
    url = re.search(r"Dashboard: (http://127\.0\.0\.1:\d+/\?token=\S+)", result.output).group(1)
    record = lab().dashboard("w2")
    try:
        assert record.url == url
        assert _listening(record.pid) and all(a.startswith("0100007F:") for a in _listening(record.pid))
        status = json.loads(run("status", "--name", "w2", "--json").stdout)
        assert status["dashboard"] == url
        assert "dashboard: " + url in run("status", "--name", "w2").stdout.replace("\n", "")
        parts = urlsplit(url)
        connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=10)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            connection.request("GET", f"/api/view?{parts.query}")
            view = json.loads(connection.getresponse().read())
            if view["phase"] not in ("starting",):
                break
            time.sleep(0.2)
        assert view["phase"] == "no-engine" and view["message"].startswith("No Docker engine answers")
        again = run("up", "--name", "w2", "--dashboard")
        assert url in again.output and lab().dashboard("w2").pid == record.pid, "a second up reuses it"
        down = run("down", "--name", "w2")
        assert down.exit_code == 0 and "Stopped its dashboard." in down.output
        assert lab().dashboard("w2") is None and not Path(f"/proc/{record.pid}").exists() or \
            Path(f"/proc/{record.pid}/stat").read_text().split()[2] == "Z"
    finally:
        lab().stop_dashboard("w2")
