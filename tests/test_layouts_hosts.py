"""render --hosts: a host list that cannot be a cluster is bad input (exit 2), before anything is rendered."""

import pytest

from rmqlab.errors import BadInput
from rmqlab.lint.cluster import lint_cluster
from rmqlab.topology.layouts import build_cluster
from rmqlab.topology.model import ClusterSpec, Mode


@pytest.mark.parametrize(
    "mode, hosts",
    [
        (Mode.SYNC_2M2S, ("10.0.0.1", "10.0.0.1")),
        (Mode.DLEDGER, ("10.0.0.1", "10.0.0.2", "10.0.0.1")),
        (Mode.CONTROLLER, ("10.0.0.3", "10.0.0.3", "10.0.0.3")),
    ],
)
def test_a_host_named_twice_is_bad_input(mode, hosts):
    with pytest.raises(BadInput, match="more than once"):
        build_cluster(ClusterSpec(mode=mode, hosts=hosts))


@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "240.0.0.1"])
def test_an_address_no_other_host_can_reach_is_bad_input(address):
    with pytest.raises(BadInput, match=address):
        build_cluster(ClusterSpec(mode=Mode.SYNC_2M2S, hosts=(address, "10.0.0.2")))


def test_distinct_real_hosts_still_render_and_lint_clean():
    cluster = build_cluster(ClusterSpec(mode=Mode.DLEDGER, hosts=("10.0.0.1", "10.0.0.2", "192.168.7.3")))
    assert not lint_cluster(cluster).findings


def test_lint_treats_a_host_named_twice_as_one_machine():
    # what render --hosts 10.0.0.1,10.0.0.1 used to produce: two brokers per group on one host
    from rmqlab.lint import lint_hosts
    from rmqlab.lint.inputs import Host, config_from_text

    text = "brokerName=broker-a\nbrokerId=0\nbrokerRole=ASYNC_MASTER\nnamesrvAddr=10.0.0.1:9876\nstorePathRootDir=/s\n"
    a = config_from_text("a.properties", text)
    b = config_from_text("b.properties", text.replace("broker-a", "broker-b"))
    report = lint_hosts([Host("10.0.0.1", (a,)), Host("10.0.0.1", (b,))], "5.5.0")
    assert {"store-lock", "port-clash"} <= {f.rule for f in report.errors}
