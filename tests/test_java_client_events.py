"""--client java: the Java program's lines become the run's history exactly as the contract says."""

import json
import threading
import time

import pytest

from rmqlab.errors import BadInput
from rmqlab.experiment.check.history import (
    FAIL,
    INFO,
    INVOKE,
    OK,
    HistoryWriter,
    quorum_timeout_answer,
    read_history,
)
from rmqlab.experiment.run.javaproducer import JavaEvents, JavaProducers, LineTail, program_args
from rmqlab.experiment.run.scenario import Workload

ADDRS = {"10.0.0.11:10911": "broker-a-master", "10.0.0.12:10911": "broker-b-master"}


def _line(**event) -> str:
    return json.dumps(event)


def _invoke(p, a, key, group="broker-a", addr="10.0.0.11:10911", ms=1000):
    return _line(e="invoke", p=p, a=a, key=key, seq=int(key[2:]), group=group, queue=1, addr=addr, ms=ms)


def _history(tmp_path, lines):
    with HistoryWriter(tmp_path / "history.jsonl") as history:
        events = JavaEvents(history, ADDRS)
        for line in lines:
            events.feed(line)
    return events, read_history(tmp_path / "history.jsonl")


def test_an_acknowledged_attempt_carries_its_group_node_queue_and_offset(tmp_path):
    _, history = _history(tmp_path, [
        _invoke(0, 0, "k-000001"),
        _line(e="done", p=0, a=0, type="ok", status="SEND_OK", offset=7, msg_id="AB", ms=1005),
    ])
    invoke, ok = history
    assert (invoke.type, invoke.process, invoke.group, invoke.node, invoke.queue) == (
        INVOKE, "producer-java-0", "broker-a", "broker-a-master", 1)
    assert invoke.value == {"key": "k-000001", "seq": 1}
    assert (ok.type, ok.code, ok.code_name, ok.offset, ok.msg_id, ok.op_id) == (OK, 0, "SUCCESS", 7, "AB", invoke.op_id)
    assert ok.extra["client_wall"] == 1.005


def test_a_degraded_status_is_stored_and_a_status_unknown_to_rmqlab_is_info(tmp_path):
    _, history = _history(tmp_path, [
        _invoke(0, 0, "k-000001"), _line(e="done", p=0, a=0, type="ok", status="FLUSH_SLAVE_TIMEOUT", ms=1),
        _invoke(0, 1, "k-000002"), _line(e="done", p=0, a=1, type="ok", status="SOMETHING_NEW", ms=1),
    ])
    assert [(e.type, e.code_name) for e in history if e.type != INVOKE] == [(OK, "FLUSH_SLAVE_TIMEOUT"), (INFO, None)]


def test_broker_refusals_fail_with_their_code_and_timeouts_stay_unknown(tmp_path):
    _, history = _history(tmp_path, [
        _invoke(1, 0, "k-000003"),
        _line(e="done", p=1, a=0, type="fail", code=14, remark="busy", error="MQBrokerException: busy", ms=2),
        _invoke(1, 1, "k-000003", group="broker-b", addr="10.0.0.12:10911"),
        _line(e="done", p=1, a=1, type="info", error="RemotingTimeoutException: wait 5000ms", ms=3),
    ])
    done = [e for e in history if e.type != INVOKE]
    assert [(e.type, e.code, e.code_name, e.group, e.node) for e in done] == [
        (FAIL, 14, "SERVICE_NOT_AVAILABLE", "broker-a", "broker-a-master"),
        (INFO, None, None, "broker-b", "broker-b-master")]
    assert done[1].error.startswith("RemotingTimeoutException")


def test_a_send_refused_before_any_attempt_fails_without_a_group(tmp_path):
    _, history = _history(tmp_path, [_line(e="nosend", p=0, key="k-000009", seq=9, ms=4, error="No route info")])
    invoke, fail = history
    assert invoke.group is None and fail.type == FAIL and fail.error == "No route info"


