"""Duplicate consumption in a consumer group on hand-built histories: counted per group and per member, and each
re-delivery explained by what the history shows was committed, where, and consumed before."""

from __future__ import annotations

from rmqlab.experiment.check.consumer_groups import (
    COMMIT_OFFSET,
    COMMITTED_ELSEWHERE,
    CONSUME,
    FETCH_OFFSET,
    HELD_AT_ONCE,
    LOST_COMMIT,
    NOT_COMMITTED,
    SENT_ELSEWHERE,
    SENT_NOT_KEPT,
    check_consumer_groups,
    consumption_verdict,
)
from testkit.synthetic import HistoryBuilder

G = "app"
A = "broker-a"


class App:
    """Writes a consumer group's operations the way rmqlab's application consumer does."""

    def __init__(self) -> None:
        self.b = HistoryBuilder()

    def fetch(self, member: str, t: float, node: str, offset: int, queue: int = 0, found: bool = True) -> None:
        self.b.op(f"app-{member}", FETCH_OFFSET, None, t, t + 0.01, done_value={"offset": offset, "found": found},
                  group=A,
                  node=node, queue=queue, consumer_group=G)

    def consume(self, member: str, t: float, node: str, offsets: range, queue: int = 0) -> None:
        items = [{"key": f"k-{queue}-{o}", "offset": o, "queue": queue} for o in offsets]
        self.b.op(f"app-{member}", CONSUME, None, t, t + 0.01, done_value=items, group=A, node=node, queue=queue,
                  consumer_group=G)

    def commit(self, member: str, t: float, node: str, offset: int, queue: int = 0) -> None:
        self.b.op(f"app-{member}", COMMIT_OFFSET, {"offset": offset}, t, t + 0.01, group=A, node=node, queue=queue,
                  consumer_group=G)

    def check(self):
        return check_consumer_groups(self.b.history())[G]


def test_no_failover_no_rebalance_no_duplicate():
    app = App()
    app.fetch("m0", 0.0, "broker-a-master", 0)
    app.consume("m0", 1.0, "broker-a-master", range(0, 10))
    app.commit("m0", 5.0, "broker-a-master", 10)
    app.consume("m0", 6.0, "broker-a-master", range(10, 20))
    found = app.check()
    assert (found.deliveries, found.distinct, found.duplicates) == (20, 20, 0)
    assert found.redeliveries == ()


def test_a_rebalance_redelivers_what_the_previous_owner_had_not_committed():
    app = App()
    app.fetch("m0", 0.0, "broker-a-master", 0)
    app.consume("m0", 1.0, "broker-a-master", range(0, 10))
    app.commit("m0", 5.0, "broker-a-master", 10)
    app.consume("m0", 6.0, "broker-a-master", range(10, 17))  # m0 stops before committing 17
    app.fetch("m1", 9.0, "broker-a-master", 10)
    app.consume("m1", 9.5, "broker-a-master", range(10, 25))
    found = app.check()
    assert found.duplicates == 7
    assert found.by_member == {"m0": {"deliveries": 17, "duplicates": 0}, "m1": {"deliveries": 15, "duplicates": 7}}
    (again,) = found.redeliveries
    assert (again.member, again.previous, again.start, again.consumed_to) == ("m1", "m0", 10, 17)
    assert found.causes() == {NOT_COMMITTED: 7}
    assert "m0 had consumed them but not yet committed" in again.why()
    assert "persistConsumerOffsetInterval 5 s" in again.why()


def test_offsets_committed_to_a_master_that_died_are_consumed_again_from_the_slave():
    app = App()
    app.fetch("m0", 0.0, "broker-a-master", 0)
    app.consume("m0", 1.0, "broker-a-master", range(0, 30))
    app.commit("m0", 2.0, "broker-a-master", 12)  # the slave copied this one (12) ...
    app.commit("m0", 7.0, "broker-a-master", 30)  # ... but not this one: the master died at 9 s
    app.fetch("m1", 12.0, "broker-a-slave", 12)
    app.consume("m1", 12.5, "broker-a-slave", range(12, 30))
    found = app.check()
    assert found.duplicates == 18 and found.causes() == {COMMITTED_ELSEWHERE: 18}
    (again,) = found.redeliveries
    assert again.committed == ("broker-a-master", 30) and again.fetched_from == "broker-a-slave"
    assert "committed offset 30 to broker-a-master, but broker-a-slave answered 12" in again.why()
    assert found.to_dict()["unexplained"] == 0


def test_both_causes_at_once_are_counted_apart():
    app = App()
    app.fetch("m0", 0.0, "broker-a-master", 0)
    app.consume("m0", 1.0, "broker-a-master", range(0, 40))
    app.commit("m0", 7.0, "broker-a-master", 30)  # 30..39 consumed, never committed
    app.fetch("m1", 12.0, "broker-a-slave", 20)  # the slave had 20
    app.consume("m1", 12.5, "broker-a-slave", range(20, 45))
    found = app.check()
    assert found.causes() == {COMMITTED_ELSEWHERE: 10, NOT_COMMITTED: 10}
    assert found.by_member["m1"] == {"deliveries": 25, "duplicates": 20}


