"""Histories built by hand, for the checker's tests and benchmarks: each call says when an operation
started and ended and how it ended."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rmqlab.experiment.check.history import (
    FAULT,
    FINAL_READ,
    INVOKE,
    NEMESIS,
    OBSERVE,
    OBSERVER,
    OFFSETS,
    OK,
    READ,
    ROLES,
    SEND,
    STORED_CODE_NAMES,
    Event,
)
from rmqlab.experiment.check.runmeta import GroupMeta, RunMeta

START_WALL = 1_700_000_000.0


def run_meta(mode: str, groups: dict[str, list[str]], scenario: str = "hand-built", queues: int = 4) -> RunMeta:
    """Each group's first node is its master at the start."""
    return RunMeta(
        mode=mode, scenario=scenario, version="5.5.0", topic="RmqlabExperiment",
        groups=tuple(GroupMeta(name, tuple(nodes), nodes[0], queues) for name, nodes in groups.items()),
        started_wall=START_WALL,
    )


def two_by_two(mode: str = "2m2s-sync", scenario: str = "hand-built") -> RunMeta:
    return run_meta(mode, {g: [f"{g}-master", f"{g}-slave"] for g in ("broker-a", "broker-b")}, scenario)


def raft_groups(mode: str = "dledger", scenario: str = "hand-built") -> RunMeta:
    return run_meta(mode, {g: [f"{g}-n0", f"{g}-n1", f"{g}-n2"] for g in ("broker-a", "broker-b")}, scenario)


class HistoryBuilder:
    def __init__(self, start_wall: float = START_WALL):
        self.start_wall = start_wall
        self._events: list[Event] = []
        self._next_id = 0

    def op(self, process: str, f: str, value: Any, t0: float, t1: float | None, type: str = OK,
           done_value: Any = None, **fields: Any) -> int:
        """An invoke at t0 and its completion at t1 (None: it never completed). `fields` go on both lines."""
        op_id = self._next_id
        self._next_id += 1
        self._events.append(self._event(t0, INVOKE, process, f, value, op_id, fields))
        if t1 is not None:
            done = value if done_value is None else done_value
            self._events.append(self._event(t1, type, process, f, done, op_id, fields))
        return op_id

    def send(self, key: str, t0: float, t1: float | None = None, type: str = OK, *, group: str = "broker-a",
             node: str | None = None, queue: int = 0, process: str = "producer-0", code: int | None = None,
             **fields: Any) -> int:
        t1 = t0 + 0.005 if t1 is None else t1
        if type == OK and code is None:
            code = 0
        if code is not None:
            fields.update(code=code, code_name=STORED_CODE_NAMES.get(code, f"CODE_{code}"))
        seq = int(key.rsplit("-", 1)[-1]) if key.rsplit("-", 1)[-1].isdigit() else None
        return self.op(process, SEND, {"key": key, "seq": seq}, t0, t1, type,
                       group=group, node=node or f"{group}-master", queue=queue, **fields)

    def never_completed_send(self, key: str, t0: float, **fields: Any) -> int:
        op_id = self.send(key, t0, **fields)
        self._events.pop()
        return op_id

    def read(self, node: str, items: list[tuple[str, int]], t0: float, t1: float | None = None, type: str = OK, *,
             group: str = "broker-a", queue: int = 0, process: str = FINAL_READ, **fields: Any) -> int:
        """`items`: (key, offset) pairs read from `queue`."""
        messages = [{"key": key, "offset": offset, "queue": queue} for key, offset in items]
        return self.op(process, READ, None, t0, t0 + 0.005 if t1 is None else t1, type,
                       done_value=messages if type == OK else None, group=group, node=node, queue=queue, **fields)

    def fault(self, action: str, target: str, t0: float, t1: float | None = None, type: str = OK, *,
              nodes: list[str] | None = None, machine: str | None = None, **fields: Any) -> int:
        nodes = nodes if nodes is not None else ([target] if target else [])
        value = {"action": action, "target": target, "nodes": nodes, "machine": machine}
        return self.op(NEMESIS, FAULT, value, t0, t0 + 0.05 if t1 is None else t1, type, **fields)

    def roles(self, t: float, masters: dict[str, str | None], slaves: dict[str, list[str]] | None = None,
              ids: dict[str, dict[str, int]] | None = None) -> None:
        """`ids`: group -> node -> brokerId as listed (the observer records them since the tour)."""
        view = {g: {"master": m, "slaves": (slaves or {}).get(g, []), **({"ids": ids[g]} if ids and g in ids else {})}
                for g, m in masters.items()}
        self._events.append(self._event(t, OBSERVE, OBSERVER, ROLES, view, None, {}))

    def offsets(self, t: float, offsets: dict[str, int | None]) -> None:
        """The replication observer's view: each broker's commit-log max offset."""
        self._events.append(self._event(t, OBSERVE, OBSERVER, OFFSETS, dict(offsets), None, {}))

    def probes(self, group: str, start: float, end: float, *, every: float = 0.05, node: str | None = None,
               failing: list[tuple[float, float]] = (), failure: str = "fail", key_prefix: str | None = None,
               latency: float = 0.004) -> list[str]:
        """A probe sending to `group` every `every` s; sends invoked inside a `failing` interval end as
        `failure`. Returns the keys of acknowledged probes."""
        acked, n, t = [], 0, start
        prefix = key_prefix or f"p-{group}"
        while t < end:
            key = f"{prefix}-{n:06d}"
            bad = any(a <= t < b for a, b in failing)
            self.send(key, t, t + latency, failure if bad else OK, group=group, node=node,
                      process=f"probe-{group}", **({"error": "connection refused"} if bad else {}))
            if not bad:
                acked.append(key)
            n += 1
            t = round(t + every, 6)
        return acked

    def history(self) -> list[Event]:
        return sorted(self._events, key=lambda e: e.t)

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text("".join(json.dumps(e.to_dict()) + "\n" for e in self.history()), encoding="utf-8")
        return path

    def _event(self, t: float, type: str, process: str, f: str, value: Any, op_id: int | None,
               fields: dict[str, Any]) -> Event:
        return Event.from_dict({"t": t, "wall": self.start_wall + t, "type": type, "process": process, "f": f,
                                "value": value, "op_id": op_id, **fields})
