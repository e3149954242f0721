"""The checker over hand-built histories: every outcome is decided by the history alone."""

import pytest

from rmqlab.experiment.check.checker import check
from testkit.synthetic import HistoryBuilder, raft_groups, two_by_two

A, B = "broker-a", "broker-b"


def final_read(builder, meta, stored, t=60.0, unreadable=()):
    """Every replica of every group returns `stored[group]` at offsets 0.., except the unreadable ones."""
    for group in meta.groups:
        keys = stored.get(group.name, [])
        for node in group.nodes:
            if node in unreadable:
                builder.read(node, [], t, type="fail", group=group.name, error="connection refused")
            else:
                builder.read(node, list(zip(keys, range(len(keys)), strict=True)), t, group=group.name)


def sends(builder, keys, t0=1.0, group=A, **kw):
    for i, key in enumerate(keys):
        builder.send(key, t0 + i * 0.1, group=group, **kw)
    return list(keys)


def keys(first, last):
    return [f"k-{i:06d}" for i in range(first, last)]


def test_clean_run_loses_nothing():
    meta, b = two_by_two(), HistoryBuilder()
    stored = {A: sends(b, keys(0, 20)), B: sends(b, keys(20, 40), group=B)}
    final_read(b, meta, stored)
    result = check(b.history(), meta)
    t = result.totals
    assert (t["attempted"], t["acknowledged"], t["failed"], t["unknown"]) == (40, 40, 0, 0)
    assert (t["acknowledged_lost"], t["duplicated"], t["recovered"], t["unexpected"]) == (0, 0, 0, 0)
    assert result.lost_keys == [] and result.warnings == []
    assert "0 of 40 acknowledged messages were lost." in result.verdicts


def test_an_acknowledged_message_never_read_is_lost():
    meta, b = two_by_two(), HistoryBuilder()
    acked = sends(b, keys(0, 10))
    final_read(b, meta, {A: acked[:9]})
    result = check(b.history(), meta)
    assert result.totals["acknowledged_lost"] == 1
    assert result.lost_keys == [{"key": "k-000009", "group": A, "node": "broker-a-master", "code_name": "SUCCESS",
                                 "acked_at": pytest.approx(1.905)}]
    assert result.groups[A].lost == 1 and result.groups[A].lost_acked_by == {"broker-a-master": {"SUCCESS": 1}}
    assert any(v.startswith("LOST 1 of 10 acknowledged messages") for v in result.verdicts)
    loss = next(v for v in result.verdicts if v.startswith("LOST 1 acknowledged message on broker-a"))
    assert "broker-a-master and broker-a-slave were read at the end and did not have them" in loss
    assert "no replica that was read has them" in loss


def test_duplicates_are_keys_at_more_than_one_position_even_across_groups():
    meta, b = two_by_two(), HistoryBuilder()
    b.send("k-000001", 1.0, 4.0, "info", group=A, error="read timed out")
    b.send("k-000001", 4.1, group=B)  # the retry after the unknown outcome went to the other group
    b.send("k-000002", 5.0)
    b.send("k-000003", 5.1)
    final_read(b, meta, {A: ["k-000001", "k-000002", "k-000003", "k-000003"], B: ["k-000001"]})
    result = check(b.history(), meta)
    assert result.totals["duplicated"] == 2
    by_key = {d["key"]: d for d in result.duplicated_keys}
    assert {p["group"] for p in by_key["k-000001"]["positions"]} == {A, B} and by_key["k-000001"]["retried"]
    assert [p["offset"] for p in by_key["k-000003"]["positions"]] == [2, 3] and not by_key["k-000003"]["retried"]
    said = next(v for v in result.verdicts if "stored more than once" in v)
    assert "(1 across groups)" in said and "1 of them had been sent again" in said
    assert "1 were stored twice from a single send" in said
    # Reading one position from two replicas is not a duplicate.
    assert "k-000002" not in by_key


def test_unknown_outcome_read_later_is_recovered_and_never_read_is_neither_lost_nor_acked():
    meta, b = two_by_two(), HistoryBuilder()
    b.send("k-000001", 1.0, 4.0, "info", error="read timed out")
    b.send("k-000002", 1.1, 4.1, "info", error="connection reset")
    b.send("k-000003", 1.2)
    final_read(b, meta, {A: ["k-000001", "k-000003"]})
    result = check(b.history(), meta)
    t = result.totals
    assert (t["unknown"], t["unknown_keys"], t["recovered"], t["acknowledged"], t["acknowledged_lost"]) == (
        2, 2, 1, 1, 0)
    assert "0 of 1 acknowledged messages were lost; 1 of 2 sends with unknown outcome were stored after all." in \
        result.verdicts


