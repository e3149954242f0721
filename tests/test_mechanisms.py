"""The plain-words failover knowledge: RocketMQ's defaults, values a cluster's files set, and the sentences
each mode gets (the dashboard's feed reads them; so will experiment verdicts)."""

from __future__ import annotations

from rmqlab.topology import mechanisms as m
from rmqlab.topology.model import Mode


def test_dledger_takes_the_heartbeat_timeout_plus_a_vote_delay():
    assert m.dledger_timeout_ms() == 6000
    # The last heartbeat came up to one interval before the leader went: 6 s - 2 s + 0.3 s .. 6 s + 1 s.
    assert m.expected_new_master_s(Mode.DLEDGER, m.CLOSED) == (4.3, 7.0)
    text = m.master_lost(Mode.DLEDGER, "5.5.0", "broker-a", m.CLOSED)
    assert "2000 ms × 3 = 6 s" in text and "300–1000 ms" in text and "no broker file changes" in text
    assert "a new one is elected 4.3–7 s after it went" in text


def test_dledger_timing_cannot_be_set_from_a_broker_file():
    assert m.value("heartBeatTimeIntervalMs", {"heartBeatTimeIntervalMs": "500"}).ms == 2000


def test_2m2s_never_switches_and_says_why():
    assert m.expected_new_master_s(Mode.SYNC_2M2S, m.CLOSED) is None
    text = m.master_lost(Mode.ASYNC_2M2S, "4.9.7", "broker-b", m.CLOSED, ("broker-b-slave",))
    assert text.startswith("broker-b has no master; brokerId is fixed (broker-b-slave keeps brokerId 1), so the "
                           "slave never takes over.")
    assert "pollNameServerInterval 30 s" in text


def test_a_frozen_2m2s_master_waits_for_the_name_servers_expiry_and_its_scan_by_version():
    five = m.master_frozen(Mode.SYNC_2M2S, "5.5.0", "broker-a-master", "broker-a")
    assert "checked every scanNotActiveBrokerInterval 5 s" in five and "stays listed as master for 90–125 s" in five
    four = m.master_frozen(Mode.SYNC_2M2S, "4.7.0", "broker-a-master", "broker-a")
    assert "brokerChannelExpiredTime 120 s pass after its last registration" in four
    assert "checked every 10 s (fixed in 4.x)" in four and "90–130 s" in four


def test_controller_timing_follows_the_configured_values():
    # The last heartbeat (every brokerHeartbeatInterval 1 s) came up to 1 s before; the scan runs every 5 s.
    assert m.expected_new_master_s(Mode.CONTROLLER, m.SILENT) == (9.0, 15.0)
    assert m.expected_new_master_s(Mode.CONTROLLER, m.CLOSED) == (0.0, 0.0)
    config = {"controllerHeartBeatTimeoutMills": "4000", "scanNotActiveBrokerInterval": "1000"}
    assert m.expected_new_master_s(Mode.CONTROLLER, m.SILENT, config) == (3.0, 5.0)
    text = m.master_lost(Mode.CONTROLLER, "5.5.0", "broker-a", m.SILENT, config=config)
    assert ("more than controllerHeartBeatTimeoutMills 4 s pass without its heartbeat (sent every "
            "brokerHeartbeatInterval 1 s), checked every scanNotActiveBrokerInterval 1 s") in text
    assert m.value("controllerHeartBeatTimeoutMills", {"controllerHeartBeatTimeoutMills": "x"}).configured is False


def test_slave_loss_differs_by_mode_and_version():
    assert "FLUSH_SLAVE_TIMEOUT" in m.replica_lost(Mode.SYNC_2M2S, "5.5.0", "broker-a-slave", "broker-a", "m")
    assert "SLAVE_NOT_AVAILABLE" in m.replica_lost(Mode.SYNC_2M2S, "4.9.7", "broker-a-slave", "broker-a", "m")
    assert "does not wait" in m.replica_lost(Mode.ASYNC_2M2S, "5.5.0", "broker-a-slave", "broker-a", "m")
    assert "majority" in m.replica_lost(Mode.DLEDGER, "5.5.0", "broker-a-n1", "broker-a", "broker-a-n0")


def test_role_words():
    assert m.role_word(Mode.DLEDGER, "master") == "leader" and m.role_word(Mode.DLEDGER, "slave") == "follower"
    assert m.role_word(Mode.CONTROLLER, "master") == "master"
    assert m.role_word(Mode.DLEDGER, "not registered") == "not registered"
