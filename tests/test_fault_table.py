"""The fault vocabulary is one table: a new entry appears in the CLI, the scenarios, the checker and the
report wording without touching any of them."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from rmqlab import faults
from rmqlab.cli import fault_cmds
from rmqlab.experiment.check.checker import check
from rmqlab.experiment.check.fault_periods import faults as fault_list
from rmqlab.experiment.check.ops import pair
from rmqlab.experiment.report.wording import describe, short
from rmqlab.experiment.run.scenario import scenario_from_dict
from rmqlab.runtime.injector import FaultInjector
from testkit.synthetic import HistoryBuilder, two_by_two

STALL = faults.FaultKind("stall-disk", "Make a node's disk stall (a test entry).", faults.FROZEN, undo="unpause",
                         wording="disk stall of {target}", marker="stall")


def _with_stall(monkeypatch):
    monkeypatch.setitem(faults.FAULTS, STALL.name, STALL)
    done = []

    def _do_stall_disk(self, target, containers, result):
        done.append(target.nodes)
        result.done.append(f"stalled {', '.join(target.nodes)}")

    monkeypatch.setattr(FaultInjector, "_do_stall_disk", _do_stall_disk, raising=False)
    return done


def test_a_new_entry_is_a_cli_command_that_reaches_the_injector(fake, monkeypatch):
    done = _with_stall(monkeypatch)
    app = typer.Typer()
    fault_cmds.register(app, faults.FAULTS.values())
    runner = CliRunner()
    env = {"NO_COLOR": "1", "COLUMNS": "120"}
    assert "stall-disk" in runner.invoke(app, ["--help"], env=env).output
    from rmqlab.cli.options import lab
    from rmqlab.topology.model import ClusterSpec

    lab().up(ClusterSpec(name="ft"))
    result = runner.invoke(app, ["stall-disk", "broker-a-slave", "--name", "ft"], env=env)
    assert result.exit_code == 0, result.output
    assert "stalled broker-a-slave" in result.output and done == [("broker-a-slave",)]


def test_a_new_entry_is_a_scenario_action(monkeypatch):
    _with_stall(monkeypatch)
    scenario = scenario_from_dict({"duration": 30, "faults": [
        {"at": 5, "action": "stall-disk", "target": "broker-a-master"}, {"at": 15, "action": "undo", "undo": 1}]})
    assert scenario.faults[0].action == "stall-disk"


def test_the_checker_and_the_report_read_a_new_entry_from_the_table(monkeypatch):
    _with_stall(monkeypatch)
    meta = two_by_two("2m2s-sync", "stall")
    b = HistoryBuilder()
    b.probes("broker-a", 0.0, 20.0, failing=[(5.0, 9.0)])
    b.fault("stall-disk", "broker-a-master", 5.0)
    b.fault("unpause", "broker-a-master", 9.0)
    history = b.history()
    found = fault_list(pair(history).ops)
    assert found[0].disruptive and found[0].undone_at is not None
    assert describe(found[0], at=False) == "disk stall of broker-a-master"
    assert short(found[0]) == "stall broker-a-master"
    result = check(history, meta)
    window = result.groups["broker-a"].windows[0]
    assert window.fault is not None and "disk stall" in " ".join(result.verdicts)
