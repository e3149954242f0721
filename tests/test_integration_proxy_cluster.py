"""Real RocketMQ 5 with `--proxy cluster` (a proxy container per machine): kill one proxy, and a gRPC client
on another proxy goes on as before. Also: a machine fault takes its proxy down with it."""

from __future__ import annotations

import time

import pytest
from grpcclient import GrpcProducer, receive_keys, wait_for
from jvmapp import classpath, run_app
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


def test_a_java_remoting_app_works_through_the_proxy_address_status_gives(cluster, tmp_path):
    # README "Connect your own app": DefaultMQProducer and DefaultMQPushConsumer with namesrvAddr = the proxy's
    # remoting address.
    remoting = next(p.remoting for p in LAB.status(NAME).proxies if p.name == "proxy-b")
    run = run_app(classpath("5.5.0", tmp_path), tmp_path, remoting, TOPIC, "hp-java-app", count=20)
    assert len(run.sent) == 20 and {status for status, _ in run.sent.values()} == {"SEND_OK"}, run.output[-800:]
    assert {broker for _, broker in run.sent.values()} == {"broker-a", "broker-b"}
    assert run.received == set(run.sent), run.output[-800:]
    stored = {r.key for r in LAB.consume(NAME, TOPIC) if hasattr(r, "key")}  # read back from the brokers
    assert set(run.sent) <= stored


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
    # And an application's consumer on the surviving proxy receives every one of them (POP through the proxy;
    # a 5.x proxy refuses a consumer group that does not exist, so it is created first, as an operator would).
    code, output = LAB.admin(NAME, ["updateSubGroup", "-c", "rocketmq-cluster", "-g", "hp-cluster-readers"])
    assert code == 0 and "success" in output.lower(), output[-400:]
    assert not acked - receive_keys(_grpc(status, "proxy-b"), TOPIC, "hp-cluster-readers", acked)


def test_a_machine_fault_includes_its_proxy(cluster):
    result = LAB.fault(NAME, "stop", "machine-b")
    try:
        assert "proxy-b" in result.nodes
        assert next(p for p in LAB.status(NAME).proxies if p.name == "proxy-b").state != "running"
    finally:
        LAB.restore(NAME)
    assert all(p.state == "running" for p in LAB.status(NAME).proxies)
