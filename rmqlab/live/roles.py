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
