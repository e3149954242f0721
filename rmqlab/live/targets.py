"""What a fault TARGET names: a node, a whole machine, or a role alias resolved live.

`broker-a-master` is a node in 2M2S (roles never move there) and an alias elsewhere: the node that
is master of broker-a right now, as the name server says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rmqlab.errors import BadInput, RmqlabError
from rmqlab.live.roles import GroupRoles
from rmqlab.topology.model import Cluster

ALIAS_ROLES = ("master", "slave")


@dataclass(frozen=True)
class Target:
    text: str
    kind: str  # node | machine | cluster
    nodes: tuple[str, ...]  # RocketMQ nodes hit by the fault
    machine: str | None = None  # machine service name when the whole machine is the target
    alias_of: str | None = None  # "master of broker-a" when resolved from an alias

    def describe(self) -> str:
        if self.kind == "cluster":
            return f"cluster {self.text}"
        if self.kind == "machine":
            return f"{self.machine} ({', '.join(self.nodes)})"
        if self.alias_of:
            return f"{self.nodes[0]} ({self.alias_of})"
        return self.nodes[0]


def valid_targets(cluster: Cluster) -> list[str]:
    names = [n.name for n in cluster.nodes] + [p.name for p in cluster.proxies] + [m.name for m in cluster.machines]
    names += [f"{g}-{role}" for g in cluster.groups for role in ALIAS_ROLES]
    return list(dict.fromkeys(names))


def resolve_target(cluster: Cluster, text: str, live_roles: Callable[[], dict[str, GroupRoles]]) -> Target:
    node = cluster.node(text)
    if node is not None:
        return Target(text, "node", (node.name,))
    proxy = cluster.proxy(text)
    if proxy is not None:  # a local-mode proxy is its broker's JVM: a fault to one is a fault to both
        return Target(text, "node", (proxy.container,),
                      alias_of=f"the JVM of {proxy.broker}, which runs {proxy.name}" if proxy.broker else None)
    machine = next((m for m in cluster.machines if m.name == text), None)
    if machine is not None:
        return Target(text, "machine", cluster.services_on(machine.letter), machine=machine.name)
    group, _, role = text.rpartition("-")
    if group in cluster.groups and role in ALIAS_ROLES:
        return _alias(group, role, text, live_roles())
    raise BadInput(
        f"No target '{text}' in cluster {cluster.name}.",
        hint="Valid targets: " + ", ".join(valid_targets(cluster)) + ".",
    )


def _alias(group: str, role: str, text: str, roles: dict[str, GroupRoles]) -> Target:
    state = roles.get(group)
    if role == "master":
        if state is None or state.master is None:
            raise RmqlabError(
                f"{group} has no master right now, so '{text}' names nobody.",
                hint=f"Name a node instead (rmqlab status shows {group}'s nodes), or wait for the election.",
            )
        return Target(text, "node", (state.master,), alias_of=f"master of {group}")
    slaves = sorted(state.slaves, key=lambda n: state.broker_ids[n]) if state else []
    if not slaves:
        raise RmqlabError(f"{group} has no registered slave right now.", hint="rmqlab status shows its nodes.")
    return Target(text, "node", (slaves[0],), alias_of=f"a slave of {group}")
