"""An application's consumer group on a real 2m2s-sync cluster: offsets fetched from and committed to the real
brokers, members that crash and come back (rebalances) before and during a master's kill -9; every duplicate
delivery is counted per member and explained from the run's history."""

import time
from collections import Counter

import pytest
from realcluster import LAB, shared_cluster

from rmqlab.experiment.check.consumer_groups import COMMIT_OFFSET, COMMITTED_ELSEWHERE, NOT_COMMITTED
from rmqlab.experiment.check.history import INVOKE
from rmqlab.experiment.run.appconsumer import APP_GROUP
from rmqlab.experiment.run.scenario import Workload
from rmqlab.topology.model import Mode

pytestmark = pytest.mark.integration

WORKLOAD = Workload(rate=20.0, producers=1, probe_rate=5.0, consumers=(), app_members=2)


def test_a_consumer_group_s_duplicates_after_rebalances_and_failover_are_each_explained(tmp_path):
    with shared_cluster(Mode.SYNC_2M2S) as cluster, \
            LAB.session(cluster.name, tmp_path, label="consumer-group", workload=WORKLOAD, on_event=print) as run:
        time.sleep(8)
        run.restart_consumer("m0", 3)  # no fault: a rebalance alone (m0 holds broker-a's queues)
        time.sleep(6)
        killed_at = run.now()
        kill = run.apply("kill", "broker-a-master")
        time.sleep(1)
        run.restart_consumer("m0", 4)  # m1 takes broker-a's queues, with offsets from its slave
        time.sleep(6)
        run.apply("undo", undo=kill.step)
        assert run.watch(lambda v: v.master("broker-a") == "broker-a-master", 180), "broker-a-master not back"
        run.restart_consumer("m0", 3)  # m1 takes them again, with offsets from the master that came back
        time.sleep(6)
        history = run.events()
        found = run.consumer_groups(history)[APP_GROUP]
    commits = Counter((e.node, e.type) for e in history if e.f == COMMIT_OFFSET and e.type != INVOKE
                      and e.group == "broker-a")
    print(f"commits to broker-a's nodes: {dict(commits)}")
    for again in found.redeliveries:
        print(f"t={again.t:.1f} {again.member} {again.group}:{again.queue} from {again.start} "
              f"(fetched from {again.fetched_from}, consumed to {again.consumed_to}, committed {again.committed}): "
              f"{again.why()}")
    print(found.to_dict() | {"redeliveries": len(found.redeliveries)})
    assert found.deliveries > 300 and found.duplicates > 0
    assert sum(m["duplicates"] for m in found.by_member.values()) == found.duplicates
    assert found.to_dict()["unexplained"] == 0, "every duplicate delivery has its cause"
    before_fault = [r for r in found.redeliveries if r.t < killed_at]
    assert before_fault and all(set(r.counts) <= {NOT_COMMITTED} for r in before_fault), \
        "with every broker up, a rebalance re-delivers only what was consumed and not committed"
    from_slave = [r for r in found.redeliveries if r.group == "broker-a" and r.fetched_from == "broker-a-slave"]
    assert from_slave, "during the outage broker-a's committed offsets come from its slave"
    for again in found.redeliveries:
        if again.counts.get(COMMITTED_ELSEWHERE):
            assert again.committed[0] != again.fetched_from
