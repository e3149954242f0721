"""--set knobs: checked against the version's keys, rendered with a comment each, carried by the spec label,
and client knobs recorded in run.json; compare runs variants side by side."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace

import yaml
from clirunner import run

from rmqlab.lint.knobs import resolve_knobs
from rmqlab.render.compose import render_compose
from rmqlab.render.properties import render_broker_properties, render_namesrv_properties
from rmqlab.topology.knobs import parse_knobs
from rmqlab.topology.layouts import build_cluster
from rmqlab.topology.model import ClusterSpec, Mode
from rmqlab.topology.specio import spec_from_json, spec_to_json


def _cluster(mode: Mode, *texts: str):
    spec = ClusterSpec(mode=mode)
    knobs = resolve_knobs(build_cluster(spec), parse_knobs(list(texts)))
    return build_cluster(replace(spec, knobs=knobs))


def test_a_key_with_no_scope_goes_where_the_version_reads_it_and_each_override_says_so():
    cluster = _cluster(Mode.CONTROLLER, "enableElectUncleanMaster=true", "slaveReadEnable=false",
                       "broker:enableSlaveActingMaster=true", "controllerHeartBeatTimeoutMills=3000")
    assert [k.scope for k in cluster.spec.knobs] == ["namesrv", "broker", "broker", "broker"]
    broker = render_broker_properties(cluster, cluster.brokers[0])
    assert "# --set broker:slaveReadEnable=false (rmqlab writes true here otherwise).\nslaveReadEnable=false" in broker
    assert "# --set broker:enableSlaveActingMaster=true\nenableSlaveActingMaster=true" in broker
    assert "controllerHeartBeatTimeoutMills=3000" in broker and "enableElectUncleanMaster" not in broker
    namesrv = render_namesrv_properties(cluster, cluster.namesrvs[0])
    assert "enableElectUncleanMaster=true" in namesrv


def test_java_reads_the_overridden_value_once(tmp_path):
    """java.util.Properties is the oracle: the key appears once and holds the knob's value."""
    cluster = _cluster(Mode.SYNC_2M2S, "master:slaveReadEnable=false", "broker-a-slave:transientStorePoolEnable=true")
    master = render_broker_properties(cluster, cluster.node("broker-a-master"))
    slave = render_broker_properties(cluster, cluster.node("broker-a-slave"))
    assert [line for line in master.splitlines() if line.startswith("slaveReadEnable=")] == ["slaveReadEnable=false"]
    assert "slaveReadEnable=true" in slave
    assert "transientStorePoolEnable=true" in slave and "transientStorePoolEnable" not in master
    path = tmp_path / "m.properties"
    path.write_text(master)
    source = tmp_path / "Read.java"
    source.write_text("public class Read { public static void main(String[] a) throws Exception {"
                      " java.util.Properties p = new java.util.Properties();"
                      " p.load(new java.io.FileInputStream(a[0])); System.out.print(p.getProperty(a[1])); } }")
    done = subprocess.run(["java", str(source), str(path), "slaveReadEnable"], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout == "false", done.stderr


def test_dledger_timing_reaches_the_launcher_through_java_opt_ext_only():
    cluster = _cluster(Mode.DLEDGER, "dledger:heartBeatTimeIntervalMs=500", "dledger:maxHeartBeatLeak=3")
    compose = yaml.safe_load(render_compose(cluster, "img"))
    opts = compose["services"]["broker-a-n0"]["environment"]["JAVA_OPT_EXT"]
    assert opts.endswith("-Drmqlab.dledger.heartBeatTimeIntervalMs=500 -Drmqlab.dledger.maxHeartBeatLeak=3")
    assert "-Drmqlab" not in compose["services"]["namesrv-a"]["environment"]["JAVA_OPT_EXT"]
    props = render_broker_properties(cluster, cluster.brokers[0])
    assert "## DLedger election timing, --set dledger: heartBeatTimeIntervalMs=500, maxHeartBeatLeak=3." in props
    assert "heartBeatTimeIntervalMs=500\n" not in props  # not a broker key: never a line RocketMQ would read
    stock = build_cluster(ClusterSpec(mode=Mode.DLEDGER))
    assert "-Drmqlab" not in render_compose(stock, "img")


def test_the_spec_label_carries_knobs_and_a_stock_label_reads_as_before():
    cluster = _cluster(Mode.SYNC_2M2S, "slaveReadEnable=false")
    assert spec_from_json(spec_to_json(cluster.spec)) == cluster.spec
    assert "knobs" not in spec_to_json(ClusterSpec())


def test_up_with_a_knob_renders_it_and_render_writes_it(fake, tmp_path):
    result = run("up", "--name", "k1", "--set", "slaveReadEnable=false")
    assert result.exit_code == 0, result.output
    assert fake.model("k1").spec.knobs[0].text == "broker:slaveReadEnable=false"
    result = run("render", "--out", str(tmp_path / "out"), "--mode", "dledger", "--set",
                 "dledger:heartBeatTimeIntervalMs=500")
    assert result.exit_code == 0, result.output
    assert "heartBeatTimeIntervalMs=500" in (tmp_path / "out" / "docker-compose.yaml").read_text()


def test_client_knobs_drive_the_producers_and_are_recorded_in_run_json(fake, tmp_path):
    scenario = tmp_path / "quick.yaml"
    scenario.write_text(yaml.safe_dump({"duration": 2, "faults": []}))
    result = run("experiment", "run", "--scenario", str(scenario), "--out", str(tmp_path / "runs"),
                 "--set", "client:pollNameServerInterval=5000", "--set", "client:sendLatencyFaultEnable=true",
                 "--set", "client:retryTimesWhenSendFailed=0", "--set", "slaveReadEnable=false")
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "runs" / "latest" / "run.json").read_text())
    assert meta["workload"]["route_refresh"] == 5.0 and meta["workload"]["latency_fault"] is True
    assert meta["workload"]["retries"] == 0
    assert meta["knobs"] == ["broker:slaveReadEnable=false"]


def test_compare_runs_each_variant_side_by_side(fake, tmp_path):
    scenario = tmp_path / "quick.yaml"
    scenario.write_text(yaml.safe_dump({"duration": 2, "faults": []}))
    result = run("compare", "--modes", "dledger", "--scenario", str(scenario), "--out", str(tmp_path / "runs"),
                 "--variant", "stock",
                 "--variant", "fast: dledger:heartBeatTimeIntervalMs=500,dledger:maxHeartBeatLeak=3")
    assert result.exit_code == 0, result.output
    assert "dledger (stock)" in result.output and "dledger (fast)" in result.output
    metas = [json.loads(p.read_text()) for p in (tmp_path / "runs").glob("*/run.json") if not p.parent.is_symlink()]
    assert sorted((m["variant"], tuple(m["knobs"])) for m in metas) == [
        ("fast", ("dledger:heartBeatTimeIntervalMs=500", "dledger:maxHeartBeatLeak=3")), ("stock", ())]


def test_latency_fault_strategy_follows_rocketmq_5s_table():
    from rmqlab.experiment.run.workload import LatencyFaults

    faults = LatencyFaults()
    faults.update("broker-a", 40.0, now=0.0)
    assert faults.available("broker-a", 0.0)
    faults.update("broker-a", 600.0, now=0.0)  # 550 ms or more: 2 s off
    assert not faults.available("broker-a", 1.9) and faults.available("broker-a", 2.0)
    faults.update("broker-b", None, now=0.0)  # a failure counts as 10 s of latency: 10 s off
    assert not faults.available("broker-b", 9.9) and faults.available("broker-b", 10.0)
