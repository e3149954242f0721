"""DLedger and controller mode on real RocketMQ: kill the master, a different node is elected,
and the old one rejoins as a slave."""

import pytest
from clirunner import run
from realcluster import cluster_list, consume_keys, produce_keys, run_mqadmin, shared_cluster, wait_for

from rmqlab.topology.model import Mode

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=[Mode.DLEDGER, Mode.CONTROLLER], ids=lambda m: m.value)
def cluster(request):
    with shared_cluster(request.param) as cluster:
        yield cluster


def _master_node(cluster, group="broker-a"):
    by_addr = {cluster.advertised_addr(b): b.name for b in cluster.group_members(group)}
    master = cluster_list(cluster).get(group, {}).get(0)
    return by_addr.get(master)


def test_one_master_per_group_in_mqadmin(cluster):
    for group in cluster.groups:
        registered = cluster_list(cluster)[group]
        assert 0 in registered, f"{group} has no master in clusterList"
        assert len(registered) == len(cluster.group_members(group))


def test_produce_and_consume_through_the_elected_masters(cluster):
    keys = produce_keys(cluster, "it-elected", 6)
    assert len(keys) == 6
    assert sorted(k for *_, k in consume_keys(cluster, "it-elected")) == sorted(keys)
    _, found = run_mqadmin(cluster, ["queryMsgByKey", "-t", "it-elected", "-k", keys[-1]])
    assert f"@{keys[-1]}@" in found, found


def test_killing_the_master_elects_another_node_and_it_rejoins_as_slave(cluster):
    old = _master_node(cluster)
    result = run("kill", "broker-a-master", "--name", cluster.name)
    assert result.exit_code == 0, result.output
    assert old in result.output, "the alias must resolve to the node that was master"
    new = wait_for(lambda: (m := _master_node(cluster)) not in (None, old) and m, 60, "a new master of broker-a")
    assert new != old
    assert run("start", old, "--name", cluster.name).exit_code == 0
    def rejoined():
        registered = cluster_list(cluster)["broker-a"]
        old_addr = cluster.advertised_addr(cluster.node(old))
        return old_addr in registered.values() and registered.get(0) != old_addr
    wait_for(rejoined, 90, f"{old} to rejoin broker-a as a slave")
    assert _master_node(cluster) == new
