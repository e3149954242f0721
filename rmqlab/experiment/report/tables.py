"""The rows every report shows, as plain strings, so the terminal, HTML and comparison views agree."""

from __future__ import annotations

from datetime import datetime, timezone

from rmqlab.experiment.check.result import CheckResult, GroupResult
from rmqlab.experiment.check.runmeta import RunMeta
from rmqlab.experiment.report.wording import describe, secs

GROUP_HEADERS = ["group", "unwritable", "time to new master", "master back after", "master start → end",
                 "windows", "degraded acks", "slave reads in outage (ok/failed)"]
SHORT_GROUP_COLUMNS = 5  # the terminal shows the first five

# (key in totals, label, shown even when zero)
TOTAL_ROWS = [
    ("attempted", "sends attempted", True),
    ("acknowledged", "acknowledged (ok)", True),
    ("failed", "failed (definitely not stored)", True),
    ("unknown", "unknown outcome (info)", True),
    ("acknowledged_lost", "acknowledged but lost", True),
    ("recovered", "unknown outcome, read after all", True),
    ("duplicated", "stored more than once", True),
    ("unexpected", "read but never sent", True),
    ("degraded_acks", "acknowledged with a degraded code", False),
    ("missing_at_end", "read during the run, gone at the end", False),
    ("divergent_positions", "positions that differ between replicas", False),
    ("failed_but_read", "recorded failed, read after all", False),
]


def client_text(meta: RunMeta) -> str:
    """Whose producers sent (run.json `client`; a run from before it was recorded had rmqlab's own)."""
    client = meta.extra.get("client") or {}
    name = client.get("name", "rmqlab")
    if name == "java":
        version = (client.get("reported") or {}).get("version")
        return "RocketMQ's Java DefaultMQProducer" + (f" {version}" if version else "")
    if name == "grpc":
        return "the Python gRPC client (rocketmq-python-client), through the proxies"
    return "rmqlab's own producers"


def meta_rows(meta: RunMeta, result: CheckResult) -> list[tuple[str, str]]:
    started = datetime.fromtimestamp(meta.started_wall, timezone.utc).isoformat(timespec="seconds")
    return [
        ("scenario", meta.scenario), ("mode", meta.mode), ("RocketMQ", meta.version), ("client", client_text(meta)),
        ("topic", meta.topic),
        ("groups", ", ".join(f"{g.name} ({', '.join(g.nodes)}; {g.queues} queues)" for g in meta.groups)),
        ("started", started), ("workload ran", secs(result.duration_seconds)), ("cluster", meta.cluster),
        ("rmqlab", meta.rmqlab_version),
    ]


def group_rows(result: CheckResult) -> list[list[str]]:
    rows = []
    for group in result.groups.values():
        reads = group.slave_reads_during_outage
        rows.append([
            group.name,
            secs(group.unwritable_seconds),
            new_master_text(group),
            secs(group.time_to_master_back_seconds),
            f"{group.master_at_start or 'none'} → {group.master_at_end or 'none'}",
            str(len(group.windows)),
            ", ".join(f"{n:,} {code}" for code, n in sorted(group.degraded_acks.items())) or "—",
            f"{reads['ok']:,} / {reads['fail'] + reads['info']:,}",
        ])
    return rows


def new_master_text(group: GroupResult) -> str:
    if not group.elections:
        return "no fault on its master"
    seconds = group.time_to_new_master_seconds
    return "none came" if seconds is None else secs(seconds)


def total_rows(result: CheckResult, every: bool = True) -> list[tuple[str, str]]:
    """`every=False` leaves out the rare anomaly rows while they are zero."""
    return [(label, f"{result.totals[key]:,}") for key, label, always in TOTAL_ROWS
            if every or always or result.totals[key]]


def cause_text(result: CheckResult, group: str) -> str:
    """The mechanism behind the group's first failover figure, with the range it predicts."""
    cause = next((c for c in result.causes if c.group == group), None)
    return cause.bound.short() if cause else "—"


