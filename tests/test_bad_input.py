"""Every bad input is one line saying what is wrong and what to do, exit 2, no traceback, nothing written, and
nothing changed where clusters run. A running (fake) cluster is there to be left alone."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from clirunner import run

FIFO = "<fifo>"
FILE = "<a file>"
RUN = "<run folder>"


def _run_folder(root: Path, history: bytes, meta: str | None = None) -> Path:
    folder = root / "run"
    folder.mkdir(parents=True)
    (folder / "history.jsonl").write_bytes(history)
    (folder / "run.json").write_text(meta or json.dumps({
        "mode": "2m2s-sync", "scenario": "x", "version": "5.5.0", "topic": "t", "started_wall": 0.0,
        "groups": [{"name": "broker-a", "nodes": ["broker-a-master", "broker-a-slave"], "master_at_start": None,
                    "queues": 4}]}))
    return folder


GOOD_EVENT = b'{"t":0.1,"wall":1.0,"type":"invoke","process":"p","f":"send","op_id":0,"value":{"key":"k"}}\n'
HISTORIES = {
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe",
    "not-json": GOOD_EVENT + b"this is not json\n" + GOOD_EVENT,
    "wrong-schema": b'{"hello": "world"}\n{"t": 1}\n',
    "empty": b"",
}

CASES = [
    # cluster names, paths and the one rule for RMQLAB_CLUSTER
    ("name-dotdot", ["down", "--name", "../x", "--volumes"], {}),
    ("name-absolute", ["down", "--name", "/tmp/x", "--volumes"], {}),
    ("name-empty", ["down", "--name", "", "--volumes"], {}),
    ("name-upper", ["up", "--name", "Upper"], {}),
    ("name-newline", ["status", "--name", "bi\n"], {}),
    ("name-too-long", ["up", "--name", "a" * 31], {}),
    ("name-env", ["status"], {"RMQLAB_CLUSTER": "../../etc"}),
    ("name-markup", ["up", "--name", "x[/]"], {}),
    ("no-such-cluster", ["status", "--name", "nosuch"], {}),
    # up
    ("mode", ["up", "--mode", "3m3s", "--name", "bi2"], {}),
    ("version-unknown", ["up", "--version", "9.9.9", "--name", "bi2"], {}),
    ("version-garbage", ["up", "--version", "five", "--name", "bi2"], {}),
    ("groups-zero", ["up", "--groups", "0", "--name", "bi2"], {}),
    ("groups-many", ["up", "--groups", "99", "--name", "bi2"], {}),
    ("groups-text", ["up", "--groups", "x", "--name", "bi2"], {}),
    ("controller-on-4x", ["up", "--mode", "controller", "--version", "4.9.7", "--name", "bi2"], {}),
    ("proxy-on-4x", ["up", "--proxy", "local", "--version", "4.9.7", "--name", "bi2"], {}),
    ("proxy-cluster-on-470", ["up", "--proxy", "cluster", "--version", "4.7.0", "--name", "bi2"], {}),
    ("proxy-unknown", ["up", "--proxy", "sidecar", "--name", "bi2"], {}),
    ("proxy-local-crowded", ["up", "--mode", "controller", "--proxy", "local", "--name", "bi2"], {}),
    ("render-proxy-on-4x", ["render", "--proxy", "local", "--version", "4.9.7", "--out", "out"], {}),
    ("port-base", ["up", "--port-base", "80", "--name", "bi2"], {}),
    ("subnet-small", ["up", "--subnet", "10.9.9.0/28", "--name", "bi2"], {}),
    ("subnet-garbage", ["up", "--subnet", "nonsense", "--name", "bi2"], {}),
    ("timeout-text", ["up", "--timeout", "soon", "--name", "bi2"], {}),
    ("unknown-option", ["up", "--bogus"], {}),
    ("unknown-command", ["bogus"], {}),
    ("same-name-other-spec", ["up", "--mode", "dledger", "--name", "bi"], {}),
    # --set knobs, checked against the version's keys before anything starts
    ("up-set-unknown-key", ["up", "--set", "slaveReadEnabel=true", "--name", "bi2"], {}),
    ("up-set-bad-value", ["up", "--set", "slaveReadEnable=yes", "--name", "bi2"], {}),
    ("up-set-bad-enum", ["up", "--set", "flushDiskType=SOMETIMES", "--name", "bi2"], {}),
    ("up-set-form", ["up", "--set", "novalue", "--name", "bi2"], {}),
    ("up-set-unknown-scope", ["up", "--set", "nobody:slaveReadEnable=true", "--name", "bi2"], {}),
    ("up-set-layout-key", ["up", "--set", "brokerRole=SLAVE", "--name", "bi2"], {}),
    ("up-set-dledger-on-2m2s", ["up", "--set", "dledger:heartBeatTimeIntervalMs=500", "--name", "bi2"], {}),
    ("up-set-dledger-key", ["up", "--mode", "dledger", "--set", "dledger:heartbeat=500", "--name", "bi2"], {}),
    ("up-set-dledger-zero", ["up", "--mode", "dledger", "--set", "dledger:maxHeartBeatLeak=0", "--name", "bi2"], {}),
    ("up-set-master-on-dledger", ["up", "--mode", "dledger", "--set", "master:slaveReadEnable=true",
                                  "--name", "bi2"], {}),
    ("up-set-controller-on-2m2s", ["up", "--set", "controller:enableElectUncleanMaster=true", "--name", "bi2"], {}),
    ("up-set-client", ["up", "--set", "client:pollNameServerInterval=1000", "--name", "bi2"], {}),
    ("render-set-unknown", ["render", "--set", "bogusKey=1", "--out", "out"], {}),
    ("experiment-set-client-value", ["experiment", "run", "--set", "client:retryTimesWhenSendFailed=many"], {}),
    ("experiment-set-client-key", ["experiment", "run", "--set", "client:timeoutMillis=3000"], {}),
    ("compare-set-unknown", ["compare", "--modes", "dledger", "--set", "bogusKey=1"], {}),
    ("compare-variant-form", ["compare", "--modes", "dledger", "--variant", "fast"], {}),
    ("compare-variant-empty", ["compare", "--modes", "dledger", "--variant", "fast:"], {}),
    ("compare-variant-key", ["compare", "--modes", "dledger", "--variant", "fast: dledger:nope=1"], {}),
    ("compare-variant-twice", ["compare", "--modes", "dledger", "--variant", "stock", "--variant", "stock"], {}),
    # render
    ("render-out-file", ["render", "--out", FILE], {}),
    ("render-out-under-file", ["render", "--out", FILE + "/sub"], {}),
    ("render-out-proc", ["render", "--out", "/proc/rmqlab-nowhere"], {}),
    ("render-hosts-empty", ["render", "--hosts", "", "--out", "out"], {}),
    ("render-hosts-commas", ["render", "--hosts", ",,,", "--out", "out"], {}),
    ("render-hosts-dup", ["render", "--hosts", "10.0.0.1,10.0.0.1", "--out", "out"], {}),
    ("render-hosts-not-ip", ["render", "--hosts", "10.0.0.1,db-host", "--out", "out"], {}),
    ("render-hosts-count", ["render", "--mode", "dledger", "--hosts", "10.0.0.1,10.0.0.2", "--out", "out"], {}),
    ("render-markup", ["render", "--name", "x[/]", "--out", "out"], {}),
    ("render-no-out", ["render"], {}),
    # lint
    ("lint-memory-inf", ["lint", "--memory", "infg", "lint_cases/lock-failed"], {}),
    ("lint-memory-negative", ["lint", "--memory", "-1g", "lint_cases/lock-failed"], {}),
    ("lint-heap-form", ["lint", "--heap", "broker-a", "lint_cases/lock-failed"], {}),
    ("lint-host-form", ["lint", "--host", "nofiles"], {}),
    ("lint-missing-file", ["lint", "/nonexistent/broker.properties"], {}),
    ("lint-dev-zero", ["lint", "/dev/zero"], {}),
    ("lint-fifo", ["lint", FIFO], {}),
    ("lint-version", ["lint", "--version", "1.0.0", "lint_cases/lock-failed"], {}),
    ("lint-nothing", ["lint"], {}),
    # compare and experiments
    ("compare-modes-empty", ["compare", "--modes", ""], {}),
    ("compare-modes-twice", ["compare", "--modes", "dledger,dledger"], {}),
    ("compare-modes-unknown", ["compare", "--modes", "dledger,3m3s"], {}),
    ("compare-versions-empty", ["compare", "--versions", ""], {}),
    ("compare-versions-twice", ["compare", "--versions", "4.7.0,4.7.0"], {}),
    ("compare-versions-unknown", ["compare", "--versions", "4.7.0,4.8.0"], {}),
    ("compare-controller-470", ["compare", "--modes", "controller", "--versions", "4.7.0,5.5.0"], {}),
    ("experiment-no-scenario", ["experiment", "run", "--scenario", "nope"], {}),
    ("experiment-bad-yaml", ["experiment", "run", "--scenario", "bad.yaml"], {}),
    ("experiment-scenario-keys", ["experiment", "run", "--scenario", "keys.yaml"], {}),
    ("experiment-scenario-at", ["experiment", "run", "--scenario", "at.yaml"], {}),
    ("experiment-out-file", ["experiment", "run", "--out", FILE], {}),
    ("experiment-mode", ["experiment", "run", "--mode", "3m3s"], {}),
    ("experiment-reuse-mode", ["experiment", "run", "--reuse", "--mode", "3m3s"], {}),
    ("experiment-client", ["experiment", "run", "--client", "node"], {}),
    ("experiment-grpc-no-proxy", ["experiment", "run", "--client", "grpc"], {}),
    ("experiment-grpc-4x", ["experiment", "run", "--client", "grpc", "--version", "4.9.7", "--proxy", "local"], {}),
    ("experiment-proxy", ["experiment", "run", "--client", "grpc", "--proxy", "everywhere"], {}),
    ("compare-grpc-no-proxy", ["compare", "--client", "grpc", "--modes", "dledger"], {}),
    ("compare-grpc-4x", ["compare", "--client", "grpc", "--versions", "5.5.0,4.7.0", "--proxy", "cluster"], {}),
    ("experiment-consumer-group-many", ["experiment", "run", "--consumer-group", "17"], {}),
    ("experiment-consumer-group-negative", ["experiment", "run", "--consumer-group", "-1"], {}),
    ("experiment-consumer-group-text", ["experiment", "run", "--consumer-group", "two"], {}),
    ("experiment-pop-no-members", ["experiment", "run", "--pop"], {}),
    ("experiment-pop-4x", ["experiment", "run", "--pop", "--consumer-group", "2", "--version", "4.9.7"], {}),
    ("experiment-pop-wheel-off", ["experiment", "run", "--pop", "--consumer-group", "1", "--set",
                                  "timerWheelEnable=false"], {}),
    ("compare-pop-4x", ["compare", "--pop", "--consumer-group", "2", "--versions", "5.5.0,4.7.0"], {}),
    ("compare-consumer-group-many", ["compare", "--modes", "dledger", "--consumer-group", "99"], {}),
    ("report-binary", ["experiment", "report", RUN + "binary"], {}),
    ("report-not-json", ["experiment", "report", RUN + "not-json"], {}),
    ("report-wrong-schema", ["experiment", "report", RUN + "wrong-schema"], {}),
    ("report-empty", ["experiment", "report", RUN + "empty"], {}),
    ("report-meta", ["experiment", "report", RUN + "meta"], {}),
    ("report-file", ["experiment", "report", FILE], {}),
    ("report-missing", ["experiment", "report", "no-such-run"], {}),
    # faults, clients, tools on the running cluster
    ("kill-unknown-target", ["kill", "broker-z-master", "--name", "bi"], {}),
    ("kill-signal", ["kill", "broker-a-master", "--signal", "HUP", "--name", "bi"], {}),
    ("isolate-shared-node", ["isolate", "broker-a-master", "--name", "bi"], {}),
    ("delay-value", ["delay", "machine-a", "soon", "--name", "bi"], {}),
    ("delay-jitter", ["delay", "machine-a", "200ms", "--jitter", "x", "--name", "bi"], {}),
    ("delay-to", ["delay", "machine-a", "200ms", "--to", "nobody", "--name", "bi"], {}),
    ("loss-value", ["loss", "machine-a", "150%", "--name", "bi"], {}),
    ("loss-zero", ["loss", "machine-a", "0%", "--name", "bi"], {}),
    ("limit-value", ["limit", "machine-a", "fast", "--name", "bi"], {}),
    ("limit-to", ["limit", "machine-a", "1mbit", "--to", "nobody", "--name", "bi"], {}),
    ("partition-peer", ["partition", "broker-a-master", "nobody", "--name", "bi"], {}),
    ("partition-no-peer", ["partition", "broker-a-master", "--name", "bi"], {}),
    ("partition-same-machine", ["partition", "broker-a-master", "broker-b-slave", "--name", "bi"], {}),
    ("logs-tail", ["logs", "namesrv-a", "--tail", "-5", "--name", "bi"], {}),
    ("logs-node", ["logs", "nobody", "--name", "bi"], {}),
    ("produce-count", ["produce", "--count", "-1", "--name", "bi"], {}),
    ("produce-topic", ["produce", "--topic", "bad topic!", "--name", "bi"], {}),
    ("produce-rate", ["produce", "--rate", "0", "--name", "bi"], {}),
    ("produce-group", ["produce", "--to", "broker-z", "--name", "bi"], {}),
    ("consume-group", ["consume", "--group", "broker-z", "--name", "bi"], {}),
    ("admin-nothing", ["admin", "--name", "bi"], {}),
    ("admin-timeout", ["admin", "--name", "bi", "--timeout", "0", "clusterList"], {}),
    ("watch-interval", ["status", "--watch", "--interval", "0", "--name", "bi"], {}),
    # the dashboard
    ("dashboard-port-range", ["dashboard", "--port", "70000", "--name", "bi"], {}),
    ("dashboard-port-zero", ["dashboard", "--port", "0", "--name", "bi"], {}),
    ("dashboard-port-text", ["dashboard", "--port", "eighty", "--name", "bi"], {}),
    ("dashboard-name", ["dashboard", "--name", "../bi"], {}),
    ("up-dashboard-value", ["up", "--dashboard=yes", "--name", "bi2"], {}),
    ("experiment-dashboard-value", ["experiment", "run", "--dashboard=yes"], {}),
    ("pitfall", ["pitfall", "split-brain"], {}),
    ("image-version", ["image", "build", "--version", "3.0.0"], {}),
    # the guided tour checks everything before it builds or breaks anything
    ("tour-mode", ["tour", "--mode", "3m3s", "--yes"], {}),
    ("tour-hold", ["tour", "--hold", "0", "--yes"], {}),
    ("tour-out-file", ["tour", "--out", FILE, "--yes"], {}),
    ("tour-name", ["tour", "--name", "../x", "--yes"], {}),
    ("tour-version", ["tour", "--version", "3.0.0", "--yes"], {}),
]


@pytest.fixture
def place(tmp_path, fake, monkeypatch):
    """A working folder with the files the cases name, and a fake cluster 'bi' that must stay as it is."""
    from rmqlab.api import ClusterSpec
    from rmqlab.cli.options import lab

    work = tmp_path / "work"
    work.mkdir()
    (work / "afile").write_text("not a folder\n")
    os.mkfifo(work / "fifo.properties")
    (work / "bad.yaml").write_text("duration: [unclosed\n")
    (work / "keys.yaml").write_text("duration: 10\nfaults: []\nsurprise: 1\n")
    (work / "at.yaml").write_text("duration: 10\nfaults:\n  - {at: soon, action: kill, target: broker-a-master}\n")
    (work / "lint_cases").symlink_to(Path(__file__).parent / "lint_cases")
    for name, history in HISTORIES.items():
        _run_folder(work / name, history)
    _run_folder(work / "meta", GOOD_EVENT, meta='{"mode": 3}')
    monkeypatch.chdir(work)
    lab().up(ClusterSpec(name="bi"))
    return work


def _argv(args: list[str], work: Path) -> list[str]:
    out = []
    for arg in args:
        arg = arg.replace(FILE, str(work / "afile")).replace(FIFO, str(work / "fifo.properties"))
        if arg.startswith(RUN):
            arg = str(work / arg[len(RUN):] / "run")
        out.append(arg)
    return out


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): (b"" if p.is_dir() or p.is_fifo() else p.read_bytes())
            for p in sorted(root.rglob("*")) if not p.is_symlink()}


def _engine_state(fake) -> tuple:
    return ({name: dict(c.containers) for name, c in fake.clusters_by_name.items()},
            {name: dict(c.volumes) for name, c in fake.clusters_by_name.items()})


@pytest.mark.parametrize("case,args,env", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2_and_touches_nothing(case, args, env, place, fake, monkeypatch, tmp_path):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    before_files, before_home = _tree(place), _tree(tmp_path / "home")
    before_engine, calls = _engine_state(fake), len(fake.calls)
    result = run(*_argv(args, place))
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, f"{case}: exit {result.exit_code}\n{result.output}"
    assert len(lines) == 1, f"{case}: not one line:\n{result.output}"
    assert lines[0].startswith("Error: ") and "Traceback" not in result.output
    assert "Hint:" in lines[0] or "must" in lines[0] or "not" in lines[0], f"{case}: says nothing to do: {lines[0]}"
    assert _tree(place) == before_files, f"{case} wrote or changed files"
    assert _tree(tmp_path / "home") == before_home, f"{case} changed rmqlab's home"
    assert _engine_state(fake) == before_engine and len(fake.calls) == calls, f"{case} changed the engine's state"


def test_the_table_is_big_enough():
    assert len(CASES) >= 40
