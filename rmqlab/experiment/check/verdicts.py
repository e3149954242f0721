"""Plain sentences from a CheckResult: what each fault did, and what happened to the messages.

Every number comes from the result; nothing here knows how a run "should" go, only how to say what it did.
"""

from __future__ import annotations

from rmqlab.experiment.check.fault_periods import Fault
from rmqlab.experiment.check.masters import Election
from rmqlab.experiment.check.result import Cause, CheckResult, GroupResult
from rmqlab.experiment.report.wording import DEGRADED_MEANING, count, describe, listing, secs, times
from rmqlab.faults import DISK_GONE
from rmqlab.topology.bounds import LISTED

_ELECTING_MODES = ("dledger", "controller")
_EXAMPLES = 3


def verdicts(result: CheckResult) -> list[str]:
    said = []
    for fault in result.faults:
        said += _fault_sentences(result, fault)
    for group in result.groups.values():
        said += _unexplained_windows(group)
    for group in result.groups.values():
        said += _degraded(group) + _slave_reads(group)
    return said + _data_sentences(result) + _replication_sentences(result)


def _fault_sentences(result: CheckResult, fault: Fault) -> list[str]:
    if fault.status == "fail":
        return [f"{describe(fault)} failed ({fault.error or 'no reason given'}): that fault did not happen."]
    if not fault.disruptive:
        return []
    said = []
    hit_a_master = False
    for group in result.groups.values():
        windows = [w for w in group.windows if w.fault == fault.index and w.overlaps_fault]
        election = next((e for e in group.elections if e.fault == fault.index), None)
        if election is not None:
            hit_a_master = True
            said.append(_master_sentence(result, group, fault, election, windows))
        elif fault.touches & set(group.nodes):
            already = next((w for w in group.windows if w.start <= fault.t <= w.end and w.fault != fault.index), None)
            said.append(
                f"{describe(fault)} came while {group.name} could not take writes anyway (since {already.start:.1f} s)."
                if already else _other_sentence(group, fault, windows, direct=True)
            )
        elif windows:
            said.append(_other_sentence(group, fault, windows, direct=False))
    if hit_a_master:
        said += _producers(result, fault)
    return said or [f"{describe(fault)}: every group kept taking writes."]


def _master_sentence(result, group: GroupResult, fault: Fault, election: Election, windows) -> str:
    name = group.name
    cause = _cause(result, fault, name)
    if election.new_master is not None:
        verb = f"elected {election.new_master} as master" if result.mode in _ELECTING_MODES else \
            f"switched its master to {election.new_master}"
        text = f"{name} {verb} {secs(election.seconds)} after {describe(fault)}"
        reason = None
    else:
        text = _no_new_master(result, group, fault, election)
        reason = _why_no_new_master(result, group, fault)
    if windows:
        last = windows[-1]
        text += f"; writes to {name} never resumed" if last.until_end_of_run else \
            f"; writes resumed after {secs(last.end - fault.t)}"
    else:
        text += f"; writes to {name} never failed"
    if reason:  # replicas were down: that, not the mechanism's timing, is why no one took over
        return text + f": {reason}."
    return text + "." + (" " + _why(result, cause, _listing_note(cause, fault)) if cause else "")


def _no_new_master(result: CheckResult, group: GroupResult, fault: Fault, election: Election) -> str:
    name, old = group.name, election.old_master
    start, until = election.masterless_from, election.masterless_until
    if start is None:
        text = f"the name server kept listing {old} as master of {name} after {describe(fault)}"
        if fault.undone_at is not None:
            text += f", for all {secs(fault.undone_at - fault.t)} until it was {_undone_word(fault)}"
        else:
            text += ", to the end of the run"
    elif until is None or until > result.duration_seconds:
        text = f"{name} had no master for the rest of the run ({secs(result.duration_seconds - start)}) " \
               f"after {describe(fault)}"
    else:
        text = f"{name} had no master for {secs(until - start)} after {describe(fault)}"
    back = election.master_back_seconds
    if back is not None:
        after_run = fault.t + back > result.duration_seconds
        text += f"; {old} was master again {'after the run, ' if after_run else ''}{secs(back)} after the fault"
        if fault.undone_at is not None and fault.t + back >= fault.undone_at:
            text += f", {secs(fault.t + back - fault.undone_at)} after it was {_undone_word(fault)}"
    return text


def _undone_word(fault: Fault) -> str:
    return "started again" if fault.kind and fault.kind.undo == "start" else "released"


