"""RocketMQ 4.7.0, the seed's version, on real containers: the image runs it on Java 17, 4.7.0's
own mqadmin sees the expected roles, and the seed's two lessons hold: in 2M2S a dead master is
not replaced, in DLedger the other two nodes elect a new leader."""

from __future__ import annotations

import re
import time

import pytest
from clirunner import run
from realcluster import LAB, addr, consume_keys, produce_keys, run_mqadmin, running_cluster, wait_for

from rmqlab.remoting.codes import ResponseCode
from rmqlab.remoting.errors import RemotingTimeout
from rmqlab.topology.model import ClusterSpec, Mode
from rmqlab.topology.versions import netty_40

pytestmark = pytest.mark.integration
VERSION = "4.7.0"
_ROW = re.compile(r"^(\S+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(V\S+)")


def mqadmin_cluster_list(cluster) -> dict[str, dict[int, tuple[str, str]]]:
    """brokerName -> {BID: (address, version column)} from the image's own `mqadmin clusterList`."""
    _, output = run_mqadmin(cluster, ["clusterList"])
    groups: dict[str, dict[int, tuple[str, str]]] = {}
    for line in output.splitlines():
        match = _ROW.match(line.strip())
        if match:
            _, broker, bid, address, version = match.groups()
            groups.setdefault(broker, {})[int(bid)] = (address, version)
    return groups


def roles_by_bid(cluster) -> dict[str, dict[int, str]]:
    return {group: {bid: a for bid, (a, _) in rows.items()} for group, rows in mqadmin_cluster_list(cluster).items()}


def exec_in(cluster, node: str, command: str) -> str:
    code, output = LAB.provider.exec(cluster.name, node, ["sh", "-c", command], timeout=60)
    assert code == 0, output
    return output


def started(spec: ClusterSpec):
    began = time.monotonic()
    with running_cluster(spec) as cluster:
        print(f"\n{spec.name}: ready {time.monotonic() - began:.1f} s after start_cluster (image built or reused)")
        yield cluster


# Names whose 127.0.0.1 port bases differ from every other test cluster's (it-470-2m2s would share
# it-2m2s's), so this module can run beside the others on one engine.
@pytest.fixture(scope="class")
def sync_cluster():
    yield from started(ClusterSpec(mode=Mode.SYNC_2M2S, name="it-470-2m2s-sync", version=VERSION))


@pytest.fixture(scope="class")
def dledger_cluster():
    yield from started(ClusterSpec(mode=Mode.DLEDGER, name="it-470-dledger", version=VERSION))


