"""What is running right now: containers from the provider, roles from the name servers, offsets from
the brokers. One snapshot type serves `status`, `status --watch`, `status --json` and the dashboard."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from rmqlab.live.observe import Observer
from rmqlab.live.roles import GroupRoles
from rmqlab.runtime.provider import ContainerState, Provider
from rmqlab.topology import naming
from rmqlab.topology.model import BrokerNode, Cluster, Machine, Node, ProxyNode


@dataclass(frozen=True)
class MachineStatus:
    name: str
    ip: str
    state: str  # running | paused | exited | missing …
    isolated: bool


@dataclass(frozen=True)
class NodeStatus:
    name: str
    machine: str
    kind: str  # broker | namesrv
    state: str
    address: str  # what it advertises
    local: str | None  # the 127.0.0.1 port published for it
    role: str  # master | slave | not registered (brokers); answers | not answering (name servers)
    group: str | None = None
    broker_id: int | None = None
    commitlog_max_offset: int | None = None  # asked only with offsets=True; None when it did not answer


@dataclass(frozen=True)
class ProxyStatus:
    name: str
    machine: str
    state: str  # the state of the container it runs in
    runs_in: str  # its own container (cluster mode) or its broker's (local mode)
    remoting: str | None  # 127.0.0.1:port for a remoting client (its namesrvAddr)
    grpc: str | None  # 127.0.0.1:port for a gRPC SDK (its endpoints)


@dataclass(frozen=True)
class GroupStatus:
    master: str | None
    slaves: tuple[str, ...]
    commitlog_max_offset: int | None = None
    replication_lag_bytes: dict[str, int | None] | None = None  # slave -> bytes behind; None: not asked


@dataclass(frozen=True)
class ClusterStatus:
    cluster: str
    mode: str
    version: str
    machines: tuple[MachineStatus, ...]
    nodes: tuple[NodeStatus, ...]
    groups: dict[str, GroupStatus]
    namesrvs_answering: tuple[str, ...]
    taken_at: float = field(default_factory=time.time)
    dashboard: str | None = None  # the URL of the dashboard serving this cluster, while it runs
    offsets_asked: bool = False
    proxies: tuple[ProxyStatus, ...] = ()

    def to_dict(self) -> dict:
        nodes = []
        for node in self.nodes:
            entry = {k: v for k, v in asdict(node).items() if k not in ("group", "broker_id", "commitlog_max_offset")}
            if node.kind == "broker":
                entry.update(group=node.group, broker_id=node.broker_id)
                if self.offsets_asked:
                    entry["commitlog_max_offset"] = node.commitlog_max_offset
            nodes.append(entry)
        groups = {}
        for name, group in self.groups.items():
            entry = {"master": group.master, "slaves": list(group.slaves)}
            if group.replication_lag_bytes is not None:
                entry.update(commitlog_max_offset=group.commitlog_max_offset,
                             replication_lag_bytes=dict(group.replication_lag_bytes))
            groups[name] = entry
        return {
            "cluster": self.cluster, "mode": self.mode, "version": self.version,
            "machines": [asdict(m) for m in self.machines], "nodes": nodes, "groups": groups,
            "namesrvs_answering": list(self.namesrvs_answering), "dashboard": self.dashboard,
            "proxies": [asdict(p) for p in self.proxies],
        }


def cluster_status(provider: Provider, cluster: Cluster, observer: Observer | None = None,
                   offsets: bool = False) -> ClusterStatus:
    containers = provider.containers(cluster.name)
    own_observer = observer is None
    observer = observer or Observer(cluster, provider.client(cluster, timeout=1.0))
    try:
        views = observer.each_namesrv()
        commitlog = observer.commitlog_offsets([b.name for b in cluster.brokers]) if offsets else None
    finally:
        if own_observer:
            observer.close()
    roles = next((v.roles for v in views if v.roles is not None), {})
    answering = tuple(sorted(v.namesrv for v in views if v.roles is not None))
    network = naming.network_name(cluster.name)
    return ClusterStatus(
        cluster=cluster.name, mode=cluster.mode.value, version=cluster.version,
        machines=tuple(_machine(m, containers.get(m.name), network) for m in cluster.machines),
        nodes=tuple(_node(cluster, n, containers.get(n.name), roles, answering, commitlog) for n in cluster.nodes),
        groups={group: _group(state, commitlog) for group, state in sorted(roles.items())},
        namesrvs_answering=answering, offsets_asked=offsets,
        proxies=tuple(_proxy(cluster, p, containers.get(p.container)) for p in cluster.proxies),
    )


def _proxy(cluster: Cluster, proxy: ProxyNode, container: ContainerState | None) -> ProxyStatus:
    return ProxyStatus(proxy.name, naming.machine_service(proxy.machine), container.status if container else "missing",
                       proxy.container, cluster.local_addr(proxy, proxy.remoting_port),
                       cluster.local_addr(proxy, proxy.grpc_port))


def _group(state: GroupRoles, commitlog: dict[str, int | None] | None) -> GroupStatus:
    if commitlog is None:
        return GroupStatus(state.master, tuple(state.slaves))
    master_offset = commitlog.get(state.master) if state.master else None
    lag = {s: (master_offset - commitlog[s]) if master_offset is not None and commitlog.get(s) is not None else None
           for s in state.slaves}
    return GroupStatus(state.master, tuple(state.slaves), master_offset, lag)


def _machine(machine: Machine, container: ContainerState | None, network: str) -> MachineStatus:
    state = container.status if container else "missing"
    isolated = container is not None and state == "running" and network not in container.networks
    return MachineStatus(machine.name, machine.ip, state, isolated)


def _node(cluster: Cluster, node: Node, container: ContainerState | None, roles: dict[str, GroupRoles],
          answering: tuple[str, ...], commitlog: dict[str, int | None] | None = None) -> NodeStatus:
    local = cluster.host_port(node.machine, node.listen_port if isinstance(node, BrokerNode) else node.port)
    common = dict(name=node.name, machine=naming.machine_service(node.machine),
                  state=container.status if container else "missing", address=cluster.advertised_addr(node),
                  local=f"127.0.0.1:{local}" if local else None)
    if not isinstance(node, BrokerNode):
        return NodeStatus(kind="namesrv", role="answers" if node.name in answering else "not answering", **common)
    state = roles.get(node.group)
    broker_id = state.broker_ids.get(node.name) if state else None
    role = "not registered" if broker_id is None else "master" if broker_id == 0 else "slave"
    offset = commitlog.get(node.name) if commitlog else None
    return NodeStatus(kind="broker", role=role, group=node.group, broker_id=broker_id, commitlog_max_offset=offset,
                      **common)
