"""One Docker Compose file per cluster.

A machine is a small holder service that owns a network namespace; every node placed on the
machine joins it with `network_mode: service:<machine>`, so co-located brokers really share a
host (ports, address) and killing the machine takes all of them down.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

import yaml

from rmqlab.topology import naming
from rmqlab.topology.model import (
    BROKER_STOP_GRACE_S,
    CONF_DIR,
    HOLDER_STOP_GRACE_S,
    NAMESRV_STOP_GRACE_S,
    PROXY_STOP_GRACE_S,
    STORE_MOUNT,
    BrokerNode,
    Cluster,
    Heap,
    Machine,
    NamesrvNode,
    Node,
    ProxyNode,
)
from rmqlab.topology.specio import SPEC_LABEL, spec_to_json

HOLDER_COMMAND = ["sh", "-c", "trap 'exit 0' TERM INT; sleep infinity & wait"]
CONFIG_DIR = "configs"


def machine_config_dir(cluster: Cluster, letter: str) -> str:
    """Folder of a machine's .properties: machine-a, or the host address for real hosts."""
    machine = cluster.machine(letter)
    return machine.ip if cluster.on_real_hosts else machine.name


def config_path(cluster: Cluster, node: Node, root: str = CONFIG_DIR) -> str:
    return f"{root}/{machine_config_dir(cluster, node.machine)}/{node.name}.properties"


def proxy_config_path(cluster: Cluster, proxy: ProxyNode, root: str = CONFIG_DIR) -> str:
    return f"{root}/{machine_config_dir(cluster, proxy.machine)}/{proxy.name}.json"


def render_compose(cluster: Cluster, image: str, config_root: str = f"./{CONFIG_DIR}") -> str:
    services: dict[str, dict] = {}
    for machine in cluster.machines:
        services[machine.name] = _holder(cluster, machine, image)
        for node in cluster.nodes_on(machine.letter):
            services[node.name] = _node_service(cluster, node, image, config_root)
        for proxy in cluster.own_proxies_on(machine.letter):
            services[proxy.name] = _proxy_service(cluster, proxy, image, config_root)
    document = {
        "name": naming.compose_project(cluster.name),
        "services": services,
        "networks": {"cluster": _network(cluster)},
        "volumes": {
            naming.store_volume(node.name): {"labels": _labels(cluster, node.name, node.machine, "store")}
            for node in cluster.nodes
            if _has_store(node)
        },
    }
    header = (
        f"# rmqlab cluster '{cluster.name}': layout {cluster.mode.value}, RocketMQ {cluster.version}.\n"
        "# Rendered by rmqlab; start with `docker compose -f <this file> up -d` or `rmqlab up`.\n"
    )
    return header + yaml.dump(document, Dumper=_PlainDumper, sort_keys=False, default_flow_style=False, width=200)


class _PlainDumper(yaml.SafeDumper):
    """No &anchors/*aliases: each service reads on its own."""

    def ignore_aliases(self, data) -> bool:
        return True


def _labels(cluster: Cluster, node: str, letter: str, role: str, **extra: str) -> dict[str, str]:
    labels = {
        naming.LABEL_CLUSTER: cluster.name,
        naming.LABEL_NODE: node,
        naming.LABEL_MACHINE: naming.machine_service(letter) if letter else "",
        naming.LABEL_ROLE: role,
    }
    return {**labels, **{f"{naming.LABEL_PREFIX}.{k}": v for k, v in extra.items()}}


def _holder(cluster: Cluster, machine: Machine, image: str) -> dict:
    ports = [
        f"127.0.0.1:{p.host_port}:{p.container_port}" for p in cluster.published if p.machine == machine.letter
    ]
    return {
        "image": image,
        "command": HOLDER_COMMAND,
        "hostname": machine.name,
        "user": "root",
        "cap_add": ["NET_ADMIN"],
        "networks": {"cluster": {"ipv4_address": machine.ip, "aliases": [machine.name]}},
        "ports": ports,
        "labels": _labels(cluster, machine.name, machine.letter, "machine") | _spec_label(cluster),
        "stop_grace_period": f"{HOLDER_STOP_GRACE_S}s",
    }


