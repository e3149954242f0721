"""The checker: a pure function from a run's history (and run.json) to what happened. No I/O, no printing."""

from __future__ import annotations

import math
from collections import Counter

from rmqlab.experiment.check.causes import causes
from rmqlab.experiment.check.consumer_groups import check_consumer_groups, consumption_verdict
from rmqlab.experiment.check.fault_periods import Fault, faults
from rmqlab.experiment.check.history import (
    CONSUMER_PREFIX,
    FINAL_READ,
    OK,
    PROBE_PREFIX,
    PRODUCER_PREFIX,
    READ,
    SEND,
    STORED_CODE_NAMES,
    Event,
)
from rmqlab.experiment.check.latency import send_latency
from rmqlab.experiment.check.masters import Masters
from rmqlab.experiment.check.node_states import node_states
from rmqlab.experiment.check.ops import Op, pair
from rmqlab.experiment.check.pop_groups import check_pop_groups, pop_verdict
from rmqlab.experiment.check.queue_check import QueueCheck, check_queue
from rmqlab.experiment.check.replication import Offsets
from rmqlab.experiment.check.result import CheckResult, GroupResult, ProducerImpact, Throughput
from rmqlab.experiment.check.runmeta import GroupMeta, RunMeta
from rmqlab.experiment.check.verdicts import verdicts
from rmqlab.experiment.check.windows import attribute, unwritable_windows
from rmqlab.topology.timing import Settings

__all__ = ["CheckResult", "check", "workload_end"]

_BUCKETS = (1, 2, 5, 10, 15, 30, 60, 120, 300)
_MAX_BUCKETS = 300


def check(history: list[Event], meta: RunMeta, *, ignore_below: float = 0.0) -> CheckResult:
    """`ignore_below`: drop unwritable windows shorter than this many seconds (they are counted, not listed)."""
    paired = pair(history)
    run_end = workload_end(history)
    fault_list = faults(paired.ops)
    masters = Masters(meta, paired.observations)
    queue = check_queue(paired.ops)
    bucket = _bucket_seconds(run_end)
    offsets = Offsets(paired.observations)
    groups = {g.name: _group(g, paired.ops, fault_list, masters, queue, run_end, ignore_below, bucket, offsets)
              for g in meta.groups}
    result = CheckResult(
        mode=meta.mode, scenario=meta.scenario, version=meta.version, topic=meta.topic,
        started_wall=meta.started_wall, duration_seconds=run_end, groups=groups,
        totals=_totals(queue, sum(g.queues for g in meta.groups)), lost_keys=_lost_keys(queue),
        duplicated_keys=_duplicated_keys(queue),
        faults=fault_list, producer_impact=_producer_impact(paired.ops, fault_list),
        final_read=_final_read(queue), anomalies=_anomalies(queue),
        throughput=_throughput(paired.ops, run_end, bucket), warnings=paired.warnings + _queue_warnings(queue),
        settings=Settings.from_record(meta.settings),
        nodes=node_states(fault_list, tuple(n for g in meta.groups for n in g.nodes), run_end),
        client=meta.extra.get("client") or {},
    )
    result.causes = causes(result)
    consumed = check_consumer_groups(history)
    popped = check_pop_groups(history)
    result.consumer_groups = {name: found.to_dict() for name, found in {**consumed, **popped}.items()}
    result.verdicts = verdicts(result) + [consumption_verdict(found) for found in consumed.values()] + [
        pop_verdict(found) for found in popped.values()]
    return result


def workload_end(history: list[Event]) -> float:
    """The t of the workload's last send event; heal and the final read come after it. Without sends, the
    last event."""
    sends = [e.t for e in history if e.f == SEND and e.process != FINAL_READ]
    return max(sends) if sends else max((e.t for e in history), default=0.0)


def _group(meta: GroupMeta, ops: list[Op], fault_list: list[Fault], masters: Masters, queue: QueueCheck,
           run_end: float, ignore_below: float, bucket: float, offsets: Offsets) -> GroupResult:
    name = meta.name
    members = frozenset(meta.nodes)
    sends = [op for op in ops if op.f == SEND and op.group == name]
    # The probe writes straight to the group's current master, so its sends say whether the group could
    # take writes. Producers fail longer on stale routes; that is client impact, reported per fault.
    probes = [op for op in sends if op.process == f"{PROBE_PREFIX}{name}"] or sends
    found = [attribute(w, fault_list, members, run_end) for w in unwritable_windows(probes, run_end)]
    windows = [w for w in found if w.duration >= ignore_below]
    elections = [e for f in fault_list
                 if f.disruptive and (e := masters.election(f, name, tuple(fault_list[f.index + 1:])))]
    lost_by: dict[str, Counter] = {}
    for key in queue.lost:
        op = queue.acked[key]
        if op.group == name:
            lost_by.setdefault(op.node or "?", Counter())[op.code_name or STORED_CODE_NAMES.get(op.code, "?")] += 1
    return GroupResult(
        name=name, nodes=meta.nodes, master_at_start=masters.at(name, 0.0), master_at_end=masters.at(name, run_end),
        windows=windows, ignored_windows=len(found) - len(windows), elections=elections,
        masters=masters.segments(name, run_end),
        sends={"attempted": len(sends), **_types(sends)},
        degraded_acks=dict(queue.degraded.get(name, {})),
        slave_reads_during_outage=_slave_reads(ops, name, windows, masters),
        lost=sum(sum(c.values()) for c in lost_by.values()),
        lost_acked_by={node: dict(codes) for node, codes in sorted(lost_by.items())},
        latency=send_latency(sends, run_end, bucket),
        replication_lag=_lag_at_faults(meta, fault_list, masters, offsets),
        missing_at_end=sum(1 for key in queue.missing_at_end if key in queue.acked and queue.acked[key].group == name),
    )


