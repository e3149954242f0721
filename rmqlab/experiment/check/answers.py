"""Answers to the guided tour's questions, read from a run's history and its CheckResult: what the name servers
listed and what the probe's sends got back after one fault, and why (the mechanism with the run's settings).

Pure, like the rest of the checker: every figure comes from the history; the sentences only say them.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from rmqlab.experiment.check.fault_periods import Fault
from rmqlab.experiment.check.history import OBSERVE, OK, PROBE_PREFIX, ROLES, SEND, Event
from rmqlab.experiment.check.ops import pair
from rmqlab.experiment.check.result import CheckResult
from rmqlab.experiment.check.verdicts import _why
from rmqlab.experiment.report.wording import describe, secs
from rmqlab.topology import mechanisms
from rmqlab.topology.model import Mode
from rmqlab.topology.versions import is_5x


@dataclass(frozen=True)
class Answer:
    yes: bool | None  # the measured answer to the yes/no question; None: the history cannot tell
    said: str  # the measured answer in one or two sentences
    why: str | None  # the mechanism behind it, with this run's settings
    figures: dict = field(default_factory=dict)  # the numbers behind `said`, for tests and --json

    def to_dict(self) -> dict:
        return {"yes": self.yes, "said": self.said, "why": self.why, "figures": self.figures}


Listing = list[tuple[float, dict]]  # (t, group -> {"master", "slaves", "ids"}) as the observer recorded it


def listings(history: list[Event]) -> Listing:
    return [(e.t, e.value) for e in history if e.type == OBSERVE and e.f == ROLES and isinstance(e.value, dict)]


def horizon(result: CheckResult, fault: Fault) -> float:
    """Until when a fault's answer is read: the next fault, or the end of what the history holds."""
    later = [f.t for f in result.faults if f.t > fault.t]
    return min([*later, result.duration_seconds])


# -- will another replica become master? -------------------------------------------------------------------


def takeover(history: list[Event], result: CheckResult, fault_index: int, group: str) -> Answer:
    fault = result.faults[fault_index]
    until = horizon(result, fault)
    watched = round(until - fault.t, 1)
    found = result.groups[group]
    election = next((e for e in found.elections if e.fault == fault_index), None)
    window = next((w for w in found.windows if w.fault == fault_index and w.overlaps_fault), None)
    cause = next((c for c in result.causes if c.fault == fault_index and c.group == group), None)
    why = _why(result, cause) if cause else None
    figures = {"watched_seconds": watched, "unwritable_seconds": _unwritable(window, until)}
    if election is None:
        return Answer(None, f"{describe(fault, at=False)} did not hit {group}'s master: nothing to elect.", why,
                      figures)
    new_at = fault.t + election.seconds if election.seconds is not None else None
    writes = _writes(window, fault, until, group)
    if election.new_master is not None and new_at <= until:
        figures |= {"new_master": election.new_master, "new_master_seconds": election.seconds}
        said = (f"Yes. The name servers listed {election.new_master} as master of {group} {secs(election.seconds)} "
                f"after {describe(fault, at=False)}; {writes}.")
        return Answer(True, said, why, figures)
    last = _last_before(listings(history), until)
    entry = (last or {}).get(group) or {}
    ids = entry.get("ids") or {}
    stayed = [f"{node} (brokerId {ids[node]})" for node in found.nodes if node in ids and ids[node] != 0]
    figures |= {"new_master": None, "slave_ids": {n: ids[n] for n in found.nodes if n in ids and ids[n] != 0},
                "masterless_seconds": _span(election.masterless_from, until)}
    if election.masterless_from is None:
        said = (f"No. The name servers kept listing {election.old_master} as master of {group} for the {watched} s "
                "watched")
    else:
        said = f"No. For the {watched} s watched after {describe(fault, at=False)}, {group} had no master"
    if stayed:
        said += f"; {', '.join(stayed)} stayed listed as {'a slave' if len(stayed) == 1 else 'slaves'}"
    return Answer(False, f"{said}; {writes}.", why, figures)


def _writes(window, fault: Fault, until: float, group: str) -> str:
    if window is None:
        return f"writes to {group} never failed"
    if window.until_end_of_run or window.end > until:
        return f"writes to {group} failed from {secs(window.start - fault.t)} after it on, all the time watched"
    return f"writes to {group} failed for {secs(window.duration)}, resuming {secs(window.end - fault.t)} after it"


def _unwritable(window, until: float) -> float | None:
    if window is None:
        return 0.0
    return round(min(window.end, until) - window.start, 3)


# -- the node comes back -----------------------------------------------------------------------------------


