"""The nemesis's faults from the history, each with the period it was in force."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from rmqlab.experiment.check.history import FAIL, FAULT
from rmqlab.experiment.check.ops import Op
from rmqlab.faults import FAULTS


@dataclass(frozen=True)
class Fault:
    index: int
    t: float  # invoke
    done: float | None  # completion time; None if the nemesis never finished it
    status: str  # ok | fail | info
    action: str
    target: str | None
    nodes: tuple[str, ...]
    machine: str | None
    error: str | None = None
    undone_at: float | None = None  # completion of the start/unpause/heal that undid it
    peer: str | None = None  # the other end of a partition
    peer_nodes: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)  # the fault's own values: delay 200ms, loss 10%, rate 1mbit

    @property
    def kind(self):
        """Its entry in the fault table (None for an action the table does not know)."""
        return FAULTS.get(self.action)

    @property
    def disruptive(self) -> bool:
        return self.kind is not None and self.kind.disruptive and self.status != FAIL

    @property
    def touches(self) -> frozenset[str]:
        """Every name the fault names: its target, machine and nodes."""
        return frozenset(n for n in (self.target, self.machine, *self.nodes, self.peer, *self.peer_nodes) if n)

    @property
    def acted_at(self) -> float:
        return self.done if self.done is not None else self.t

    def period_end(self, run_end: float) -> float:
        return self.undone_at if self.undone_at is not None else max(run_end, self.t)

    def overlaps(self, start: float, end: float, run_end: float) -> bool:
        return self.disruptive and start <= self.period_end(run_end) and end >= self.t

    def to_dict(self) -> dict:
        return {
            "index": self.index, "t": self.t, "done": self.done, "status": self.status, "action": self.action,
            "target": self.target, "nodes": list(self.nodes), "machine": self.machine, "error": self.error,
            "undone_at": self.undone_at,
            **({"peer": self.peer, "peer_nodes": list(self.peer_nodes)} if self.peer else {}),
            **({"options": self.options} if self.options else {}),
        }


def faults(ops: list[Op]) -> list[Fault]:
    found = [_fault(index, op) for index, op in enumerate(op for op in ops if op.f == FAULT)]
    return [_with_undo(fault, found[fault.index + 1:]) for fault in found]


_CORE = ("action", "target", "nodes", "machine", "peer", "peer_nodes")


def _fault(index: int, op: Op) -> Fault:
    value = op.invoke.value if isinstance(op.invoke.value, dict) else {}
    return Fault(
        peer=value.get("peer"), peer_nodes=tuple(value.get("peer_nodes") or ()),
        options={k: str(v) for k, v in value.items() if k not in _CORE},
        index=index, t=op.t, done=op.end, status=op.type, action=str(value.get("action")),
        target=value.get("target"), nodes=tuple(value.get("nodes") or ()), machine=value.get("machine"),
        error=op.done.error if op.done is not None else None,
    )


def _with_undo(fault: Fault, later: list[Fault]) -> Fault:
    if not fault.disruptive:
        return fault
    undo = fault.kind.undo
    for other in later:
        # An undo that takes no target (heal) ends every such fault of the cluster.
        everything = other.kind is not None and not other.kind.takes_target and not other.touches
        if other.action == undo and other.status != FAIL and (everything or other.touches & fault.touches):
            return replace(fault, undone_at=other.acted_at)
    return fault
