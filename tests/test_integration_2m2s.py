"""2m2s-sync on real RocketMQ: a dead master stays dead, its slave never takes over."""

import time

import pytest
from clirunner import run
from realcluster import (
    LAB,
    addr,
    cluster_list,
    consume_keys,
    produce_keys,
    run_mqadmin,
    shared_cluster,
    states,
    wait_for,
)

from rmqlab.api.experiments import experiment_spec
from rmqlab.topology.model import Mode

pytestmark = pytest.mark.integration
NAME = experiment_spec(Mode.SYNC_2M2S, "5.5.0").name  # the session's shared 2m2s-sync cluster


@pytest.fixture(scope="module")
def cluster():
    with shared_cluster(Mode.SYNC_2M2S) as cluster:
        yield cluster


def test_mqadmin_sees_two_masters_and_two_slaves(cluster):
    groups = cluster_list(cluster)
    assert groups == {
        "broker-a": {0: addr(cluster, "broker-a-master"), 1: addr(cluster, "broker-a-slave")},
        "broker-b": {0: addr(cluster, "broker-b-master"), 1: addr(cluster, "broker-b-slave")},
    }


def test_what_our_client_sends_rocketmq_tools_find_and_the_reverse(cluster):
    keys = produce_keys(cluster, "it-cross", 8)
    assert len(keys) == 8
    _, found = run_mqadmin(cluster, ["queryMsgByKey", "-t", "it-cross", "-k", keys[0]])
    assert f"@{keys[0]}@" in found, found
    _, sent = run_mqadmin(cluster, ["sendMessage", "-t", "it-cross", "-p", "from-mqadmin", "-k", "mqadmin-key"])
    assert "SEND_OK" in sent, sent
    assert "mqadmin-key" in {key for *_, key in consume_keys(cluster, "it-cross")}


def test_pull_from_a_slave_returns_what_its_master_has(cluster):
    produce_keys(cluster, "it-slave", 12)
    from_masters = consume_keys(cluster, "it-slave")
    # A slave serves a new topic once it has copied the topic config from its master (every ~10 s).
    wait_for(lambda: consume_keys(cluster, "it-slave", "--from-slave") == from_masters, 60,
             "the slaves to serve the same messages as their masters")
    assert len(from_masters) == 12


def test_killed_master_is_not_replaced_by_its_slave(cluster):
    result = run("kill", "broker-a-master", "--name", NAME)
    assert result.exit_code == 0, result.output
    assert "SIGKILL" in result.output
    wait_for(lambda: 0 not in cluster_list(cluster).get("broker-a", {}), 30, "broker-a's master to leave the route")
    time.sleep(10)  # give any automatic switch a fair chance to happen
    groups = cluster_list(cluster)
    assert groups["broker-a"] == {1: addr(cluster, "broker-a-slave")}, "the slave must stay a slave"
    assert groups["broker-b"][0] == addr(cluster, "broker-b-master")
    with LAB.observer(cluster, timeout=3) as observer:
        slave = addr(cluster, "broker-a-slave")
        assert observer.client.broker_config(slave)["brokerRole"] == "SLAVE"  # it still answers


def test_restarted_master_takes_its_group_back(cluster):
    result = run("start", "broker-a-master", "--name", NAME)
    assert result.exit_code == 0, result.output
    wait_for(lambda: cluster_list(cluster).get("broker-a", {}).get(0) == addr(cluster, "broker-a-master"), 60,
             "broker-a-master to register again")


def test_killing_a_machine_takes_down_exactly_its_nodes(cluster):
    result = run("kill", "machine-a", "--name", NAME)
    assert result.exit_code == 0, result.output
    now = states(cluster)
    on_a = {"machine-a", "namesrv-a", "broker-a-master", "broker-b-slave"}
    assert {n for n, s in now.items() if s != "running"} == on_a
    result = run("start", "machine-a", "--name", NAME)
    assert result.exit_code == 0, result.output
    assert all(s == "running" for s in states(cluster).values())
    wait_for(lambda: cluster_list(cluster).get("broker-a", {}).get(0) == addr(cluster, "broker-a-master"), 60,
             "machine-a's master to come back")


def test_pause_and_isolate_are_undone_by_heal(cluster):
    assert run("pause", "broker-b-master", "--name", NAME).exit_code == 0
    assert run("isolate", "machine-b", "--name", NAME).exit_code == 0
    status = run("status", "--json", "--name", NAME)
    assert '"isolated": true' in status.stdout and '"paused"' in status.stdout
    healed = run("heal", "--name", NAME)
    assert healed.exit_code == 0 and "reconnected machine-b" in healed.output
    status = run("status", "--json", "--name", NAME).stdout
    assert '"isolated": true' not in status and '"paused"' not in status
    second = run("heal", "--name", NAME)
    assert second.exit_code == 0 and "Nothing was paused or isolated" in second.output


def test_isolating_one_node_of_a_shared_machine_is_refused(cluster):
    result = run("isolate", "broker-a-master", "--name", NAME)
    assert result.exit_code == 2
    assert "isolate machine-a" in result.output


def test_unknown_target_touches_nothing(cluster):
    before = states(cluster)
    result = run("kill", "broker-q-master", "--name", NAME)
    assert result.exit_code == 2 and "Valid targets" in result.output
    assert states(cluster) == before
