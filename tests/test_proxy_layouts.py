"""Proxy layouts as pure data: where each proxy runs, its ports, its config, and what compose and the fault
targets make of it."""

from __future__ import annotations

import json

import pytest
import yaml

from rmqlab.errors import BadInput
from rmqlab.live.targets import resolve_target
from rmqlab.render.files import render_cluster_files, render_configs
from rmqlab.topology.layouts import build_cluster
from rmqlab.topology.model import ClusterSpec, Mode, ProxyMode
from rmqlab.topology.specio import spec_from_json, spec_to_json

LOCAL_MODES = [Mode.SYNC_2M2S, Mode.ASYNC_2M2S, Mode.DLEDGER]


def _cluster(mode: Mode, proxy: ProxyMode, **extra):
    return build_cluster(ClusterSpec(mode=mode, proxy=proxy, name="hp-unit", port_base=23000, **extra))


@pytest.mark.parametrize("mode", list(Mode))
def test_cluster_mode_runs_one_proxy_per_machine_on_its_published_ports(mode):
    cluster = _cluster(mode, ProxyMode.CLUSTER)
    assert [p.name for p in cluster.proxies] == [f"proxy-{m.letter}" for m in cluster.machines]
    host_ports = [p.host_port for p in cluster.published]
    assert len(host_ports) == len(set(host_ports))  # no collision anywhere
    for proxy in cluster.proxies:
        assert proxy.broker is None
        assert cluster.local_addr(proxy, proxy.remoting_port) == f"127.0.0.1:{proxy.remoting_port}"
        assert cluster.local_addr(proxy, proxy.grpc_port) == f"127.0.0.1:{proxy.grpc_port}"
        assert set(cluster.services_on(proxy.machine)) >= {proxy.name}


@pytest.mark.parametrize("mode", LOCAL_MODES)
def test_local_mode_puts_one_proxy_per_machine_in_a_broker_on_rocketmq_ports(mode):
    cluster = _cluster(mode, ProxyMode.LOCAL)
    assert sorted(p.machine for p in cluster.proxies) == sorted({b.machine for b in cluster.brokers})
    for proxy in cluster.proxies:
        broker = cluster.node(proxy.broker)
        assert broker.machine == proxy.machine and broker.role.value != "slave"
        assert (proxy.remoting_port, proxy.grpc_port) == (8080, 8081)
        assert cluster.local_addr(proxy, 8081).startswith("127.0.0.1:")
    host_ports = [p.host_port for p in cluster.published]
    assert len(host_ports) == len(set(host_ports))


def test_a_cluster_without_proxy_keeps_its_ports_and_spec():
    plain = build_cluster(ClusterSpec(mode=Mode.DLEDGER, name="hp-unit", port_base=23000))
    with_proxy = _cluster(Mode.DLEDGER, ProxyMode.CLUSTER)
    assert with_proxy.published[:len(plain.published)] == plain.published
    assert "proxy" not in json.loads(spec_to_json(plain.spec))
    assert spec_from_json(spec_to_json(with_proxy.spec)).proxy is ProxyMode.CLUSTER


@pytest.mark.parametrize(("mode", "groups"), [(Mode.CONTROLLER, None), (Mode.DLEDGER, 2)])
def test_local_mode_refuses_two_master_candidates_on_one_host(mode, groups):
    with pytest.raises(BadInput, match="one host serves one such broker"):
        _cluster(mode, ProxyMode.LOCAL, groups=groups)


@pytest.mark.parametrize("proxy", list(ProxyMode))
def test_4x_has_no_proxy(proxy):
    with pytest.raises(BadInput, match="has no proxy"):
        build_cluster(ClusterSpec(proxy=proxy, version="4.9.7"))


