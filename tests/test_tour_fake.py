"""rmqlab tour on the fake provider: a prediction is asked before each fault, every answer is measured from the
run's own history (so a different cluster gives different figures), and the saved run checks the same again."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from rmqlab.api import Lab
from rmqlab.cli import app, options
from rmqlab.experiment.check import answers
from rmqlab.experiment.check.checker import check
from rmqlab.experiment.check.history import HISTORY_FILE, read_history
from rmqlab.experiment.check.runmeta import RunMeta
from rmqlab.runtime.fake import FakeProvider

ENV = {"NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb"}


@pytest.fixture
def lab_on(tmp_path, monkeypatch):
    monkeypatch.setenv("RMQLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")

    def make(election_seconds: float = 0.3) -> FakeProvider:
        provider = FakeProvider(election_seconds=election_seconds)
        options.use_lab(Lab(provider))
        return provider

    yield make
    options.use_lab(None)


def tour(tmp_path, *args, input=None):
    result = CliRunner().invoke(app, ["tour", "--out", str(tmp_path / "runs"), "--hold", "2", *args], input=input,
                                env=ENV)
    return result


def test_each_fault_comes_after_its_question_and_the_answer_is_judged(tmp_path, lab_on):
    lab_on()
    result = tour(tmp_path, "--mode", "2m2s-sync", input="n\ny\nn\n")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    asked = [i for i, line in enumerate(lines) if line.startswith("Predict: ")]
    done = [i for i, line in enumerate(lines) if "Done: " in line]
    assert len(asked) == len(done) == 3
    assert all(a < d for a, d in zip(asked, done, strict=True))
    assert all(d < a for d, a in zip(done, asked[1:], strict=False)), "each fault before the next question"
    judged = [line for line in lines if line.startswith("You said")]
    assert judged == ["You said no: right.", "You said yes: right.", "You said no: not this time."]
    assert "Pitfalls" in result.output and "rmqlab lint (store-lock)" in result.output


def test_with_yes_nothing_is_asked_and_the_figures_are_those_of_the_saved_history(tmp_path, lab_on):
    lab_on()
    result = tour(tmp_path, "--mode", "2m2s-sync", "--yes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert result.stderr.count("(--yes: not asked") == 3 and "You said" not in result.stderr
    run_dir = data["run_dir"]
    history = read_history(f"{run_dir}/{HISTORY_FILE}")
    again = check(history, RunMeta.load(run_dir))
    first, second, third = (step["answer"] for step in data["steps"])
    assert first["yes"] is False and first["figures"]["slave_ids"] == {"broker-a-slave": 1}
    rechecked = answers.takeover(history, again, data["steps"][0]["fault"], "broker-a")
    assert rechecked.figures["slave_ids"] == first["figures"]["slave_ids"]
    assert rechecked.figures["watched_seconds"] >= first["figures"]["watched_seconds"] >= 2.0
    back = answers.comeback(history, again, 0, data["steps"][1]["fault"], "broker-a", "broker-a-master")
    assert back.figures == second["figures"]
    alone = answers.sends_alone(history, again, data["steps"][2]["fault"], "broker-a", "broker-a-slave")
    assert alone.figures["codes"].keys() == third["figures"]["codes"].keys()
    assert data["totals"]["acknowledged_lost"] == 0 and data["totals"]["acknowledged_keys"] > 0


@pytest.mark.parametrize("delay", [0.3, 1.6])
def test_an_election_is_measured_not_canned(tmp_path, lab_on, delay):
    lab_on(election_seconds=delay)
    result = tour(tmp_path, "--mode", "dledger", "--yes", "--json")
    assert result.exit_code == 0, result.output
    took = json.loads(result.stdout)["steps"][0]["answer"]["figures"]["new_master_seconds"]
    assert delay <= took <= delay + 1.0
    assert re.search(rf"listed broker-a-n\d as master of broker-a {took:.1f} s after", result.stderr)


def test_no_answer_on_stdin_stops_the_tour_and_undoes_the_faults(tmp_path, lab_on):
    provider = lab_on()
    result = tour(tmp_path, "--mode", "2m2s-sync", input="n\n")  # only the first question is answered
    assert result.exit_code == 1
    assert "No answer came on standard input" in result.output and "--yes" in result.output
    states = {node: c.status for node, c in provider.containers("tour-2m2s-sync").items()}
    assert set(states.values()) == {"running"}, states


def test_ctrl_c_at_a_question_undoes_every_fault_and_exits_130(tmp_path, lab_on, monkeypatch):
    provider = lab_on()
    replies = iter(["n"])

    def reply(prompt=""):
        try:
            return next(replies)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr("builtins.input", reply)
    result = tour(tmp_path, "--mode", "2m2s-sync")  # Ctrl-C at the second question: broker-a-master is down
    assert result.exit_code == 130, result.output
    assert "Done: kill broker-a-master" in result.output
    states = {node: c.status for node, c in provider.containers("tour-2m2s-sync").items()}
    assert set(states.values()) == {"running"}, states
    runs = [p for p in (tmp_path / "runs").iterdir() if p.is_dir() and not p.is_symlink()]
    history = read_history(runs[0] / HISTORY_FILE)
    undone = [e for e in history if e.f == "fault" and e.type == "invoke" and (e.value or {}).get("action") == "start"]
    assert undone and undone[-1].value["nodes"] == ["broker-a-master"], "the undo is recorded in the history"
