"""RocketMQ 4.7.0 (the seed's version) without an engine: which versions are accepted, the
version facts checked against the keys extracted from each version's jars, the rendered 4.7.0
files linted with 4.7.0's own keys, its launcher, and the library paths that ask brokers."""

from __future__ import annotations

import pytest

from rmqlab.errors import BadInput
from rmqlab.image import context, jars
from rmqlab.lint.cluster import lint_cluster
from rmqlab.lint.keys import available_versions, key_set
from rmqlab.render.properties import render_broker_properties
from rmqlab.topology import versions
from rmqlab.topology.layouts import ClusterSpec, build_cluster
from rmqlab.topology.model import BrokerNode, Mode

BASE = "rmqlab/base:bookworm-jre17-0123456789ab"


@pytest.mark.parametrize("text", ["4.7.0", "4.7.1", "4.9.7", "4.9.8", "5.0.0", "5.5.0"])
def test_supported_versions_parse(text):
    assert versions.parse_version(text) == tuple(int(p) for p in text.split("."))


@pytest.mark.parametrize("text", ["4.8.0", "4.6.1", "4.5.2", "3.2.6", "6.0.0"])
def test_unread_lines_are_refused_with_the_supported_ones_named(text):
    with pytest.raises(BadInput) as refused:
        versions.parse_version(text)
    assert "4.7.x, 4.9.x and 5.x" in refused.value.hint


def test_ha_port_is_forced_before_511():
    assert [versions.honours_ha_listen_port(v) for v in ("4.7.0", "4.9.7", "5.0.0", "5.1.0", "5.1.1", "5.5.0")] == [
        False, False, False, False, True, True]


def _broker_keys(version: str):
    keys = key_set(version, "broker")
    assert keys is not None and keys.version == version
    return keys


@pytest.mark.parametrize("version", available_versions())
def test_version_facts_agree_with_the_keys_each_version_reads(version):
    keys = _broker_keys(version)
    assert versions.needs_total_replicas(version) == ("totalReplicas" in keys) == ("inSyncReplicas" in keys)
    wait_key, seconds = versions.slave_wait(version)
    assert wait_key in keys
    assert ("slaveTimeout" in keys) == (wait_key == "slaveTimeout")
    defaults = _defaults(version)
    assert defaults[wait_key] == str(int(seconds * 1000))
    assert versions.supports_controller_mode(version) == ("enableControllerMode" in keys)
    assert versions.trims_string_values(version) == versions.is_5x(version)


def _defaults(version: str) -> dict[str, str]:
    from importlib import resources

    text = (resources.files("rmqlab") / "data" / "keys" / version / "broker.tsv").read_text()
    return {line.split("\t")[0]: line.split("\t")[2] for line in text.splitlines() if line and line[0] != "#"}


def test_470_reads_the_seeds_keys_as_its_jars_do():
    keys = _broker_keys("4.7.0")
    assert "mappedFileSizeCommitLog" in keys and "mapedFileSizeCommitLog" not in keys
    assert keys.suggest("mapedFileSizeCommitLog") == "mappedFileSizeCommitLog"
    for later in ("slaveTimeout", "preferredLeaderId", "isolateLogEnable", "enableBatchPush"):
        assert later not in keys and later in _broker_keys("4.9.7"), later
    assert _defaults("4.7.0")["sendMessageThreadPoolNums"] == "1"


def test_controller_mode_is_refused_on_4x_saying_why():
    with pytest.raises(BadInput) as refused:
        build_cluster(ClusterSpec(mode=Mode.CONTROLLER, name="v470", version="4.7.0"))
    assert "4.x has no controller" in refused.value.message
    assert "--mode dledger" in refused.value.hint


@pytest.mark.parametrize("mode", [Mode.SYNC_2M2S, Mode.ASYNC_2M2S, Mode.DLEDGER])
def test_rendered_470_files_lint_clean_with_470_keys(mode):
    cluster = build_cluster(ClusterSpec(mode=mode, name="v470", version="4.7.0"))
    report = lint_cluster(cluster)
    assert report.version == "4.7.0"
    assert not report.findings, "\n".join(f.message for f in report.findings)
    keys = _broker_keys("4.7.0")
    for broker in (n for n in cluster.nodes if isinstance(n, BrokerNode)):
        written = [line.split("=", 1)[0] for line in render_broker_properties(cluster, broker).splitlines()
                   if line and not line.startswith("#")]
        assert set(written) <= set(keys.types), set(written) - set(keys.types)