def test_a_commit_the_same_node_lost_in_its_restart_is_told_apart():
    app = App()
    app.fetch("m0", 0.0, "broker-a-master", 0)
    app.consume("m0", 1.0, "broker-a-master", range(0, 20))
    app.commit("m0", 3.0, "broker-a-master", 20)
    app.fetch("m0", 30.0, "broker-a-master", 8)  # after its kill -9 and restart
    app.consume("m0", 30.5, "broker-a-master", range(8, 20))
    found = app.check()
    assert found.causes() == {LOST_COMMIT: 12}
    assert "flushConsumerOffsetInterval 5 s" in found.redeliveries[0].why()


def test_a_duplicate_no_fetch_explains_stays_unexplained():
    app = App()
    app.fetch("m0", 0.0, "broker-a-master", 0)
    app.consume("m0", 1.0, "broker-a-master", range(0, 5))
    app.consume("m0", 2.0, "broker-a-master", range(3, 5))  # the same member read them again, unasked
    found = app.check()
    assert found.duplicates == 2 and found.to_dict()["unexplained"] == 2


def test_queues_are_shared_like_allocate_message_queue_averagely():
    from rmqlab.experiment.run.appconsumer import allocate

    queues = [(g, q) for g in ("broker-b", "broker-a") for q in range(4)]
    assert allocate(queues, ["m1", "m0"], "m0") == [("broker-a", q) for q in range(4)]
    assert allocate(queues, ["m1", "m0"], "m1") == [("broker-b", q) for q in range(4)]
    three = [allocate(queues, ["m0", "m1", "m2"], m) for m in ("m0", "m1", "m2")]
    assert [len(s) for s in three] == [3, 3, 2] and sorted(sum(three, [])) == sorted(queues)
    assert allocate(queues, ["m1"], "m0") == []


def test_the_report_carries_each_group_and_a_verdict_that_says_its_causes():
    from rmqlab.experiment.check.checker import check
    from testkit.synthetic import two_by_two

    app = App()
    app.b.roles(0.1, {A: "broker-a-master"})
    app.fetch("m0", 0.0, "broker-a-master", 0)
    app.consume("m0", 1.0, "broker-a-master", range(0, 40))
    app.commit("m0", 7.0, "broker-a-master", 30)
    app.fetch("m1", 12.0, "broker-a-slave", 20)
    app.consume("m1", 12.5, "broker-a-slave", range(20, 45))
    result = check(app.b.history(), two_by_two())
    assert result.to_dict()["consumer_groups"][G]["causes"] == {COMMITTED_ELSEWHERE: 10, NOT_COMMITTED: 10}
    (said,) = [v for v in result.verdicts if v.startswith("Consumer group")]
    assert said == ("Consumer group app: 65 deliveries of 45 messages, 20 duplicates (m0 0 of 40, m1 20 of 25): "
                    "10 committed to another node than the one asked after; 10 consumed but not committed before a "
                    "rebalance.")


def test_a_master_back_from_kill_9_explains_its_own_lost_commits_apart_from_those_made_to_its_slave():
    """As measured on 5.5.0: the master took 60, the slave (while the master was down) 65; back, it said 40."""
    app = App()
    app.fetch("m0", 0.0, "broker-a-master", 0, found=False)
    app.consume("m0", 1.0, "broker-a-master", range(0, 60))
    app.commit("m0", 9.0, "broker-a-master", 40)
    app.commit("m0", 13.0, "broker-a-master", 60)  # killed at 14 s, before writing it to disk
    app.fetch("m1", 19.0, "broker-a-slave", 0, found=False)  # the slave had copied nothing yet
    app.consume("m1", 19.5, "broker-a-slave", range(0, 65))
    app.commit("m1", 24.0, "broker-a-slave", 65)
    app.fetch("m0", 36.0, "broker-a-master", 40)
    app.consume("m0", 36.5, "broker-a-master", range(40, 70))
    found = app.check()
    first, second = found.redeliveries
    assert dict(first.counts) == {COMMITTED_ELSEWHERE: 60}
    assert "but broker-a-slave had no offset for the group" in first.why()
    assert dict(second.counts) == {LOST_COMMIT: 20, COMMITTED_ELSEWHERE: 5}
    assert "broker-a-master had taken the commit of offset 60 but answered 40" in second.why()
    assert found.to_dict()["unexplained"] == 0


def test_a_scenario_asks_for_a_consumer_group_of_0_to_16_members():
    import pytest

    from rmqlab.errors import BadInput
    from rmqlab.experiment.run.scenario import scenario_from_dict, with_consumer_group

    assert scenario_from_dict({"duration": 5, "workload": {"app_members": 0}}).workload.app_members == 0
    chosen = scenario_from_dict({"duration": 5, "workload": {"app_members": 3}})
    assert chosen.workload.app_members == 3 and chosen.to_dict()["workload"]["app_members"] == 3
    assert with_consumer_group(chosen, None) == chosen and with_consumer_group(chosen, 0).workload.app_members == 0
    for wrong in (17, -1, 2.5, True, "2"):
        with pytest.raises(BadInput):
            scenario_from_dict({"duration": 5, "workload": {"app_members": wrong}})


