"""A POP consumer group (RocketMQ 5.x), recorded for rmqlab.experiment.check.pop_groups.

Every member pops from every broker group's current master with queue -1 (the broker chooses the queue, and
mixes in the group's retry topic), as a 5.x POP consumer does, and acks each message at once. No offsets are
kept on the client: the broker tracks what the group popped and revives what was not acked within the invisible
time (DefaultMQPushConsumer's popInvisibleTime, 60 s, unless the workload says otherwise).

A pop whose answer never came is recorded as info: the broker may have handed messages out, which then come
back from the retry topic after the invisible time.
"""

from __future__ import annotations

import threading

from rmqlab.experiment.check.history import FAIL, INFO, OK
from rmqlab.experiment.check.pop_groups import ACK, POP, POP_PREFIX
from rmqlab.experiment.run.workload import RunContext
from rmqlab.remoting import RemotingError
from rmqlab.remoting import pop as wire
from rmqlab.remoting.codes import response_name
from rmqlab.remoting.errors import RemotingResponseError

POP_GROUP = "rmqlab-pop"
POP_EVERY = 0.5  # seconds between a member's rounds over the broker groups
POP_BATCH = 32  # DefaultMQPushConsumer's popBatchNums


class PopGroup:
    def __init__(self, ctx: RunContext, members: int, client, name: str = POP_GROUP):
        self.ctx = ctx
        self.name = name
        self.client = client
        self.members = [PopMember(self, f"m{i}") for i in range(members)]

    def threads(self) -> list[threading.Thread]:
        return list(self.members)


class PopMember(threading.Thread):
    def __init__(self, group: PopGroup, name: str):
        super().__init__(name=f"pop-{name}", daemon=True)
        self.group = group
        self.ctx = group.ctx
        self.process = f"{POP_PREFIX}{name}"

    def run(self) -> None:
        while not self.ctx.stop.is_set():
            for broker in self.ctx.cluster.groups:
                master = (state := self.ctx.roles.get().get(broker)) and state.master
                if master and not self.ctx.stop.is_set():
                    for one in self._pop(broker, master):
                        self._ack(broker, master, one)
            self.ctx.stop.wait(POP_EVERY)

    def _fields(self, broker: str, node: str) -> dict:
        return {"group": broker, "node": node, "consumer_group": self.group.name}

    def _pop(self, broker: str, node: str) -> tuple[wire.PoppedMessage, ...]:
        op = self.ctx.history.invoke(self.process, POP, None, **self._fields(broker, node))
        invisible = round(self.ctx.workload.pop_invisible * 1000)
        try:
            result = wire.pop(self.group.client, self.ctx.addr(node), broker, self.group.name, self.ctx.topic,
                              max_nums=POP_BATCH, invisible_ms=invisible)
        except RemotingError as error:
            self.ctx.history.complete(op, INFO if error.maybe_sent else FAIL, error=str(error)[:300])
            return ()
        if not result.found:
            kind = OK if result.code in wire.NOTHING_CODES else FAIL
            self.ctx.history.complete(op, kind, value=[], code=result.code, code_name=response_name(result.code),
                                      consumer_group=self.group.name)
            return ()
        items = [{"key": " ".join(p.message.keys), "queue": p.message.queue_id, "offset": p.message.queue_offset,
                  "retry": p.retry} for p in result.messages]
        self.ctx.history.complete(op, OK, value=items, consumer_group=self.group.name)
        return result.messages

    def _ack(self, broker: str, node: str, one: wire.PoppedMessage) -> None:
        m = one.message
        op = self.ctx.history.invoke(self.process, ACK, {"key": " ".join(m.keys), "queue": m.queue_id,
                                                         "offset": m.queue_offset, "retry": one.retry},
                                     **self._fields(broker, node))
        try:
            wire.ack(self.group.client, self.ctx.addr(node), self.group.name, one)
        except RemotingError as error:
            answered = isinstance(error, RemotingResponseError)
            self.ctx.history.complete(op, INFO if error.maybe_sent and not answered else FAIL,
                                      error=str(error)[:300])
            return
        self.ctx.history.complete(op, OK, consumer_group=self.group.name)


def consumer_group_note(cluster, workload, client: str = "rmqlab") -> str:
    """What run.json says about the run's consumer group, and what the cluster was given for it."""
    from rmqlab.experiment.run.javaproducer import runs_consumer_group

    if runs_consumer_group(client, workload):
        return (f"{workload.app_members} members: RocketMQ's DefaultMQPushConsumer of the cluster's version, with its "
                "own rebalance and offset store (commits are oneway, so the history holds them as sent, not as "
                "taken; which node a commit or an offset read went to is the store's own lookup, repeated)")
    if not workload.app_pop:
        return f"{workload.app_members} members committing offsets (appconsumer)"
    from rmqlab.render.compose import effective_heap

    jvm = f" and {effective_heap(cluster, cluster.brokers[0]).java_opts}" if cluster.brokers else ""
    return (f"{workload.app_members} members consuming with POP, invisible time {workload.pop_invisible:g} s; every "
            f"broker ran with timerWheelEnable=true{jvm} (POP needs the timer wheel, and the memory it takes)")


def consumer_group(ctx: RunContext, client):
    """The application consumer group the workload asks for: POP members, or offset-committing ones."""
    from rmqlab.experiment.run.appconsumer import AppGroup

    if ctx.workload.app_pop:
        return PopGroup(ctx, ctx.workload.app_members, client)
    return AppGroup(ctx, ctx.workload.app_members, client)
