"""The tour's answers on hand-built histories: every figure it says is read from the history, and the why comes
from the mechanism with the run's recorded settings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rmqlab.experiment.check import answers
from rmqlab.experiment.check.checker import check
from rmqlab.topology.timing import Settings
from testkit.synthetic import HistoryBuilder, run_meta, two_by_two

A = "broker-a"
SYNC_IDS = {A: {"broker-a-master": 0, "broker-a-slave": 1}}


def _2m2s_kill_and_start(start_at=20.0, back_at=24.0):
    meta = replace(two_by_two(), settings=Settings.of_config({}).to_record())
    b = HistoryBuilder()
    b.roles(0.1, {A: "broker-a-master"}, {A: ["broker-a-slave"]}, ids=SYNC_IDS)
    b.probes(A, 0.0, 40.0, failing=[(10.0, back_at + 0.1)])
    b.fault("kill", "broker-a-master", 10.0)
    b.roles(10.2, {A: None}, {A: ["broker-a-slave"]}, ids={A: {"broker-a-slave": 1}})
    b.fault("start", "broker-a-master", start_at)
    b.roles(back_at, {A: "broker-a-master"}, {A: ["broker-a-slave"]}, ids=SYNC_IDS)
    return meta, b.history()


def test_no_takeover_in_2m2s_says_how_long_it_watched_and_the_slave_s_listed_id():
    meta, history = _2m2s_kill_and_start()
    result = check(history, meta)
    found = answers.takeover(history, result, 0, A)
    assert found.yes is False
    assert found.figures["watched_seconds"] == 10.0  # until the start at 20 s
    assert found.figures["slave_ids"] == {"broker-a-slave": 1}
    assert found.figures["masterless_seconds"] == pytest.approx(9.8)
    assert found.said.startswith("No. For the 10.0 s watched after kill -9 of broker-a-master, broker-a had no "
                                 "master; broker-a-slave (brokerId 1) stayed listed as a slave; writes to broker-a "
                                 "failed from 0.0 s after it on, all the time watched.")
    assert found.why.startswith("Why: fixed roles: brokerId is fixed (0 is the master)")


def test_the_watch_is_as_long_as_the_history_says():
    meta, history = _2m2s_kill_and_start(start_at=27.5, back_at=29.0)
    found = answers.takeover(history, check(history, meta), 0, A)
    assert found.figures["watched_seconds"] == 17.5


def test_the_master_coming_back_is_timed_from_its_start():
    meta, history = _2m2s_kill_and_start(start_at=20.0, back_at=23.4)
    result = check(history, meta)
    found = answers.comeback(history, result, 0, 1, A, "broker-a-master")
    assert found.yes is True
    assert found.figures["listed_seconds"] == pytest.approx(3.4)
    assert found.figures["broker_id"] == 0
    assert found.figures["writable_seconds"] == pytest.approx(3.55, abs=0.06)  # the first ok probe after it
    assert "registerNameServerPeriod 30 s" in found.why and "nothing switched back" in found.why


def test_a_dledger_election_is_measured_and_judged_against_the_bound():
    nodes = ["broker-a-n0", "broker-a-n1", "broker-a-n2"]
    meta = replace(run_meta("dledger", {A: nodes}), settings=Settings.of_config({}).to_record())
    b = HistoryBuilder()
    b.roles(0.1, {A: "broker-a-n0"}, ids={A: {"broker-a-n0": 0, "broker-a-n1": 1, "broker-a-n2": 2}})
    b.probes(A, 0.0, 30.0, failing=[(10.0, 15.7)])
    b.fault("kill", "broker-a-n0", 10.0)
    b.roles(10.2, {A: None}, ids={A: {"broker-a-n1": 1, "broker-a-n2": 2}})
    b.roles(15.6, {A: "broker-a-n2"}, ids={A: {"broker-a-n1": 1, "broker-a-n2": 0}})
    history = b.history()
    found = answers.takeover(history, check(history, meta), 0, A)
    assert found.yes is True
    assert found.figures["new_master"] == "broker-a-n2"
    assert found.figures["new_master_seconds"] == pytest.approx(5.6)
    assert "within it here" in found.why and "2000 ms × 3 = 6 s" in found.why


def test_sends_with_the_slave_gone_are_counted_by_their_codes():
    meta = replace(two_by_two(), settings=Settings.of_config({}).to_record())
    b = HistoryBuilder()
    b.roles(0.1, {A: "broker-a-master"}, {A: ["broker-a-slave"]}, ids=SYNC_IDS)
    b.probes(A, 0.0, 9.9)
    b.fault("kill", "broker-a-slave", 10.0)
    b.roles(10.3, {A: "broker-a-master"}, ids={A: {"broker-a-master": 0}})
    for n in range(4):
        b.send(f"p-broker-a-9{n:05d}", 10.5 + n * 0.1, 13.5 + n * 0.1, process="probe-broker-a", code=12)
    history = b.history()
    found = answers.sends_alone(history, check(history, meta), 0, A, "broker-a-slave")
    assert found.yes is True
    assert found.figures == {"sends": 4, "stored": 4, "codes": {"FLUSH_SLAVE_TIMEOUT": 4}, "median_seconds": 3.0}
    assert "predicts" not in found.said
    assert "slaveTimeout (3 s)" in found.why


def test_codes_other_than_the_mechanism_s_are_called_out():
    meta = replace(two_by_two(), settings=Settings.of_config({}).to_record())
    b = HistoryBuilder()
    b.roles(0.1, {A: "broker-a-master"}, {A: ["broker-a-slave"]}, ids=SYNC_IDS)
    b.fault("kill", "broker-a-slave", 10.0)
    b.roles(10.3, {A: "broker-a-master"}, ids={A: {"broker-a-master": 0}})
    for n in range(3):
        b.send(f"p-broker-a-{n:06d}", 11 + n, 11.01 + n, process="probe-broker-a", code=0)
    history = b.history()
    found = answers.sends_alone(history, check(history, meta), 0, A, "broker-a-slave")
    assert "the mechanism below predicts FLUSH_SLAVE_TIMEOUT, so this is not what it describes" in found.said