def test_a_read_that_no_send_attempted_is_unexpected():
    meta, b = two_by_two(), HistoryBuilder()
    stored = sends(b, keys(0, 3))
    final_read(b, meta, {A: stored + ["k-leftover"]})
    result = check(b.history(), meta)
    assert result.totals["unexpected"] == 1
    assert result.anomalies["unexpected_keys"] == ["k-leftover"]
    assert any(v.startswith("UNEXPECTED: 1 message read that no send attempted") for v in result.verdicts)


def test_degraded_acks_count_as_acknowledged_and_are_reported():
    meta, b = two_by_two(), HistoryBuilder()
    b.send("k-000001", 1.0, code=11)
    b.send("k-000002", 1.1, code=11)
    b.send("k-000003", 1.2, code=12)
    b.send("k-000004", 1.3)
    b.send("k-000005", 1.4, type="fail", code=14)
    final_read(b, meta, {A: keys(1, 5)})
    result = check(b.history(), meta)
    assert (result.totals["acknowledged"], result.totals["failed"], result.totals["degraded_acks"]) == (4, 1, 3)
    assert result.groups[A].degraded_acks == {"SLAVE_NOT_AVAILABLE": 2, "FLUSH_SLAVE_TIMEOUT": 1}
    assert "broker-a acknowledged 2 sends as SLAVE_NOT_AVAILABLE: stored on the master only." in result.verdicts
    assert result.totals["acknowledged_lost"] == 0


def two_masters_two_slaves_kill(mode="2m2s-sync"):
    """broker-a's master is killed at 10 s and only started again after the workload (50 s)."""
    meta, b = two_by_two(mode, "kill-master"), HistoryBuilder()
    b.roles(0.1, {A: "broker-a-master", B: "broker-b-master"}, {A: ["broker-a-slave"], B: ["broker-b-slave"]})
    acked_a = b.probes(A, 0.0, 50.0, failing=[(10.0, 99.0)])
    acked_b = b.probes(B, 0.0, 50.0)
    produced = {A: [], B: []}
    for i in range(100):
        t = i * 0.5
        group = A if i % 2 and t < 11.0 else B
        outcome = "info" if group == A and t >= 10.0 else "ok"
        b.send(f"k-{i:06d}", t, t + 0.01, outcome, group=group, error=None if outcome == "ok" else "timeout")
        if outcome == "ok":
            produced[group].append(f"k-{i:06d}")
    b.fault("kill", "broker-a-master", 10.0)
    b.roles(10.3, {A: None, B: "broker-b-master"}, {A: ["broker-a-slave"], B: ["broker-b-slave"]})
    b.fault("start", "broker-a-master", 51.0)
    b.roles(53.0, {A: "broker-a-master", B: "broker-b-master"})
    final_read(b, meta, {A: acked_a + produced[A], B: acked_b + produced[B]})
    return meta, b


def test_2m2s_master_kill_leaves_the_group_unwritable_until_the_end_and_no_master_comes():
    meta, b = two_masters_two_slaves_kill()
    result = check(b.history(), meta)
    a, other = result.groups[A], result.groups[B]
    assert len(a.windows) == 1
    window = a.windows[0]
    assert window.start == pytest.approx(10.0) and window.until_end_of_run and window.fault == 0
    assert window.end == result.duration_seconds
    assert a.unwritable_seconds == pytest.approx(result.duration_seconds - 10.0)
    assert a.time_to_new_master_seconds is None
    assert a.time_to_master_back_seconds == pytest.approx(53.0 - 10.0)  # from the kill being sent
    assert (a.master_at_start, a.master_at_end) == ("broker-a-master", None)
    assert other.windows == [] and other.unwritable_seconds == 0
    said = result.verdicts[0]
    assert said.startswith("broker-a had no master for the rest of the run (39.7 s) after kill -9 of broker-a-master")
    assert "writes to broker-a never resumed" in said
    assert "fixed roles: brokerId is fixed (0 is the master), so a slave never takes over" in said
    assert result.verdicts[1].startswith("Producers: ") and "then they wrote to broker-b" in result.verdicts[1]
    assert result.totals["acknowledged_lost"] == 0