def _why_no_new_master(result: CheckResult, group: GroupResult, fault: Fault) -> str | None:
    """A reason outside the mechanism's timing: too few replicas left to take over."""
    if result.mode.startswith("2m2s"):
        return None  # the mechanism itself says it: fixed roles
    at = fault.t
    down = {
        node for f in result.faults if f.disruptive and f.t <= at <= f.period_end(result.duration_seconds)
        for node in group.nodes if node in f.touches
    }
    if result.mode == "dledger" and len(down) * 2 >= len(group.nodes):
        return f"{len(down)} of {len(group.nodes)} replicas were down, leaving no majority to elect a leader"
    if down:
        return f"no other replica took over ({len(down)} of {len(group.nodes)} down)"
    return None


def _cause(result: CheckResult, fault: Fault, group: str | None) -> Cause | None:
    return next((c for c in result.causes if c.fault == fault.index and c.group == group), None)


def _why(result: CheckResult, cause: Cause, note: str | None = None) -> str:
    """'Why: DLedger election, 4.3–7 s, then the new leader's role change (here 0.9 s more): <how>; <then>.'"""
    head = "Why" if result.settings.recorded else "Why (RocketMQ's defaults: this run recorded no settings)"
    return f"{head}: {cause.bound.explain(note or _judgement(cause))}"


def _judgement(cause: Cause) -> str | None:
    bound, measured = cause.bound, cause.measured
    judged = cause.judged
    if judged == "within":
        return "within it here"
    if judged == "above":
        extra = measured - bound.high
        return f"here {extra:.1f} s more" if bound.then else \
            f"here {extra:.1f} s later: more than this mechanism explains"
    if judged == "below":
        return f"here {bound.low - measured:.1f} s sooner: less than this mechanism allows"
    return None


def _listing_note(cause: Cause, fault: Fault) -> str | None:
    """A frozen 2M2S master that the name server never dropped: its fault ended first, or the run did."""
    if cause.figure != LISTED or cause.measured is not None:
        return None
    return "it was released before that" if fault.undone_at is not None else "the run ended before that"


def _producers(result: CheckResult, fault: Fault) -> list[str]:
    impact = result.producer_impact.get(fault.index)
    if impact is None:
        return []
    where = listing(list(impact.groups_after))
    if impact.failed == 0:
        return [f"Producers wrote to {where} after {describe(fault)}, and none of their {impact.sends:,} sends failed."]
    if not impact.groups_after:
        text = (f"Producers' sends kept failing after {describe(fault)} ({impact.failed:,} of {impact.sends:,} "
                "failed).")
    else:
        text = (f"Producers: {impact.failed:,} of {impact.sends:,} sends failed after {describe(fault)}, the last "
                f"{secs(impact.last_failure_after)} after the fault; then they wrote to {where}.")
    cause = _cause(result, fault, None)
    return [text + (" " + _why(result, cause) if cause else "")]


def _other_sentence(group: GroupResult, fault: Fault, windows, direct: bool) -> str:
    if not windows:
        return f"{describe(fault)} did not stop writes to {group.name}."
    total = sum(w.duration for w in windows)
    cause = describe(fault) if direct else f"{describe(fault)} (a fault on other nodes)"
    if windows[-1].until_end_of_run:
        return f"{group.name} could not take writes from {windows[-1].start:.1f} s to the end of the run after {cause}."
    spread = f" in {len(windows)} windows" if len(windows) > 1 else ""
    return f"{group.name} could not take writes for {secs(total)}{spread} after {cause}."


def _unexplained_windows(group: GroupResult) -> list[str]:
    windows = [w for w in group.windows if not w.overlaps_fault]
    if not windows:
        return []
    if len(windows) == 1:
        what = f"for {secs(windows[0].duration)} at {windows[0].start:.1f} s"
    else:
        longest = max(windows, key=lambda w: w.duration)
        what = (f"{times(len(windows))} ({secs(sum(w.duration for w in windows))} in all, the longest "
                f"{secs(longest.duration)} at {longest.start:.1f} s)")
    return [f"{group.name} could not take writes {what} with no fault in force; not counted as unwritable time."]


def _degraded(group: GroupResult) -> list[str]:
    return [
        f"{group.name} acknowledged {count(n, 'send')} as {code}: {DEGRADED_MEANING.get(code, 'stored, degraded')}."
        for code, n in sorted(group.degraded_acks.items())
    ]


def _slave_reads(group: GroupResult) -> list[str]:
    reads = group.slave_reads_during_outage
    total = sum(reads.values())
    if not total:
        return []
    return [
        f"While {group.name} could not take writes, consumers pulled from a non-master replica "
        f"{times(total)}: {reads['ok']:,} answered, {reads['fail'] + reads['info']:,} did not."
    ]


