"""up, faults, status and experiments through the command line, on the fake provider (no engine)."""

from __future__ import annotations

import json
import time

import yaml
from clirunner import run


def _status(name: str) -> dict:
    result = run("status", "--name", name, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _wait_master(name: str, group: str, timeout: float = 5.0) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        master = _status(name)["groups"].get(group, {}).get("master")
        if master:
            return master
        time.sleep(0.1)
    return None


def test_up_waits_until_every_broker_has_its_role(fake):
    result = run("up", "--name", "f1")
    assert result.exit_code == 0, result.output
    assert "registered as master" in result.output and "Ready in" in result.output
    status = _status("f1")
    assert status["groups"]["broker-a"] == {"master": "broker-a-master", "slaves": ["broker-a-slave"]}
    assert {n["name"]: n["state"] for n in status["nodes"]}["broker-b-slave"] == "running"
    assert ("compose-up", "f1") == fake.calls[0][:2]


def test_kill_the_master_alias_hits_the_current_leader_and_a_new_one_is_elected(fake):
    assert run("up", "--mode", "dledger", "--name", "f2").exit_code == 0
    leader = _status("f2")["groups"]["broker-a"]["master"]
    result = run("kill", "broker-a-master", "--name", "f2")
    assert result.exit_code == 0, result.output
    assert f"sent SIGKILL to {leader}" in result.output
    assert ("kill", "f2", leader) in fake.calls
    time.sleep(0.4)
    new = _wait_master("f2", "broker-a")
    assert new is not None and new != leader
    states = {n["name"]: n["state"] for n in _status("f2")["nodes"]}
    assert states[leader] == "exited"


def test_a_killed_2m2s_master_is_not_replaced(fake):
    assert run("up", "--name", "f3").exit_code == 0
    assert run("kill", "broker-a-master", "--name", "f3").exit_code == 0
    time.sleep(0.5)
    assert _status("f3")["groups"]["broker-a"]["master"] is None
    assert run("start", "broker-a-master", "--name", "f3").exit_code == 0
    assert _wait_master("f3", "broker-a") == "broker-a-master"


def test_pause_then_heal_leaves_nothing_paused(fake):
    assert run("up", "--name", "f4").exit_code == 0
    paused = run("pause", "broker-b-master", "--name", "f4")
    assert paused.exit_code == 0 and "paused broker-b-master" in paused.output
    assert {n["name"]: n["state"] for n in _status("f4")["nodes"]}["broker-b-master"] == "paused"
    isolated = run("isolate", "machine-a", "--name", "f4")
    assert isolated.exit_code == 0, isolated.output
    assert {m["name"]: m["isolated"] for m in _status("f4")["machines"]}["machine-a"] is True
    healed = run("heal", "--name", "f4")
    assert healed.exit_code == 0, healed.output
    assert "unpaused broker-b-master" in healed.output and "reconnected machine-a" in healed.output
    status = _status("f4")
    assert all(n["state"] == "running" for n in status["nodes"])
    assert not any(m["isolated"] for m in status["machines"])


def test_status_json_has_machines_nodes_groups(fake):
    assert run("up", "--mode", "controller", "--name", "f5").exit_code == 0
    status = _status("f5")
    assert status["mode"] == "controller" and len(status["machines"]) == 3
    assert set(status["groups"]) == {"broker-a", "broker-b"}
    assert status["namesrvs_answering"] == ["namesrv-a", "namesrv-b", "namesrv-c"]
    assert {n["kind"] for n in status["nodes"]} == {"broker", "namesrv"}


def test_down_keeps_data_unless_asked(fake):
    assert run("up", "--name", "f6").exit_code == 0
    assert run("down", "--name", "f6").exit_code == 0
    assert fake.volumes("f6") and not fake.containers("f6")
    assert run("down", "--name", "f6", "--volumes").exit_code == 0
    assert not fake.volumes("f6")


def test_experiment_run_on_the_fake_writes_reports_and_exits_0(fake, tmp_path):
    scenario = tmp_path / "quick.yaml"
    scenario.write_text(yaml.safe_dump({
        "description": "kill broker-a's master briefly", "duration": 4,
        "workload": {"rate": 40, "probe_rate": 20},
        "faults": [{"at": 1, "action": "kill", "target": "broker-a-master"}, {"at": 2.5, "action": "undo", "undo": 1}],
    }))
    result = run("experiment", "run", "--scenario", str(scenario), "--out", str(tmp_path / "runs"))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "runs" / "latest" / "report.json").read_text())
    a = report["groups"]["broker-a"]
    assert a["time_to_new_master_seconds"] is None, "a 2M2S slave never takes over"
    assert a["windows"], "broker-a could not take writes while its master was down"
    assert report["groups"]["broker-b"]["unwritable_seconds"] == 0
    assert report["totals"]["acknowledged"] > 0 and report["totals"]["acknowledged_lost"] == 0
    assert not fake.containers("exp-2m2s-sync-5-5-0"), "the experiment's cluster is removed afterwards"
    settings = json.loads((tmp_path / "runs" / "latest" / "run.json").read_text())["settings"]
    assert settings["sendMsgTimeout"] == {"value": 5000, "set": True}, "the workload's send timeout, as run"
    assert settings["registerNameServerPeriod"] == {"value": 30000, "set": False}
    assert report["settings_recorded"] and report["causes"][0]["mechanism"] == "fixed roles"
    assert [s["state"] for s in report["nodes"]["broker-a-master"]] == ["running", "down", "running"]


