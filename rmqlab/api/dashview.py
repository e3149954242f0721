"""The dashboard page's data, as one JSON-ready dict: machines holding their nodes, groups with their write
availability, the feed, a running experiment, and the buttons each target offers with their CLI equivalents."""

from __future__ import annotations

import time

from rmqlab.api.feed import shown_state
from rmqlab.faults import FAULTS
from rmqlab.topology import mechanisms
from rmqlab.topology.layouts import MODES
from rmqlab.topology.naming import DEFAULT_CLUSTER

FEED_SHOWN = 60

NODE_ACTIONS = ("kill", "stop", "pause", "start")
MACHINE_ACTIONS = ("kill", "stop", "pause", "isolate", "start")
CLUSTER_ACTIONS = ("heal",)


def cli_command(cluster: str, action: str, target: str | None) -> str:
    """The command line that does what a dashboard button does."""
    words = ["rmqlab", action] + ([target] if target else [])
    if cluster != DEFAULT_CLUSTER:
        words += ["--name", cluster]
    return " ".join(words)


def build_view(name: str, version: int, phase: tuple, attached, experiment) -> dict:
    state, message, hint = phase
    view = {
        "cluster": name, "version": version, "phase": state, "message": message, "hint": hint,
        "now": time.time(), "experiment": experiment.to_dict() if experiment else None,
        "faults": {a: {"summary": FAULTS[a].summary, "cli": cli_command(name, a, "{target}" if FAULTS[a].takes_target
                                                                          else None)}
                   for a in (*NODE_ACTIONS, *MACHINE_ACTIONS, *CLUSTER_ACTIONS) if a in FAULTS},
        "cluster_actions": [a for a in CLUSTER_ACTIONS if a in FAULTS],
        "machines": [], "groups": [], "feed": [],
    }
    status = attached.status if attached is not None else None
    if status is None:
        return view
    mode = attached.cluster.mode
    view.update(mode=status.mode, rocketmq=status.version, how=mechanisms.how_failover_works(mode, attached.config),
                summary=MODES[mode].summary, namesrvs_answering=list(status.namesrvs_answering),
                taken_at=status.taken_at)
    view["machines"] = _machines(status, mode, [a for a in MACHINE_ACTIONS if a in FAULTS],
                                 [a for a in NODE_ACTIONS if a in FAULTS])
    view["groups"] = [_group(attached, g, status) for g in attached.cluster.groups]
    view["feed"] = [item.to_dict() for item in attached.feed.items()[-FEED_SHOWN:]]
    return view


def _machines(status, mode, machine_actions: list[str], node_actions: list[str]) -> list[dict]:
    cut = {m.name for m in status.machines if m.isolated}
    lag = {slave: bytes_ for g in status.groups.values() for slave, bytes_ in (g.replication_lag_bytes or {}).items()}
    machines = []
    for machine in status.machines:
        nodes = []
        for node in (n for n in status.nodes if n.machine == machine.name):
            entry = {"name": node.name, "kind": node.kind, "state": shown_state(node, cut), "role": node.role,
                     "address": node.address, "local": node.local, "actions": node_actions}
            if node.kind == "broker":
                entry.update(group=node.group, broker_id=node.broker_id, offset=node.commitlog_max_offset,
                             lag=lag.get(node.name), role_word=mechanisms.role_word(mode, node.role))
            else:
                entry["role_word"] = node.role
            nodes.append(entry)
        state = "isolated" if machine.isolated else machine.state
        machines.append({"name": machine.name, "ip": machine.ip, "state": state, "nodes": nodes,
                         "actions": machine_actions})
    return machines


def _group(attached, group: str, status) -> dict:
    entry = status.groups.get(group)
    probe = attached.probes.get(group)
    master = entry.master if entry else None
    lost = attached.feed.lost_since().get(group) if master is None else None
    out = {"name": group, "master": master, "slaves": list(entry.slaves) if entry else [],
           "master_word": mechanisms.role_word(attached.cluster.mode, "master"), "no_master_since": lost,
           "probe": None}
    if probe is not None:
        availability = probe.availability
        out["probe"] = {
            "writable": availability.writable(), "began": availability.began, "rate": probe.rate,
            "windows": [[w.start, w.end, w.reason] for w in availability.windows()],
        }
    return out