def test_470_sync_master_says_how_long_it_waits_and_sets_no_5x_keys():
    cluster = build_cluster(ClusterSpec(mode=Mode.SYNC_2M2S, name="v470", version="4.7.0"))
    text = render_broker_properties(cluster, cluster.node("broker-a-master"))
    assert "brokerRole=SYNC_MASTER" in text
    assert "totalReplicas" not in text and "inSyncReplicas" not in text
    assert "syncFlushTimeout (5 s)" in text
    assert "(HA replication, always listenPort+1 here)" in text


def test_the_seed_spelling_is_judged_by_what_470_reads():
    from pathlib import Path

    from rmqlab.lint import lint_hosts
    from rmqlab.lint.collect import collect_hosts

    case = Path(__file__).parent / "lint_cases" / "seed-470-spelling"
    messages = [f.message for f in lint_hosts(collect_hosts([case], [], [], []), "4.7.0").findings]
    assert any("'mapedFileSizeCommitLog' is not a key RocketMQ 4.7.0 reads" in m and "'mappedFileSizeCommitLog'" in m
               for m in messages), messages
    assert any("'slaveTimeout' is read by RocketMQ 4.9.7" in m and "not by 4.7.0" in m for m in messages), messages
    later = [f.message for f in lint_hosts(collect_hosts([case], [], [], []), "4.9.7").findings]
    assert not any("slaveTimeout" in m for m in later)


def test_470_launcher_adds_the_netty_40_flags_only_for_470():
    seed = context.launcher_common("4.7.0")
    nine = context.launcher_common("4.9.7")
    assert "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED" in seed and "--add-opens=java.base/sun.nio.ch" not in nine
    # TLS off: in every profile for 4.7.0 (its TLS cannot work on Java 17); only in the lab profile for 4.9.7.
    assert "-Dtls.server.mode=disabled" in " ".join(context.jdk9_flags("4.7.0"))
    assert "-Dtls.server.mode=disabled" not in " ".join(context.jdk9_flags("4.9.7"))
    for flag in context.jdk9_flags("4.9.7"):
        assert flag in seed
    assert "-Drocketmq.home.dir=$ROCKETMQ_HOME" in seed


def test_470_image_layout_is_the_4x_one():
    seed = context.render_context("4.7.0", BASE)
    nine = context.render_context("4.9.7", BASE)
    assert {p for p in seed if p != "bin/rmq-java.sh" and p != "Dockerfile"} == {
        p for p in nine if p != "bin/rmq-java.sh" and p != "Dockerfile"}
    assert seed["conf/logback_broker.xml"] == nine["conf/logback_broker.xml"]
    assert seed["lib/rmqlab-keylines.jar"] == nine["lib/rmqlab-keylines.jar"]  # logback 1.0.13 has the same API
    assert "ROCKETMQ_HOME=/home/rocketmq/rocketmq-4.7.0" in seed["Dockerfile"].data.decode()
    assert "rocketmq-controller" not in jars.pom_text("4.7.0")
    assert jars.artifacts("4.7.0") == ("rocketmq-namesrv", "rocketmq-broker", "rocketmq-tools")


class _CountingClient:
    def __init__(self):
        self.asked = []

    def ha_status(self, addr):
        self.asked.append(addr)
        return None

    def close(self):
        pass


@pytest.mark.parametrize(("version", "asks"), [("4.7.0", False), ("4.9.7", False), ("5.5.0", True)])
def test_observer_does_not_ask_470_for_ha_status(version, asks):
    from rmqlab.live.observe import Observer

    cluster = build_cluster(ClusterSpec(mode=Mode.SYNC_2M2S, name="v470", version=version))
    observer = Observer(cluster, _CountingClient())
    assert observer.in_sync_slaves("broker-a-master") is None
    assert bool(observer.client.asked) == asks


@pytest.mark.parametrize(("version", "asked", "used"), [
    ("4.7.0", 5.0, 6.0), ("4.9.7", 5.0, 5.0), ("5.5.0", 5.0, 5.0), ("4.7.0", 10.0, 10.0)])
def test_experiment_send_timeout_outlasts_the_slave_wait(version, asked, used):
    from dataclasses import replace

    from rmqlab.experiment.run.runner import _with_send_timeout_above_slave_wait
    from rmqlab.experiment.run.scenario import load_scenario

    scenario = load_scenario("kill-master")
    scenario = replace(scenario, workload=replace(scenario.workload, send_timeout=asked))
    assert _with_send_timeout_above_slave_wait(scenario, version).workload.send_timeout == used
