"""Lifecycle edges on real Docker: 4.9.x image, down keeps or deletes data, labels on everything."""

import pytest
from realcluster import LAB, addr, assert_nothing_left, cluster_list, running_cluster

from rmqlab.topology.model import ClusterSpec, Mode
from rmqlab.topology.versions import NEWEST_4X_ON_MAVEN

pytestmark = pytest.mark.integration


def test_4x_2m2s_comes_up_with_the_expected_roles():
    spec = ClusterSpec(mode=Mode.SYNC_2M2S, name="it-49x", version=NEWEST_4X_ON_MAVEN)
    with running_cluster(spec) as cluster:
        groups = cluster_list(cluster)
        assert groups["broker-a"] == {0: addr(cluster, "broker-a-master"), 1: addr(cluster, "broker-a-slave")}
        containers = LAB.provider.containers(cluster.name)
        assert all(c.labels.get("rmqlab.cluster") == "it-49x" for c in containers.values())


def test_down_keeps_data_unless_asked():
    spec = ClusterSpec(mode=Mode.DLEDGER, name="it-down")
    with running_cluster(spec) as cluster:
        LAB.down(cluster.name)
        assert not LAB.provider.containers(cluster.name) and not LAB.provider.networks(cluster.name)
        kept = {v.name for v in LAB.provider.volumes(cluster.name)}
        assert len(kept) == 3, kept
    assert_nothing_left("it-down")
