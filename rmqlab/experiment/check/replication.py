"""How far each replica was behind its master, from the replication observer's `offsets` observations
(every broker's commit-log max offset, in bytes). Pure: reads the history only."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from rmqlab.experiment.check.history import OFFSETS, Event


@dataclass(frozen=True)
class Lag:
    """What the last observation at or before a moment showed for one group."""

    at: float  # when that observation was made
    master: str
    master_offset: int
    behind: dict[str, int | None]  # replica -> bytes behind the master; None: it did not answer

    def to_dict(self) -> dict:
        return {"observed_at": self.at, "master": self.master, "master_offset": self.master_offset,
                "bytes_behind": self.behind}


class Offsets:
    def __init__(self, observations: list[Event]):
        found = [(e.t, e.value) for e in observations if e.f == OFFSETS and isinstance(e.value, dict)]
        self._times = [t for t, _ in found]
        self._values = [v for _, v in found]

    def __bool__(self) -> bool:
        return bool(self._times)

    def lag(self, t: float, master: str | None, replicas: tuple[str, ...]) -> Lag | None:
        """The last observation at or before `t` in which `master` answered; None if there is none."""
        if master is None:
            return None
        index = bisect_right(self._times, t) - 1
        while index >= 0:
            value = self._values[index]
            top = value.get(master)
            if isinstance(top, int):
                # Each broker is asked in parallel: a replica asked a moment later can read a little ahead.
                behind = {n: (max(top - v, 0) if isinstance(v, int) else None) for n in replicas if n != master
                          for v in [value.get(n)]}
                return Lag(self._times[index], master, top, behind)
            index -= 1
        return None