def _data_sentences(result: CheckResult) -> list[str]:
    totals, said = result.totals, []
    for node, reads in result.final_read.items():
        bad = reads["fail"] + reads["info"]
        if bad:
            said.append(f"The final read could not read {node} ({bad} of {bad + reads['ok']} queues: "
                        f"{reads['error']}).")
    lost, acked = totals["acknowledged_lost"], totals["acknowledged_keys"]
    unchecked, covered = totals.get("acknowledged_unchecked", 0), totals.get("final_read_queues")
    queues = totals.get("queues")
    partial = bool(result.final_read) and unchecked > 0
    if partial:
        acked -= unchecked
        said.append(f"The final read covered {covered} of {queues} queues on at least one replica; "
                    f"{unchecked:,} acknowledged messages sent to the other queues were never read, so whether "
                    "they survived is not checked.")
    if not result.final_read:
        # Without the final read, "never read" says nothing about what the brokers still hold.
        head = (f"Loss not checked: no final read was recorded, and {lost:,} of {acked:,} acknowledged messages "
                "were never read by a consumer")
    elif lost:
        head = f"LOST {lost:,} of {acked:,} acknowledged messages" + (" in the queues read" if partial else "")
    else:
        head = f"0 of {acked:,} acknowledged messages were lost" + (" in the queues read" if partial else "")
    unknown, recovered = totals["unknown_keys"], totals["recovered"]
    if unknown == 1:
        head += f"; the one send with unknown outcome {'was stored after all' if recovered else 'was never read'}"
    elif unknown:
        head += f"; {recovered:,} of {unknown:,} sends with unknown outcome were stored after all"
    said.append(head + ".")
    if result.final_read:
        said += [_loss_sentence(result, group) for group in result.groups.values() if group.lost]
    return said + _anomaly_sentences(result)


def _loss_sentence(result: CheckResult, group: GroupResult) -> str:
    ackers = ", ".join(
        f"{node} ({', '.join(f'{n:,} {code}' for code, n in sorted(codes.items()))})"
        for node, codes in group.lost_acked_by.items()
    )
    text = f"LOST {count(group.lost, 'acknowledged message')} on {group.name}: acknowledged by {ackers}"
    destroyed = {
        node: f.t for f in result.faults if f.kind and f.kind.effect == DISK_GONE and f.status != "fail"
        for node in group.lost_acked_by if node in f.touches
    }
    for node, t in destroyed.items():
        text += f"; {node}'s store was destroyed at {t:.1f} s"
    read_ok = [n for n in group.nodes if result.final_read.get(n, {}).get("ok") and n not in destroyed]
    unreadable = [n for n in group.nodes if n in result.final_read and n not in read_ok and n not in destroyed]
    unread = [n for n in group.nodes if n not in result.final_read and n not in destroyed]
    if read_ok:
        text += f"; {listing(read_ok)} {'was' if len(read_ok) == 1 else 'were'} read at the end and did not have them"
    if unreadable:
        text += f"; {listing(unreadable)} could not be read at the end"
    if unread:
        text += f"; {listing(unread)} {'was' if len(unread) == 1 else 'were'} not read at the end"
    return text + ": " + _loss_cause(result, group, destroyed, unreadable + unread) + "."


def _loss_cause(result: CheckResult, group: GroupResult, destroyed: dict, unreadable: list[str]) -> str:
    degraded = {
        code: sum(codes.get(code, 0) for codes in group.lost_acked_by.values())
        for code in ("SLAVE_NOT_AVAILABLE", "FLUSH_SLAVE_TIMEOUT")
    }
    if any(degraded.values()):
        parts = [f"{n:,} had been acknowledged as {code}" for code, n in degraded.items() if n]
        return f"{listing(parts)}, i.e. stored on the master only"
    if result.mode == "2m2s-async" and destroyed:
        behind = _behind_text(_disk_lag(result, group))
        return (f"brokerRole={ROLE_KEY['2m2s-async']} acknowledges a send before its slave has a copy, and the "
                f"slave had not copied them{behind}")
    if any(node in unreadable for node in group.lost_acked_by):
        return "they may still be on a replica that was not read"
    return "RocketMQ acknowledged them and no replica that was read has them"


ROLE_KEY = {"2m2s-async": "ASYNC_MASTER", "2m2s-sync": "SYNC_MASTER"}


def _disk_lag(result: CheckResult, group: GroupResult):
    """(fault, lag) for the first destroyed store of this group's master with a replication observation."""
    for fault in result.faults:
        lag = group.replication_lag.get(fault.index)
        if fault.kind and fault.kind.effect == DISK_GONE and fault.status != "fail" and lag is not None:
            return fault, lag
    return None