def test_an_unknown_address_has_no_node_and_an_attempt_left_open_stays_open(tmp_path):
    events, history = _history(tmp_path, [_invoke(0, 0, "k-000001", addr="10.9.9.9:1"), "not json", "{\"e\":\"x\"}"])
    assert [e.type for e in history] == [INVOKE] and history[0].node is None
    assert events.bad_lines == 2 and list(events.open) == [(0, 0)]


def test_ready_reports_the_clients_settings(tmp_path):
    events, _ = _history(tmp_path, [_line(e="ready", version="V5_5_0", sendMsgTimeout=5000), _invoke(0, 0, "k-1")])
    assert events.ready == {"version": "V5_5_0", "sendMsgTimeout": 5000}


def test_program_args_carry_the_workloads_failover_settings():
    workload = Workload(rate=30, producers=3, size=128, route_refresh=2.5, send_timeout=4, retries=1,
                        latency_fault=True)
    assert program_args("ns:9876", "t", workload) == ["ns:9876", "t", "3", "30.0", "128", "2500", "true", "1", "4000"]


def test_line_tail_waits_for_the_end_of_a_torn_line(tmp_path):
    path = tmp_path / "events.jsonl"
    tail = LineTail(path)
    assert tail.new_lines() == []
    path.write_bytes(b'{"a":1}\n{"b"')
    assert tail.new_lines() == ['{"a":1}']
    with open(path, "ab") as handle:
        handle.write(b":2}\n")
    assert tail.new_lines() == ['{"b":2}']


class FakeContainer:
    """Plays the Java program: writes its lines when started, ends when the stop file appears."""

    def __init__(self, lines, dies=False):
        self.lines, self.dies, self.removed, self.folder = lines, dies, False, None

    def start(self, classes, folder, main_class, args):
        self.folder = folder
        if not self.dies:
            (folder / "events.jsonl").write_text("".join(line + "\n" for line in self.lines))

    def running(self):
        return not self.dies

    def logs(self, tail=20):
        return "Error: Could not find or load main class"

    def remove(self):
        self.removed = True


def test_producers_launch_feed_until_stopped_and_remove_their_container(tmp_path):
    container = FakeContainer([_line(e="ready", version="V5_5_0"), _invoke(0, 0, "k-000001"),
                               _line(e="done", p=0, a=0, type="ok", status="SEND_OK", ms=1), _line(e="end")])
    stop = threading.Event()
    java = JavaProducers(container, tmp_path / "java-client", ADDRS, Workload())
    assert java.launch(tmp_path, []) == {"version": "V5_5_0"}
    with HistoryWriter(tmp_path / "history.jsonl") as history:
        java.begin(history, stop)
        java.start()
        java.let_go()
        assert (tmp_path / "java-client" / "go").exists()
        stop.set()
        java.join(5)
        assert not java.is_alive() and (tmp_path / "java-client" / "stop").exists()
        java.close()
    assert container.removed
    container.removed = False
    java.close()  # the run's way out closes it again: nothing is asked of the engine twice
    assert not container.removed
    assert [e.type for e in read_history(tmp_path / "history.jsonl")] == [INVOKE, OK]


def test_a_program_that_exits_mid_run_is_a_warning_of_the_report_not_silence(tmp_path, monkeypatch):
    from rmqlab.experiment.check.ops import pair
    from rmqlab.experiment.run import javaproducer

    monkeypatch.setattr(javaproducer, "ALIVE_EVERY", 0.05)
    container = FakeContainer([_line(e="ready", version="V5_5_0"), _invoke(0, 0, "k-000001"), "not json"])
    stop = threading.Event()
    java = JavaProducers(container, tmp_path / "java-client", ADDRS, Workload())
    java.launch(tmp_path, [])
    with HistoryWriter(tmp_path / "history.jsonl") as history:
        java.begin(history, stop)
        java.start()
        java.let_go()
        container.dies = True  # the JVM is gone: out of memory, say
        time.sleep(0.3)
        stop.set()
        java.join(5)
        java.close()
    warnings = pair(read_history(tmp_path / "history.jsonl")).warnings
    assert any("java-client program exited at t=" in w and "main class" in w for w in warnings), warnings
    assert any("1 lines the java-client program wrote could not be read" in w for w in warnings), warnings


