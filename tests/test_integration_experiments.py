"""The two lessons rmqlab exists to teach, proved on real clusters from the history alone:
2m2s-sync does not fail over; DLedger elects a new leader; neither loses an acknowledged message."""

import json

import pytest
from realcluster import LAB, image_for_tests, shared_cluster

from rmqlab.experiment.run.scenario import scenario_from_dict
from rmqlab.topology.model import Mode
from rmqlab.topology.versions import DEFAULT_VERSION

pytestmark = pytest.mark.integration

# kill-master, shortened for CI: the restart leaves ~35 s for the old master to come back.
SCENARIO = scenario_from_dict({
    "name": "kill-master-ci",
    "duration": 60,
    "faults": [{"at": 8, "action": "kill", "target": "broker-a-master"}, {"at": 25, "action": "undo", "undo": 1}],
})
# Measured here on 2 cores: DLedger elected a new leader 8-9 s after kill -9 (Raft: 3 missed 2 s
# heartbeats, then a vote). The bound leaves room for a loaded CI machine.
ELECTION_BOUND_SECONDS = 20


def _run(mode: Mode, tmp_path):
    with shared_cluster(mode):  # the session's cluster of this layout, restored: the run reuses it
        run_dir = LAB.experiment(mode.value, SCENARIO, DEFAULT_VERSION, tmp_path, image_for_tests(),
                                 on_event=print, reuse=True).run_dir
    report = json.loads((run_dir / "report.json").read_text())
    assert (run_dir / "report.html").read_text().count("<svg") == 1
    assert (run_dir / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return report


def test_2m2s_sync_kill_master_leaves_its_group_unwritable_until_restarted(tmp_path):
    report = _run(Mode.SYNC_2M2S, tmp_path)
    a, b = report["groups"]["broker-a"], report["groups"]["broker-b"]
    assert a["time_to_new_master_seconds"] is None, "the slave must never have become master"
    # A loaded machine can show a blip before the kill (reported, not counted), and one that runs into the fault's
    # first moments, before docker's kill has landed: judge the kill's own window, the longest that overlaps it.
    first = max((w for w in a["windows"] if w["overlaps_fault"]), key=lambda w: w["end"] - w["start"])
    assert 7 <= first["start"] <= 12, first
    assert first["end"] >= 25, "writes to broker-a cannot resume before its master is restarted"
    assert b["unwritable_seconds"] == 0, b["windows"]
    assert report["totals"]["acknowledged"] > 500
    assert report["totals"]["acknowledged_lost"] == 0, report["lost_keys"]


def test_dledger_kill_leader_elects_a_new_one_and_writes_resume(tmp_path):
    report = _run(Mode.DLEDGER, tmp_path)
    a = report["groups"]["broker-a"]
    assert a["time_to_new_master_seconds"] is not None
    assert a["time_to_new_master_seconds"] <= ELECTION_BOUND_SECONDS
    assert a["master_at_end"] != a["master_at_start"]
    assert a["windows"] and not a["windows"][-1]["until_end_of_run"], "writes must resume"
    assert report["totals"]["acknowledged_lost"] == 0, report["lost_keys"]
