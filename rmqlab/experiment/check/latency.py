"""How long sends took, per group over time: from each send's invoke to its completion, in buckets."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rmqlab.experiment.check.ops import Op


@dataclass(frozen=True)
class Latency:
    bucket_seconds: float
    p50_ms: list[float | None]  # median of the sends invoked in each bucket; None: no send reached a broker
    max_ms: list[float | None]  # the slowest of them (a send that timed out counts with its timeout)

    def to_dict(self) -> dict:
        return {"bucket_seconds": self.bucket_seconds, "p50_ms": self.p50_ms, "max_ms": self.max_ms}


def send_latency(sends: list[Op], run_end: float, bucket: float) -> Latency:
    """`sends`: one group's sends. Only those that were sent to a broker and completed count: a probe tick with
    no master to send to says nothing about latency."""
    count = max(1, math.ceil(run_end / bucket))
    took: list[list[float]] = [[] for _ in range(count)]
    for op in sends:
        if op.node is not None and op.end is not None and 0 <= op.t < run_end:
            took[min(int(op.t // bucket), count - 1)].append(op.took * 1000)
    return Latency(bucket, [_round(_median(ms)) for ms in took], [_round(max(ms, default=None)) for ms in took])


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _round(ms: float | None) -> float | None:
    return None if ms is None else round(ms, 1)