def test_a_java_send_takes_as_long_as_the_client_clock_says_not_as_its_lines_arrived(tmp_path):
    from rmqlab.experiment.check.ops import pair

    with HistoryWriter(tmp_path / "history.jsonl") as history:
        events = JavaEvents(history, ADDRS)
        events.feed(_invoke(0, 0, "k-000001", ms=1_000))
        events.feed(_line(e="done", p=0, a=0, type="ok", status="SEND_OK", ms=1_042))  # read in the same pass
    (op,) = pair(read_history(tmp_path / "history.jsonl")).ops
    assert op.took == pytest.approx(0.042)


def test_a_program_that_never_gets_ready_is_an_error_with_its_output(tmp_path):
    from rmqlab.errors import RmqlabError

    java = JavaProducers(FakeContainer([], dies=True), tmp_path / "j", ADDRS, Workload())
    with pytest.raises(RmqlabError, match="did not start") as raised:
        java.launch(tmp_path, [])
    assert "main class" in raised.value.message


def test_an_unknown_client_is_refused_before_anything_starts(tmp_path):
    from rmqlab.api import experiments

    with pytest.raises(BadInput, match="No client 'node'"):
        experiments.prepare(["2m2s-sync"], "kill-master", "5.5.0", tmp_path, client="node")
    (plan,) = experiments.prepare(["2m2s-sync"], "kill-master", "5.5.0", tmp_path, client="java")
    assert plan.client == "java"


def test_reports_name_the_client_that_ran():
    from rmqlab.experiment.check.runmeta import RunMeta
    from rmqlab.experiment.report.tables import client_text

    def meta(extra):
        return RunMeta(mode="2m2s-sync", scenario="s", version="5.5.0", topic="t", groups=(), started_wall=0.0,
                       extra=extra)

    assert client_text(meta({})) == "rmqlab's own producers"  # a run.json from before clients were recorded
    assert client_text(meta({"client": {"name": "java", "reported": {"version": "V5_5_0"}}})) == (
        "RocketMQ's Java DefaultMQProducer V5_5_0")
    assert "gRPC" in client_text(meta({"client": {"name": "grpc"}}))


@pytest.mark.parametrize(("version", "dledger", "code", "remark", "expected"), [
    ("5.5.0", True, 1, "in-sync replicas not enough", INFO),  # appended by the leader; the quorum may commit it
    ("4.9.7", True, 1, "[PC_SYNCHRONIZED]broker busy, start flow control for a while", INFO),  # 4.x's words for it
    ("5.5.0", True, 2, "[PC_SYNCHRONIZED]broker busy, start flow control for a while", FAIL),  # pending queue full
    ("5.5.0", False, 1, "in-sync replicas not enough", FAIL),  # controller mode refuses before it appends
    ("5.5.0", True, 17, "topic not exist", FAIL),
])
def test_a_dledger_quorum_timeout_answer_is_an_unknown_outcome(tmp_path, version, dledger, code, remark, expected):
    quorum = quorum_timeout_answer(version) if dledger else None
    with HistoryWriter(tmp_path / "history.jsonl") as history:
        events = JavaEvents(history, ADDRS, quorum)
        events.feed(_invoke(0, 0, "k-000001"))
        events.feed(_line(e="done", p=0, a=0, type="fail", code=code, remark=remark, ms=1005))
    done = read_history(tmp_path / "history.jsonl")[-1]
    assert (done.type, done.code) == (expected, code)