def _behind_text(found) -> str:
    if found is None:
        return ""
    fault, lag = found
    parts = [f"{node} was {behind:,} bytes behind" for node, behind in lag.behind.items() if behind is not None]
    if not parts:
        return ""
    return (f" (when {lag.master}'s store went at {fault.t:.1f} s, {listing(parts)}, as last observed at "
            f"{lag.at:.1f} s)")


def _replication_sentences(result: CheckResult) -> list[str]:
    """Under SYNC_MASTER a destroyed master loses nothing acknowledged: say how far behind its slave was anyway."""
    said = []
    for group in result.groups.values():
        found = _disk_lag(result, group)
        if found is None or group.lost or result.mode not in ROLE_KEY:
            continue
        fault, lag = found
        behind = [f"{node} {n:,} bytes" for node, n in lag.behind.items() if n is not None]
        if not behind:
            continue
        if not any(lag.behind.values()):
            said.append(f"When {lag.master}'s store went at {fault.t:.1f} s its slave had every byte of it (last "
                        f"observed at {lag.at:.1f} s).")
        elif result.mode == "2m2s-sync":
            said.append(f"When {lag.master}'s store went at {fault.t:.1f} s its slave was behind by {listing(behind)} "
                        f"(last observed at {lag.at:.1f} s); under brokerRole=SYNC_MASTER a send is acknowledged only "
                        "once the slave has it, so none of those bytes had been acknowledged.")
        else:
            said.append(f"When {lag.master}'s store went at {fault.t:.1f} s its slave was behind by {listing(behind)} "
                        f"(last observed at {lag.at:.1f} s); those bytes went with the store, and no acknowledged "
                        "message was among them.")
    return said


def _anomaly_sentences(result: CheckResult) -> list[str]:
    totals, anomalies, said = result.totals, result.anomalies, []
    with_disk = {g.name: g.missing_at_end for g in result.groups.values()
                 if g.missing_at_end and _disk_lag(result, g) is not None}
    for name, n in with_disk.items():
        group = result.groups[name]
        fault, lag = _disk_lag(result, group)
        why = (f"brokerRole={ROLE_KEY[result.mode]} had acknowledged them before {listing(list(lag.behind))} had a "
               "copy" if result.mode == "2m2s-async" else "no surviving replica had them")
        said.append(f"LOST with the disk: {count(n, 'acknowledged message')} consumers had already read from "
                    f"{lag.master} {'is' if n == 1 else 'are'} on no replica at the end: its store was destroyed at "
                    f"{fault.t:.1f} s and {why}.")
    dropped = totals["missing_at_end"] - sum(with_disk.values())
    if dropped > 0:
        said.append(
            f"DROPPED: {count(dropped, 'acknowledged message')} read by consumers during the run "
            f"{'is' if dropped == 1 else 'are'} on no replica at the end "
            f"(e.g. {_examples(anomalies['missing_at_end_keys'])}): RocketMQ dropped data it had already served."
        )
    if totals["divergent_positions"]:
        first = anomalies["divergent_positions"][0]
        held = "; ".join(f"{key} on {', '.join(nodes)}" for key, nodes in first["keys"].items())
        said.append(
            f"DIVERGED: {count(totals['divergent_positions'], 'queue position')} held different messages on different "
            f"replicas (e.g. {first['group']} queue {first['queue']} offset {first['offset']}: {held})."
        )
    if totals["duplicated"]:
        said.append(_duplicates_sentence(result))
    if totals["unexpected"]:
        said.append(
            f"UNEXPECTED: {count(totals['unexpected'], 'message')} read that no send attempted "
            f"(e.g. {_examples(anomalies['unexpected_keys'])}): leftovers in the topic from an earlier run, "
            "or a workload that does not record every send."
        )
    if totals["failed_but_read"]:
        n = totals["failed_but_read"]
        said.append(
            f"MISCLASSIFIED: {count(n, 'send')} recorded as failed {'was' if n == 1 else 'were'} read after all"
            f" (e.g. {_examples(anomalies['failed_but_read_keys'])}): 'fail' must mean 'definitely "
            "not stored', so the workload should record those errors as info."
        )
    return said


def _duplicates_sentence(result: CheckResult) -> str:
    dups = result.duplicated_keys
    across = sum(1 for d in dups if len({p["group"] for p in d["positions"]}) > 1)
    retried = sum(1 for d in dups if d["retried"])
    text = f"{count(len(dups), 'message was', 'messages were')} stored more than once"
    if across:
        text += f" ({across:,} across groups)"
    text += f"; {retried:,} of them had been sent again after an unknown outcome"
    if len(dups) - retried:
        text += f", {len(dups) - retried:,} were stored twice from a single send"
    return text + "."


def _examples(keys: list[str]) -> str:
    return ", ".join(keys[:_EXAMPLES]) + (", …" if len(keys) > _EXAMPLES else "")