def _spec_label(cluster: Cluster) -> dict[str, str]:
    """The machines carry the whole spec, so any command can rebuild the model from a running cluster."""
    return {SPEC_LABEL: spec_to_json(cluster.spec)} if cluster.spec else {}


def _has_store(node: Node) -> bool:
    return isinstance(node, BrokerNode) or (isinstance(node, NamesrvNode) and node.controller is not None)


def _node_service(cluster: Cluster, node: Node, image: str, config_root: str) -> dict:
    machine = cluster.machine(node.machine)
    conf = f"{CONF_DIR}/{node.name}.properties"
    launcher = "mqbroker" if isinstance(node, BrokerNode) else "mqnamesrv"
    volumes = [f"{config_path(cluster, node, config_root)}:{conf}:ro"]
    if _has_store(node):
        volumes.append(f"{naming.store_volume(node.name)}:{STORE_MOUNT}")
    if isinstance(node, BrokerNode):
        labels = _labels(cluster, node.name, node.machine, "broker", group=node.group)
    else:
        labels = _labels(cluster, node.name, node.machine, "namesrv")
    command = ["sh", launcher, "-c", conf]
    local_proxy = next((p for p in cluster.proxies if p.broker == node.name), None)
    if local_proxy is not None:
        proxy_conf = f"{CONF_DIR}/{local_proxy.name}.json"
        command += ["--enable-proxy", "-pc", proxy_conf]
        volumes.append(f"{proxy_config_path(cluster, local_proxy, config_root)}:{proxy_conf}:ro")
    return {
        "image": image,
        "command": command,
        "stop_grace_period": f"{BROKER_STOP_GRACE_S if isinstance(node, BrokerNode) else NAMESRV_STOP_GRACE_S}s",
        "network_mode": f"service:{machine.name}",
        "depends_on": [machine.name],
        "environment": {"JAVA_OPT_EXT": _java_opts(cluster, node), "NAMESRV_ADDR": cluster.namesrv_addr},
        "volumes": volumes,
        "labels": labels,
    }


def _java_opts(cluster: Cluster, node: Node) -> str:
    from rmqlab.render.settings import launcher_java_opts

    return " ".join(filter(None, (effective_heap(cluster, node).java_opts, launcher_java_opts(cluster, node))))


def effective_heap(cluster: Cluster, node: Node) -> Heap:
    """The node's heap as its container runs it: a broker with the timer wheel on gets room for its buffers."""
    from rmqlab.render.settings import TIMER_WHEEL_DIRECT_MB, timer_wheel_on

    if isinstance(node, BrokerNode) and node.heap.direct_mb and timer_wheel_on(cluster, node):
        return replace(node.heap, direct_mb=node.heap.direct_mb + TIMER_WHEEL_DIRECT_MB)
    return node.heap


def _proxy_service(cluster: Cluster, proxy: ProxyNode, image: str, config_root: str) -> dict:
    machine = cluster.machine(proxy.machine)
    conf = f"{CONF_DIR}/{proxy.name}.json"
    return {
        "image": image,
        "command": ["sh", "mqproxy", "-pc", conf],
        "stop_grace_period": f"{PROXY_STOP_GRACE_S}s",
        "network_mode": f"service:{machine.name}",
        "depends_on": [machine.name],
        "environment": {"JAVA_OPT_EXT": proxy.heap.java_opts, "NAMESRV_ADDR": cluster.namesrv_addr},
        "volumes": [f"{proxy_config_path(cluster, proxy, config_root)}:{conf}:ro"],
        "labels": _labels(cluster, proxy.name, proxy.machine, "proxy"),
    }


def _network(cluster: Cluster) -> dict:
    subnet = ipaddress.IPv4Network(cluster.subnet)
    dynamic = list(subnet.subnets(new_prefix=subnet.prefixlen + 1))[1]
    return {
        "name": naming.network_name(cluster.name),
        "ipam": {"config": [{"subnet": str(subnet), "ip_range": str(dynamic)}]},
        "labels": {naming.LABEL_CLUSTER: cluster.name},
    }