def comeback(history: list[Event], result: CheckResult, fault_index: int, undo_index: int, group: str,
             node: str) -> Answer:
    """After `undo_index` started `node` again (the node `fault_index` took down): is it master again, and when
    did it register, and its group take writes?"""
    undo = result.faults[undo_index]
    until = horizon(result, undo)
    seen = next(((t, view) for t, view in listings(history) if undo.t <= t <= until and _id(view, group, node)
                 is not None), None)
    window = next((w for w in result.groups[group].windows if w.fault == fault_index and w.overlaps_fault), None)
    try:
        mode = Mode(result.mode)
    except ValueError:
        mode = None
    figures: dict = {"listed_seconds": None, "broker_id": None, "writable_seconds": None}
    if seen is None:
        return Answer(None, f"{node} was not listed again in the {until - undo.t:.1f} s watched after it was started.",
                      None, figures)
    t, view = seen
    broker_id = _id(view, group, node)
    figures |= {"listed_seconds": round(t - undo.t, 3), "broker_id": broker_id}
    role = "master" if broker_id == 0 else "slave"
    said = (f"{'Yes' if broker_id == 0 else 'No'}. {node} was listed again {secs(t - undo.t)} after it was started, "
            f"as {mechanisms.role_word(mode, role) if mode else role} of {group} (brokerId {broker_id})")
    if window is not None and undo.t <= window.end <= until and not window.until_end_of_run:
        figures["writable_seconds"] = round(window.end - undo.t, 3)
        said += f"; {group} took writes again {secs(window.end - undo.t)} after the start"
    elif window is None or window.end < undo.t:
        said += f"; {group} had been taking writes already"
    why = mechanisms.node_back(mode, node, group, broker_id, result.settings) if mode else None
    return Answer(broker_id == 0, said + ".", why, figures)


def _id(view: dict, group: str, node: str) -> int | None:
    return ((view.get(group) or {}).get("ids") or {}).get(node)


# -- a send while the slave is gone ------------------------------------------------------------------------


def sends_alone(history: list[Event], result: CheckResult, fault_index: int, group: str, node: str) -> Answer:
    """After `node` (a replica of `group`) went: what did the probe's sends to the group's master get back?"""
    fault = result.faults[fault_index]
    until = horizon(result, fault)
    gone = next((t for t, view in listings(history) if fault.t <= t <= until and _id(view, group, node) is None),
                fault.t)
    sends = [op for op in pair(history).ops if op.f == SEND and op.process == f"{PROBE_PREFIX}{group}"
             and gone <= op.t and op.end is not None and op.end <= until]
    codes = Counter(op.code_name or ("no answer" if op.type != OK else "?") for op in sends)
    stored = [op for op in sends if op.type == OK]
    latency = statistics.median(op.end - op.t for op in stored) if stored else None
    master = result.groups[group].master_at_end
    figures = {"sends": len(sends), "stored": len(stored), "codes": dict(codes),
               "median_seconds": round(latency, 3) if latency is not None else None}
    mode = Mode(result.mode)
    why = mechanisms.replica_lost(mode, result.version, node, group, master, result.settings)
    if not sends:
        return Answer(None, f"No probe send to {group} completed in the {until - gone:.1f} s watched.", why, figures)
    answered = ", ".join(f"{n} {code}" for code, n in codes.most_common())
    said = (f"{'Yes' if stored else 'No'}: of {len(sends)} sends to {group} after {node} left the listing, "
            f"{len(stored)} were stored ({answered})")
    if latency is not None:
        said += f", each answered after {secs(latency)} (median)"
    expected = _expected_code(mode, result.version)
    if expected and stored and codes.most_common(1)[0][0] != expected:
        said += f"; the mechanism below predicts {expected}, so this is not what it describes"
    return Answer(bool(stored), said + ".", why, figures)


def _expected_code(mode: Mode, version: str) -> str | None:
    """What a SYNC_MASTER answers while its slave is gone (see mechanisms.replica_lost); None elsewhere."""
    if mode is not Mode.SYNC_2M2S:
        return "SUCCESS" if mode is Mode.ASYNC_2M2S else None
    return "FLUSH_SLAVE_TIMEOUT" if is_5x(version) else "SLAVE_NOT_AVAILABLE"


# -- helpers -----------------------------------------------------------------------------------------------


def _last_before(listing: Listing, t: float) -> dict | None:
    before = [view for at, view in listing if at <= t]
    return before[-1] if before else None


def _span(start: float | None, end: float) -> float | None:
    return None if start is None else round(end - start, 3)
