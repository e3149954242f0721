"""Each failover figure next to its cause, on hand-built histories: the mechanism, the settings with the values
run.json recorded, and the range they predict. The checker reads the settings from run.json alone."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from rmqlab.experiment.check.checker import check
from rmqlab.experiment.check.history import HISTORY_FILE
from rmqlab.experiment.check.runmeta import RUN_FILE, RunMeta
from rmqlab.experiment.report.files import REPORT_JSON, render_run
from rmqlab.topology.timing import Settings
from testkit.synthetic import HistoryBuilder, raft_groups, run_meta, two_by_two

A, B = "broker-a", "broker-b"
SEND_TIMEOUT = {"sendMsgTimeout": 5000}  # what the runner records for the default workload (5 s sends)


def recorded(meta, **values):
    """The meta with run.json settings, as the runner records them: the files' keys and the client's."""
    settings = Settings.of_config({k: str(v) for k, v in values.items()}).with_values(
        {**SEND_TIMEOUT, **{k: v for k, v in values.items() if k == "heartBeatTimeIntervalMs"}})
    return replace(meta, settings=settings.to_record())


def dledger_kill(elected_at=17.9, meta=None):
    meta = meta or recorded(run_meta("dledger", {A: ["broker-a-n0", "broker-a-n1", "broker-a-n2"]}, "kill-master"))
    b = HistoryBuilder()
    b.roles(0.1, {A: "broker-a-n0"})
    b.probes(A, 0.0, 40.0, failing=[(10.02, elected_at - 0.1)], node="broker-a-n0")
    for n, t in enumerate(x / 10 for x in range(102, 300, 4)):
        b.send(f"k-{n:06d}", t, t + 0.002, "fail", node="broker-a-n0", error="connection refused")
    b.send("k-999999", 30.0, 30.004, node="broker-a-n1")
    b.fault("kill", "broker-a-n0", 10.0)
    b.roles(10.3, {A: None})
    b.roles(elected_at, {A: "broker-a-n1"})
    return meta, b


def the(result, figure, group=A):
    group = None if figure == "producers" else group
    return next(c for c in result.causes if c.figure == figure and c.group == group)


def test_a_dledger_election_is_explained_with_the_recorded_values_and_judged():
    meta, b = dledger_kill()
    result = check(b.history(), meta)
    cause = the(result, "new_master")
    assert (cause.measured, cause.bound.low, cause.bound.high, cause.judged) == (
        pytest.approx(7.9), pytest.approx(4.3), pytest.approx(7.0), "above")
    said = result.verdicts[0]
    assert said.startswith("broker-a elected broker-a-n1 as master 7.9 s after kill -9 of broker-a-n0 at 10.0 s; "
                           "writes resumed after 7.8 s. Why: DLedger election, 4.3–7 s, then the new leader's role "
                           "change (here 0.9 s more): a follower stands for election once more than "
                           "heartBeatTimeIntervalMs × maxHeartBeatLeak = 2000 ms × 3 = 6 s pass without a heartbeat")
    assert "registers as master once its log is committed and dispatched" in said
    report = result.to_dict()
    assert report["settings_recorded"] is True and report["settings"]["sendMsgTimeout"] == {"value": 5000, "set": True}
    assert report["causes"][0] == {
        "fault": 0, "group": A, "figure": "new_master", "measured_seconds": 7.9, "mechanism": "DLedger election",
        "expected": "4.3–7 s", "expected_seconds": [4.3, 7.0], "judged": "above",
        "settings": {"heartBeatTimeIntervalMs": 2000, "maxHeartBeatLeak": 3, "minVoteIntervalMs": 300,
                     "maxVoteIntervalMs": 1000},
        "why": cause.bound.why, "then": cause.bound.then}


def test_the_values_come_from_run_json_not_from_defaults():
    meta, b = dledger_kill(elected_at=12.2, meta=recorded(
        run_meta("dledger", {A: ["broker-a-n0", "broker-a-n1", "broker-a-n2"]}), heartBeatTimeIntervalMs=500))
    result = check(b.history(), meta)
    said = result.verdicts[0]
    assert "DLedger election, 1.3–2.5 s" in said and "= 500 ms × 3 = 1.5 s" in said and "(within it here)" in said


def test_an_old_run_json_without_settings_is_explained_by_rocketmqs_defaults_and_says_so():
    meta, b = dledger_kill(meta=run_meta("dledger", {A: ["broker-a-n0", "broker-a-n1", "broker-a-n2"]}))
    assert meta.settings == {}
    result = check(b.history(), meta)
    assert result.verdicts[0].count("Why (RocketMQ's defaults: this run recorded no settings): DLedger election") == 1
    assert result.to_dict()["settings_recorded"] is False
    assert "sendMsgTimeout 3 s" in result.verdicts[1]  # the client's own default, not the workload's 5 s


def test_a_folder_with_a_run_json_from_before_settings_is_reported(tmp_path):
    meta, b = dledger_kill(meta=run_meta("dledger", {A: ["broker-a-n0", "broker-a-n1", "broker-a-n2"]}))
    legacy = meta.to_dict()
    del legacy["settings"]
    (tmp_path / RUN_FILE).write_text(json.dumps(legacy))
    b.write(tmp_path / HISTORY_FILE)
    loaded, result = render_run(tmp_path)
    assert loaded.settings == {} and "settings" not in loaded.extra
    report = json.loads((tmp_path / REPORT_JSON).read_text())
    assert report["settings_recorded"] is False and report["causes"][0]["expected_seconds"] == [4.3, 7.0]


def test_run_json_keeps_the_settings():
    meta = recorded(two_by_two(), registerNameServerPeriod=10000)
    assert RunMeta.from_dict(json.loads(json.dumps(meta.to_dict()))) == meta
    assert meta.to_dict()["settings"]["registerNameServerPeriod"] == {"value": 10000, "set": True}


def test_producers_are_explained_by_their_route_refresh():
    meta, b = dledger_kill()
    result = check(b.history(), meta)
    producers = result.verdicts[1]
    assert producers.startswith(
        "Producers: 50 of 51 sends failed after kill -9 of broker-a-n0 at 10.0 s, the last 19.8 s after the fault; "
        "then they wrote to broker-a. Why: route refresh, at most 35.3 s (within it here): a producer refreshes its "
        "route every pollNameServerInterval 30 s, so it keeps sending to broker-a-n0 until its first refresh after "
        "the name server stopped listing it (0.3 s after the fault)")
    assert "retryTimesWhenSendFailed 2" in producers and "sendMsgTimeout 5 s" in producers
    assert the(result, "producers").measured == pytest.approx(19.802)  # the last failure completed at 29.802 s


def test_grpc_producers_are_explained_by_the_proxy_s_and_the_client_s_route_refresh_not_java_settings():
    meta, b = dledger_kill()
    meta = replace(meta, extra={**meta.extra, "client": {"name": "grpc", "settings": {"requestTimeout": 3000}}})
    result = check(b.history(), meta)
    why = the(result, "producers").bound
    # a send in flight: 3 s per attempt, 3 attempts (the proxy's grpcClientProducerMaxAttempts), resent at once
    assert why.mechanism == "proxy and client route refresh" and why.high == pytest.approx(0.3 + 30 + 20 + 3 * 3)
    assert "every 30 s (fixed in the client)" in why.why and "topicRouteServiceCacheRefreshSeconds 20 s" in why.why
    assert "3 s per attempt, 3 attempts (grpcClientProducerMaxAttempts" in why.why
    assert "pollNameServerInterval" not in result.verdicts[1] and "retryTimesWhenSendFailed" not in result.verdicts[1]


def test_a_figure_faster_than_the_mechanism_allows_is_called_out():
    meta, b = dledger_kill(elected_at=11.0)
    said = check(b.history(), meta).verdicts[0]
    assert "(here 3.3 s sooner: less than this mechanism allows)" in said


def controller(fault, elected_at):
    meta, b = recorded(raft_groups("controller", "kill-master")), HistoryBuilder()
    b.roles(0.1, {A: "broker-a-n0", B: "broker-b-n0"})
    b.probes(A, 0.0, 40.0, failing=[(10.0, elected_at)], node="broker-a-n0")
    b.fault(fault, "broker-a-n0", 10.0)
    b.roles(elected_at, {A: "broker-a-n1", B: "broker-b-n0"})
    return check(b.history(), meta)


def test_a_controller_switches_at_once_after_a_kill_and_after_its_timeout_after_a_pause():
    killed = controller("kill", 10.4)
    assert ("Why: controller, connection closed, at once, then the election among the in-sync replicas and the new "
            "master's registration (here 0.4 s more): the master's connection closed, so the controller switches to "
            "an in-sync replica at once, without waiting out controllerHeartBeatTimeoutMills 10 s."
            ) in killed.verdicts[0]
    paused = controller("pause", 22.5)
    assert "Why: controller, silent master, 9–15 s, then the election" in paused.verdicts[0]
    assert "(within it here)" in paused.verdicts[0]
    assert "more than controllerHeartBeatTimeoutMills 10 s pass without its heartbeat" in paused.verdicts[0]


def test_a_2m2s_kill_names_the_fixed_roles():
    meta, b = recorded(two_by_two("2m2s-sync", "kill-master")), HistoryBuilder()
    b.roles(0.1, {A: "broker-a-master", B: "broker-b-master"})
    b.probes(A, 0.0, 40.0, failing=[(10.0, 30.0)])
    b.fault("kill", "broker-a-master", 10.0)
    b.roles(10.3, {A: None, B: "broker-b-master"})
    b.fault("start", "broker-a-master", 25.0, 26.0)
    b.roles(29.9, {A: "broker-a-master", B: "broker-b-master"})
    result = check(b.history(), meta)
    said = result.verdicts[0]
    assert "broker-a-master was master again 19.9 s after the fault, 3.9 s after it was started again" in said
    assert said.endswith("Why: fixed roles: brokerId is fixed (0 is the master), so a slave never takes over; the "
                         "group takes writes again only when its master is back.")
    cause = result.to_dict()["causes"][0]
    assert (cause["figure"], cause["expected"], cause["expected_seconds"], cause["judged"]) == (
        "new_master", "never", None, None)


def paused_2m2s(listed_until=None, end=50.0, unpause=40.0):
    meta, b = recorded(two_by_two("2m2s-sync", "pause-master")), HistoryBuilder()
    b.roles(0.1, {A: "broker-a-master", B: "broker-b-master"})
    b.probes(A, 0.0, end, failing=[(10.0, min(unpause, listed_until or end) + 0.5)], failure="info")
    b.fault("pause", "broker-a-master", 10.0)
    if listed_until is not None:
        b.roles(listed_until, {A: None, B: "broker-b-master"})
    b.fault("unpause", "broker-a-master", unpause)
    return check(b.history(), meta)


def test_a_paused_2m2s_master_is_explained_by_the_name_servers_expiry():
    released = paused_2m2s()
    cause = the(released, "listed")
    assert cause.measured is None and (cause.bound.low, cause.bound.high) == (90.0, 125.0)
    assert "Why: name server expiry, 90–125 s (it was released before that)" in released.verdicts[0]
    dropped = paused_2m2s(listed_until=112.0, end=130.0, unpause=125.0)
    assert the(dropped, "listed").measured == pytest.approx(102.0)
    assert "Why: name server expiry, 90–125 s (within it here)" in dropped.verdicts[0]


def test_a_fault_on_a_follower_has_no_failover_cause():
    meta, b = recorded(raft_groups("dledger")), HistoryBuilder()
    b.roles(0.1, {A: "broker-a-n0", B: "broker-b-n0"})
    b.probes(A, 0.0, 20.0)
    b.fault("kill", "broker-a-n1", 10.0)
    result = check(b.history(), meta)
    assert result.causes == [] and not any("Why" in v for v in result.verdicts)


def test_the_runner_records_the_rendered_files_and_the_workloads_client_settings():
    from rmqlab.experiment.run.runner import failover_settings
    from rmqlab.experiment.run.scenario import Workload
    from rmqlab.topology.layouts import build_cluster
    from rmqlab.topology.model import ClusterSpec, Mode

    cluster = build_cluster(ClusterSpec(mode=Mode.CONTROLLER))
    record = failover_settings(cluster, Workload(route_refresh=10.0, send_timeout=4.0)).to_record()
    assert record["pollNameServerInterval"] == {"value": 10000, "set": True}
    assert record["sendMsgTimeout"] == {"value": 4000, "set": True}
    assert record["retryTimesWhenSendFailed"] == {"value": 2, "set": False}
    assert record["controllerHeartBeatTimeoutMills"] == {"value": 10000, "set": False}  # no rendered file sets it