def test_dledger_elects_a_new_master_and_writes_resume_at_the_first_ok_probe():
    meta, b = raft_groups("dledger", "kill-master"), HistoryBuilder()
    b.roles(0.1, {A: "broker-a-n0", B: "broker-b-n0"})
    b.probes(A, 0.0, 40.0, failing=[(10.0, 19.5)], node="broker-a-n0")
    b.probes(B, 0.0, 40.0, node="broker-b-n0")
    b.fault("kill", "broker-a-n0", 10.0)
    b.roles(10.4, {A: None, B: "broker-b-n0"})
    b.roles(19.0, {A: "broker-a-n2", B: "broker-b-n0"})
    result = check(b.history(), meta)
    a = result.groups[A]
    assert a.time_to_new_master_seconds == pytest.approx(9.0)  # from the kill being sent
    assert [(w.start, w.end, w.until_end_of_run) for w in a.windows] == [(10.0, pytest.approx(19.504), False)]
    assert a.master_at_end == "broker-a-n2"
    said = result.verdicts[0]
    assert said.startswith("broker-a elected broker-a-n2 as master 9.0 s after kill -9 of broker-a-n0 at 10.0 s")
    assert "writes resumed after 9.5 s" in said
    assert any(v.startswith("Loss not checked: no final read was recorded, and 1,410 of 1,410 acknowledged")
               for v in result.verdicts)
    assert not any(v.startswith("LOST") for v in result.verdicts)


def test_overlapping_faults_on_two_groups_are_each_blamed_on_their_own():
    meta, b = two_by_two(), HistoryBuilder()
    b.roles(0.1, {A: "broker-a-master", B: "broker-b-master"})
    b.probes(A, 0.0, 40.0, failing=[(10.0, 21.0)])
    b.probes(B, 0.0, 40.0, failing=[(12.0, 26.0)])
    b.fault("kill", "broker-a-master", 10.0)
    b.roles(10.2, {A: None, B: "broker-b-master"})
    b.fault("kill", "broker-b-master", 12.0)
    b.roles(12.2, {A: None, B: None})
    b.fault("start", "broker-a-master", 20.0)
    b.roles(20.5, {A: "broker-a-master", B: None})
    b.fault("start", "broker-b-master", 25.0)
    b.roles(25.5, {A: "broker-a-master", B: "broker-b-master"})
    result = check(b.history(), meta)
    a, other = result.groups[A], result.groups[B]
    assert [(w.fault, w.overlaps_fault) for w in a.windows] == [(0, True)]
    assert [(w.fault, w.overlaps_fault) for w in other.windows] == [(1, True)]
    assert a.unwritable_seconds == pytest.approx(21.0 + 0.004 - 10.0)
    assert other.unwritable_seconds == pytest.approx(26.0 + 0.004 - 12.0)
    assert a.time_to_master_back_seconds == pytest.approx(20.5 - 10.0)
    assert other.time_to_master_back_seconds == pytest.approx(25.5 - 12.0)
    assert [f.undone_at for f in result.faults[:2]] == [20.05, 25.05]


def test_a_window_with_no_fault_is_marked_and_not_counted_and_a_threshold_hides_it():
    meta, b = two_by_two(), HistoryBuilder()
    b.probes(A, 0.0, 10.0, failing=[(3.0, 3.2)])
    b.probes(B, 0.0, 10.0)
    result = check(b.history(), meta)
    (window,) = result.groups[A].windows
    assert (window.fault, window.overlaps_fault) == (None, False)
    assert result.groups[A].unwritable_seconds == 0
    assert any("with no fault in force" in v for v in result.verdicts)
    quiet = check(b.history(), meta, ignore_below=0.5)
    assert quiet.groups[A].windows == [] and quiet.groups[A].ignored_windows == 1


def test_reads_from_the_slave_during_the_outage_are_counted():
    meta, b = two_masters_two_slaves_kill()
    for t, outcome in [(15.0, "ok"), (20.0, "ok"), (25.0, "fail"), (5.0, "ok")]:
        b.read("broker-a-slave", [], t, type=outcome, group=A, process="consumer-broker-a-slave")
    b.read("broker-a-master", [], 16.0, type="fail", group=A, process="consumer-broker-a")  # the dead master
    result = check(b.history(), meta)
    assert result.groups[A].slave_reads_during_outage == {"ok": 2, "fail": 1, "info": 0}
    assert any("consumers pulled from a non-master replica 3 times: 2 answered, 1 did not" in v
               for v in result.verdicts)


