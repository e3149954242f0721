"""Proxies on the fake provider: `up --proxy`, `status` and `status --json` list them, `kill proxy-a` and machine
faults reach them; `lint` reads their JSON configs; the README names the columns `status` prints."""

from __future__ import annotations

import json
from pathlib import Path

from clirunner import run


def test_up_status_and_faults_with_cluster_proxies(fake):
    assert run("up", "--mode", "dledger", "--proxy", "cluster", "--name", "hp-fake").exit_code == 0
    table = run("status", "--name", "hp-fake")
    assert "proxies" in table.output and "proxy-c" in table.output
    status = json.loads(run("status", "--name", "hp-fake", "--json").output)
    assert [p["name"] for p in status["proxies"]] == ["proxy-a", "proxy-b", "proxy-c"]
    assert all(p["grpc"].startswith("127.0.0.1:") and p["state"] == "running" for p in status["proxies"])
    killed = run("kill", "proxy-a", "--name", "hp-fake")
    assert killed.exit_code == 0, killed.output
    status = json.loads(run("status", "--name", "hp-fake", "--json").output)
    assert [p["state"] for p in status["proxies"]][0] != "running"
    assert run("stop", "machine-b", "--name", "hp-fake").exit_code == 0
    status = json.loads(run("status", "--name", "hp-fake", "--json").output)
    assert status["proxies"][1]["state"] != "running"


def test_status_without_proxies_lists_none(fake):
    assert run("up", "--name", "hp-plain").exit_code == 0
    assert json.loads(run("status", "--name", "hp-plain", "--json").output)["proxies"] == []
    assert "proxies" not in run("status", "--name", "hp-plain").output


def test_lint_reads_proxy_configs_beside_the_properties(tmp_path):
    out = tmp_path / "r"
    assert run("render", "--mode", "dledger", "--proxy", "cluster", "--hosts", "10.0.0.1,10.0.0.2,10.0.0.3",
               "--out", str(out)).exit_code == 0
    assert run("lint", str(out / "configs")).exit_code == 0
    proxy = out / "configs" / "10.0.0.1" / "proxy-a.json"
    proxy.write_text(json.dumps({**json.loads(proxy.read_text()), "grpcServerPort": 9876}))
    clash = run("lint", str(out / "configs"))
    assert clash.exit_code == 1 and "proxy-a.json's proxy grpcServerPort" in clash.output
    proxy.write_text("{not json")
    assert "proxy-unreadable" in run("lint", str(out / "configs")).output


def test_readme_names_the_columns_status_prints():
    from rmqlab.cli.status_view import proxies_table

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## Connect your own app", 1)[1].split("\n## ", 1)[0]
    headers = [str(c.header) for c in proxies_table(type("S", (), {"proxies": ()})()).columns]
    addresses = [h for h in headers if "(" in h]
    assert addresses == ["remoting (namesrvAddr)", "gRPC (endpoints)"]
    for header in addresses:
        assert f"`{header}`" in section, header
