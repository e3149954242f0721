"""The dashboard's event feed: what changed between two snapshots of a cluster, in plain words, each with why
(the mechanism and its settings, from rmqlab.topology.mechanisms)."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

from rmqlab.runtime.status import ClusterStatus, NodeStatus
from rmqlab.topology import mechanisms as why
from rmqlab.topology.model import Mode

FEED_LENGTH = 200
UP = ("running", "paused")


@dataclass(frozen=True)
class FeedItem:
    id: int
    at: float  # wall clock
    kind: str  # watch | fault | node | machine | role | namesrv | writes | experiment
    text: str
    why: str | None = None
    group: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def shown_state(node: NodeStatus, isolated_machines: set[str]) -> str:
    """running / exited(137) / paused / isolated / missing: a running node on a cut-off machine is isolated."""
    if node.state == "running" and node.machine in isolated_machines:
        return "isolated"
    return node.state


class Feed:
    def __init__(self, mode: Mode, version: str, config: Mapping[str, str], clock: Callable[[], float] = time.time):
        self.mode = mode
        self.version = version
        self.config = dict(config)
        self._clock = clock
        self._items: deque[FeedItem] = deque(maxlen=FEED_LENGTH)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._lost_at: dict[str, float] = {}  # group -> when its master went
        self._last_master: dict[str, str] = {}
        self._lost_how: dict[str, str] = {}  # group -> how its master went (CLOSED or SILENT)

    def add(self, kind: str, text: str, why_text: str | None = None, group: str | None = None) -> FeedItem:
        with self._lock:
            item = FeedItem(next(self._ids), self._clock(), kind, text, why_text, group)
            self._items.append(item)
            return item

    def items(self) -> list[FeedItem]:
        with self._lock:
            return list(self._items)

    def lost_for(self, group: str) -> float | None:
        """Seconds the group has had no master, while it has none."""
        at = self._lost_at.get(group)
        return None if at is None else self._clock() - at

    def lost_since(self) -> dict[str, float]:
        return dict(self._lost_at)

    def start(self, status: ClusterStatus) -> None:
        """The first snapshot: say how failover works in this mode, and remember who is master."""
        for group, entry in status.groups.items():
            if entry.master:
                self._last_master[group] = entry.master
            else:
                self._lost_at.setdefault(group, self._clock())
        self.add("watch", f"Watching {status.cluster}: {status.mode}, RocketMQ {status.version}.",
                 why.how_failover_works(self.mode, self.config))

    def compare(self, prev: ClusterStatus, cur: ClusterStatus) -> list[FeedItem]:
        return self._machines(prev, cur) + self._nodes(prev, cur) + self._groups(prev, cur) + self._namesrvs(prev, cur)

    def _machines(self, prev: ClusterStatus, cur: ClusterStatus) -> list[FeedItem]:
        before = {m.name: m for m in prev.machines}
        items = []
        for machine in cur.machines:
            old = before.get(machine.name)
            if old is None:
                continue
            nodes = tuple(n.name for n in cur.nodes if n.machine == machine.name)
            if machine.isolated and not old.isolated:
                items.append(self.add("machine", f"{machine.name} is cut off the network.",
                                      why.machine_isolated(machine.name, nodes)))
            elif old.isolated and not machine.isolated:
                items.append(self.add("machine", f"{machine.name} is back on the network."))
            elif machine.state != old.state:
                items.append(self.add("machine", f"{machine.name} (the machine): {old.state} → {machine.state}."))
        return items

    def _nodes(self, prev: ClusterStatus, cur: ClusterStatus) -> list[FeedItem]:
        before = {n.name: n for n in prev.nodes}
        cut_before = {m.name for m in prev.machines if m.isolated}
        cut_now = {m.name for m in cur.machines if m.isolated}
        items = []
        for node in cur.nodes:
            old = before.get(node.name)
            if old is None:
                continue
            was, now = shown_state(old, cut_before), shown_state(node, cut_now)
            if was == now:
                continue
            reason = None
            if old.role == "master" and now in ("paused", "isolated"):
                reason = why.master_frozen(self.mode, self.version, node.name, node.group or "", self.config)
            items.append(self.add("node", f"{node.name}: {was} → {now}.", reason, node.group))
        return items

    def _groups(self, prev: ClusterStatus, cur: ClusterStatus) -> list[FeedItem]:
        items = []
        nodes = {n.name: n for n in cur.nodes}
        cut = {m.name for m in cur.machines if m.isolated}
        for group in sorted(set(prev.groups) | set(cur.groups)):
            old = prev.groups[group].master if group in prev.groups else None
            new = cur.groups[group].master if group in cur.groups else None
            word = why.role_word(self.mode, "master")
            if old and not new:
                gone = nodes.get(old)
                how = why.CLOSED if gone is None or gone.state not in UP else why.SILENT
                if gone is not None and gone.machine in cut:
                    how = why.SILENT
                self._lost_at[group] = self._clock()
                self._lost_how[group] = how
                self._last_master[group] = old
                slaves = cur.groups[group].slaves if group in cur.groups else ()
                items.append(self.add("role", f"{group} has no {word} ({old} left the name server's answer).",
                                      why.master_lost(self.mode, self.version, group, how, slaves, self.config), group))
            elif new and not old:
                lost = self._lost_at.pop(group, None)
                after = self._clock() - lost if lost is not None else None
                text = why.new_master(self.mode, group, new, self._last_master.get(group), after, self.version,
                                      self._lost_how.pop(group, None), self.config)
                self._last_master[group] = new
                items.append(self.add("role", text, None if self.mode.is_2m2s else why.clients_follow(self.config),
                                      group))
            elif old and new and old != new:
                self._last_master[group] = new
                items.append(self.add("role", why.master_changed(self.mode, group, old, new),
                                      why.clients_follow(self.config), group))
            items += self._replicas(prev, cur, group, new)
        return items

    def _replicas(self, prev: ClusterStatus, cur: ClusterStatus, group: str, master: str | None) -> list[FeedItem]:
        was = set(prev.groups[group].slaves) if group in prev.groups else set()
        now = set(cur.groups[group].slaves) if group in cur.groups else set()
        old_master = prev.groups[group].master if group in prev.groups else None
        ids = {n.name: n.broker_id for n in cur.nodes}
        items = []
        for node in sorted(was - now):
            if node != master:
                reason = why.replica_lost(self.mode, self.version, node, group, master, self.config)
                items.append(self.add("role", f"{node} left {group}'s answer.", reason, group))
        for node in sorted(now - was):
            if node != old_master:
                items.append(self.add("role", why.replica_back(self.mode, node, group, ids.get(node) or 0),
                                      group=group))
        return items

    def _namesrvs(self, prev: ClusterStatus, cur: ClusterStatus) -> list[FeedItem]:
        was, now = set(prev.namesrvs_answering), set(cur.namesrvs_answering)
        items = [self.add("namesrv", f"{ns} stopped answering.", why.namesrv_silent(ns, cur.namesrvs_answering))
                 for ns in sorted(was - now)]
        items += [self.add("namesrv", f"{ns} answers again.") for ns in sorted(now - was)]
        return items