def test_async_master_losing_its_disk_explains_the_loss():
    meta, b = two_by_two("2m2s-async"), HistoryBuilder()
    acked = sends(b, keys(0, 10))
    b.fault("kill", "broker-a-master", 5.0)
    b.fault("destroy-store", "broker-a-master", 6.0)
    b.fault("start", "broker-a-master", 7.0)
    b.read("broker-a-master", [], 60.0, group=A)  # empty store after the restart
    b.read("broker-a-slave", list(zip(acked[:7], range(7), strict=True)), 60.0, group=A)
    result = check(b.history(), meta)
    assert [k["key"] for k in result.lost_keys] == acked[7:]
    loss = next(v for v in result.verdicts if v.startswith("LOST 3 acknowledged messages on broker-a"))
    assert "broker-a-master's store was destroyed at 6.0 s" in loss
    assert "broker-a-slave was read at the end and did not have them" in loss
    assert "brokerRole=ASYNC_MASTER acknowledges a send before its slave has a copy" in loss


def test_loss_of_a_slave_not_available_ack_says_it_was_on_the_master_only():
    meta, b = two_by_two("2m2s-sync"), HistoryBuilder()
    b.send("k-000001", 1.0, code=11)
    b.fault("destroy-store", "broker-a-master", 6.0)
    final_read(b, meta, {})
    result = check(b.history(), meta)
    loss = next(v for v in result.verdicts if v.startswith("LOST 1 acknowledged message on broker-a"))
    assert "1 had been acknowledged as SLAVE_NOT_AVAILABLE, i.e. stored on the master only" in loss


def test_loss_while_the_acking_replica_could_not_be_read_says_so():
    meta, b = two_by_two(), HistoryBuilder()
    sends(b, keys(0, 2))
    final_read(b, meta, {}, unreadable=("broker-a-master",))
    result = check(b.history(), meta)
    loss = next(v for v in result.verdicts if v.startswith("LOST 2 acknowledged messages on broker-a"))
    assert "broker-a-master could not be read at the end" in loss and "may still be on a replica" in loss
    assert "The final read could not read broker-a-master (1 of 1 queues: connection refused)." in result.verdicts


def test_consumed_then_gone_and_divergent_replicas_are_reported():
    meta, b = raft_groups("controller"), HistoryBuilder()
    acked = sends(b, keys(0, 5))
    b.read("broker-a-n0", list(zip(acked, range(5), strict=True)), 8.0, group=A, process="consumer-0")
    b.send("k-000009", 12.0)
    final_read(b, meta, {A: acked[:4] + ["k-000009"]}, unreadable=("broker-a-n0",))
    result = check(b.history(), meta)
    assert result.totals["missing_at_end"] == 1 and result.anomalies["missing_at_end_keys"] == ["k-000004"]
    assert result.totals["divergent_positions"] == 1 and result.totals["acknowledged_lost"] == 0
    assert any(v.startswith("DROPPED: 1 acknowledged message read by consumers") for v in result.verdicts)
    diverged = next(v for v in result.verdicts if v.startswith("DIVERGED"))
    assert "broker-a queue 0 offset 4: k-000004 on broker-a-n0; k-000009 on broker-a-n1, broker-a-n2" in diverged


def test_a_failed_send_that_was_stored_is_called_out():
    meta, b = two_by_two(), HistoryBuilder()
    b.send("k-000001", 1.0, type="fail", error="connection reset")
    final_read(b, meta, {A: ["k-000001"]})
    result = check(b.history(), meta)
    assert result.totals["failed_but_read"] == 1
    assert any(v.startswith("MISCLASSIFIED: 1 send recorded as failed was read after all") for v in result.verdicts)


def test_an_operation_cut_off_by_the_end_of_the_run_is_unknown():
    meta, b = two_by_two(), HistoryBuilder()
    b.send("k-000001", 1.0)
    b.never_completed_send("k-000002", 2.0)
    result = check(b.history(), meta)
    assert (result.totals["unknown"], result.totals["acknowledged"]) == (1, 1)
    assert result.warnings == ["1 operations never completed (the run was cut off?); counted as unknown."]


def test_an_ok_with_a_code_that_does_not_mean_stored_is_a_warning():
    meta, b = two_by_two(), HistoryBuilder()
    b.send("k-000001", 1.0, code=14)
    result = check(b.history(), meta)
    assert result.totals["acknowledged"] == 1
    assert any("response CODE_14, which does not mean stored" in w for w in result.warnings)


