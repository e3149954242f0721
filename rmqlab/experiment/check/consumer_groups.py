"""Duplicate consumption in a consumer group, per group and per member, each re-delivery with its cause.

An application's consumer group (rmqlab.experiment.run.appconsumer) records, for each queue a member takes
over, where it fetched the group's committed offset from (`fetch-offset`), what it consumed (`consume`) and
what it committed (`commit-offset`). A message is identified by (broker group, queue, offset, key); a delivery
of one the group had consumed before is a duplicate. Each fetch that re-starts a queue below what the group had
consumed is explained from the history alone:

- committed elsewhere: the group had committed a higher offset to another node (a master that then died, or
  one whose offsets this node had not copied yet: a slave copies them every SLAVE_OFFSET_SYNC_MS);
- commit lost: the very node had taken a higher commit but lost it in a kill -9 (it writes offsets to disk
  every FLUSH_CONSUMER_OFFSET_MS);
- consumed, not committed: the previous owner consumed past its last commit (a member commits every
  PERSIST_CONSUMER_OFFSET_MS) and the queue was handed over by a rebalance;
- held at once: two members consumed the queue from the same offset, the second having fetched it before the
  first had let go (each member rebalances on its own, so while the group changes both may hold a queue).

Pure: no I/O, no Docker.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rmqlab.experiment.check.history import INFO, INVOKE, OK, Event

CONSUME, FETCH_OFFSET, COMMIT_OFFSET, ASSIGN = "consume", "fetch-offset", "commit-offset", "assign"
APP_PREFIX = "app-"
# ClientConfig.persistConsumerOffsetInterval: how often a push/lite-pull consumer commits its offsets.
PERSIST_CONSUMER_OFFSET_MS = 5000
# SlaveSynchronize: a classic slave (and a controller-mode or DLedger follower) copies the master's consumer
# offsets every 10 s, a constant of BrokerController, no key.
SLAVE_OFFSET_SYNC_MS = 10_000

# ConsumerOffsetManager is written to disk every flushConsumerOffsetInterval (BrokerConfig, 5 s).
FLUSH_CONSUMER_OFFSET_MS = 5000

COMMITTED_ELSEWHERE, LOST_COMMIT, NOT_COMMITTED = "committed-elsewhere", "commit-lost", "consumed-not-committed"
# The same two, resting on a commit sent oneway (RocketMQ's Java offset store): it left, but no broker said it
# took it, so it may also never have arrived (a paused or cut-off node).
SENT_ELSEWHERE, SENT_NOT_KEPT = "sent-elsewhere", "sent-not-kept"
HELD_AT_ONCE = "held-at-once"


@dataclass
class Redelivery:
    """A member started a queue below what the group had consumed; `counts` fills in as the duplicates come."""
    t: float
    member: str  # who got the duplicates
    group: str  # the broker group of the queue
    queue: int
    start: int  # the offset it started from
    fetched_from: str | None  # the node it fetched that offset from
    consumed_to: int  # the group had consumed up to here (exclusive) before
    committed: tuple[str, int] | None  # the highest offset the group had committed before, and where
    previous: str | None  # the member that had the queue before
    own: int | None = None  # the highest offset the group had committed to the very node it asked
    found: bool = True  # False: the node had no offset for the group at all
    committed_oneway: bool = False  # `committed` went as a oneway request (never answered)
    own_oneway: bool = False  # so did `own`
    held_at_once: bool = False  # `previous` still consumed the queue after this member had fetched its offset
    counts: Counter = field(default_factory=Counter)  # cause -> duplicate deliveries

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def cause_of(self, offset: int) -> str:
        if self.held_at_once:
            return HELD_AT_ONCE
        if self.own is not None and offset < self.own:
            return SENT_NOT_KEPT if self.own_oneway else LOST_COMMIT
        if self.committed and offset < self.committed[1]:
            return SENT_ELSEWHERE if self.committed_oneway else COMMITTED_ELSEWHERE
        return NOT_COMMITTED

    def why(self) -> str:
        parts = []
        node, offset = self.committed or (None, None)
        elsewhere = self.counts.get(COMMITTED_ELSEWHERE) or self.counts.get(SENT_ELSEWHERE)
        if elsewhere:
            answered = f"answered {self.start}" if self.found else "had no offset for the group"
            commit = (f"had sent {node} a commit of offset {offset} (oneway, or on a pull: no answer says whether "
                      "it was taken)" if self.committed_oneway
                      else f"had committed offset {offset} to {node}")
            parts.append(
                f"{elsewhere} because the group {commit}, "
                f"but {self.fetched_from} {answered}: offsets committed to one node reach another only "
                f"when a slave copies them (every {SLAVE_OFFSET_SYNC_MS // 1000} s), so what was committed to a "
                "master that died, or since the last copy, is consumed again")
        if self.counts.get(LOST_COMMIT):
            parts.append(
                f"{self.counts[LOST_COMMIT]} because {self.fetched_from} had taken the commit of offset {self.own} "
                f"but answered {self.start} after it came back: a broker writes its consumer offsets to disk every "
                f"flushConsumerOffsetInterval {FLUSH_CONSUMER_OFFSET_MS // 1000} s, so a kill -9 loses the last ones")
        if self.counts.get(SENT_NOT_KEPT):
            parts.append(
                f"{self.counts[SENT_NOT_KEPT]} because {self.fetched_from} had been sent the commit of offset "
                f"{self.own} (oneway, or on a pull: never answered) but answered {self.start}: either the commit "
                "never arrived (a paused or cut-off node, say), or the node lost it (it writes its consumer "
                f"offsets to disk every flushConsumerOffsetInterval {FLUSH_CONSUMER_OFFSET_MS // 1000} s, so a "
                "kill -9 loses the last ones)")
        if self.counts.get(NOT_COMMITTED):
            who = self.previous if self.previous and self.previous != self.member else "it"
            parts.append(
                f"{self.counts[NOT_COMMITTED]} because {who} had consumed them but not yet committed (a member "
                f"commits every persistConsumerOffsetInterval {PERSIST_CONSUMER_OFFSET_MS // 1000} s); after the "
                "rebalance the queue starts again at the last committed offset")
        if self.counts.get(HELD_AT_ONCE):
            parts.append(
                f"{self.counts[HELD_AT_ONCE]} because {self.member} fetched offset {self.start} from "
                f"{self.fetched_from} while {self.previous} still held the queue and consumed the same messages: "
                "each member rebalances on its own (at start, when the group changes, and every 20 s), so for a "
                "moment two members can hold one queue")
        return "; ".join(parts) or "no duplicate came of it"

    def to_dict(self) -> dict:
        return {"t": self.t, "member": self.member, "group": self.group, "queue": self.queue, "start": self.start,
                "fetched_from": self.fetched_from, "consumed_to": self.consumed_to,
                "committed": list(self.committed) if self.committed else None, "previous": self.previous,
                "own": self.own, "found": self.found, "counts": dict(self.counts), "why": self.why()}


@dataclass(frozen=True)
class GroupConsumption:
    name: str  # the consumer group
    deliveries: int
    distinct: int
    duplicates: int
    by_member: dict[str, dict[str, int]]  # member -> {"deliveries", "duplicates"}
    redeliveries: tuple[Redelivery, ...]

    def causes(self) -> dict[str, int]:
        total: Counter = Counter()
        for r in self.redeliveries:
            total.update(r.counts)
        return dict(total)

    def to_dict(self) -> dict:
        return {"name": self.name, "deliveries": self.deliveries, "distinct": self.distinct,
                "duplicates": self.duplicates, "by_member": self.by_member, "causes": self.causes(),
                "unexplained": self.duplicates - sum(self.causes().values()),
                "redeliveries": [r.to_dict() for r in self.redeliveries]}


def member_of(process: str) -> str:
    return process[len(APP_PREFIX):] if process.startswith(APP_PREFIX) else process


def check_consumer_groups(history: list[Event]) -> dict[str, GroupConsumption]:
    """Every consumer group the history holds: what it consumed, what twice, and why."""
    ours = [e for e in history if e.process.startswith(APP_PREFIX) and e.f in (CONSUME, FETCH_OFFSET, COMMIT_OFFSET)]
    named = {e.op_id: e.extra["consumer_group"] for e in ours if e.type == INVOKE and "consumer_group" in e.extra}
    by_group: dict[str, list[Event]] = defaultdict(list)
    for e in sorted((e for e in ours if e.type == OK or _sent_oneway(e)), key=lambda e: e.t):
        by_group[e.extra.get("consumer_group") or named.get(e.op_id, "?")].append(e)
    return {name: _one_group(name, events) for name, events in sorted(by_group.items())}


def _sent_oneway(e: Event) -> bool:
    """A commit sent as a oneway request, or on a pull (RocketMQ's Java push consumer): no answer says a broker
    took it, but it left."""
    return e.type == INFO and e.f == COMMIT_OFFSET and bool(e.extra.get("oneway"))


def _one_group(name: str, events: list[Event]) -> GroupConsumption:
    seen: dict[tuple, tuple[str, float]] = {}  # message -> (member, when) of its first delivery
    members: dict[str, Counter] = defaultdict(Counter)
    consumed_to: dict[tuple[str, int], int] = {}  # (group, queue) -> highest offset consumed + 1
    owner: dict[tuple[str, int], str] = {}  # who consumed the queue last
    committed: dict[tuple[str, int], tuple[str, int]] = {}  # (group, queue) -> (node, highest offset committed)
    on_node: dict[tuple[str, int, str], int] = {}  # (group, queue, node) -> highest offset committed there
    restarted: dict[tuple[str, int], Redelivery] = {}  # the latest start below what was consumed, per queue
    fetched: dict[tuple[str, str, int], Event] = {}  # (member, group, queue) -> its latest fetch of the offset
    overlaps: dict[tuple[str, str, int], Redelivery] = {}  # the same key -> duplicates from holding it at once
    oneway: set[tuple[str, int, str, int]] = set()  # (group, queue, node, offset) of commits sent oneway
    redeliveries = []
    held = _Held(fetched, overlaps, redeliveries)
    for e in events:
        mq, member = (e.group, e.queue), member_of(e.process)
        offset = (e.value or {}).get("offset") if isinstance(e.value, dict) else None
        if e.f == COMMIT_OFFSET and isinstance(offset, int):
            if offset > committed.get(mq, (None, -1))[1]:
                committed[mq] = (e.node, offset)
            on_node[(*mq, e.node)] = max(offset, on_node.get((*mq, e.node), -1))
            if _sent_oneway(e):
                oneway.add((*mq, e.node, offset))
        if e.f == FETCH_OFFSET and isinstance(offset, int):
            fetched[(member, *mq)] = e
        if e.f == FETCH_OFFSET and isinstance(offset, int) and offset < consumed_to.get(mq, 0):
            own = on_node.get((*mq, e.node))
            own = own if own is not None and own > offset else None
            higher = committed.get(mq)
            restarted[mq] = Redelivery(e.t, member, e.group, e.queue, offset, e.node, consumed_to[mq], higher,
                                       owner.get(mq), own, e.value.get("found", True),
                                       committed_oneway=higher is not None and (*mq, *higher) in oneway,
                                       own_oneway=own is not None and (*mq, e.node, own) in oneway)
            redeliveries.append(restarted[mq])
        elif e.f == CONSUME:
            _delivered(e, member, seen, members[member], consumed_to, restarted, held)
            if e.value:
                owner[mq] = member
    deliveries = sum(c["deliveries"] for c in members.values())
    duplicates = sum(c["duplicates"] for c in members.values())
    return GroupConsumption(name, deliveries, len(seen), duplicates,
                            {m: {"deliveries": c["deliveries"], "duplicates": c["duplicates"]}
                             for m, c in sorted(members.items())}, tuple(redeliveries))


@dataclass
class _Held:
    """Finds duplicates of two members holding a queue at once: the second's fetch came before the first's
    delivery of the same message, and started at or below it."""
    fetched: dict
    overlaps: dict
    redeliveries: list

    def cause(self, member: str, first: tuple[str, float], group: str, queue: int, offset: int) -> Redelivery | None:
        other, first_t = first
        fetch = self.fetched.get((member, group, queue))
        start = (fetch.value or {}).get("offset") if fetch is not None and isinstance(fetch.value, dict) else None
        if other == member or start is None or start > offset or fetch.t > first_t:
            return None
        key = (member, group, queue)
        found = self.overlaps.get(key)
        if found is None or found.t != fetch.t:
            found = Redelivery(fetch.t, member, group, queue, start, fetch.node, offset + 1, None, other,
                               held_at_once=True)
            self.overlaps[key] = found
            self.redeliveries.append(found)
        found.consumed_to = max(found.consumed_to, offset + 1)
        return found


def _delivered(e: Event, member: str, seen: dict, counts: Counter, consumed_to: dict, restarted: dict,
               held: _Held) -> None:
    mq = (e.group, e.queue)
    for item in e.value or ():
        message = (e.group, e.queue, item["offset"], item["key"])
        counts["deliveries"] += 1
        if message in seen:
            counts["duplicates"] += 1
            cause = restarted.get(mq)
            if cause is not None and cause.start <= item["offset"] < cause.consumed_to:
                cause.counts[cause.cause_of(item["offset"])] += 1
            else:
                overlap = held.cause(member, seen[message], e.group, e.queue, item["offset"])
                if overlap is not None:
                    overlap.counts[HELD_AT_ONCE] += 1
        else:
            seen[message] = (member, e.t)
        consumed_to[mq] = max(consumed_to.get(mq, 0), item["offset"] + 1)


CAUSE_WORDS = {
    COMMITTED_ELSEWHERE: "committed to another node than the one asked after",
    SENT_ELSEWHERE: "a commit sent oneway (unanswered) to another node than the one asked after",
    LOST_COMMIT: "a commit the broker lost in its restart",
    SENT_NOT_KEPT: "a commit sent oneway (unanswered) that the node asked did not have: lost, or never arrived",
    NOT_COMMITTED: "consumed but not committed before a rebalance",
    HELD_AT_ONCE: "consumed by two members holding the queue at once during a rebalance",
}


def consumption_verdict(found, kind: str = "", cause_words: dict[str, str] = CAUSE_WORDS) -> str:
    """One sentence for the report: deliveries, duplicates per member, and what caused them. `found` is a
    GroupConsumption, or a pop_groups.PopConsumption with its `kind` (" (POP)") and cause words."""
    members = ", ".join(f"{m} {c['duplicates']:,} of {c['deliveries']:,}" for m, c in found.by_member.items())
    text = (f"Consumer group {found.name}{kind}: {found.deliveries:,} deliveries of {found.distinct:,} messages, "
            f"{found.duplicates:,} duplicates ({members})")
    causes = found.causes()
    if causes:
        text += ": " + "; ".join(f"{n:,} {cause_words[c]}" for c, n in sorted(causes.items(), key=lambda i: -i[1]))
    unexplained = found.duplicates - sum(causes.values())
    if unexplained:
        text += f"; {unexplained:,} with no cause the history shows"
    return text + "."
