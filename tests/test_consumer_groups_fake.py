"""An application consumer group through `experiment run --consumer-group` on the fake provider (no engine):
its fetches, pulls and commits reach the fake's brokers, and the report and the summary show what it consumed."""

from __future__ import annotations

import json

import yaml
from clirunner import run

from rmqlab.experiment.check.consumer_groups import CONSUME, FETCH_OFFSET
from rmqlab.experiment.check.history import OK, read_history
from rmqlab.experiment.run.appconsumer import APP_GROUP


def _scenario(tmp_path, **workload) -> str:
    path = tmp_path / "quick.yaml"
    path.write_text(yaml.safe_dump({
        "duration": 4, "workload": {"rate": 40, "probe_rate": 20, "consumers": [], **workload},
        "faults": [{"at": 1, "action": "kill", "target": "broker-a-master"}, {"at": 2.5, "action": "undo", "undo": 1}],
    }))
    return str(path)


def test_experiment_run_with_a_consumer_group_reports_its_consumption(fake, tmp_path):
    result = run("experiment", "run", "--scenario", _scenario(tmp_path), "--consumer-group", "2",
                 "--out", str(tmp_path / "runs"))
    assert result.exit_code == 0, result.output
    latest = tmp_path / "runs" / "latest"
    report = json.loads((latest / "report.json").read_text())
    group = report["consumer_groups"][APP_GROUP]
    assert set(group["by_member"]) == {"m0", "m1"}, "two members, each with a share of the queues"
    assert all(m["deliveries"] > 0 for m in group["by_member"].values())
    # Nobody restarted and no member left: offsets stay in memory, so a failover alone re-delivers nothing.
    assert group["duplicates"] == 0 and group["deliveries"] == group["distinct"]
    assert group["distinct"] >= report["totals"]["acknowledged"] * 0.7, "the members kept up with the producers"
    history = read_history(latest / "history.jsonl")
    fetched = {(e.group, e.queue) for e in history if e.f == FETCH_OFFSET and e.type == OK}
    assert fetched == {(g, q) for g in ("broker-a", "broker-b") for q in range(4)}, "each queue fetched once"
    # While broker-a's master is down its slave is asked (it has nothing new: a 2M2S group takes no writes then).
    read_from = {e.node for e in history if e.f == CONSUME and e.type == OK and e.group == "broker-a"}
    assert read_from == {"broker-a-master", "broker-a-slave"}, "pulled from the slave while the master was down"
    assert f"Consumer group {APP_GROUP}: {group['deliveries']:,} deliveries" in result.output
    assert json.loads((latest / "run.json").read_text())["workload"]["app_members"] == 2


def test_a_consumer_group_s_duplicates_show_in_experiment_report_of_the_saved_run(fake, tmp_path):
    """The scenario's own workload field asks for the group; a re-check shows the same figures."""
    first = run("experiment", "run", "--scenario", _scenario(tmp_path, app_members=1), "--out", str(tmp_path / "r"))
    assert first.exit_code == 0, first.output
    again = run("experiment", "report", str(tmp_path / "r" / "latest"), "--json")
    assert again.exit_code == 0, again.output
    group = json.loads(again.stdout)["consumer_groups"][APP_GROUP]
    assert set(group["by_member"]) == {"m0"} and group["deliveries"] > 0


def test_compare_runs_the_consumer_group_on_each_layout(fake, tmp_path):
    result = run("compare", "--modes", "2m2s-sync,dledger", "--scenario", _scenario(tmp_path),
                 "--consumer-group", "3", "--out", str(tmp_path / "runs"))
    assert result.exit_code == 0, result.output
    reports = [json.loads(p.read_text()) for p in (tmp_path / "runs").glob("*/report.json")
               if p.parent.name != "latest"]
    assert len(reports) == 2
    assert all(set(r["consumer_groups"][APP_GROUP]["by_member"]) == {"m0", "m1", "m2"} for r in reports)
