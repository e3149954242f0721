"""Duplicate consumption in a POP consumer group (RocketMQ 5.x), per group and per member, each with its cause.

A POP group's members (rmqlab.experiment.run.popconsumer) keep no offsets: each `pop` asks a broker group's master
for messages, which it hides for the invisible time, and each message is then acked (`ack`). A message is known
by its broker group and its key (a re-delivered one has the retry topic's queue and offset, but its key). A
delivery of a message the group had had before is a duplicate, and the history says why:

- revived: it came from the group's retry topic, because the invisible time ran out before an ack counted: the
  ack failed or went unanswered (the broker was down or cut off), none was sent, or it was answered OK and still
  lost (the broker died before the ack reached its revive log);
- new master: it was popped from the queue again on another node than before: the new master's pop progress for
  the group was a copy, and a slave copies consumer offsets only every SLAVE_OFFSET_SYNC_MS;
- progress lost: it was popped again from the same node after a fault hit that node: the broker writes the
  group's pop progress to disk every FLUSH_CONSUMER_OFFSET_MS, so a kill -9 loses the last of it.

Pure: no I/O, no Docker.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from rmqlab.experiment.check.consumer_groups import (
    FLUSH_CONSUMER_OFFSET_MS,
    SLAVE_OFFSET_SYNC_MS,
    consumption_verdict,
)
from rmqlab.experiment.check.history import FAULT, INVOKE, OK, Event

POP, ACK = "pop", "ack"
OPEN = "open"  # an ack sent and not answered (yet)
POP_PREFIX = "pop-"
KIND = "pop"
REVIVED_ACK_FAILED, REVIVED_ACK_LOST, REVIVED_NOT_ACKED = "revived-ack-failed", "revived-ack-lost", "revived-not-acked"
NEW_MASTER, PROGRESS_LOST = "popped-again-new-master", "popped-again-progress-lost"

CAUSE_WORDS = {
    REVIVED_ACK_FAILED: "re-delivered after the invisible time because the ack failed or went unanswered",
    REVIVED_ACK_LOST: "re-delivered after the invisible time although the ack was answered OK",
    REVIVED_NOT_ACKED: "re-delivered after the invisible time, never acked",
    NEW_MASTER: ("popped again on a new master whose copy of the group's pop progress lagged (slaves copy "
                 f"offsets every {SLAVE_OFFSET_SYNC_MS // 1000} s)"),
    PROGRESS_LOST: ("popped again on the same broker after a fault hit it (pop progress reaches disk every "
                    f"{FLUSH_CONSUMER_OFFSET_MS // 1000} s)"),
}


@dataclass(frozen=True)
class Again:
    """One duplicate delivery: what came again, to whom, from where, and why."""

    t: float
    member: str
    group: str
    key: str
    node: str | None
    before: tuple[float, str | None, str]  # the group's previous delivery of it: t, node, member
    retry: bool
    cause: str | None  # None: nothing in the history explains it

    def to_dict(self) -> dict:
        return {"t": self.t, "member": self.member, "group": self.group, "key": self.key, "node": self.node,
                "before": list(self.before), "retry": self.retry, "cause": self.cause}


@dataclass(frozen=True)
class PopConsumption:
    name: str
    deliveries: int
    distinct: int
    duplicates: int
    by_member: dict[str, dict[str, int]]
    again: tuple[Again, ...]
    acks: dict[str, int]  # ok / fail / info, and open: sent, never answered

    def causes(self) -> dict[str, int]:
        return dict(Counter(a.cause for a in self.again if a.cause))

    def to_dict(self) -> dict:
        causes = self.causes()
        return {"name": self.name, "kind": KIND, "deliveries": self.deliveries, "distinct": self.distinct,
                "duplicates": self.duplicates, "by_member": self.by_member, "causes": causes,
                "unexplained": self.duplicates - sum(causes.values()), "acks": self.acks,
                "redeliveries": [a.to_dict() for a in self.again]}


def member_of(process: str) -> str:
    return process[len(POP_PREFIX):] if process.startswith(POP_PREFIX) else process


def check_pop_groups(history: list[Event]) -> dict[str, PopConsumption]:
    """Every POP group the history holds: what it received, what twice, and why."""
    ours = [e for e in history if e.process.startswith(POP_PREFIX) and e.f in (POP, ACK)]
    named = {e.op_id: e.extra["consumer_group"] for e in ours if e.type == INVOKE and "consumer_group" in e.extra}
    acks = {e.op_id: e for e in ours if e.f == ACK and e.type == INVOKE}
    by_group: dict[str, list[Event]] = defaultdict(list)
    for e in sorted((e for e in ours if e.type != INVOKE or e.f == ACK), key=lambda e: e.t):
        by_group[e.extra.get("consumer_group") or named.get(e.op_id, "?")].append(e)
    faults = _fault_hits(history)
    return {name: _one_group(name, events, acks, faults) for name, events in sorted(by_group.items())}


def _fault_hits(history: list[Event]) -> list[tuple[float, frozenset[str]]]:
    return [(e.t, frozenset((e.value or {}).get("nodes") or ())) for e in history
            if e.f == FAULT and e.type == INVOKE and isinstance(e.value, dict)]


def _one_group(name: str, events: list[Event], ack_invokes: dict[int, Event], faults) -> PopConsumption:
    last: dict[tuple[str, str], tuple[float, str | None, str]] = {}  # (group, key) -> latest delivery
    from_queue: dict[tuple[str, str], tuple[float, str | None, str]] = {}  # the latest from the topic's own queue
    delivered: Counter = Counter()  # (group, key) -> deliveries so far
    revived: dict[tuple[str, str], set[int]] = defaultdict(set)  # the deliveries a retry copy has stood for
    acks: dict[tuple[str, str], list[str]] = defaultdict(list)  # (group, key) -> each ack's outcome, in order sent
    ack_slots: dict[int, tuple[tuple[str, str], int]] = {}  # ack op -> its place in `acks`
    members: dict[str, Counter] = defaultdict(Counter)
    again, ack_counts = [], Counter()
    for e in events:
        member = member_of(e.process)
        if e.f == ACK:
            _note_ack(e, ack_invokes.get(e.op_id), acks, ack_slots, ack_counts)
            continue
        if e.type != OK:
            continue
        for item in e.value or ():
            message, retry = (e.group, item["key"]), bool(item.get("retry", False))
            members[member]["deliveries"] += 1
            if message in last:
                members[member]["duplicates"] += 1
                cause = _revived(acks[message], delivered[message], revived[message]) if retry else _popped_again(
                    from_queue.get(message), e, faults)
                again.append(Again(e.t, member, e.group, item["key"], e.node, last[message], retry, cause))
            last[message] = (e.t, e.node, member)
            delivered[message] += 1
            if not retry:
                from_queue[message] = (e.t, e.node, member)
    unanswered = sum(outcome == OPEN for outcomes in acks.values() for outcome in outcomes)
    if unanswered:
        ack_counts[OPEN] = unanswered
    deliveries = sum(c["deliveries"] for c in members.values())
    return PopConsumption(name, deliveries, len(last), len(again),
                          {m: {"deliveries": c["deliveries"], "duplicates": c["duplicates"]}
                           for m, c in sorted(members.items())}, tuple(again), dict(ack_counts))


def _note_ack(e: Event, sent: Event | None, acks: dict, slots: dict, counts: Counter) -> None:
    """An ack takes its place when sent, as unanswered (OPEN), until its answer comes: one the history never
    answered was still sent, so a revived copy of its message is the ack's failure, not a missing ack."""
    if e.type != INVOKE:
        counts[e.type] += 1
    key = (sent.value or {}).get("key") if sent is not None and isinstance(sent.value, dict) else None
    if key is None:
        return
    if e.type == INVOKE:
        slots[e.op_id] = ((sent.group, key), len(acks[(sent.group, key)]))
        acks[(sent.group, key)].append(OPEN)
    elif e.op_id in slots:
        message, n = slots[e.op_id]
        acks[message][n] = e.type
    else:
        acks[(sent.group, key)].append(e.type)