def _member_history(tmp_path, lines):
    with HistoryWriter(tmp_path / "history.jsonl") as history:
        events = JavaEvents(history, ADDRS, consumer_group="rmqlab-app")
        for line in lines:
            events.feed(line)
    return read_history(tmp_path / "history.jsonl")


def test_push_consumer_lines_become_fetches_deliveries_and_oneway_commits(tmp_path):
    queue = {"c": 1, "group": "broker-a", "queue": 2}
    history = _member_history(tmp_path, [
        _line(e="fetch", addr="10.0.0.11:10911", offset=-1, ms=10, **queue),
        _line(e="consume", offset=0, key="k-000004", ms=11, **queue),
        _line(e="commit", addr="10.0.0.11:10911", offset=1, oneway=True, ms=12, **queue),
        _line(e="commit", addr="10.0.0.11:10911", offset=1, oneway=False, ms=13, **queue),
        _line(e="commit", addr=None, offset=1, oneway=True, ms=14, error="MQClientException: no broker",
              sent=False, **queue),
        _line(e="fetch", addr="10.0.0.11:10911", offset=-2, ms=15, **queue),
    ])
    done = [e for e in history if e.type != INVOKE]
    assert {e.process for e in history} == {"app-java-1"}
    assert [(e.f, e.type) for e in done] == [("fetch-offset", OK), ("consume", OK), ("commit-offset", INFO),
                                            ("commit-offset", OK), ("commit-offset", FAIL), ("fetch-offset", FAIL)]
    fetch, consume, oneway = done[:3]
    assert fetch.value == {"offset": 0, "found": False} and fetch.extra["consumer_group"] == "rmqlab-app"
    invokes = [e for e in history if e.type == INVOKE]
    assert (invokes[0].group, invokes[0].queue, invokes[0].node) == ("broker-a", 2, "broker-a-master")
    assert consume.value == [{"key": "k-000004", "offset": 0, "queue": 2}]
    assert oneway.extra["oneway"] is True and invokes[2].value == {"offset": 1}


def test_an_offset_carried_on_a_pull_is_a_commit_sent_never_a_commit_taken(tmp_path):
    queue = {"c": 0, "group": "broker-a", "queue": 1}
    history = _member_history(tmp_path, [
        _line(e="commit", addr="10.0.0.11:10911", offset=7, oneway=True, via="pull", ms=12, **queue)])
    (done,) = [e for e in history if e.type != INVOKE]
    assert (done.f, done.type, done.extra["oneway"], done.extra["via"]) == ("commit-offset", INFO, True, "pull")


def test_program_args_name_the_consumer_group_only_when_it_runs_in_java():
    from rmqlab.experiment.run.javaproducer import runs_consumer_group

    workload = Workload(app_members=2)
    assert program_args("ns:9876", "t", workload, "rmqlab-app")[-2:] == ["2", "rmqlab-app"]
    assert len(program_args("ns:9876", "t", workload)) == 9
    assert runs_consumer_group("java", workload) and not runs_consumer_group("rmqlab", workload)
    assert not runs_consumer_group("java", Workload(app_members=2, app_pop=True))
    assert not runs_consumer_group("java", Workload())


def test_java_without_javac_or_compiled_classes_is_refused_before_anything_starts(tmp_path, monkeypatch):
    from rmqlab.api import experiments
    from rmqlab.errors import RmqlabError
    from rmqlab.runtime import javaclient

    monkeypatch.setattr(javaclient, "_cached_classes", lambda source, version: tmp_path / "not-compiled")
    monkeypatch.setattr(javaclient.shutil, "which", lambda name: None)
    with pytest.raises(RmqlabError, match="needs javac"):
        experiments.prepare(["2m2s-sync"], "kill-master", "5.5.0", tmp_path / "runs", client="java")
    assert not (tmp_path / "runs").exists()
