"""The dashboard's data on the fake provider: the view the page draws, the feed's sentences per mode, the
states a page must explain (no cluster, stopped, no engine), a live experiment, and CLI equivalents that work."""

from __future__ import annotations

import shlex
import threading
import time

import pytest
import yaml
from clirunner import run

from rmqlab.api import ClusterSpec, Lab, Mode
from rmqlab.runtime.provider import EngineUnavailable


def _wait(monitor, predicate, timeout: float = 8.0, what: str = "the view"):
    deadline = time.monotonic() + timeout
    view = monitor.view()
    while time.monotonic() < deadline:
        view = monitor.view()
        if predicate(view):
            return view
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; last view: {view['phase']} {view['groups']} "
                         f"{[f['text'] for f in view['feed']]}")


def _writable(view) -> bool:
    return view["phase"] == "live" and bool(view["groups"]) and all(g["probe"]["writable"] for g in view["groups"])


def _group(view, name):
    return next(g for g in view["groups"] if g["name"] == name)


def _node(view, name):
    return next(n for m in view["machines"] for n in m["nodes"] if n["name"] == name)


def _texts(view) -> str:
    return "\n".join(f"{f['text']} {f['why'] or ''}" for f in view["feed"])


@pytest.fixture
def lab(fake):
    from rmqlab.cli.options import lab as current

    return current()


@pytest.fixture
def watch(lab):
    monitors = []

    def start(name, **kwargs):
        monitor = lab.monitor(name, **kwargs).start()
        monitors.append(monitor)
        return monitor

    yield start
    for monitor in monitors:
        monitor.close()


def test_one_box_per_machine_with_roles_states_offsets_and_buttons(lab, watch):
    lab.up(ClusterSpec(name="d1"))
    monitor = watch("d1")
    view = _wait(monitor, _writable)
    assert [m["name"] for m in view["machines"]] == ["machine-a", "machine-b"]
    assert [n["name"] for n in view["machines"][0]["nodes"]] == ["namesrv-a", "broker-a-master", "broker-b-slave"]
    master, slave = _node(view, "broker-a-master"), _node(view, "broker-a-slave")
    assert (master["role_word"], master["state"], master["broker_id"]) == ("master", "running", 0)
    assert (slave["role_word"], slave["broker_id"]) == ("slave", 1)
    view = _wait(monitor, lambda v: (_node(v, "broker-a-master")["offset"] or 0) > 0, what="the probe's writes")
    assert _node(view, "broker-a-slave")["lag"] is not None
    assert view["machines"][0]["actions"] == ["kill", "stop", "pause", "isolate", "start"]
    assert master["actions"] == ["kill", "stop", "pause", "start"] and view["cluster_actions"] == ["heal"]
    assert view["faults"]["kill"]["cli"] == "rmqlab kill {target} --name d1"


def test_killing_a_2m2s_master_says_the_slave_never_takes_over(lab, watch, fake):
    lab.up(ClusterSpec(name="d2"))
    monitor = watch("d2")
    _wait(monitor, _writable)
    monitor.fault("kill", "broker-a-master")
    view = _wait(monitor, lambda v: _group(v, "broker-a")["master"] is None
                 and _group(v, "broker-a")["probe"]["writable"] is False, what="broker-a without a master")
    assert _group(view, "broker-b")["master"] == "broker-b-master"
    assert _group(view, "broker-b")["probe"]["writable"] is True
    assert _node(view, "broker-a-master")["state"] == "exited"
    assert _node(view, "broker-a-master")["role_word"] == "not registered"
    assert _group(view, "broker-a")["no_master_since"] is not None
    said = _texts(view)
    assert "Kill -9 of broker-a-master." in said
    assert "broker-a has no master; brokerId is fixed (broker-a-slave keeps brokerId 1), so the slave never " \
           "takes over" in said
    assert "broker-a cannot take writes" in said
    monitor.fault("start", "broker-a-master")
    view = _wait(monitor, lambda v: _group(v, "broker-a")["master"] == "broker-a-master"
                 and _group(v, "broker-a")["probe"]["writable"], what="the master back")
    assert "broker-a-master is master of broker-a again" in _texts(view)
    assert "broker-a takes writes again" in _texts(view)
    windows = _group(view, "broker-a")["probe"]["windows"]
    assert len(windows) == 1 and windows[0][1] > windows[0][0], windows