def test_a_fault_that_failed_did_not_happen():
    meta, b = two_by_two(), HistoryBuilder()
    b.probes(A, 0.0, 10.0, failing=[(5.0, 6.0)])
    b.fault("kill", "broker-a-master", 5.0, type="fail", error="no such container")
    result = check(b.history(), meta)
    assert result.groups[A].windows[0].overlaps_fault is False
    assert "kill -9 of broker-a-master at 5.0 s failed (no such container): that fault did not happen." in \
        result.verdicts


def test_a_paused_master_stays_listed_and_the_verdict_says_why():
    meta, b = two_by_two(), HistoryBuilder()
    b.roles(0.1, {A: "broker-a-master", B: "broker-b-master"})
    b.probes(A, 0.0, 50.0, failing=[(10.0, 40.5)])
    b.fault("pause", "broker-a-master", 10.0)
    b.fault("unpause", "broker-a-master", 40.0)
    result = check(b.history(), meta)
    said = result.verdicts[0]
    assert said.startswith("the name server kept listing broker-a-master as master of broker-a after pause")
    assert "for all 30.0 s until it was released" in said and "writes resumed after 30.5 s" in said
    assert "name server expiry, 90–125 s (it was released before that)" in said
    assert "the name server drops one only when more than brokerChannelExpiredTime 120 s pass after its last " \
           "registration (every registerNameServerPeriod 30 s), checked every scanNotActiveBrokerInterval 5 s" in said
    assert result.groups[A].time_to_new_master_seconds is None


def test_a_slave_kill_that_did_not_stop_writes_says_so():
    meta, b = two_by_two(), HistoryBuilder()
    b.roles(0.1, {A: "broker-a-master", B: "broker-b-master"})
    b.probes(A, 0.0, 20.0)
    b.fault("kill", "broker-a-slave", 10.0)
    result = check(b.history(), meta)
    assert result.groups[A].elections == []
    assert "kill -9 of broker-a-slave at 10.0 s did not stop writes to broker-a." in result.verdicts


def test_dledger_without_a_majority_says_so():
    meta, b = raft_groups("dledger"), HistoryBuilder()
    b.roles(0.1, {A: "broker-a-n0", B: "broker-b-n0"})
    b.probes(A, 0.0, 30.0, failing=[(10.0, 99.0)])
    b.fault("kill", "broker-a-n1", 8.0)
    b.fault("kill", "broker-a-n0", 10.0)
    b.roles(10.3, {A: None, B: "broker-b-n0"})
    result = check(b.history(), meta)
    said = next(v for v in result.verdicts if v.startswith("broker-a had no master"))
    assert "2 of 3 replicas were down, leaving no majority to elect a leader" in said


def test_producers_on_a_stale_route_do_not_stretch_the_groups_window():
    """Seen on a real dledger run: the probe wrote to the new master at once, while producers kept
    failing against the dead one until their 30 s route refresh. The group was writable; the clients
    were not told yet, and the report must say both."""
    meta, b = raft_groups("dledger", "kill-master"), HistoryBuilder()
    b.roles(0.1, {A: "broker-a-n0", B: "broker-b-n0"})
    b.probes(A, 0.0, 40.0, failing=[(10.0, 18.5)], node="broker-a-n0")
    b.probes(B, 0.0, 40.0, node="broker-b-n0")
    b.fault("kill", "broker-a-n0", 10.0)
    b.roles(10.3, {A: None, B: "broker-b-n0"})
    b.roles(18.4, {A: "broker-a-n1", B: "broker-b-n0"})
    for n, t in enumerate(x / 10 for x in range(100, 300, 3)):
        b.send(f"k-{n:06d}", t, t + 0.002, "fail", node="broker-a-n0", error="connection refused")
    b.send("k-999999", 30.1, 30.104, node="broker-a-n1")
    result = check(b.history(), meta)
    windows = result.groups[A].windows
    assert [(w.start, round(w.end, 2)) for w in windows] == [(10.0, 18.5)]
    assert "writes resumed after 8.5 s" in result.verdicts[0]
    producers = result.verdicts[1]
    assert producers.startswith("Producers: 67 of 68 sends failed after kill -9 of broker-a-n0 at 10.0 s")
    assert "the last 19.8 s after the fault" in producers and "(within it here)" in producers
