"""Broker and name server .properties, with a short comment on each key that needs one."""

from __future__ import annotations

from rmqlab.render.settings import Section, broker_sections, namesrv_sections
from rmqlab.topology import naming
from rmqlab.topology.model import BrokerNode, Cluster, LayoutRole, NamesrvNode


def render_broker_properties(cluster: Cluster, broker: BrokerNode) -> str:
    header = _header(cluster, broker.name, _broker_duty(cluster, broker), broker.machine)
    return _render(header, broker_sections(cluster, broker))


def render_namesrv_properties(cluster: Cluster, namesrv: NamesrvNode) -> str:
    duty = "name server with an embedded controller" if namesrv.controller else "name server"
    return _render(_header(cluster, namesrv.name, duty, namesrv.machine), namesrv_sections(cluster, namesrv))


def _broker_duty(cluster: Cluster, broker: BrokerNode) -> str:
    if broker.role is LayoutRole.MASTER:
        return f"master of group {broker.group}"
    if broker.role is LayoutRole.SLAVE:
        master = next(b for b in cluster.group_members(broker.group) if b.role is LayoutRole.MASTER)
        return f"slave of group {broker.group} (its master runs on {naming.machine_service(master.machine)})"
    kind = "DLedger" if broker.dledger else "controller-managed"
    return f"replica of {kind} group {broker.group}; its role is elected at run time"


def _header(cluster: Cluster, name: str, duty: str, letter: str) -> list[str]:
    machine = cluster.machine(letter)
    where = f"host {machine.ip}" if cluster.on_real_hosts else f"{machine.name} ({machine.ip})"
    return [
        f"# {name}: {duty}, on {where}.",
        f"# RocketMQ {cluster.version}, layout {cluster.mode.value}. Rendered by rmqlab "
        "(rmqlab render); rmqlab lint checks hand edits.",
    ]


def _render(header: list[str], sections: tuple[Section, ...]) -> str:
    lines = list(header)
    for section in sections:
        lines += ["", f"## {section.title}"]
        for setting in section.settings:
            if setting.comment:
                lines.append(f"# {setting.comment}")
            lines.append(f"{setting.key}={setting.value}")
    return "\n".join(lines) + "\n"

