"""Each measured failover figure next to its cause: the mechanism that decides it, the settings it reads with
this run's values (from run.json), and the range they predict (rmqlab.topology.bounds says how)."""

from __future__ import annotations

import math

from rmqlab.experiment.check.fault_periods import Fault
from rmqlab.experiment.check.masters import Election
from rmqlab.experiment.check.result import Cause, CheckResult
from rmqlab.experiment.check.runmeta import GRPC_CLIENT
from rmqlab.faults import DISK_GONE, DOWN
from rmqlab.topology import bounds
from rmqlab.topology.model import Mode
from rmqlab.topology.timing import CLOSED, SILENT

GRPC_REQUEST_TIMEOUT_MS = 3000  # the client's own default, for a record without it


def causes(result: CheckResult) -> list[Cause]:
    try:
        mode = Mode(result.mode)
    except ValueError:
        return []  # a layout rmqlab does not know: no mechanism to name
    found = []
    for fault in result.faults:
        if not fault.disruptive:
            continue
        elections = [e for g in result.groups.values() for e in g.elections if e.fault == fault.index]
        found += [_master_cause(result, mode, fault, e) for e in elections]
        found += _producer_cause(result, fault, elections)
    return found


def how_it_went(fault: Fault) -> str:
    """As the rest of the cluster tells: a process gone closes its connections; frozen or cut off, it falls
    silent (read from the fault table's effect)."""
    return CLOSED if fault.kind is not None and fault.kind.effect in (DOWN, DISK_GONE) else SILENT


def _master_cause(result: CheckResult, mode: Mode, fault: Fault, election: Election) -> Cause:
    how = how_it_went(fault)
    if mode.is_2m2s and how == SILENT:
        gone = election.masterless_from if election.masterless_from is not None else _new_at(fault, election)
        measured = gone - fault.t if gone is not None else None
        return Cause(fault.index, election.group, bounds.LISTED, measured,
                     bounds.frozen_listing(result.version, result.settings))
    return Cause(fault.index, election.group, bounds.NEW_MASTER, election.seconds,
                 bounds.new_master(mode, result.version, how, result.settings))


def _new_at(fault: Fault, election: Election) -> float | None:
    return fault.t + election.seconds if election.seconds is not None else None


def _producer_cause(result: CheckResult, fault: Fault, elections: list[Election]) -> list[Cause]:
    impact = result.producer_impact.get(fault.index)
    if impact is None or not impact.failed or not elections:
        return []
    stale = [_unlisted_after(fault, e) for e in elections]
    old = ", ".join(sorted({e.old_master for e in elections}))
    producers = _producer_bound(result)
    if all(s is not None for s in stale):
        bound = producers(old, max(stale), still_listed=False)
    else:
        answered = fault.undone_at - fault.t if fault.undone_at is not None else None
        bound = producers(old, answered, still_listed=True)
    return [Cause(fault.index, None, bounds.PRODUCERS, impact.last_failure_after, bound)]


def _producer_bound(result: CheckResult):
    """Whose route decides: RocketMQ's remoting clients' own (rmqlab's and Java's), or the proxy's and the gRPC
    client's."""
    if result.client.get("name") == GRPC_CLIENT:
        timeout = int((result.client.get("settings") or {}).get("requestTimeout") or GRPC_REQUEST_TIMEOUT_MS)
        return lambda old, stale, still_listed: bounds.grpc_producers(timeout, old, stale, still_listed)
    return lambda old, stale, still_listed: bounds.producers(result.settings, old, stale, still_listed)


def _unlisted_after(fault: Fault, election: Election) -> float | None:
    """Seconds from the fault until the name server first listed someone else (or no one) as master."""
    times = [t for t in (election.masterless_from, _new_at(fault, election)) if t is not None]
    first = min(times, default=math.inf)
    return None if first == math.inf else max(first - fault.t, 0.0)
