"""What the checker may claim: a fault whose engine call raised is unknown (info), not failed; "0 lost" is
said only of the queues the final read could read."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from rmqlab.api import Lab
from rmqlab.experiment.check.checker import check
from rmqlab.runtime.fake import FakeProvider
from rmqlab.runtime.provider import EngineError
from testkit.synthetic import HistoryBuilder, two_by_two


class KillRaises(FakeProvider):
    """The kill reaches the engine, which then fails to answer: did the container die? Nobody knows."""

    def kill(self, cluster: str, node: str, signal: str) -> None:
        super().kill(cluster, node, signal)
        raise EngineError(f"docker kill {node}", None, "context deadline exceeded")


def test_a_fault_whose_engine_call_raised_is_recorded_as_unknown(tmp_path, monkeypatch):
    monkeypatch.setenv("RMQLAB_HOME", str(tmp_path / "home"))
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump({"duration": 3, "faults": [
        {"at": 1, "action": "kill", "target": "broker-a-master"}, {"at": 2, "action": "undo", "undo": 1}]}))
    run = Lab(KillRaises()).experiment("2m2s-sync", str(scenario), "5.5.0", tmp_path / "runs")
    history = [json.loads(line) for line in (Path(run.run_dir) / "history.jsonl").read_text().splitlines()]
    kill = [e for e in history if e["f"] == "fault" and e["type"] != "invoke" and e["value"]["action"] == "kill"]
    assert kill and kill[0]["type"] == "info" and "context deadline" in kill[0]["error"]
    fault = run.result.faults[0]
    assert fault.status == "info" and fault.disruptive, "an unknown fault may have happened"
    assert any("outcome unknown" in v for v in run.result.verdicts), run.result.verdicts


def test_zero_lost_is_claimed_only_for_the_queues_the_final_read_covered():
    meta, b = two_by_two(), HistoryBuilder()
    for n in range(10):
        b.send(f"k-{n:06d}", 1.0 + n * 0.1, group="broker-a", queue=n % 2)
    for n in range(10, 20):
        b.send(f"k-{n:06d}", 2.0 + n * 0.1, group="broker-b", queue=0)
    # broker-a could be read on no replica at the end; broker-b's queue 0 was read whole.
    for node in ("broker-a-master", "broker-a-slave"):
        b.read(node, [], 30.0, type="fail", group="broker-a", queue=0, error="connect failed")
        b.read(node, [], 30.0, type="fail", group="broker-a", queue=1, error="connect failed")
    b.read("broker-b-master", [(f"k-{n:06d}", n - 10) for n in range(10, 20)], 30.0, group="broker-b", queue=0)
    result = check(b.history(), meta)
    assert result.totals["acknowledged_lost"] == 0
    assert result.totals["acknowledged_unchecked"] == 10
    said = " ".join(result.verdicts)
    assert "covered 1 of 8 queues" in said and "10 acknowledged messages sent to the other queues" in said
    assert "0 of 10 acknowledged messages were lost in the queues read" in said
    assert "0 of 20 acknowledged" not in said