class TestTwoMastersTwoSlaves:
    @pytest.fixture
    def cluster(self, sync_cluster):
        return sync_cluster

    def test_the_image_runs_470_jars_on_java_17(self, cluster):
        assert exec_in(cluster, "broker-a-master", "cat $ROCKETMQ_HOME/conf/java.version").strip() == "17"
        lib = exec_in(cluster, "broker-a-master", "ls $ROCKETMQ_HOME/lib").split()
        assert {"rocketmq-broker-4.7.0.jar", "rocketmq-tools-4.7.0.jar", "logback-classic-1.0.13.jar"} <= set(lib)
        # The jar facts netty_40() stands for: Netty 4.0 and no BouncyCastle.
        assert netty_40(VERSION) == any(j.startswith("netty-all-4.0.") for j in lib)
        assert not any(j.startswith("bcprov") for j in lib)
        args = exec_in(cluster, "broker-a-master", "cat /proc/1/cmdline | tr '\\0' ' '")
        for flag in ("--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                     "-Dtls.server.mode=disabled", "org.apache.rocketmq.broker.BrokerStartup"):
            assert flag in args, args
        logs = exec_in(cluster, "broker-a-master", "cat /home/rocketmq/logs/rocketmqlogs/*.log")
        assert "InaccessibleObjectException" not in logs and "Failed to create SSLContext" not in logs

    def test_470_mqadmin_sees_two_masters_and_two_slaves(self, cluster):
        rows = mqadmin_cluster_list(cluster)
        assert {v for group in rows.values() for _, v in group.values()} == {"V4_7_0"}
        assert roles_by_bid(cluster) == {
            "broker-a": {0: addr(cluster, "broker-a-master"), 1: addr(cluster, "broker-a-slave")},
            "broker-b": {0: addr(cluster, "broker-b-master"), 1: addr(cluster, "broker-b-slave")},
        }

    def test_470_reads_the_rendered_keys(self, cluster):
        _, config = run_mqadmin(cluster, ["getBrokerConfig", "-b", addr(cluster, "broker-a-master")])
        values = dict(re.findall(r"^(\w+)[ \t]*=[ \t]*(\S*)", config, re.MULTILINE))
        assert values["mappedFileSizeCommitLog"] == "67108864"  # the rendered value, not the 1 GiB default
        assert values["brokerRole"] == "SYNC_MASTER"
        assert int(values["haListenPort"]) == int(values["listenPort"]) + 1

    def test_470_leaves_the_ha_status_request_unanswered(self, cluster):
        # Why versions.reports_ha_status is False for 4.7.0 (4.9.x at least answers "not supported").
        with LAB.observer(cluster, timeout=2.0) as observer, pytest.raises(RemotingTimeout):
            observer.client.ha_status(addr(cluster, "broker-a-master"), timeout=2.0)

    def test_our_client_sends_and_reads_back_from_the_slaves(self, cluster):
        keys = produce_keys(cluster, "it-470", 8)
        assert len(keys) == 8
        from_masters = consume_keys(cluster, "it-470")
        assert sorted(k for *_, k in from_masters) == sorted(keys)
        wait_for(lambda: consume_keys(cluster, "it-470", "--from-slave") == from_masters, 60,
                 "the 4.7.0 slaves to serve what their masters have")

    def test_a_silent_slave_costs_a_sync_send_syncflushtimeout(self, cluster):
        master = addr(cluster, "broker-a-master")
        assert run("pause", "broker-a-slave", "--name", cluster.name).exit_code == 0
        try:
            with LAB.observer(cluster, timeout=9.0) as observer:
                observer.client.create_topic(master, "it-470-wait")
                began = time.monotonic()
                sent = observer.client.send(master, "it-470-wait", 0, b"waits", timeout=9.0)
                waited = time.monotonic() - began
        finally:
            assert run("heal", "--name", cluster.name).exit_code == 0
        assert sent.code == ResponseCode.FLUSH_SLAVE_TIMEOUT, sent
        assert 4.5 <= waited <= 7.0, f"4.7.0 waits syncFlushTimeout (5 s), not slaveTimeout (3 s): {waited:.2f} s"

    def test_a_graceful_stop_unmaps_its_files_on_java_17(self, cluster):
        # StoreCheckpoint.shutdown unmaps by reflection; if Java 17 refused it, the abort file would
        # stay and the next start would report an abnormal last shutdown.
        assert run("stop", "broker-b-slave", "--name", cluster.name).exit_code == 0
        assert run("start", "broker-b-slave", "--name", cluster.name).exit_code == 0
        wait_for(lambda: roles_by_bid(cluster).get("broker-b", {}).get(1) == addr(cluster, "broker-b-slave"), 90,
                 "broker-b-slave to register again")
        store = exec_in(cluster, "broker-b-slave", "cat /home/rocketmq/logs/rocketmqlogs/store.log")
        assert store.count("last shutdown normally") == 2 and "abnormally" not in store, store[-3000:]

    def test_killed_master_is_not_replaced_by_its_slave(self, cluster):
        result = run("kill", "broker-a-master", "--name", cluster.name)
        assert result.exit_code == 0, result.output
        wait_for(lambda: 0 not in roles_by_bid(cluster).get("broker-a", {}), 30, "broker-a's master to leave the route")
        time.sleep(10)  # give any automatic switch a fair chance to happen
        groups = roles_by_bid(cluster)
        assert groups["broker-a"] == {1: addr(cluster, "broker-a-slave")}, "the slave must stay a slave"
        assert groups["broker-b"][0] == addr(cluster, "broker-b-master")
        with LAB.observer(cluster, timeout=3) as observer:
            assert observer.client.broker_config(addr(cluster, "broker-a-slave"))["brokerRole"] == "SLAVE"

    def test_restarted_master_takes_its_group_back(self, cluster):
        assert run("start", "broker-a-master", "--name", cluster.name).exit_code == 0
        wait_for(lambda: roles_by_bid(cluster).get("broker-a", {}).get(0) == addr(cluster, "broker-a-master"), 90,
                 "broker-a-master to register again")

    def test_rocketmq_s_own_470_java_client_sends_and_consumes_on_java_17(self, cluster, tmp_path):
        """--client java runs 4.7.0's DefaultMQProducer and push consumers in the image's JRE 17, whose Netty 4.0
        starts only with the module flags the brokers get too (without them: InaccessibleObjectException)."""
        import json
        from dataclasses import replace

        from realcluster import image_for_tests

        from rmqlab.api import experiments
        from rmqlab.experiment.run.scenario import scenario_from_dict

        scenario = scenario_from_dict({"name": "java-470", "duration": 12, "faults": []})
        (plan,) = experiments.prepare([Mode.SYNC_2M2S.value], scenario, VERSION, tmp_path, client="java",
                                      consumer_group=2)
        plan = replace(plan, spec=replace(plan.spec, name=cluster.name))
        done = experiments.run(LAB, plan, tmp_path, image_for_tests(VERSION), keep=True, on_event=print, reuse=True)
        report = json.loads((done.run_dir / "report.json").read_text())
        assert json.loads((done.run_dir / "run.json").read_text())["client"]["reported"]["version"] == "V4_7_0"
        totals = report["totals"]
        assert totals["acknowledged"] > 100 and totals["acknowledged_lost"] == 0, totals
        group = report["consumer_groups"]["rmqlab-app"]
        # a member joining later takes queues over in a rebalance: a duplicate may come of it, but with its cause
        assert group["distinct"] >= totals["acknowledged"] * 0.5 and group["unexplained"] == 0, group
        assert not report["warnings"], report["warnings"]


class TestDLedger:
    @pytest.fixture
    def cluster(self, dledger_cluster):
        return dledger_cluster

    def _master(self, cluster) -> str | None:
        by_addr = {cluster.advertised_addr(b): b.name for b in cluster.group_members("broker-a")}
        return by_addr.get(roles_by_bid(cluster).get("broker-a", {}).get(0))

    def test_470_mqadmin_sees_one_leader_and_followers_numbered_by_self_id(self, cluster):
        rows = mqadmin_cluster_list(cluster)["broker-a"]
        assert {v for _, v in rows.values()} == {"V4_7_0"}
        members = cluster.group_members("broker-a")
        leader = self._master(cluster)
        assert leader is not None and len(rows) == 3
        # A follower registers as brokerId = the number in its dLegerSelfId + 1 (DLedgerCommitLog).
        expected = {0: cluster.advertised_addr(cluster.node(leader))}
        for member in members:
            if member.name != leader:
                expected[int(member.dledger.self_id[1:]) + 1] = cluster.advertised_addr(member)
        assert {bid: a for bid, (a, _) in rows.items()} == expected

    def test_produce_and_consume_through_the_elected_leader(self, cluster):
        keys = produce_keys(cluster, "it-470-raft", 6)
        assert len(keys) == 6
        assert sorted(k for *_, k in consume_keys(cluster, "it-470-raft")) == sorted(keys)

    def test_killing_the_leader_elects_another_and_it_rejoins_as_follower(self, cluster):
        old = self._master(cluster)
        result = run("kill", "broker-a-master", "--name", cluster.name)
        assert result.exit_code == 0, result.output
        assert old in result.output
        began = time.monotonic()
        new = wait_for(lambda: (m := self._master(cluster)) not in (None, old) and m, 60, "a new leader of broker-a")
        print(f"\nnew leader {new} registered as master {time.monotonic() - began:.1f} s after killing {old}")
        console = LAB.provider.logs(cluster.name, new, 100_000)
        # The console filter (built against logback 1.2) runs on 4.7.0's logback 1.0.13.
        assert "handling broker role change" in console and "ChangeRoleToLeader" in console, console[-2000:]
        assert "in ch.qos.logback" not in console, "logback printed configuration problems"
        assert run("start", old, "--name", cluster.name).exit_code == 0
        old_addr = cluster.advertised_addr(cluster.node(old))

        def rejoined():
            registered = roles_by_bid(cluster)["broker-a"]
            return old_addr in registered.values() and registered.get(0) != old_addr

        wait_for(rejoined, 90, f"{old} to rejoin broker-a as a follower")
        assert self._master(cluster) == new
