"""rmqlab tour --yes on a real 2m2s-sync cluster: every answer it prints is the one the pure checker reads again
from the tour's saved history, and agrees with what RocketMQ itself reported during the run."""

import json

import pytest
from clirunner import run
from realcluster import shared_cluster

from rmqlab.experiment.check import answers
from rmqlab.experiment.check.checker import check
from rmqlab.experiment.check.history import HISTORY_FILE, OBSERVE, ROLES, read_history
from rmqlab.experiment.check.runmeta import RunMeta
from rmqlab.topology.model import Mode

pytestmark = pytest.mark.integration

A = "broker-a"
HOLD = 15  # seconds to watch for a takeover: more than a DLedger election (4.3-7 s) and two role polls


def test_the_2m2s_sync_tour_answers_from_what_the_cluster_did(tmp_path):
    with shared_cluster(Mode.SYNC_2M2S) as cluster:
        result = run("tour", "--mode", "2m2s-sync", "--name", cluster.name, "--yes", "--json",
                     "--hold", str(HOLD), "--out", str(tmp_path))
    print(result.stderr)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "Pitfalls" in result.stderr and "rmqlab lint (store-lock)" in result.stderr
    run_dir = data["run_dir"]
    history = read_history(f"{run_dir}/{HISTORY_FILE}")
    again = check(history, RunMeta.load(run_dir))
    takeover, back, alone = data["steps"]

    # 1. kill -9 of broker-a's master: the slave, listed with brokerId 1 all along, does not take over
    said = takeover["answer"]
    assert said["yes"] is False, said
    assert said["figures"]["slave_ids"] == {"broker-a-slave": 1}
    assert said["figures"]["watched_seconds"] >= HOLD
    listed = [e.value[A] for e in history if e.type == OBSERVE and e.f == ROLES
              and again.faults[takeover["fault"]].t < e.t < again.faults[back["fault"]].t]
    assert listed and all(entry["master"] is None for entry in listed[1:]), "the history shows no master"
    recheck = answers.takeover(history, again, takeover["fault"], A)
    assert recheck.figures["slave_ids"] == said["figures"]["slave_ids"]
    assert "brokerId is fixed" in said["why"]

    # 2. started again: master again (brokerId 0), timed from its start as the history records it
    said = back["answer"]
    assert said["yes"] is True and said["figures"]["broker_id"] == 0
    assert 0 < said["figures"]["listed_seconds"] < 180
    recheck = answers.comeback(history, again, takeover["fault"], back["fault"], A, "broker-a-master")
    assert recheck.figures["listed_seconds"] == said["figures"]["listed_seconds"]
    assert recheck.figures["broker_id"] == 0

    # 3. its slave killed: what the SYNC_MASTER's sends got back, counted from the probe's own sends
    said = alone["answer"]
    assert said["figures"]["sends"] >= 5
    recheck = answers.sends_alone(history, again, alone["fault"], A, "broker-a-slave")
    assert set(recheck.figures["codes"]) >= set(said["figures"]["codes"])
    assert recheck.figures["sends"] >= said["figures"]["sends"]
    assert said["yes"] == (said["figures"]["stored"] > 0)

    assert data["totals"]["acknowledged_lost"] == 0
    assert data["totals"]["acknowledged_keys"] > 0