def test_a_oneway_commit_explains_as_sent_and_a_commit_of_unknown_outcome_does_not():
    from rmqlab.experiment.check.history import INFO

    app = App()
    app.fetch("java-0", 0.0, "broker-a-master", 0)
    app.consume("java-0", 1.0, "broker-a-master", range(0, 30))
    app.b.op("app-java-0", COMMIT_OFFSET, {"offset": 30}, 7.0, 7.0, type=INFO, group=A, node="broker-a-master",
             queue=0, consumer_group=G, oneway=True)  # RocketMQ's offset store: sent, never answered
    app.b.op("app-java-0", COMMIT_OFFSET, {"offset": 40}, 8.0, 8.5, type=INFO, group=A, node="broker-a-master",
             queue=0, consumer_group=G, error="timeout")  # an answered commit that timed out: no evidence
    app.fetch("java-1", 12.0, "broker-a-slave", 0)
    app.consume("java-1", 12.5, "broker-a-slave", range(0, 30))
    found = app.check()
    assert found.duplicates == 30 and found.causes() == {SENT_ELSEWHERE: 30}
    (again,) = found.redeliveries
    assert again.committed == ("broker-a-master", 30)
    assert "had sent broker-a-master a commit of offset 30 (oneway" in again.why()
    assert "30 a commit sent oneway (unanswered) to another node" in consumption_verdict(found)


def test_a_oneway_commit_on_another_queue_leaves_an_answered_commit_answered():
    from rmqlab.experiment.check.history import INFO

    app = App()
    app.b.op("app-java-0", COMMIT_OFFSET, {"offset": 30}, 0.5, 0.5, type=INFO, group=A, node="broker-a-master",
             queue=1, consumer_group=G, oneway=True)
    app.fetch("m0", 1.0, "broker-a-master", 0)
    app.consume("m0", 1.5, "broker-a-master", range(0, 30))
    app.commit("m0", 7.0, "broker-a-master", 30)
    app.fetch("m1", 12.0, "broker-a-slave", 0)
    app.consume("m1", 12.5, "broker-a-slave", range(0, 30))
    (again,) = app.check().redeliveries
    assert "had committed offset 30 to broker-a-master" in again.why()


def test_a_oneway_commit_the_asked_node_answers_below_is_lost_or_never_arrived_not_taken():
    from rmqlab.experiment.check.history import INFO

    app = App()
    app.fetch("java-0", 0.0, "broker-a-master", 0)
    app.consume("java-0", 1.0, "broker-a-master", range(0, 30))
    app.b.op("app-java-0", COMMIT_OFFSET, {"offset": 30}, 7.0, 7.0, type=INFO, group=A, node="broker-a-master",
             queue=0, consumer_group=G, oneway=True)  # into a paused master, say
    app.fetch("java-1", 20.0, "broker-a-master", 0)
    app.consume("java-1", 20.5, "broker-a-master", range(0, 30))
    found = app.check()
    assert found.causes() == {SENT_NOT_KEPT: 30}
    (again,) = found.redeliveries
    assert "had been sent the commit of offset 30 (oneway, or on a pull: never answered)" in again.why()
    assert "either the commit never arrived" in again.why() and "had taken" not in again.why()
    assert "lost, or never arrived" in consumption_verdict(found)


def test_two_members_holding_a_queue_at_once_explain_their_duplicates():
    """As measured with 4.7.0's push consumers at start: the second member fetched offset 0 before the first,
    which had taken every queue, let go; both consumed offset 0."""
    app = App()
    app.fetch("java-0", 0.73, "broker-a-master", 0)
    app.fetch("java-1", 0.93, "broker-a-master", 0)
    app.consume("java-0", 0.98, "broker-a-master", range(0, 1))
    app.consume("java-1", 2.13, "broker-a-master", range(0, 3))
    found = app.check()
    assert found.duplicates == 1 and found.causes() == {HELD_AT_ONCE: 1}
    (held,) = found.redeliveries
    assert ("java-1 fetched offset 0 from broker-a-master while java-0 still held the queue and consumed the same "
            "messages") in held.why()
    assert found.to_dict()["unexplained"] == 0
    assert "1 consumed by two members holding the queue at once" in consumption_verdict(found)


def test_a_member_taking_a_queue_after_the_other_let_go_is_not_holding_it_at_once():
    app = App()
    app.fetch("m0", 0.0, "broker-a-master", 0)
    app.consume("m0", 1.0, "broker-a-master", range(0, 10))
    app.fetch("m1", 5.0, "broker-a-master", 0)  # nothing committed yet: starts again at 0
    app.consume("m1", 5.5, "broker-a-master", range(0, 10))
    assert app.check().causes() == {NOT_COMMITTED: 10}
