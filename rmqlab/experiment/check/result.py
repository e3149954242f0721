"""What the checker found. `CheckResult.to_dict()` is report.json, field for field (docs/report-schema.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rmqlab.experiment.check.fault_periods import Fault
from rmqlab.experiment.check.latency import Latency
from rmqlab.experiment.check.masters import Election, Segment
from rmqlab.experiment.check.node_states import NodeSpan
from rmqlab.experiment.check.windows import Window
from rmqlab.topology.bounds import Bound
from rmqlab.topology.timing import Settings

REPORT_SCHEMA = "rmqlab.report/1"
KEY_LIST_CAP = 100


@dataclass
class GroupResult:
    name: str
    nodes: tuple[str, ...]
    master_at_start: str | None
    master_at_end: str | None
    windows: list[Window]
    ignored_windows: int  # shorter than the checker's threshold
    elections: list[Election]
    masters: list[Segment]
    sends: dict[str, int]  # attempted / ok / fail / info of every send aimed at this group
    degraded_acks: dict[str, int]  # code name -> acknowledged sends
    slave_reads_during_outage: dict[str, int]  # ok / fail / info pulls served by a non-master
    lost: int
    lost_acked_by: dict[str, dict[str, int]]  # node that acknowledged -> code name -> lost messages
    latency: Latency | None = None  # how long its sends took, over the run
    replication_lag: dict = field(default_factory=dict)  # fault index -> Lag: replicas' bytes behind the master
    missing_at_end: int = 0  # acknowledged, read by a consumer during the run, on no replica at the end

    @property
    def unwritable_seconds(self) -> float:
        return sum(w.duration for w in self.windows if w.overlaps_fault)

    @property
    def time_to_new_master_seconds(self) -> float | None:
        """After the first fault that hit this group's master; `elections` has every one."""
        return self.elections[0].seconds if self.elections else None

    @property
    def time_to_master_back_seconds(self) -> float | None:
        return self.elections[0].master_back_seconds if self.elections else None

    def to_dict(self) -> dict:
        return {
            "nodes": list(self.nodes),
            "unwritable_seconds": round(self.unwritable_seconds, 3),
            "time_to_new_master_seconds": self.time_to_new_master_seconds,
            "time_to_master_back_seconds": self.time_to_master_back_seconds,
            "master_at_start": self.master_at_start,
            "master_at_end": self.master_at_end,
            "windows": [w.to_dict() for w in self.windows],
            "ignored_windows": self.ignored_windows,
            "elections": [e.to_dict() for e in self.elections],
            "masters": [s.to_dict() for s in self.masters],
            "sends": self.sends,
            "degraded_acks": self.degraded_acks,
            "slave_reads_during_outage": self.slave_reads_during_outage,
            "lost": self.lost,
            "lost_acked_by": self.lost_acked_by,
            "latency": self.latency.to_dict() if self.latency else None,
            "missing_at_end": self.missing_at_end,
            "replication_lag_at_faults": {str(i): lag.to_dict() for i, lag in sorted(self.replication_lag.items())},
        }


@dataclass(frozen=True)
class ProducerImpact:
    """The producers' sends from one fault until the next one (or the end of the run)."""

    sends: int
    failed: int  # fail or info
    last_failure_after: float | None  # seconds from the fault to the last of those failures
    groups_after: dict[str, int]  # group -> acknowledged sends after the last failure

    def to_dict(self) -> dict:
        return {
            "sends": self.sends, "failed": self.failed, "last_failure_after_seconds": _round(self.last_failure_after),
            "groups_after": self.groups_after,
        }


@dataclass(frozen=True)
class Cause:
    """One measured figure next to the mechanism that decides it and the range that mechanism predicts."""

    fault: int
    group: str | None  # None: about the producers, whatever group they wrote to
    figure: str  # rmqlab.topology.bounds: NEW_MASTER, LISTED or PRODUCERS
    measured: float | None  # seconds after the fault; None: it did not come during the run (or the fault)
    bound: Bound

    @property
    def judged(self) -> str | None:
        return self.bound.judge(self.measured)

    def to_dict(self) -> dict:
        bound = self.bound
        return {
            "fault": self.fault, "group": self.group, "figure": self.figure, "measured_seconds": _round(self.measured),
            "mechanism": bound.mechanism, "expected": bound.span(),
            "expected_seconds": None if bound.never else [_round(bound.low), _round(bound.high)],
            "judged": self.judged, "settings": bound.settings(), "why": bound.why, "then": bound.then,
        }


@dataclass(frozen=True)
class Throughput:
    bucket_seconds: float
    ok: list[int]
    fail: list[int]
    info: list[int]

    def to_dict(self) -> dict:
        return {"bucket_seconds": self.bucket_seconds, "ok": self.ok, "fail": self.fail, "info": self.info}


@dataclass
class CheckResult:
    mode: str
    scenario: str
    version: str
    topic: str
    started_wall: float
    duration_seconds: float  # t of the workload's last send event: heal and final read come after
    groups: dict[str, GroupResult]
    totals: dict[str, int]
    lost_keys: list[dict]
    duplicated_keys: list[dict]
    faults: list[Fault]
    producer_impact: dict[int, ProducerImpact]  # fault index -> impact
    final_read: dict[str, dict]  # node -> {ok, fail, info, error}
    anomalies: dict[str, list]  # examples behind the anomaly totals, each list capped
    throughput: Throughput
    warnings: list[str]
    settings: Settings = field(default_factory=lambda: Settings(recorded=False))  # as run.json recorded them
    nodes: dict[str, list[NodeSpan]] = field(default_factory=dict)  # node -> its states over the run
    client: dict = field(default_factory=dict)  # run.json's `client`: whose producers sent, with their settings
    causes: list[Cause] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)
    consumer_groups: dict[str, dict] = field(default_factory=dict)  # consumer_groups.GroupConsumption.to_dict()

    def to_dict(self) -> dict:
        return {
            "schema": REPORT_SCHEMA,
            "mode": self.mode,
            "scenario": self.scenario,
            "version": self.version,
            "topic": self.topic,
            "started_wall": self.started_wall,
            "duration_seconds": round(self.duration_seconds, 3),
            "groups": {name: group.to_dict() for name, group in self.groups.items()},
            "totals": self.totals,
            "lost_keys": self.lost_keys[:KEY_LIST_CAP],
            "duplicated_keys": self.duplicated_keys[:KEY_LIST_CAP],
            "faults": [
                {**f.to_dict(), "producers": _maybe(self.producer_impact.get(f.index))} for f in self.faults
            ],
            "final_read": self.final_read,
            "anomalies": {name: items[:KEY_LIST_CAP] for name, items in self.anomalies.items()},
            "throughput": self.throughput.to_dict(),
            "settings": self.settings.to_record(),
            "settings_recorded": self.settings.recorded,
            "nodes": {node: [span.to_dict() for span in spans] for node, spans in self.nodes.items()},
            "causes": [cause.to_dict() for cause in self.causes],
            "verdicts": self.verdicts,
            "consumer_groups": self.consumer_groups,
            "warnings": self.warnings,
        }


def _round(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


def _maybe(impact: ProducerImpact | None) -> dict | None:
    return impact.to_dict() if impact is not None else None
