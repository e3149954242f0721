"""POP consumption on hand-built histories: duplicates counted per group and per member, each explained by
what the history shows (a revive after a failed, lost or missing ack; a pop again on a new master; a pop again
after a fault on the same broker), and the wire format of a POP ack (extra info) built from a pop response."""

from __future__ import annotations

import pytest

from rmqlab.errors import BadInput
from rmqlab.experiment.check.checker import check
from rmqlab.experiment.check.history import FAIL, INFO
from rmqlab.experiment.check.pop_groups import (
    ACK,
    NEW_MASTER,
    POP,
    PROGRESS_LOST,
    REVIVED_ACK_FAILED,
    REVIVED_ACK_LOST,
    REVIVED_NOT_ACKED,
    check_pop_groups,
)
from rmqlab.experiment.report.wording import is_alarm
from rmqlab.remoting import pop as wire
from rmqlab.remoting.message import Message
from testkit.synthetic import HistoryBuilder, two_by_two

G = "pop-app"
A, M, S = "broker-a", "broker-a-master", "broker-a-slave"


class Pops:
    def __init__(self) -> None:
        self.b = HistoryBuilder()

    def pop(self, member: str, t: float, node: str, keys: list[str], retry: bool = False) -> None:
        items = [{"key": k, "queue": 0, "offset": i, "retry": retry} for i, k in enumerate(keys)]
        self.b.op(f"pop-{member}", POP, None, t, t + 0.01, done_value=items, group=A, node=node, consumer_group=G)

    def ack(self, member: str, t: float, node: str, key: str, type: str = "ok", retry: bool = False,
            answered: bool = True) -> None:
        self.b.op(f"pop-{member}", ACK, {"key": key, "queue": 0, "offset": 0, "retry": retry}, t,
                  t + 0.01 if answered else None, type, group=A, node=node, consumer_group=G)

    def check(self):
        return check_pop_groups(self.b.history())[G]


def test_every_message_popped_and_acked_once_is_no_duplicate():
    p = Pops()
    p.pop("m0", 1.0, M, ["k-1", "k-2"])
    p.ack("m0", 1.1, M, "k-1")
    p.ack("m0", 1.1, M, "k-2")
    p.pop("m1", 2.0, M, ["k-3"])
    found = p.check()
    assert (found.deliveries, found.distinct, found.duplicates) == (3, 3, 0)
    assert found.by_member == {"m0": {"deliveries": 2, "duplicates": 0}, "m1": {"deliveries": 1, "duplicates": 0}}
    assert found.acks == {"ok": 2}


def test_a_revived_message_is_blamed_on_its_failed_its_missing_or_its_lost_ack():
    p = Pops()
    p.pop("m0", 1.0, M, ["k-1", "k-2", "k-3"])
    p.ack("m0", 1.1, M, "k-1", type=FAIL)  # the broker refused or was down
    p.ack("m0", 1.1, M, "k-2", type=INFO)  # no answer
    # k-3: no ack at all (the member died first)
    p.pop("m1", 70.0, M, ["k-1", "k-2", "k-3"], retry=True)
    found = p.check()
    assert found.duplicates == 3 and found.by_member["m1"] == {"deliveries": 3, "duplicates": 3}
    assert {a.key: a.cause for a in found.again} == {"k-1": REVIVED_ACK_FAILED, "k-2": REVIVED_ACK_FAILED,
                                                     "k-3": REVIVED_NOT_ACKED}
    p.ack("m1", 70.1, M, "k-1", retry=True)  # acked OK this time, and still revived: the ack was lost
    p.pop("m0", 140.0, M, ["k-1"], retry=True)
    again = p.check()
    assert again.again[-1].cause == REVIVED_ACK_LOST and again.to_dict()["unexplained"] == 0


def test_an_ack_sent_and_never_answered_is_an_ack_that_failed_not_a_missing_one():
    p = Pops()
    p.pop("m0", 1.0, M, ["k-1", "k-2"])
    p.ack("m0", 1.1, M, "k-1", answered=False)  # the member's thread stopped, or the history ended, first
    p.ack("m0", 1.2, M, "k-2")
    p.pop("m1", 70.0, M, ["k-1"], retry=True)
    found = p.check()
    assert [a.cause for a in found.again] == [REVIVED_ACK_FAILED]
    assert found.acks == {"ok": 1, "open": 1}


def test_a_pop_again_from_the_queue_is_a_new_master_s_lag_or_progress_lost_in_a_fault():
    p = Pops()
    p.pop("m0", 1.0, M, ["k-1"])
    p.ack("m0", 1.1, M, "k-1")
    p.pop("m0", 1.5, M, ["k-2"])
    p.ack("m0", 1.6, M, "k-2")
    p.b.fault("kill", M, 2.0)
    p.pop("m0", 20.0, S, ["k-1"])  # a new master (a DLedger follower elected) pops it again
    p.pop("m1", 30.0, M, ["k-2"])  # the killed master came back and lost its progress
    p.pop("m1", 31.0, M, ["k-2"])  # again on that node, no fault in between: nothing explains it
    found = p.check()
    assert [a.cause for a in found.again] == [NEW_MASTER, PROGRESS_LOST, None]
    assert found.to_dict()["unexplained"] == 1 and found.to_dict()["kind"] == "pop"


