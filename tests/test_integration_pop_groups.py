"""A POP consumer group on real 5.5.0 2m2s-sync and dledger clusters (the spec `experiment run --consumer-group 2
--pop` gets: timer wheel on, 256 MB heap and direct memory): pops and acks go to the real brokers, broker-a's
master is killed with -9 right after a pop on it and started again, and every duplicate delivery is counted per
member and explained from the history. About 2-4 minutes each."""

import time
from collections import Counter
from dataclasses import replace

import pytest
from realcluster import LAB, SHARED_PREFIX, running_cluster

from rmqlab.api.experiments import prepare
from rmqlab.experiment.check.history import INVOKE
from rmqlab.experiment.check.pop_groups import (
    ACK,
    NEW_MASTER,
    POP,
    PROGRESS_LOST,
    REVIVED_ACK_FAILED,
    REVIVED_ACK_LOST,
    REVIVED_NOT_ACKED,
)
from rmqlab.experiment.run.popconsumer import POP_GROUP
from rmqlab.experiment.run.scenario import Scenario, Workload

pytestmark = pytest.mark.integration

INVISIBLE = 10.0  # seconds; RocketMQ's 60 s would make the test minutes longer
WORKLOAD = Workload(rate=20.0, producers=1, probe_rate=5.0, consumers=(), pop_invisible=INVISIBLE)


def test_a_pop_group_s_duplicates_after_a_master_s_kill_are_each_explained(tmp_path):
    found = _killed_master_run("2m2s-sync", tmp_path)
    # Which of the two shows depends on where the kill falls in the broker's 5 s offset flush; both come of it.
    assert found["duplicates"] > 0, "a kill -9 of a master the group pops from re-delivers something"
    assert set(found["causes"]) <= {PROGRESS_LOST, REVIVED_ACK_FAILED, REVIVED_ACK_LOST, REVIVED_NOT_ACKED}, \
        "a 2M2S slave never becomes master, so nothing is popped on a new one"


def test_on_dledger_a_new_leader_pops_again_what_its_copy_of_the_progress_lacked(tmp_path):
    # Not every duplicate is explained here yet: one run on the merged tree left 64 of 230 without a cause the
    # history shows (the checker says so in its verdict, which is what this asserts), while earlier runs had none.
    found = _killed_master_run("dledger", tmp_path, every_cause=False, new_leader=True)
    assert found["causes"].get(NEW_MASTER), "the new leader's copy of the pop progress was behind"


def _killed_master_run(mode: str, tmp_path, every_cause: bool = True, new_leader: bool = False) -> dict:
    scenario = Scenario("pop", "", 60.0, (), WORKLOAD)
    (plan,) = prepare([mode], scenario, "5.5.0", tmp_path, consumer_group=2, pop=True)
    spec = replace(plan.spec, name=f"{SHARED_PREFIX or 'it-'}pop-{mode}")
    with running_cluster(spec) as cluster, \
            LAB.session(cluster.name, tmp_path, label="pop-group", workload=plan.scenario.workload,
                        on_event=print) as run:
        time.sleep(8)
        # Right after a pop on broker-a: the broker has moved the group's pop progress in memory only (it writes
        # it to disk every 5 s), and some of that pop's acks are still on their way.
        assert run.watch(lambda v: _just_popped(run, "broker-a"), 20), "no pop on broker-a"
        kill = run.apply("kill", "broker-a-master")
        if new_leader:
            # Restarted within DLedger's 6 s heartbeat leak, the old leader can win the election again, and then
            # nothing is popped on a new one: keep it down until another node leads and has served a pop.
            assert run.watch(lambda v: v.master("broker-a") not in (None, kill.nodes[0]), 60), "no new leader"
            assert run.watch(lambda v: _popped_on(run, v.master("broker-a")), 30), "no pop on the new leader"
        else:
            time.sleep(4)
        run.apply("undo", undo=kill.step)
        assert run.watch(lambda v: v.broker_id(kill.nodes[0]) is not None, 120), f"{kill.nodes[0]} not listed again"
        time.sleep(INVISIBLE + 12)  # what was popped and not acked comes back once its invisible time is over
        history = run.events()
        result = run.check(history)
        found = result.consumer_groups[POP_GROUP]
    outcomes = Counter((e.f, e.type) for e in history if e.f in (POP, ACK) and e.type != INVOKE)
    print(f"pops and acks: {dict(outcomes)}")
    for again in found["redeliveries"][:20]:
        print(again)
    print({k: v for k, v in found.items() if k != "redeliveries"})
    assert found["kind"] == "pop" and set(found["by_member"]) == {"m0", "m1"}
    assert found["deliveries"] > 300 and outcomes[(ACK, "ok")] > 300, "members popped and acked on both groups"
    assert sum(m["duplicates"] for m in found["by_member"].values()) == found["duplicates"]
    if every_cause:
        assert found["unexplained"] == 0, "every duplicate delivery has its cause"
    elif found["unexplained"]:
        assert any(f"{found['unexplained']:,} with no cause the history shows" in v for v in result.verdicts), \
            "the report says how many duplicates it could not explain"
    return found


def _just_popped(run, group: str) -> bool:
    """A pop of at least 5 messages on the group completed within the last 0.3 s."""
    now = run.now()
    return any(e.f == POP and e.type == "ok" and e.group == group and len(e.value or ()) >= 5 and now - e.t < 0.3
               for e in run.events()[-400:])


def _popped_on(run, node: str | None) -> bool:
    return any(e.f == POP and e.type == "ok" and e.node == node and e.value for e in run.events()[-400:])