def _revived(acks: list[str], deliveries: int, done: set[int]) -> str:
    """A copy from the retry topic stands for one earlier delivery (the n-th ack answers the n-th delivery): the
    first not yet revived whose ack failed or was never sent, else the first whose OK ack the broker lost."""
    waiting = [n for n in range(deliveries) if n not in done] or list(range(deliveries))
    n = next((n for n in waiting if n >= len(acks) or acks[n] != OK), waiting[0])
    done.add(n)
    if n >= len(acks):
        return REVIVED_NOT_ACKED
    return REVIVED_ACK_FAILED if acks[n] != OK else REVIVED_ACK_LOST


def _popped_again(before: tuple[float, str | None, str] | None, e: Event, faults) -> str | None:
    """Popped from the topic's queue once more: the broker's pop progress for the group went back."""
    if before is None:
        return None  # only revived copies came before: its first pop was never recorded
    then, node, _ = before
    if node != e.node:
        return NEW_MASTER
    if any(then <= t <= e.t and node in nodes for t, nodes in faults):
        return PROGRESS_LOST
    return None


def pop_verdict(found: PopConsumption) -> str:
    """One sentence for the report, worded as consumer_groups.consumption_verdict words a committing group's."""
    return consumption_verdict(found, " (POP)", CAUSE_WORDS)
