"""When a group could not take writes: windows between a failed send and the next acknowledged one."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from rmqlab.experiment.check.fault_periods import Fault
from rmqlab.experiment.check.history import FAIL, OK
from rmqlab.experiment.check.ops import Op


@dataclass(frozen=True)
class Window:
    start: float
    end: float
    until_end_of_run: bool
    failed: int  # sends completed `fail` inside the window
    unknown: int  # sends completed `info` (or never) inside the window
    fault: int | None = None  # index of the fault it is attributed to
    overlaps_fault: bool = False  # False: nothing the nemesis did was in force meanwhile

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict:
        return {
            "start": round(self.start, 3), "end": round(self.end, 3), "duration": round(self.duration, 3),
            "until_end_of_run": self.until_end_of_run, "fault": self.fault, "overlaps_fault": self.overlaps_fault,
            "failed": self.failed, "unknown": self.unknown,
        }


def unwritable_windows(sends: list[Op], run_end: float) -> list[Window]:
    """`sends`: one group's probe and producer sends. A window opens at the invoke of the first send that did
    not succeed and was invoked after the last success, and closes when the next send succeeds. (A send that
    began before a success and then failed proves nothing: the group took a write while it was in flight.)"""
    windows = []
    last_ok = -math.inf
    start = None
    failed = unknown = 0
    for op in sorted((op for op in sends if op.t < run_end), key=_finish):
        if op.type == OK:
            if op.end > run_end:
                continue  # succeeded after the run ended: says nothing about the run
            if start is not None:
                windows.append(Window(start, op.end, False, failed, unknown))
                start, failed, unknown = None, 0, 0
            last_ok = max(last_ok, op.end)
        else:
            if start is None and op.t >= last_ok:
                start = op.t
            if start is not None:
                failed += op.type == FAIL
                unknown += op.type != FAIL
    if start is not None:
        windows.append(Window(start, run_end, True, failed, unknown))
    return windows


def _finish(op: Op) -> float:
    return op.end if op.end is not None else math.inf


def attribute(window: Window, faults: list[Fault], members: frozenset[str], run_end: float) -> Window:
    """Blame the fault in force that started last before the window (faults on the group's own nodes
    first); failing that, the last fault before it, but then the window overlaps no fault."""
    overlapping = [f for f in faults if f.overlaps(window.start, window.end, run_end)]
    ours = [f for f in overlapping if f.touches & members] or overlapping
    if ours:
        before = [f for f in ours if f.t <= window.start]
        cause = before[-1] if before else ours[0]
        return replace(window, fault=cause.index, overlaps_fault=True)
    earlier = [f for f in faults if f.disruptive and f.t <= window.start]
    return replace(window, fault=earlier[-1].index if earlier else None)
