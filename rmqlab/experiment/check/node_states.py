"""What each node was doing over the run (running, down, paused, isolated, ...), from the nemesis's faults.

A fault's effect comes from the fault table (rmqlab.faults.FAULTS), never from its name, so a fault added there
shows up here with the state its effect names.
"""

from __future__ import annotations

from dataclasses import dataclass

from rmqlab.experiment.check.fault_periods import Fault
from rmqlab.faults import CUT, DISK_GONE, DOWN, FROZEN

RUNNING = "running"
# The state a fault's effect puts its nodes in. An effect this table does not know shows under its own name.
STATE_OF_EFFECT = {DOWN: "down", DISK_GONE: "down", FROZEN: "paused", CUT: "isolated"}
# When faults overlap on one node, the first of these wins; states not listed come after them.
PRECEDENCE = ("down", "paused", "isolated")


@dataclass(frozen=True)
class NodeSpan:
    start: float
    end: float
    state: str
    fault: int | None = None  # index of the fault that put it there; None while running

    def to_dict(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "state": self.state, "fault": self.fault}


def state_of(fault: Fault) -> str | None:
    effect = fault.kind.effect if fault.kind else None
    return None if effect is None or not fault.disruptive else STATE_OF_EFFECT.get(effect, effect)


def hit_nodes(fault: Fault) -> tuple[str, ...]:
    """The nodes a fault acted on: the nemesis records them; a hand-written fault may name only its target."""
    return fault.nodes or ((fault.target,) if fault.target else ())


def node_states(faults: list[Fault], nodes: tuple[str, ...], run_end: float) -> dict[str, list[NodeSpan]]:
    """For every node (the groups' replicas, then any other node a fault hit, such as a name server): its
    states from 0 to the end of the run, as consecutive spans."""
    periods: dict[str, list[tuple[float, float, str, int]]] = {}
    for fault in faults:
        state = state_of(fault)
        if state is None:
            continue
        end = min(fault.period_end(run_end), run_end)
        for node in hit_nodes(fault):
            if fault.t < end:
                periods.setdefault(node, []).append((fault.t, end, state, fault.index))
    every = list(nodes) + sorted(set(periods) - set(nodes))
    return {node: _spans(periods.get(node, []), run_end) for node in every}


def _spans(periods: list[tuple[float, float, str, int]], run_end: float) -> list[NodeSpan]:
    cuts = sorted({0.0, run_end, *(t for start, end, _, _ in periods for t in (start, end) if 0 <= t <= run_end)})
    spans: list[NodeSpan] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        active = [(state, index) for a, b, state, index in periods if a <= start and b >= end]
        state, index = min(active, key=lambda p: _rank(p[0])) if active else (RUNNING, None)
        if spans and spans[-1].state == state and spans[-1].fault == index:
            spans[-1] = NodeSpan(spans[-1].start, end, state, index)
        else:
            spans.append(NodeSpan(start, end, state, index))
    return spans


def _rank(state: str) -> int:
    return PRECEDENCE.index(state) if state in PRECEDENCE else len(PRECEDENCE)