def test_the_checker_reports_a_pop_group_beside_the_rest_with_a_verdict():
    p = Pops()
    p.b.send("k-000001", 0.5, group=A, node=M)
    p.pop("m0", 1.0, M, ["k-000001"])
    p.ack("m0", 1.1, M, "k-000001", type=FAIL)
    p.pop("m0", 70.0, M, ["k-000001"], retry=True)
    result = check(p.b.history(), two_by_two())
    assert result.consumer_groups[G]["duplicates"] == 1
    verdict = next(v for v in result.verdicts if v.startswith(f"Consumer group {G} (POP)"))
    assert not is_alarm(verdict), "duplicates are a lesson, not lost data: the run must not exit 1 for them"
    assert "2 deliveries of 1 messages, 1 duplicates (m0 1 of 2)" in verdict
    assert "because the ack failed or went unanswered" in verdict


def _message(topic: str, queue: int, offset: int, **props: str) -> Message:
    return Message(topic=topic, queue_id=queue, queue_offset=offset, physical_offset=0, body=b"", properties=props)


def test_extra_info_comes_from_the_pop_header_or_the_broker_s_pop_ck():
    ext = {"popTime": "1700000000000", "invisibleTime": "60000", "reviveQid": "3",
           "startOffsetInfo": "0 1 7;0 2 4", "msgOffsetInfo": "0 1 7,8;0 2 4"}
    got = wire.popped([_message("t", 1, 8), _message("t", 2, 4)], ext, "broker-a")
    assert [g.extra_info for g in got] == ["7 1700000000000 60000 3 0 broker-a 1 8",
                                           "4 1700000000000 60000 3 0 broker-a 2 4"]
    assert not got[0].retry and got[0].real_topic("g") == "t"
    revived = wire.popped([_message("t", 0, 5, POP_CK="5 1700000000001 60000 2 1 broker-a 0 5")], ext, "broker-a")
    assert revived[0].retry and revived[0].real_topic("g") == "%RETRY%g_t", "a revived one is acked on the retry topic"
    assert wire.parse_offset_info("0 1 7;1 0 3;") == {("0", 1): "7", ("1", 0): "3"}


def test_pop_is_refused_on_4x_and_with_the_timer_wheel_turned_off():
    from rmqlab.api.experiments import pop_knobs
    from rmqlab.topology.knobs import parse_knobs

    with pytest.raises(BadInput, match="needs RocketMQ 5.x"):
        pop_knobs("4.9.7", ())
    with pytest.raises(BadInput, match="timer wheel"):
        pop_knobs("5.5.0", parse_knobs(["broker:timerWheelEnable=false"]))
    assert [k.text for k in pop_knobs("5.5.0", ())] == ["timerWheelEnable=true"]


def test_a_pop_run_s_cluster_has_the_timer_wheel_and_the_direct_memory_it_needs(tmp_path):
    from rmqlab.api.experiments import POP_BROKER_HEAP, prepare
    from rmqlab.experiment.run.popconsumer import consumer_group_note
    from rmqlab.render.compose import effective_heap
    from rmqlab.render.files import node_keys
    from rmqlab.topology.layouts import build_cluster

    (plan,) = prepare(["2m2s-sync"], "kill-master", "5.5.0", tmp_path, consumer_group=2, pop=True)
    assert plan.scenario.workload.app_pop and plan.scenario.workload.app_members == 2
    assert "broker:timerWheelEnable=true" in [k.text for k in plan.spec.knobs]
    assert plan.spec.broker_heap == POP_BROKER_HEAP
    assert POP_BROKER_HEAP.heap_mb == 256
    cluster = build_cluster(plan.spec)
    assert all("-Xmx256m -XX:+UseSerialGC -XX:MaxDirectMemorySize=256m" in effective_heap(cluster, b).java_opts
               for b in cluster.brokers)
    keys = node_keys(cluster)
    assert all(keys[b.name]["timerWheelEnable"] == "true" for b in cluster.brokers), "rendered on, not off"
    note = consumer_group_note(cluster, plan.scenario.workload)
    assert "timerWheelEnable=true and -Xms256m -Xmx256m" in note and "-XX:MaxDirectMemorySize=256m" in note
    (plain,) = prepare(["2m2s-sync"], "kill-master", "5.5.0", tmp_path, consumer_group=2)
    assert not plain.scenario.workload.app_pop and plain.spec.broker_heap != POP_BROKER_HEAP
