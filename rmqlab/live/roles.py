"""Who is master right now: the name server's view mapped back onto the model's nodes."""

from __future__ import annotations

from dataclasses import dataclass

from rmqlab.topology.model import BrokerNode, Cluster


@dataclass(frozen=True)
class GroupRoles:
    group: str
    master: str | None  # node name registered with brokerId 0
    slaves: tuple[str, ...]
    broker_ids: dict[str, int]  # node -> brokerId as registered

    @property
    def registered(self) -> tuple[str, ...]:
        return tuple(self.broker_ids)


def node_by_address(cluster: Cluster) -> dict[str, BrokerNode]:
    return {cluster.advertised_addr(b): b for b in cluster.brokers}


def group_roles(cluster: Cluster, addrs_by_group: dict[str, dict[int, str]]) -> dict[str, GroupRoles]:
    """`addrs_by_group`: brokerName -> {brokerId: advertised address}, as ClusterInfo has it."""
    by_addr = node_by_address(cluster)
    roles = {}
    for group in cluster.groups:
        ids = {}
        for broker_id, addr in sorted(addrs_by_group.get(group, {}).items()):
            node = by_addr.get(addr)
            if node is not None:
                ids[node.name] = broker_id
        master = next((n for n, i in ids.items() if i == 0), None)
        slaves = tuple(n for n, i in ids.items() if i != 0)
        roles[group] = GroupRoles(group, master, slaves, ids)
    return roles


def address_map(cluster: Cluster, host: str = "127.0.0.1"):
    """Advertised ip:port -> the 127.0.0.1 port rmqlab published for it (unchanged if none)."""
    table = {}
    for port in cluster.published:
        if port.machine:
            table[f"{cluster.machine(port.machine).ip}:{port.container_port}"] = f"{host}:{port.host_port}"

    def mapped(addr: str) -> str:
        return table.get(addr, addr)

    return mapped


def expected_layout_ready(cluster: Cluster, roles: dict[str, GroupRoles]) -> dict[str, str]:
    """Node -> why it is not ready yet; empty when every group looks as the layout promises."""
    waiting = {}
    for group in cluster.groups:
        state = roles.get(group)
        for node in cluster.group_members(group):
            if state is None or node.name not in state.broker_ids:
                waiting[node.name] = "not registered in the name server yet"
            elif node.broker_id == 0 and state.broker_ids[node.name] != 0:
                waiting[node.name] = "registered, but not as master"
        members = cluster.group_members(group)
        if state and state.master is None and not any(b.name in waiting for b in members):
            for node in members:
                waiting[node.name] = f"{group} has no master yet (election running)"
    return waiting


def reaches_directly(cluster: Cluster, timeout: float = 0.5) -> bool:
    """Whether this host can dial the containers' own addresses (Linux can; Docker Desktop cannot)."""
    import socket

    namesrv = cluster.namesrvs[0]
    host, port = cluster.advertised_addr(namesrv).rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except OSError:
        return False


def client_address_map(cluster: Cluster, direct: bool):
    """Direct: dial what brokers advertise, as a real client on their network would, so a dead broker
    refuses the connection. Otherwise go through the 127.0.0.1 ports, where Docker's port proxy accepts
    the connection and then closes it, which a client can only record as an unknown outcome."""
    return (lambda addr: addr) if direct else address_map(cluster)