def test_compare_versions_runs_the_scenario_on_each_version(fake, tmp_path):
    scenario = tmp_path / "quick.yaml"
    scenario.write_text(yaml.safe_dump({
        "duration": 3, "faults": [{"at": 1, "action": "kill", "target": "broker-a-master"},
                                  {"at": 2, "action": "undo", "undo": 1}]}))
    result = run("compare", "--modes", "2m2s-sync", "--versions", "4.7.0,5.5.0", "--scenario", str(scenario),
                 "--out", str(tmp_path / "runs"))
    assert result.exit_code == 0, result.output
    assert "2m2s-sync 4.7.0" in result.output and "2m2s-sync 5.5.0" in result.output
    reports = [p for p in (tmp_path / "runs").glob("*/report.json") if p.parent.name != "latest"]
    assert sorted(json.loads(p.read_text())["version"] for p in reports) == ["4.7.0", "5.5.0"]
    page = next((tmp_path / "runs").glob("compare-*.html")).read_text()
    assert page.count("<svg") == 2


def test_reuse_runs_again_on_the_healed_cluster_and_keeps_it(fake, tmp_path):
    scenario = tmp_path / "pause.yaml"
    scenario.write_text(yaml.safe_dump({"duration": 2, "faults": [
        {"at": 0.5, "action": "pause", "target": "broker-b-master"}]}))  # never undone by the scenario itself
    args = ["experiment", "run", "--scenario", str(scenario), "--out", str(tmp_path / "runs"), "--reuse"]
    first = run(*args)
    assert first.exit_code == 0, first.output
    assert fake.containers("exp-2m2s-sync-5-5-0"), "--reuse leaves the cluster running"
    ups = [c for c in fake.calls if c[0] == "compose-up"]
    assert run("kill", "broker-a-slave", "--name", "exp-2m2s-sync-5-5-0").exit_code == 0
    second = run(*args)
    assert second.exit_code == 0, second.output
    assert "Reusing cluster" in second.output
    assert [c for c in fake.calls if c[0] == "compose-up"] == ups, "no new cluster was started"
    states = {n: s.status for n, s in fake.containers("exp-2m2s-sync-5-5-0").items()}
    assert ("start", "exp-2m2s-sync-5-5-0", "broker-a-slave") in fake.calls
    reports = [p for p in (tmp_path / "runs").glob("*/run.json") if p.parent.name != "latest"]
    assert len({json.loads(p.read_text())["topic"] for p in reports}) == 2, "each run writes its own topic"
    assert states["broker-b-master"] == "running"
