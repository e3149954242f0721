"""Who each group's master was over time (the observer's `roles` events), and how faults moved it."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from rmqlab.experiment.check.fault_periods import Fault
from rmqlab.experiment.check.history import ROLES, Event
from rmqlab.experiment.check.runmeta import RunMeta


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    master: str | None

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "master": self.master}


@dataclass(frozen=True)
class Election:
    """What the name server showed for one group after a fault hit that group's master."""

    fault: int
    group: str
    old_master: str
    new_master: str | None  # first other node listed as master after the fault
    seconds: float | None  # fault done -> new master listed
    master_back_seconds: float | None  # fault done -> the old master listed as master again, after it had left
    masterless_from: float | None  # first observation after the fault with no master
    masterless_until: float | None  # next observation with a master; None if none came

    def to_dict(self) -> dict:
        return {
            "fault": self.fault, "old_master": self.old_master, "new_master": self.new_master,
            "seconds": self.seconds, "master_back_seconds": self.master_back_seconds,
            "masterless_from": self.masterless_from, "masterless_until": self.masterless_until,
        }


class Masters:
    def __init__(self, meta: RunMeta, observations: list[Event]):
        self._times: dict[str, list[float]] = {g.name: [0.0] for g in meta.groups}
        self._masters: dict[str, list[str | None]] = {g.name: [g.master_at_start] for g in meta.groups}
        for event in observations:
            # A null view means no name server answered: nothing is known, so nothing changes.
            if event.f != ROLES or not isinstance(event.value, dict):
                continue
            for group, times in self._times.items():
                master = (event.value.get(group) or {}).get("master")
                if master != self._masters[group][-1]:
                    times.append(event.t)
                    self._masters[group].append(master)

    def at(self, group: str, t: float) -> str | None:
        index = bisect_right(self._times[group], t) - 1
        return self._masters[group][max(index, 0)]

    def last_known(self, group: str, t: float) -> str | None:
        """The master at `t`, or while there is none, the one that was master last."""
        index = bisect_right(self._times[group], t) - 1
        masters = self._masters[group]
        return next((masters[i] for i in range(max(index, 0), -1, -1) if masters[i] is not None), None)

    def changes_after(self, group: str, t: float) -> list[tuple[float, str | None]]:
        times = self._times[group]
        start = bisect_right(times, t)
        return list(zip(times[start:], self._masters[group][start:], strict=True))

    def segments(self, group: str, end: float) -> list[Segment]:
        times, masters = self._times[group], self._masters[group]
        bounds = [min(t, end) for t in times[1:]] + [end]
        spans = zip(times, bounds, masters, strict=True)
        return [Segment(start, stop, master) for start, stop, master in spans if stop > start]

    def election(self, fault: Fault, group: str, later: tuple[Fault, ...] = ()) -> Election | None:
        """What the group's master did after `fault`, until a later fault hit that master along with other
        nodes (a master that dies after a bandwidth limit died of what came next; destroying the store of the
        node just killed is a follow-up, not a new cause)."""
        old = self.at(group, fault.t)
        if old is None or old not in fault.touches:
            return None
        until = next((f.t for f in later if f.disruptive and old in f.touches and not f.touches <= fault.touches),
                     math.inf)
        since = fault.t  # from when the fault began: a docker kill returns only once teardown is done
        new = back = masterless_from = masterless_until = None
        left = False
        for t, master in self.changes_after(group, fault.t):
            if t >= until:
                break
            if master is None:
                if masterless_from is None and new is None:
                    masterless_from = t
            else:
                if masterless_from is not None and masterless_until is None:
                    masterless_until = t
                if master != old and new is None:
                    new = (t, master)
                if master == old and left and back is None:
                    back = t
            left = left or master != old
        return Election(
            fault=fault.index, group=group, old_master=old, new_master=new[1] if new else None,
            seconds=round(max(new[0] - since, 0.0), 3) if new else None,
            master_back_seconds=round(max(back - since, 0.0), 3) if back is not None else None,
            masterless_from=masterless_from, masterless_until=masterless_until,
        )