def producers_text(result: CheckResult) -> str:
    cause = next((c for c in result.causes if c.group is None), None)
    if cause is None or cause.measured is None:
        return "—"
    return f"{secs(cause.measured)} after the fault ({cause.bound.short()})"


FAULT_HEADERS = ["#", "at", "fault", "status", "undone at", "producers after it"]


def fault_rows(result: CheckResult) -> list[list[str]]:
    rows = []
    for fault in result.faults:
        impact = result.producer_impact.get(fault.index)
        producers = "—" if impact is None else (
            f"{impact.failed:,} of {impact.sends:,} failed"
            + (f", none after {secs(impact.last_failure_after)}" if impact.failed and impact.groups_after else "")
        )
        rows.append([
            str(fault.index), secs(fault.t), describe(fault, at=False),
            fault.status + (f" ({fault.error})" if fault.error else ""),
            secs(fault.undone_at) if fault.undone_at is not None else "—", producers,
        ])
    return rows


SIDE_BY_SIDE_HEADERS = ["#", "fault", "the broker group went through", "the application saw"]


def side_by_side_rows(meta: RunMeta, result: CheckResult) -> list[list[str]]:
    """Per fault: each group it hit (unwritable windows, election) beside what the workload's producers (rmqlab's,
    Java's or the gRPC client's) saw from it until the next fault."""
    rows = []
    for fault in result.faults:
        impact = result.producer_impact.get(fault.index)
        if impact is None:
            continue
        hit = [g for g in result.groups.values() if set(g.nodes) & set(fault.nodes)]
        rows.append([str(fault.index), describe(fault, at=True), "; ".join(_group_text(g, fault.index) for g in hit)
                     or "no broker group", _application_text(meta, impact)])
    return rows


def _group_text(group: GroupResult, fault: int) -> str:
    unwritable = sum(w.duration for w in group.windows if w.fault == fault)
    election = next((e for e in group.elections if e.fault == fault), None)
    text = f"{group.name}: unwritable {secs(unwritable)}" if unwritable else f"{group.name}: never unwritable"
    if election is not None:
        text += f", new master after {secs(election.seconds)}" if election.seconds is not None else ", no new master"
    return text


def _application_text(meta: RunMeta, impact) -> str:
    who = client_text(meta)
    if not impact.failed:
        return f"{who}: {impact.sends:,} sends, none failed"
    last = f", the last {secs(impact.last_failure_after)} after the fault" if impact.last_failure_after else ""
    return f"{who}: {impact.failed:,} of {impact.sends:,} sends failed or unknown{last}"


def comparison_rows(results: list[tuple[RunMeta, CheckResult]]) -> list[tuple[str, list[str]]]:
    """Rows of metrics, one column per run."""
    groups = sorted({name for _, result in results for name in result.groups})
    rows = [("RocketMQ", [meta.version for meta, _ in results]), ("client", [client_text(m) for m, _ in results])]
    for name in groups:
        present = [result.groups.get(name) for _, result in results]
        rows += [
            (f"{name} unwritable", [secs(g.unwritable_seconds) if g else "—" for g in present]),
            (f"{name} time to new master", [new_master_text(g) if g else "—" for g in present]),
            (f"{name} why", [cause_text(result, name) for _, result in results]),
            (f"{name} master start → end",
             [f"{g.master_at_start or 'none'} → {g.master_at_end or 'none'}" if g else "—" for g in present]),
        ]
    rows.append(("producers' last failure", [producers_text(result) for _, result in results]))
    for key, label in [("acknowledged", "acknowledged"), ("acknowledged_lost", "lost"), ("duplicated", "duplicated"),
                       ("recovered", "recovered"), ("unknown", "unknown outcome"), ("degraded_acks", "degraded acks")]:
        rows.append((label, [f"{result.totals[key]:,}" for _, result in results]))
    return rows