def _lag_at_faults(meta: GroupMeta, fault_list: list[Fault], masters: Masters, offsets: Offsets) -> dict:
    """For each fault that hit this group's master: how far its replicas were behind just before."""
    lags = {}
    for fault in fault_list:
        master = masters.last_known(meta.name, fault.t)
        if fault.disruptive and master in fault.touches:
            lag = offsets.lag(fault.t, master, meta.nodes)
            if lag is not None:
                lags[fault.index] = lag
    return lags


def _types(ops: list[Op]) -> dict[str, int]:
    counts = Counter(op.type for op in ops)
    return {"ok": counts["ok"], "fail": counts["fail"], "info": counts["info"]}


def _slave_reads(ops: list[Op], group: str, windows, masters: Masters) -> dict[str, int]:
    reads = [
        op for op in ops
        if op.f == READ and op.process.startswith(CONSUMER_PREFIX) and op.group == group
        and op.node is not None and any(w.start <= op.t <= w.end for w in windows)
        and op.node != masters.last_known(group, op.t)
    ]
    return _types(reads)


def _producer_impact(ops: list[Op], fault_list: list[Fault]) -> dict[int, ProducerImpact]:
    producers = [op for op in ops if op.f == SEND and op.process.startswith(PRODUCER_PREFIX)]
    disruptive = [f for f in fault_list if f.disruptive]
    impact = {}
    for i, fault in enumerate(disruptive):
        # A follow-up on the same nodes (destroy the store of the node just killed) belongs to this fault.
        following = (f.t for f in disruptive[i + 1:] if not f.touches <= fault.touches)
        until = next(following, math.inf)
        sends = [op for op in producers if fault.t <= op.t < until]
        if not sends:
            continue
        failures = [op.end if op.end is not None else op.t for op in sends if op.type != OK]
        last = max(failures, default=None)
        after = Counter(op.group for op in sends if op.type == OK and (last is None or op.t > last) and op.group)
        impact[fault.index] = ProducerImpact(
            sends=len(sends), failed=len(failures),
            last_failure_after=max(last - fault.t, 0.0) if last is not None else None,
            groups_after=dict(sorted(after.items())),
        )
    return impact


def _totals(queue: QueueCheck, queues: int) -> dict[str, int]:
    return {
        "queues": queues,
        "attempted": queue.attempted, "acknowledged": queue.acknowledged, "failed": queue.failed,
        "unknown": queue.unknown, "acknowledged_lost": len(queue.lost), "duplicated": len(queue.duplicated),
        "recovered": len(queue.recovered), "unexpected": len(queue.unexpected),
        "acknowledged_keys": len(queue.acked), "unknown_keys": queue.unknown_keys,
        "acknowledged_unchecked": len(queue.unchecked), "final_read_queues": len(queue.final_covered),
        "degraded_acks": sum(sum(c.values()) for c in queue.degraded.values()),
        "failed_but_read": len(queue.failed_but_read), "missing_at_end": len(queue.missing_at_end),
        "divergent_positions": len(queue.divergent),
    }


def _lost_keys(queue: QueueCheck) -> list[dict]:
    return [
        {"key": key, "group": op.group, "node": op.node, "code_name": op.code_name, "acked_at": op.end}
        for key in queue.lost for op in [queue.acked[key]]
    ]


def _duplicated_keys(queue: QueueCheck) -> list[dict]:
    return [
        {"key": key, "positions": [{"group": g, "queue": q, "offset": o} for g, q, o in positions],
         "retried": key in queue.retried}
        for key, positions in sorted(queue.duplicated.items())
    ]


def _anomalies(queue: QueueCheck) -> dict[str, list]:
    divergent = [
        {"group": g, "queue": q, "offset": o, "keys": {key: sorted(nodes) for key, nodes in sorted(keys.items())}}
        for (g, q, o), keys in sorted(queue.divergent.items(), key=lambda item: str(item[0]))
    ]
    return {
        "unexpected_keys": queue.unexpected, "failed_but_read_keys": queue.failed_but_read,
        "missing_at_end_keys": queue.missing_at_end, "divergent_positions": divergent,
    }


def _final_read(queue: QueueCheck) -> dict[str, dict]:
    return {
        node: {**{t: counts[t] for t in ("ok", "fail", "info")}, "error": queue.final_errors.get(node)}
        for node, counts in sorted(queue.final_reads.items())
    }


def _bucket_seconds(run_end: float) -> float:
    return float(next((b for b in _BUCKETS if run_end / b <= _MAX_BUCKETS), _BUCKETS[-1]))


def _throughput(ops: list[Op], run_end: float, size: float) -> Throughput:
    count = max(1, math.ceil(run_end / size))
    series = {"ok": [0] * count, "fail": [0] * count, "info": [0] * count}
    for op in ops:
        if op.f == SEND and op.end is not None and op.end <= run_end:
            series[op.type][min(int(op.end // size), count - 1)] += 1
    return Throughput(size, series["ok"], series["fail"], series["info"])


def _queue_warnings(queue: QueueCheck) -> list[str]:
    return [
        f"{n:,} sends were recorded ok with response {code}, which does not mean stored; counted as acknowledged."
        for code, n in sorted(queue.wrongly_ok.items())
    ]
