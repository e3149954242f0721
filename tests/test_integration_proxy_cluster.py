"""Real RocketMQ 5 with `--proxy cluster` (a proxy container per machine): kill one proxy, and a gRPC client
on another proxy goes on as before. Also: a machine fault takes its proxy down with it."""

from __future__ import annotations

import time

import pytest
from grpcclient import GrpcProducer, wait_for
from realcluster import LAB, running_cluster

from rmqlab.api import ClusterSpec, Mode
from rmqlab.topology.model import ProxyMode

pytestmark = pytest.mark.integration
NAME = "hp-it-pxcluster"
TOPIC = "ProxyCluster"


@pytest.fixture(scope="module")
def cluster():
    pytest.importorskip("rocketmq", reason="pip install rocketmq-python-client (the dev extras)")
    with running_cluster(ClusterSpec(mode=Mode.SYNC_2M2S, name=NAME, proxy=ProxyMode.CLUSTER), timeout=300) as c:
        assert [s.code_name for s in LAB.produce(NAME, TOPIC, count=1)] == ["SUCCESS"]
        yield c


def _grpc(status, name: str) -> str:
    return next(p.grpc for p in status.proxies if p.name == name)


def test_a_proxy_kill_leaves_clients_of_the_other_proxy_alone(cluster):
    status = LAB.status(NAME)
    assert [(p.name, p.runs_in, p.state) for p in status.proxies] == [
        ("proxy-a", "proxy-a", "running"), ("proxy-b", "proxy-b", "running")]
    on_a = GrpcProducer(_grpc(status, "proxy-a"), TOPIC, "pa").start()
    on_b = GrpcProducer(_grpc(status, "proxy-b"), TOPIC, "pb").start()
    try:
        assert wait_for(lambda: len(on_a.log.acked) >= 10 and len(on_b.log.acked) >= 10, 60), \
            (on_a.log.failed[-2:], on_b.log.failed[-2:])
        result = LAB.fault(NAME, "kill", "proxy-a")
        assert result.nodes == ("proxy-a",)
        killed_at = time.monotonic()
        failed_before = len(on_b.log.failed)
        time.sleep(15)
        after_b = on_b.log.acked_between(killed_at, 1e18)
        after_a = on_a.log.acked_between(killed_at + 1, 1e18)
    finally:
        log_a, log_b = on_a.stop(), on_b.stop()
    print(f"proxy-b's client: {len(after_b)} acked in 15 s after the kill, {len(log_b.failed) - failed_before} "
          f"failed; proxy-a's client: {len(after_a)} acked, {len(log_a.failed)} failed")
    assert len(after_b) >= 50 and len(log_b.failed) == failed_before
    assert not after_a and log_a.failed
    assert LAB.status(NAME).proxies[0].state == "exited"
    LAB.fault(NAME, "start", "proxy-a")
    acked = set(log_a.acked) | set(log_b.acked)
    read = {r.key for r in LAB.consume(NAME, TOPIC) if hasattr(r, "key")}
    assert not acked - read
    # Not asserted yet: a gRPC SimpleConsumer on proxy-b received 96 of 171 acknowledged keys within 90 s here,
    # with 12 acks answered INTERNAL_SERVER_ERROR (2m2s-sync, 5.5.0); the cause is not known yet.


def test_a_machine_fault_includes_its_proxy(cluster):
    result = LAB.fault(NAME, "stop", "machine-b")
    try:
        assert "proxy-b" in result.nodes
        assert next(p for p in LAB.status(NAME).proxies if p.name == "proxy-b").state != "running"
    finally:
        LAB.restore(NAME)
    assert all(p.state == "running" for p in LAB.status(NAME).proxies)
