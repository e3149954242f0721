"""The ranges each failover figure should fall in, by mechanism, version and the settings' values; and the
settings themselves as a run records them (run.json) and reads them back."""

from __future__ import annotations

import pytest

from rmqlab.topology import bounds
from rmqlab.topology.model import Mode
from rmqlab.topology.timing import CLOSED, KNOBS, SILENT, Settings


def span(bound):
    return (bound.low, bound.high)


def test_dledger_election_counts_from_the_last_heartbeat_not_from_the_fault():
    five = bounds.new_master(Mode.DLEDGER, "5.5.0", CLOSED, Settings())
    # more than 2 s × 3 since a heartbeat that came up to 2 s before the kill, then a 0.3–1 s vote wait
    assert span(five) == pytest.approx((4.3, 7.0))
    assert span(bounds.new_master(Mode.DLEDGER, "4.9.7", CLOSED, Settings())) == span(five)
    assert five.mechanism == "DLedger election" and five.then.startswith("the new leader's role change")
    assert "heartBeatTimeIntervalMs × maxHeartBeatLeak = 2000 ms × 3 = 6 s" in five.why
    assert five.settings() == {"heartBeatTimeIntervalMs": 2000, "maxHeartBeatLeak": 3, "minVoteIntervalMs": 300,
                               "maxVoteIntervalMs": 1000}


def test_a_silent_dledger_leader_holds_the_first_vote_round():
    paused = bounds.new_master(Mode.DLEDGER, "5.5.0", SILENT, Settings())
    assert span(paused) == pytest.approx((6.3, 10.0))  # + 2000 ms + random(maxVoteIntervalMs) waiting for its answer
    assert "silent old leader" in paused.why
    # DLedger 0.1 (4.7.0) may win its first round at once, and waits 3 s + random for a silent peer
    assert span(bounds.new_master(Mode.DLEDGER, "4.7.0", CLOSED, Settings())) == pytest.approx((4.0, 7.0))
    assert span(bounds.new_master(Mode.DLEDGER, "4.7.0", SILENT, Settings())) == pytest.approx((4.0, 15.0))


def test_dledger_bounds_follow_the_values_a_run_recorded():
    settings = Settings.from_record({"heartBeatTimeIntervalMs": {"value": 500, "set": True}})
    bound = bounds.new_master(Mode.DLEDGER, "5.5.0", CLOSED, settings)
    assert span(bound) == pytest.approx((1.3, 2.5))
    assert "500 ms × 3 = 1.5 s" in bound.why and "up to 500 ms before the leader went" in bound.why


def test_controller_switches_at_once_on_a_closed_connection_and_by_timeout_on_a_silent_one():
    closed = bounds.new_master(Mode.CONTROLLER, "5.5.0", CLOSED, Settings())
    assert span(closed) == (0.0, 0.0) and closed.span() == "at once"
    assert "without waiting out controllerHeartBeatTimeoutMills 10 s" in closed.why
    silent = bounds.new_master(Mode.CONTROLLER, "5.5.0", SILENT, Settings())
    assert span(silent) == pytest.approx((9.0, 15.0)) and silent.span() == "9–15 s"
    tuned = Settings.of_config({"controllerHeartBeatTimeoutMills": "3000", "brokerHeartbeatInterval": "500",
                                "scanNotActiveBrokerInterval": "1000"})
    assert span(bounds.new_master(Mode.CONTROLLER, "5.5.0", SILENT, tuned)) == pytest.approx((2.5, 4.0))


def test_fixed_roles_never_elect():
    bound = bounds.new_master(Mode.SYNC_2M2S, "5.5.0", CLOSED, Settings())
    assert bound.never and bound.span() == "never" and bound.judge(None) is None
    assert bound.short() == "fixed roles: never"


def test_a_frozen_2m2s_master_stays_listed_until_its_registration_expires():
    five = bounds.frozen_listing("5.5.0", Settings())
    # its last registration came up to 30 s before the pause; 120 s after it, the next scan (every 5 s) drops it
    assert span(five) == pytest.approx((90.0, 125.0))
    assert "checked every scanNotActiveBrokerInterval 5 s" in five.why
    four = bounds.frozen_listing("4.9.7", Settings())
    assert span(four) == pytest.approx((90.0, 130.0)) and "10 s (fixed in 4.x)" in four.why
    assert set(four.settings()) == {"brokerChannelExpiredTime", "registerNameServerPeriod"}
    faster = Settings.of_config({"registerNameServerPeriod": "10000"})
    assert span(bounds.frozen_listing("5.5.0", faster)) == pytest.approx((110.0, 125.0))


def test_producers_keep_a_dead_master_until_their_route_refresh():
    bound = bounds.producers(Settings().with_values({"sendMsgTimeout": 5000}), "broker-a-n0", 0.3, still_listed=False)
    assert span(bound) == pytest.approx((0.0, 35.3)) and bound.span() == "at most 35.3 s"
    assert "pollNameServerInterval 30 s" in bound.why and "sendMsgTimeout 5 s" in bound.why
    assert "retryTimesWhenSendFailed 2" in bound.why
    listed = bounds.producers(Settings(), "broker-a-master", 25.0, still_listed=True)
    assert span(listed) == pytest.approx((0.0, 28.0)) and "kept listing broker-a-master" in listed.why
    endless = bounds.producers(Settings(), "x", None, still_listed=True)
    assert endless.high is None and endless.span() == "unbounded" and endless.judge(50.0) is None


def test_judging_a_measured_figure_against_its_range():
    bound = bounds.new_master(Mode.DLEDGER, "5.5.0", CLOSED, Settings())
    assert [bound.judge(m) for m in (2.0, 4.2, 5.0, 7.2, 7.9, None)] == [
        "below", "within", "within", "within", "above", None]


def test_settings_round_trip_through_a_record_and_an_old_run_has_none():
    settings = Settings.of_files({"broker-a-master": {"registerNameServerPeriod": "10000"}, "broker-a-slave": {},
                                  "broker-b-master": {}}, {"namesrv-a": {"scanNotActiveBrokerInterval": "2000"}})
    record = settings.with_values({"sendMsgTimeout": 5000, "pollNameServerInterval": 30000}).to_record()
    assert set(record) == set(KNOBS)
    assert record["registerNameServerPeriod"] == {"value": 30000, "set": False, "by_node": {"broker-a-master": 10000}}
    assert record["scanNotActiveBrokerInterval"] == {"value": 2000, "set": True}
    assert record["sendMsgTimeout"] == {"value": 5000, "set": True}
    # the default, though the workload gives it
    assert record["pollNameServerInterval"] == {"value": 30000, "set": False}
    back = Settings.from_record(record)
    assert back.recorded and back.to_record() == record
    old = Settings.from_record(None)
    assert not old.recorded and old["sendMsgTimeout"].ms == 3000 and not old["sendMsgTimeout"].configured
    garbled = Settings.from_record({"sendMsgTimeout": {"value": "soon"}, "nonsense": {"value": 1}})
    assert garbled.recorded and garbled["sendMsgTimeout"].ms == 3000
