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
  PERSIST_CONSUMER_OFFSET_MS) and the queue was handed over by a rebalance.

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
    counts: Counter = field(default_factory=Counter)  # cause -> duplicate deliveries

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def cause_of(self, offset: int) -> str:
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
    seen: set[tuple] = set()
    members: dict[str, Counter] = defaultdict(Counter)
    consumed_to: dict[tuple[str, int], int] = {}  # (group, queue) -> highest offset consumed + 1
    owner: dict[tuple[str, int], str] = {}  # who consumed the queue last
    committed: dict[tuple[str, int], tuple[str, int]] = {}  # (group, queue) -> (node, highest offset committed)
    on_node: dict[tuple[str, int, str], int] = {}  # (group, queue, node) -> highest offset committed there
    restarted: dict[tuple[str, int], Redelivery] = {}  # the latest start below what was consumed, per queue
    oneway: set[tuple[str, int, str, int]] = set()  # (group, queue, node, offset) of commits sent oneway
    redeliveries = []
    for e in events:
        mq, member = (e.group, e.queue), member_of(e.process)
        offset = (e.value or {}).get("offset") if isinstance(e.value, dict) else None
        if e.f == COMMIT_OFFSET and isinstance(offset, int):
            if offset > committed.get(mq, (None, -1))[1]:
                committed[mq] = (e.node, offset)
            on_node[(*mq, e.node)] = max(offset, on_node.get((*mq, e.node), -1))
            if _sent_oneway(e):
                oneway.add((*mq, e.node, offset))
        elif e.f == FETCH_OFFSET and isinstance(offset, int) and offset < consumed_to.get(mq, 0):
            own = on_node.get((*mq, e.node))
            own = own if own is not None and own > offset else None
            higher = committed.get(mq)
            restarted[mq] = Redelivery(e.t, member, e.group, e.queue, offset, e.node, consumed_to[mq], higher,
                                       owner.get(mq), own, e.value.get("found", True),
                                       committed_oneway=higher is not None and (*mq, *higher) in oneway,
                                       own_oneway=own is not None and (*mq, e.node, own) in oneway)
            redeliveries.append(restarted[mq])
        elif e.f == CONSUME:
            _delivered(e, member, seen, members[member], consumed_to, restarted)
            if e.value:
                owner[mq] = member
    deliveries = sum(c["deliveries"] for c in members.values())
    duplicates = sum(c["duplicates"] for c in members.values())
    return GroupConsumption(name, deliveries, len(seen), duplicates,
                            {m: {"deliveries": c["deliveries"], "duplicates": c["duplicates"]}
                             for m, c in sorted(members.items())}, tuple(redeliveries))


def _delivered(e: Event, member: str, seen: set, counts: Counter, consumed_to: dict, restarted: dict) -> None:
    mq = (e.group, e.queue)
    for item in e.value or ():
        message = (e.group, e.queue, item["offset"], item["key"])
        counts["deliveries"] += 1
        if message in seen:
            counts["duplicates"] += 1
            cause = restarted.get(mq)
            if cause is not None and cause.start <= item["offset"] < cause.consumed_to:
                cause.counts[cause.cause_of(item["offset"])] += 1
        seen.add(message)
        consumed_to[mq] = max(consumed_to.get(mq, 0), item["offset"] + 1)


CAUSE_WORDS = {
    COMMITTED_ELSEWHERE: "committed to another node than the one asked after",
    SENT_ELSEWHERE: "a commit sent oneway (unanswered) to another node than the one asked after",
    LOST_COMMIT: "a commit the broker lost in its restart",
    SENT_NOT_KEPT: "a commit sent oneway (unanswered) that the node asked did not have: lost, or never arrived",
    NOT_COMMITTED: "consumed but not committed before a rebalance",
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
