"""The asynchronous-replication lesson on the fake provider, through `compare` on both 2M2S modes: with the
replication link slowed, ASYNC_MASTER loses acknowledged messages with its master's disk and SYNC_MASTER
loses none; the verdict names brokerRole and how far the slave was behind, from the history's offsets."""

from __future__ import annotations

import json

import yaml
from clirunner import run

from rmqlab.experiment.run.scenario import load_scenario

SCENARIO = {
    "description": "lose-master-disk, shortened", "duration": 6,
    "faults": [
        {"at": 1, "action": "limit", "target": "broker-a-master", "rate": "64kbit", "to": "broker-a-slave"},
        {"at": 3.5, "action": "kill", "target": "broker-a-master", "machine_of": True},
        {"at": 4, "action": "destroy-store", "target": "broker-a-master"},
    ],
}


def _reports(root) -> dict[str, dict]:
    found = {}
    for report in root.glob("*/report.json"):
        data = json.loads(report.read_text())
        found[data["mode"]] = data
    return found


def test_compare_async_and_sync_async_loses_acknowledged_messages_sync_none(fake, tmp_path):
    scenario = tmp_path / "disk.yaml"
    scenario.write_text(yaml.safe_dump(SCENARIO))
    out = tmp_path / "runs"
    result = run("compare", "--modes", "2m2s-async,2m2s-sync", "--scenario", str(scenario), "--out", str(out))
    assert result.exit_code == 1, result.output  # a LOST verdict is an alarm
    reports = _reports(out)
    lost_async = reports["2m2s-async"]["totals"]["acknowledged_lost"]
    assert lost_async > 0 and reports["2m2s-sync"]["totals"]["acknowledged_lost"] == 0
    verdicts = " ".join(reports["2m2s-async"]["verdicts"])
    assert "brokerRole=ASYNC_MASTER acknowledges a send before its slave has a copy" in verdicts
    assert "broker-a-slave was " in verdicts and " bytes behind" in verdicts
    lag = reports["2m2s-async"]["groups"]["broker-a"]["replication_lag_at_faults"]
    assert any(entry["bytes_behind"]["broker-a-slave"] > 0 for entry in lag.values())
    sync = " ".join(reports["2m2s-sync"]["verdicts"])
    assert "its slave had every byte of it" in sync  # the fake's synchronous master copies at once


def test_the_preset_says_how_it_makes_the_slave_fall_behind():
    preset = load_scenario("lose-master-disk")
    assert preset.faults[0].action == "limit" and preset.faults[0].options == {"rate": "32kbit", "to": "broker-a-slave"}
    assert "32 kbit/s" in preset.description and "40 sends/s" in preset.description
    assert preset.faults[1].machine_of, "the whole machine goes: a killed broker's kernel still sends its buffers"
    assert preset.workload.rate == 40.0  # the scenario's default load, not a raised one