def test_dledger_feed_names_the_election_timing_and_the_new_leader(lab, watch):
    lab.up(ClusterSpec(mode=Mode.DLEDGER, name="d3"))
    monitor = watch("d3")
    view = _wait(monitor, lambda v: v["phase"] == "live" and _group(v, "broker-a")["master"] is not None)
    leader = _group(view, "broker-a")["master"]
    assert _node(view, leader)["role_word"] == "leader"
    assert {_node(view, n)["role_word"] for n in _group(view, "broker-a")["slaves"]} == {"follower"}
    assert _group(view, "broker-a")["master_word"] == "leader"
    monitor.fault("kill", leader)
    view = _wait(monitor, lambda v: _group(v, "broker-a")["master"] not in (None, leader), what="a new leader")
    view = _wait(monitor, lambda v: "was elected leader" in _texts(v), what="the feed's word on it")
    said = _texts(view)
    assert ("leader lost; a new one is elected 4.3–7 s after it went: a follower stands for election once more than "
            "heartBeatTimeIntervalMs × maxHeartBeatLeak = 2000 ms × 3 = 6 s pass without a heartbeat") in said
    assert "minVoteIntervalMs–maxVoteIntervalMs = 300–1000 ms" in said
    assert f"{_group(view, 'broker-a')['master']} was elected leader of broker-a after" in said


def test_controller_feed_says_the_controller_switched_to_an_in_sync_replica(lab, watch):
    lab.up(ClusterSpec(mode=Mode.CONTROLLER, name="d4"))
    monitor = watch("d4")
    view = _wait(monitor, lambda v: v["phase"] == "live" and _group(v, "broker-a")["master"] is not None)
    old = _group(view, "broker-a")["master"]
    monitor.fault("kill", old)
    view = _wait(monitor, lambda v: _group(v, "broker-a")["master"] not in (None, old), what="a switch")
    view = _wait(monitor, lambda v: "The controller switched" in _texts(v), what="the feed's word on it")
    said = _texts(view)
    assert "the master's connection closed, so the controller switches to an in-sync replica at once" in said
    assert "The controller switched broker-a to" in said


def test_a_paused_2m2s_master_explains_the_120_s_expiry(lab, watch):
    lab.up(ClusterSpec(name="d5"))
    monitor = watch("d5", probe_rate=0)
    _wait(monitor, lambda v: v["phase"] == "live")
    monitor.fault("pause", "broker-a-master")
    view = _wait(monitor, lambda v: _node(v, "broker-a-master")["state"] == "paused", what="the pause")
    assert ("stays listed as master for 90–125 s: a paused or cut-off broker keeps its connections open, and the name "
            "server drops one only when more than brokerChannelExpiredTime 120 s pass after its last registration"
            ) in _texts(view)
    monitor.fault("isolate", "machine-b")
    view = _wait(monitor, lambda v: _node(v, "broker-b-master")["state"] == "isolated", what="the isolation")
    assert next(m for m in view["machines"] if m["name"] == "machine-b")["state"] == "isolated"
    assert "machine-b is cut off" in _texts(view)


