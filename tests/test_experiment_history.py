import json
import threading
from dataclasses import replace

import pytest

from rmqlab.errors import RmqlabError
from rmqlab.experiment.check.history import STORED_CODE_NAMES, HistoryWriter, read_history
from rmqlab.experiment.check.runmeta import RUN_FILE, RunMeta
from rmqlab.remoting.codes import STORED_CODES, response_name
from testkit.synthetic import two_by_two


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_invoke_and_completion_share_an_op_id_and_the_completion_reads_on_its_own(tmp_path):
    clock = FakeClock()
    path = tmp_path / "history.jsonl"
    with HistoryWriter(path, clock=clock, wall_clock=lambda: 1_700_000_000 + clock.now) as writer:
        clock.now = 101.5
        op = writer.invoke("producer-0", "send", {"key": "k-000001", "seq": 1}, group="broker-a",
                           node="broker-a-master", queue=2)
        clock.now = 101.75
        writer.complete(op, "ok", code=11, code_name="SLAVE_NOT_AVAILABLE", offset=7, msg_id="AC1", trace="x")
    invoke, done = read_history(path)
    assert (invoke.type, invoke.t, invoke.op_id, invoke.value) == ("invoke", 1.5, op, {"key": "k-000001", "seq": 1})
    assert (done.type, done.t, done.op_id) == ("ok", 1.75, op)
    assert (done.process, done.f, done.group, done.node, done.queue) == (
        "producer-0", "send", "broker-a", "broker-a-master", 2)
    assert (done.code, done.code_name, done.offset, done.msg_id) == (11, "SLAVE_NOT_AVAILABLE", 7, "AC1")
    assert done.value == invoke.value and done.extra == {"trace": "x"}
    assert done.wall == pytest.approx(1_700_000_101.75)


def test_lines_are_flat_json_with_the_contract_names(tmp_path):
    path = tmp_path / "history.jsonl"
    with HistoryWriter(path) as writer:
        op = writer.invoke("final-read", "read", None, group="broker-a", node="broker-a-slave", queue=0)
        writer.complete(op, "ok", value=[{"key": "k-1", "offset": 0, "queue": 0}])
        writer.record("observe", "observer", "roles", {"broker-a": {"master": None, "slaves": ["broker-a-slave"]}})
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert list(lines[0])[:6] == ["t", "wall", "type", "process", "f", "op_id"]
    assert lines[1]["value"] == [{"key": "k-1", "offset": 0, "queue": 0}]
    assert "op_id" not in lines[2] and lines[2]["type"] == "observe"


def test_each_event_is_flushed_as_it_happens(tmp_path):
    path = tmp_path / "history.jsonl"
    writer = HistoryWriter(path)
    writer.invoke("nemesis", "fault", {"action": "kill", "target": "broker-a-master"})
    assert len(read_history(path)) == 1  # readable before close: a crash leaves the prefix
    assert writer.pending() == [0]
    writer.close()


def test_a_history_is_never_appended_to_by_a_second_run(tmp_path):
    HistoryWriter(tmp_path / "history.jsonl").close()
    with pytest.raises(RmqlabError, match="already exists"):
        HistoryWriter(tmp_path / "history.jsonl")


def test_completion_mistakes_are_refused(tmp_path):
    with HistoryWriter(tmp_path / "h.jsonl") as writer:
        with pytest.raises(ValueError):
            writer.record("ok", "producer-0", "send", None)
        op = writer.invoke("producer-0", "send", {"key": "k-1", "seq": 1})
        with pytest.raises(ValueError):
            writer.complete(op, "timeout")
        writer.complete(op, "info", error="read timed out")
        with pytest.raises(ValueError):
            writer.complete(op, "ok")
        with pytest.raises(ValueError):
            writer.complete(99, "ok")


def test_threads_share_one_writer_and_the_file_stays_in_clock_order(tmp_path):
    path = tmp_path / "history.jsonl"
    writer = HistoryWriter(path)

    def work(n):
        for i in range(300):
            op = writer.invoke(f"producer-{n}", "send", {"key": f"k-{n}-{i}", "seq": i})
            writer.complete(op, "ok" if i % 3 else "fail", code=0 if i % 3 else 14)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    events = read_history(path)
    assert len(events) == 8 * 300 * 2
    assert [e.t for e in events] == sorted(e.t for e in events)
    invokes = [e.op_id for e in events if e.type == "invoke"]
    completions = [e.op_id for e in events if e.type != "invoke"]
    assert sorted(invokes) == sorted(completions) == list(range(2400))


def test_a_torn_last_line_is_dropped(tmp_path):
    path = tmp_path / "history.jsonl"
    with HistoryWriter(path) as writer:
        writer.invoke("producer-0", "send", {"key": "k-1", "seq": 1})
    with path.open("a") as f:
        f.write('{"t": 1.2, "wall": 17000')
    assert [e.type for e in read_history(path)] == ["invoke"]


def test_a_bad_line_in_the_middle_is_an_error_naming_it(tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_text('{"t":0,"wall":0,"type":"invoke","process":"p","f":"send","op_id":0}\nnot json\n'
                    '{"t":1,"wall":1,"type":"ok","process":"p","f":"send","op_id":0}\n')
    with pytest.raises(RmqlabError, match="history.jsonl:2"):
        read_history(path)


def test_missing_history_says_what_a_run_folder_holds(tmp_path):
    with pytest.raises(RmqlabError) as error:
        read_history(tmp_path / "history.jsonl")
    assert "run.json" in error.value.hint


def test_run_meta_round_trips_through_run_json(tmp_path):
    meta = two_by_two("2m2s-async", scenario="kill-master")
    meta = replace(meta, fault_schedule=({"at": 10, "action": "kill", "target": "master"},), duration_seconds=60.0,
                   extra={"producers": 2})
    meta.save(tmp_path)
    assert json.loads((tmp_path / RUN_FILE).read_text())["producers"] == 2
    assert RunMeta.load(tmp_path) == meta


def test_run_json_problems_carry_a_hint(tmp_path):
    with pytest.raises(RmqlabError) as error:
        RunMeta.load(tmp_path)
    assert error.value.hint
    (tmp_path / RUN_FILE).write_text('{"mode": "dledger"}')
    with pytest.raises(RmqlabError, match="not a run description"):
        RunMeta.load(tmp_path)


def test_stored_codes_agree_with_the_remoting_client():
    assert set(STORED_CODE_NAMES) == {int(code) for code in STORED_CODES}
    assert all(response_name(code) == name for code, name in STORED_CODE_NAMES.items())