def test_proxy_configs_and_compose_services():
    cluster = _cluster(Mode.DLEDGER, ProxyMode.CLUSTER)
    files = render_cluster_files(cluster, "img")
    conf = json.loads(files["configs/machine-b/proxy-b.json"])
    proxy_b = cluster.proxy("proxy-b")
    assert conf == {"rocketMQClusterName": cluster.rocketmq_cluster, "namesrvAddr": cluster.namesrv_addr,
                    "remotingListenPort": proxy_b.remoting_port, "grpcServerPort": proxy_b.grpc_port}
    services = yaml.safe_load(files["docker-compose.yaml"])["services"]
    assert services["proxy-b"]["command"] == ["sh", "mqproxy", "-pc", "/home/rocketmq/conf/proxy-b.json"]
    assert services["proxy-b"]["network_mode"] == "service:machine-b"
    assert f"127.0.0.1:{proxy_b.grpc_port}:{proxy_b.grpc_port}" in services["machine-b"]["ports"]


def test_local_mode_brokers_start_with_enable_proxy():
    cluster = _cluster(Mode.SYNC_2M2S, ProxyMode.LOCAL)
    services = yaml.safe_load(render_cluster_files(cluster, "img")["docker-compose.yaml"])["services"]
    assert services["broker-a-master"]["command"][-3:] == [
        "--enable-proxy", "-pc", "/home/rocketmq/conf/broker-a-master-proxy.json"]
    assert "--enable-proxy" not in services["broker-a-slave"]["command"]
    assert "configs/machine-a/broker-a-master-proxy.json" in render_configs(cluster)


def test_fault_targets_reach_proxies():
    cluster = _cluster(Mode.DLEDGER, ProxyMode.CLUSTER)
    assert resolve_target(cluster, "proxy-a", dict).nodes == ("proxy-a",)
    assert "proxy-a" in resolve_target(cluster, "machine-a", dict).nodes
    local = _cluster(Mode.DLEDGER, ProxyMode.LOCAL)
    target = resolve_target(local, "broker-a-n1-proxy", dict)
    assert target.nodes == ("broker-a-n1",) and "broker-a-n1" in target.describe()


def _broker_direct_caps(cluster) -> set[str]:
    from rmqlab.render.compose import render_compose

    services = yaml.safe_load(render_compose(cluster, "img"))["services"]
    return {opt for b in cluster.brokers for opt in services[b.name]["environment"]["JAVA_OPT_EXT"].split()
            if opt.startswith("-XX:MaxDirectMemorySize=")}


@pytest.mark.parametrize("proxy", list(ProxyMode))
def test_brokers_with_the_timer_wheel_on_get_room_for_its_direct_buffers(proxy):
    # Measured: at a 128 MB cap, POP reads (every gRPC receive) failed with "Cannot reserve direct buffer memory".
    assert _broker_direct_caps(_cluster(Mode.SYNC_2M2S, proxy)) == {"-XX:MaxDirectMemorySize=256m"}


def test_brokers_with_the_timer_wheel_off_keep_the_lab_cap():
    plain = build_cluster(ClusterSpec(mode=Mode.SYNC_2M2S, name="hp-unit", port_base=23000))
    old = build_cluster(ClusterSpec(mode=Mode.SYNC_2M2S, name="hp-unit", port_base=23000, version="4.9.7"))
    assert _broker_direct_caps(plain) == _broker_direct_caps(old) == {"-XX:MaxDirectMemorySize=128m"}


def test_undoing_a_machine_fault_starts_its_proxy_once_every_group_has_a_master(fake, monkeypatch):
    from rmqlab.cli.options import lab
    from rmqlab.runtime import ready

    cluster = lab().up(ClusterSpec(mode=Mode.DLEDGER, proxy=ProxyMode.CLUSTER, name="hp-undo")).cluster
    injector = lab().injector(cluster)
    injector.apply("kill", "machine-a")
    running_when_waited = []
    real_wait = ready.wait_for_masters

    def recording_wait(provider, cluster, timeout, on_waiting=None):
        running_when_waited.append({n: s.status for n, s in provider.containers(cluster.name).items()})
        return real_wait(provider, cluster, timeout, on_waiting)

    monkeypatch.setattr(ready, "wait_for_masters", recording_wait)
    lines = injector.apply("start", "machine-a").lines()
    (states,) = running_when_waited
    assert states["proxy-a"] != "running" and all(
        states[n] == "running" for n in cluster.services_on("a") if n != "proxy-a"), states
    assert lab().provider.containers(cluster.name)["proxy-a"].status == "running", lines
