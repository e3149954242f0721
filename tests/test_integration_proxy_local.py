"""Real RocketMQ 5 with `--proxy local` (a proxy in each DLedger replica's JVM) and the official Python gRPC
client: its sends go on through the proxy across a leader kill, and no acknowledged message is lost."""

from __future__ import annotations

import time

import pytest
from grpcclient import GrpcProducer, receive_keys, wait_for
from realcluster import LAB, running_cluster

from rmqlab.api import ClusterSpec, Mode
from rmqlab.topology.model import ProxyMode

pytestmark = pytest.mark.integration
NAME = "hp-it-pxlocal"
TOPIC = "ProxyLocal"
ACKED: set[str] = set()  # what the send test got acknowledged, for the receive test
ENDPOINT: list[str] = []


@pytest.fixture(scope="module")
def cluster():
    pytest.importorskip("rocketmq", reason="pip install rocketmq-python-client (the dev extras)")
    with running_cluster(ClusterSpec(mode=Mode.DLEDGER, name=NAME, proxy=ProxyMode.LOCAL), timeout=300) as running:
        # the topic on every group, with rmqlab's queue count (produce is lazy: nothing happens unread)
        assert [s.code_name for s in LAB.produce(NAME, TOPIC, count=1)] == ["SUCCESS"]
        yield running


def receive_keys_as_new_group(endpoint: str, topic: str, group: str, wanted: set[str]) -> set[str]:
    # A 5.x proxy refuses a consumer whose group does not exist ("group not found"), and then fails its
    # receives with a NullPointerException: create the group first, as an operator would.
    code, output = LAB.admin(NAME, ["updateSubGroup", "-c", "rocketmq-cluster", "-g", group])
    assert code == 0 and "success" in output.lower(), output[-400:]
    return receive_keys(endpoint, topic, group, wanted)


def _master() -> str | None:
    return LAB.status(NAME).groups.get("broker-a").master if "broker-a" in LAB.status(NAME).groups else None


def test_status_lists_each_proxy_at_a_local_address(cluster):
    status = LAB.status(NAME)
    assert [p.name for p in status.proxies] == [f"broker-a-n{i}-proxy" for i in range(3)]
    for proxy in status.proxies:
        assert proxy.state == "running" and proxy.runs_in == proxy.name.removesuffix("-proxy")
        assert proxy.grpc.startswith("127.0.0.1:") and proxy.remoting.startswith("127.0.0.1:")
    assert status.to_dict()["proxies"][0]["grpc"] == status.proxies[0].grpc


def test_grpc_sends_survive_a_leader_kill_with_nothing_acknowledged_lost(cluster):
    old_master = wait_for(_master, 60)
    assert old_master
    status = LAB.status(NAME)
    # The application's access point: a proxy whose broker stays up, found the way a user finds it.
    endpoint = next(p.grpc for p in status.proxies if p.runs_in != old_master)
    producer = GrpcProducer(endpoint, TOPIC, "lk").start()
    try:
        assert wait_for(lambda: len(producer.log.acked) >= 20, 60), producer.log.failed[-3:]
        killed_at = time.monotonic()
        LAB.fault(NAME, "kill", old_master)
        new_master = wait_for(lambda: (m := _master()) and m != old_master and m, 90)
        assert new_master, "no new leader within 90 s"
        assert wait_for(lambda: len(producer.log.acked_between(killed_at, 1e18)) >= 20, 120), \
            f"sends did not resume through the proxy: {producer.log.failed[-3:]}"
    finally:
        log = producer.stop()
    LAB.fault(NAME, "start", old_master)
    read = {r.key for r in LAB.consume(NAME, TOPIC) if hasattr(r, "key")}
    lost = sorted(set(log.acked) - read)
    print(f"acked {len(log.acked)}, failed {len(log.failed)}, lost {len(lost)}; first failure "
          f"{log.failed[0][1] - killed_at if log.failed else 0:.1f} s after the kill, last "
          f"{log.failed[-1][1] - killed_at if log.failed else 0:.1f} s")
    assert not lost, f"{len(lost)} acknowledged messages lost: {lost[:5]}"
    ACKED.update(log.acked)
    ENDPOINT.append(endpoint)


def test_a_grpc_consumer_receives_every_acknowledged_message(cluster):
    if not ACKED:
        pytest.fail("the send test acknowledged nothing, so there is nothing to receive")
    received = receive_keys_as_new_group(ENDPOINT[0], TOPIC, "hp-local-readers", set(ACKED))
    assert set(ACKED) <= received, f"{len(set(ACKED) - received)} acknowledged keys never received by gRPC"
