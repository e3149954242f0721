"""A consumer group as an application runs it, recorded for rmqlab.experiment.check.consumer_groups.

Its members share every queue of the topic the way RocketMQ's AllocateMessageQueueAveragely does (queues and live
members sorted, a contiguous share each). A member that takes a queue fetches the group's committed offset from
the queue's broker group (its master, or a slave while none is listed, as the Java client's
findBrokerAddressInSubscribe falls back), pulls from the same place, and commits its progress every
persistConsumerOffsetInterval (5 s) to the master (or that slave). A queue handed away by a rebalance is committed
first, as the client does; a member that crashes commits nothing.

What it does not do: membership is kept here, between the members, instead of through heartbeats and the
broker's consumer list, so a rebalance happens when a member leaves or comes back (`restart`), at once rather
than at the client's next 20 s rebalance. Offsets, pulls and commits go to the real brokers.
"""

from __future__ import annotations

import threading
import time

from rmqlab.experiment.check.consumer_groups import (
    APP_PREFIX,
    ASSIGN,
    COMMIT_OFFSET,
    CONSUME,
    FETCH_OFFSET,
    PERSIST_CONSUMER_OFFSET_MS,
)
from rmqlab.experiment.check.history import FAIL, INFO, OBSERVE, OK
from rmqlab.experiment.run.workload import RunContext
from rmqlab.live.clientops import PullRefused, QueueReader
from rmqlab.remoting import RemotingError
from rmqlab.remoting.codes import response_name
from rmqlab.remoting.errors import RemotingResponseError

APP_GROUP = "rmqlab-app"
PULL_EVERY = 0.5  # seconds between a member's rounds over its queues

Queue = tuple[str, int]  # (broker group, queue id)


def allocate(queues: list[Queue], members: list[str], member: str) -> list[Queue]:
    """AllocateMessageQueueAveragely: `member`'s contiguous share of the sorted queues among the sorted members."""
    ordered, alive = sorted(queues), sorted(members)
    if member not in alive:
        return []
    index, count = alive.index(member), len(alive)
    share, extra = divmod(len(ordered), count)
    size = share + (1 if index < extra else 0)
    start = index * share + min(index, extra)
    return ordered[start:start + size]


class AppGroup:
    def __init__(self, ctx: RunContext, members: int, client, name: str = APP_GROUP):
        self.ctx = ctx
        self.name = name
        # Its own client, whose pulls name the group: a 5.x broker takes a group's commits only once it knows the
        # group (autoCreateSubscriptionGroup makes it on the first pull, as a real client's heartbeat does).
        self.client = client
        client.consumer_group = name
        self.queues = [(g, q) for g in ctx.cluster.groups for q in range(ctx.queues)]
        self._lock = threading.Lock()
        self.alive = {f"m{i}" for i in range(members)}
        self.members = [AppMember(self, f"m{i}") for i in range(members)]

    def share(self, member: str) -> list[Queue]:
        with self._lock:
            return allocate(self.queues, list(self.alive), member)

    def restart(self, member: str, down_for: float) -> None:
        """The member's process dies (nothing committed), its queues go to the others; after `down_for` seconds it
        is back with nothing in memory and takes its share again."""
        chosen = next(m for m in self.members if m.name == member)
        with chosen.lock:  # between two of its rounds: it forgets everything and is out of the group at once
            chosen.offsets.clear()
            with self._lock:
                self.alive.discard(member)
        self._note(member, "crashed")
        self.ctx.stop.wait(down_for)
        with self._lock:
            self.alive.add(member)
        self._note(member, "back")

    def _note(self, member: str, what: str) -> None:
        self.ctx.history.record(OBSERVE, f"{APP_PREFIX}{member}", ASSIGN,
                                {"event": what, "alive": sorted(self.alive)}, consumer_group=self.name)

    def threads(self) -> list[threading.Thread]:
        return list(self.members)


class AppMember(threading.Thread):
    def __init__(self, group: AppGroup, name: str):
        super().__init__(name=f"app-{name}", daemon=True)
        self.group = group
        self.ctx = group.ctx
        self.name = name
        self.process = f"{APP_PREFIX}{name}"
        self.lock = threading.Lock()
        self.offsets: dict[Queue, int] = {}  # in memory: the next offset to consume per owned queue
        self.last_commit = time.monotonic()

    def run(self) -> None:
        while not self.ctx.stop.is_set():
            mine = self.group.share(self.name)
            with self.lock:
                for queue in [q for q in self.offsets if q not in mine]:  # handed away: commit, then let go
                    self._commit(queue, self.offsets.pop(queue))
                for queue in mine:
                    self._consume(queue)
                if time.monotonic() - self.last_commit >= PERSIST_CONSUMER_OFFSET_MS / 1000:
                    self.last_commit = time.monotonic()
                    for queue, offset in list(self.offsets.items()):
                        self._commit(queue, offset)
            self.ctx.stop.wait(PULL_EVERY)

    def _node(self, group: str) -> str | None:
        state = self.ctx.roles.get().get(group)
        if state is None:
            return None
        return state.master or (state.slaves[0] if state.slaves else None)

    def _fields(self, group: str, node: str, queue: int) -> dict:
        return {"group": group, "node": node, "queue": queue, "consumer_group": self.group.name}

    def _consume(self, mq: Queue) -> None:
        group, queue = mq
        node = self._node(group)
        if node is None:
            return
        if mq not in self.offsets and not self._fetch(mq, node):
            return
        op = self.ctx.history.invoke(self.process, CONSUME, None, **self._fields(group, node, queue))
        reader = QueueReader(self.group.client, self.ctx.addr(node), self.ctx.topic, queue, self.offsets[mq])
        try:
            items = [{"key": " ".join(m.keys), "offset": m.queue_offset, "queue": queue} for m in reader.messages()]
        except PullRefused as refused:
            self.ctx.history.complete(op, FAIL, code=refused.code, code_name=response_name(refused.code))
            return
        except RemotingError as error:
            self.ctx.history.complete(op, FAIL, error=str(error)[:300])
            return
        self.offsets[mq] = reader.offset
        self.ctx.history.complete(op, OK, value=items, consumer_group=self.group.name)

    def _fetch(self, mq: Queue, node: str) -> bool:
        group, queue = mq
        op = self.ctx.history.invoke(self.process, FETCH_OFFSET, None, **self._fields(group, node, queue))
        try:
            found = self.group.client.query_consumer_offset(self.ctx.addr(node), self.group.name, self.ctx.topic,
                                                          queue)
        except RemotingError as error:
            self.ctx.history.complete(op, FAIL, error=str(error)[:300])
            return False
        self.offsets[mq] = found if found is not None else 0  # a new group starts at the beginning here
        self.ctx.history.complete(op, OK, value={"offset": self.offsets[mq], "found": found is not None},
                                  consumer_group=self.group.name)
        return True

    def _commit(self, mq: Queue, offset: int) -> None:
        group, queue = mq
        node = self._node(group)
        if node is None:
            return
        op = self.ctx.history.invoke(self.process, COMMIT_OFFSET, {"offset": offset},
                                     **self._fields(group, node, queue))
        try:
            self.group.client.update_consumer_offset(self.ctx.addr(node), self.group.name, self.ctx.topic, queue,
                                                   offset)
        except RemotingError as error:
            answered = isinstance(error, RemotingResponseError)  # refused: it did not commit
            self.ctx.history.complete(op, INFO if error.maybe_sent and not answered else FAIL,
                                      error=str(error)[:300])
            return
        self.ctx.history.complete(op, OK, consumer_group=self.group.name)