def test_faults_done_from_the_cli_appear_in_the_feed(lab, watch):
    lab.up(ClusterSpec(name="d6"))
    monitor = watch("d6", probe_rate=0)
    _wait(monitor, lambda v: v["phase"] == "live")
    assert run("stop", "broker-b-slave", "--name", "d6").exit_code == 0
    view = _wait(monitor, lambda v: "Stop of broker-b-slave." in _texts(v), what="the CLI's fault")
    _wait(monitor, lambda v: _node(v, "broker-b-slave")["state"] == "exited", timeout=3, what="its state at once")
    assert "broker-b-slave left broker-b's answer" in _texts(_wait(monitor, lambda v: "left" in _texts(v)))
    assert view["phase"] == "live"


def test_the_cli_command_a_button_shows_is_one_that_works(lab, watch, fake):
    lab.up(ClusterSpec(name="d7"))
    view = watch("d7", probe_rate=0).view()
    words = shlex.split(view["faults"]["pause"]["cli"].replace("{target}", "broker-b-master"))
    assert words[0] == "rmqlab"
    assert run(*words[1:]).exit_code == 0
    assert ("pause", "d7", "broker-b-master") in fake.calls
    assert run(*shlex.split(view["faults"]["heal"]["cli"])[1:]).exit_code == 0
    assert ("unpause", "d7", "broker-b-master") in fake.calls


def test_no_such_cluster_then_it_starts_then_it_is_stopped_then_gone(lab, watch):
    monitor = watch("d8", probe_rate=0)
    view = _wait(monitor, lambda v: v["phase"] == "unknown")
    assert view["message"] == "No cluster named 'd8' runs here." and "rmqlab up --name d8" in view["hint"]
    lab.up(ClusterSpec(name="d8"))
    _wait(monitor, lambda v: v["phase"] == "live", timeout=10)
    for machine in ("machine-a", "machine-b"):
        lab.fault("d8", "kill", machine)
    monitor.refresh()
    view = _wait(monitor, lambda v: v["phase"] == "stopped")
    assert "is stopped" in view["message"] and view["machines"], "a stopped cluster still shows its boxes"
    lab.down("d8", volumes=True)
    view = _wait(monitor, lambda v: v["phase"] == "unknown")
    assert "is gone" in view["message"] and not view["machines"]


class _NoEngine:
    def ping(self):
        raise EngineUnavailable("connection refused")

    def __getattr__(self, name):
        raise EngineUnavailable("connection refused")


def test_a_missing_engine_is_a_message_not_a_spinner():
    monitor = Lab(_NoEngine()).monitor("d9").start()
    try:
        view = _wait(monitor, lambda v: v["phase"] == "no-engine")
        assert view["message"].startswith("No Docker engine answers") and "rmqlab doctor --fix" in view["hint"]
    finally:
        monitor.close()


def test_a_running_experiment_fills_its_timeline_then_links_its_report(lab, watch, tmp_path):
    scenario = tmp_path / "quick.yaml"
    scenario.write_text(yaml.safe_dump({
        "description": "kill broker-a's master briefly", "duration": 5, "workload": {"rate": 40, "probe_rate": 20},
        "faults": [{"at": 1, "action": "kill", "target": "broker-a-master"}, {"at": 3, "action": "undo", "undo": 1}],
    }))
    monitor = watch("exp-2m2s-sync-5-5-0", probe_rate=0)
    done = {}
    runner = threading.Thread(target=lambda: done.update(run=lab.experiment(
        "2m2s-sync", str(scenario), "5.5.0", tmp_path / "runs")))
    runner.start()
    view = _wait(monitor, lambda v: v["experiment"] and v["experiment"]["running"] and v["experiment"]["seconds"] > 2,
                 timeout=30, what="the run under way")
    assert view["experiment"]["svg"].startswith("<svg") and view["experiment"]["scenario"] == "quick"
    assert view["phase"] == "live"
    runner.join(timeout=60)
    view = _wait(monitor, lambda v: v["experiment"]["report"], timeout=10, what="the report")
    assert not view["experiment"]["running"] and view["experiment"]["verdicts"]
    assert monitor.report_path() == done["run"].run_dir / "report.html"
