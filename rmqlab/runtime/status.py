"""What is running right now: containers from Docker, roles from the name servers."""

from __future__ import annotations

from rmqlab.live.observe import Observer
from rmqlab.runtime.containers import cluster_containers
from rmqlab.topology import naming
from rmqlab.topology.model import BrokerNode, Cluster


def cluster_status(cluster: Cluster, observer: Observer | None = None, offsets: bool = False) -> dict:
    containers = cluster_containers(cluster.name)
    own_observer = observer is None
    observer = observer or Observer(cluster)
    try:
        views = observer.each_namesrv()
        brokers = [b.name for b in cluster.brokers]
        commitlog = observer.commitlog_offsets(brokers) if offsets else {}
    finally:
        if own_observer:
            observer.close()
    roles = next((v.roles for v in views if v.roles is not None), {})
    answering = {v.namesrv for v in views if v.roles is not None}
    network = naming.network_name(cluster.name)
    return {
        "cluster": cluster.name,
        "mode": cluster.mode.value,
        "version": cluster.version,
        "machines": [_machine(cluster, m, containers.get(m.name), network) for m in cluster.machines],
        "nodes": [_node(cluster, n, containers.get(n.name), roles, answering) for n in cluster.nodes],
        "groups": {group: _group(state, commitlog) for group, state in sorted(roles.items())},
        "namesrvs_answering": sorted(answering),
        "dashboard": _dashboard_url(cluster),
    }


def _group(state, commitlog: dict[str, int | None]) -> dict:
    entry = {"master": state.master, "slaves": list(state.slaves)}
    if commitlog:
        master_offset = commitlog.get(state.master) if state.master else None
        entry["commitlog_max_offset"] = master_offset
        entry["replication_lag_bytes"] = {
            s: (master_offset - commitlog[s]) if master_offset is not None and commitlog.get(s) is not None else None
            for s in state.slaves
        }
    return entry


def _machine(cluster, machine, container, network) -> dict:
    state = container.status if container else "missing"
    networks = (container.attrs.get("NetworkSettings", {}).get("Networks") or {}) if container else {}
    return {
        "name": machine.name,
        "ip": machine.ip,
        "state": state,
        "isolated": state == "running" and network not in networks,
    }


def _node(cluster: Cluster, node, container, roles, answering) -> dict:
    local = cluster.host_port(node.machine, node.listen_port if isinstance(node, BrokerNode) else node.port)
    entry = {
        "name": node.name,
        "machine": naming.machine_service(node.machine),
        "kind": "broker" if isinstance(node, BrokerNode) else "namesrv",
        "state": container.status if container else "missing",
        "address": cluster.advertised_addr(node),
        "local": f"127.0.0.1:{local}" if local else None,
    }
    if isinstance(node, BrokerNode):
        state = roles.get(node.group)
        broker_id = state.broker_ids.get(node.name) if state else None
        entry.update(group=node.group, broker_id=broker_id, role=_role(broker_id))
    else:
        entry.update(role="answers" if node.name in answering else "not answering")
    return entry


def _role(broker_id: int | None) -> str:
    if broker_id is None:
        return "not registered"
    return "master" if broker_id == 0 else "slave"


def _dashboard_url(cluster: Cluster) -> str | None:
    port = cluster.dashboard_host_port()
    return f"http://127.0.0.1:{port}" if port else None
