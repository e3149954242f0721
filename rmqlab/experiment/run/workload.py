"""The workload: producers, per-group probes, consumers and the role observer, each a thread that
records every operation in the history as it happens. No Docker here: only the remoting client.
"""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from rmqlab.experiment.check.history import (
    CONSUMER_PREFIX,
    FAIL,
    INFO,
    OBSERVE,
    OBSERVER,
    OFFSETS,
    OK,
    PROBE_PREFIX,
    PRODUCER_PREFIX,
    READ,
    ROLES,
    SEND,
    STORED_CODE_NAMES,
    HistoryWriter,
    answered_outcome,
    quorum_timeout_answer,
)
from rmqlab.experiment.run.scenario import Workload
from rmqlab.live.clientops import PullRefused, QueueReader
from rmqlab.live.observe import Observer
from rmqlab.live.roles import GroupRoles
from rmqlab.remoting import RemotingClient, RemotingError
from rmqlab.remoting.codes import ResponseCode, response_name
from rmqlab.topology.model import Cluster

OBSERVE_EVERY = 0.2
OFFSETS_EVERY = 0.5  # how often the replication observer asks every broker its commit-log max offset
CONSUME_EVERY = 1.0
# RocketMQ clients resend on another broker for these answers (and for no answer at all).
RETRIED_CODES = {ResponseCode.SYSTEM_ERROR, ResponseCode.SERVICE_NOT_AVAILABLE, ResponseCode.NO_PERMISSION,
                 ResponseCode.TOPIC_NOT_EXIST}
# RocketMQ 5's MQFaultStrategy (read in rocketmq-client 5.5.0): a send that took at least latencyMax[i] ms
# keeps the client off that broker for notAvailableDuration[i] ms; a failure counts as 10 000 ms.
LATENCY_MAX_MS = (50, 100, 550, 1800, 3000, 5000, 15000)
NOT_AVAILABLE_MS = (0, 0, 2000, 5000, 6000, 10000, 30000)
FAILURE_LATENCY_MS = 10000


class LatencyFaults:
    """sendLatencyFaultEnable: which groups a producer avoids for now, after slow or failed sends."""

    def __init__(self) -> None:
        self.until: dict[str, float] = {}

    def update(self, group: str, millis: float | None, now: float) -> None:
        latency = FAILURE_LATENCY_MS if millis is None else millis
        steps = [i for i, bound in enumerate(LATENCY_MAX_MS) if latency >= bound]
        pause = NOT_AVAILABLE_MS[steps[-1]] if steps else 0
        self.until[group] = now + pause / 1000

    def available(self, group: str, now: float) -> bool:
        return now >= self.until.get(group, 0.0)


class RolesView:
    """The latest name-server view, shared by every thread."""

    def __init__(self) -> None:
        self._roles: dict[str, GroupRoles] = {}
        self._lock = threading.Lock()

    def set(self, roles: dict[str, GroupRoles]) -> None:
        with self._lock:
            self._roles = dict(roles)

    def get(self) -> dict[str, GroupRoles]:
        with self._lock:
            return dict(self._roles)


class RunContext:
    """What every workload thread shares."""

    def __init__(self, cluster: Cluster, client: RemotingClient, history: HistoryWriter, topic: str,
                 queues: int, workload: Workload):
        self.cluster = cluster
        self.client = client
        self.history = history
        self.topic = topic
        self.queues = queues
        self.workload = workload
        self.roles = RolesView()
        self.stop = threading.Event()

    def addr(self, node: str) -> str:
        return self.cluster.advertised_addr(self.cluster.node(node))


def send_recorded(ctx: RunContext, process: str, key: str, seq: int, group: str, node: str, queue: int) -> int | None:
    """One send, recorded as ok (stored, whatever the degraded code), fail, or info (no answer after
    writing). Returns the broker's answer code, None when there was none."""
    op = ctx.history.invoke(process, SEND, {"key": key, "seq": seq}, group=group, node=node, queue=queue)
    body = key.encode().ljust(ctx.workload.size, b".")
    try:
        result = ctx.client.send(ctx.addr(node), ctx.topic, queue, body, keys=(key,),
                                 timeout=ctx.workload.send_timeout)
    except RemotingError as error:
        ctx.history.complete(op, INFO if error.maybe_sent else FAIL, code=None, error=str(error)[:300])
        return None
    quorum = quorum_timeout_answer(ctx.cluster.version) if ctx.cluster.node(node).dledger else None
    outcome = answered_outcome(result.code, result.remark, quorum)
    ctx.history.complete(op, outcome, code=result.code, code_name=result.code_name,
                         remark=(result.remark or "")[:200] or None, offset=result.queue_offset, msg_id=result.msg_id)
    return result.code


class RoleObserver(threading.Thread):
    """Polls the name servers every 0.2 s; records the view whenever it changes."""

    def __init__(self, ctx: RunContext, observer: Observer):
        super().__init__(name="observer", daemon=True)
        self.ctx = ctx
        self.observer = observer
        self.last: object = ()

    def poll_once(self) -> None:
        answer = self.observer.first_answer()
        if answer is None:
            view, error = None, "no name server answered"
        else:
            roles = answer.roles
            view = {g: {"master": r.master, "slaves": list(r.slaves), "ids": dict(r.broker_ids)}
                    for g, r in sorted(roles.items())}
            for group in self.ctx.cluster.groups:
                view.setdefault(group, {"master": None, "slaves": [], "ids": {}})
            error = None
            self.ctx.roles.set(roles)
        if view != self.last:
            self.ctx.history.record(OBSERVE, OBSERVER, ROLES, view, **({"error": error} if error else {}))
            self.last = view

    def run(self) -> None:
        while not self.ctx.stop.is_set():
            self.poll_once()
            self.ctx.stop.wait(OBSERVE_EVERY)


class ReplicationObserver(threading.Thread):
    """Asks every broker for its commit-log max offset twice a second and records each answer set, so the
    checker can say how many bytes a slave was behind when its master went (e.g. under ASYNC_MASTER)."""

    def __init__(self, ctx: RunContext, observer: Observer):
        super().__init__(name="replication-observer", daemon=True)
        self.ctx = ctx
        self.observer = observer
        self.nodes = [b.name for b in ctx.cluster.brokers]

    def poll_once(self) -> None:
        offsets = self.observer.commitlog_offsets(self.nodes, timeout=OFFSETS_EVERY)
        self.ctx.history.record(OBSERVE, OBSERVER, OFFSETS, offsets)

    def run(self) -> None:
        while not self.ctx.stop.is_set():
            began = time.monotonic()
            self.poll_once()
            self.ctx.stop.wait(max(0.0, OFFSETS_EVERY - (time.monotonic() - began)))


class Prober(threading.Thread):
    """Writes to one group's current master at a steady rate, so each group's availability shows on
    its own. Sends run on a small pool so one hanging send (a paused master) does not blind the probe."""

    WORKERS = 8

    def __init__(self, ctx: RunContext, group: str):
        super().__init__(name=f"probe-{group}", daemon=True)
        self.ctx = ctx
        self.group = group
        self.pool = ThreadPoolExecutor(max_workers=self.WORKERS, thread_name_prefix=f"probe-{group}")
        # A tick finding every worker busy is skipped, not queued: a queue would go on sending, late and
        # in bursts, after the run (a group answering in 3 s takes 2.7 probes/s, not 20).
        self.free = threading.BoundedSemaphore(self.WORKERS)

    def _send(self, *args) -> None:
        try:
            send_recorded(*args)
        finally:
            self.free.release()

    def run(self) -> None:
        interval = 1.0 / self.ctx.workload.probe_rate
        process = f"{PROBE_PREFIX}{self.group}"
        next_at = time.monotonic()
        for n in itertools.count():
            if self.ctx.stop.is_set():
                break
            state = self.ctx.roles.get().get(self.group)
            key = f"p-{self.group}-{n:06d}"
            if state is None or state.master is None:
                op = self.ctx.history.invoke(process, SEND, {"key": key, "seq": n}, group=self.group)
                self.ctx.history.complete(op, FAIL, code=None, error="no master")
            elif self.free.acquire(blocking=False):
                self.pool.submit(self._send, self.ctx, process, key, n, self.group, state.master, n % self.ctx.queues)
            next_at += interval
            self.ctx.stop.wait(max(0.0, next_at - time.monotonic()))
        self.pool.shutdown(wait=True)


class Producer(threading.Thread):
    """A client as RocketMQ's producer behaves: a route refreshed every 30 s, round-robin over the
    queues of groups with a master, and up to two resends of the same message on another group."""

    def __init__(self, ctx: RunContext, index: int, sequence: itertools.count, seq_lock: threading.Lock):
        super().__init__(name=f"producer-{index}", daemon=True)
        self.ctx = ctx
        self.process = f"{PRODUCER_PREFIX}{index}"
        self.sequence = sequence
        self.seq_lock = seq_lock
        self.route: list[tuple[str, str]] = []
        self.route_at = -1e9
        self.turn = index
        self.faults = LatencyFaults() if ctx.workload.latency_fault else None

    def refresh_route(self) -> None:
        now = time.monotonic()
        if now - self.route_at >= self.ctx.workload.route_refresh or not self.route:
            roles = self.ctx.roles.get()
            self.route = sorted((g, r.master) for g, r in roles.items() if r.master)
            self.route_at = now

    def run(self) -> None:
        interval = self.ctx.workload.producers / self.ctx.workload.rate
        next_at = time.monotonic()
        while not self.ctx.stop.is_set():
            self.refresh_route()
            with self.seq_lock:
                seq = next(self.sequence)
            self.send_with_retries(seq)
            next_at += interval
            self.ctx.stop.wait(max(0.0, next_at - time.monotonic()))

    def send_with_retries(self, seq: int) -> None:
        key = f"k-{seq:06d}"
        tried: set[str] = set()
        for _ in range(self.ctx.workload.retries + 1):
            candidates = [(g, n) for g, n in self.route if g not in tried] or self.route
            if self.faults is not None:  # as RocketMQ's client: the avoided groups only when nothing else is left
                now = time.monotonic()
                candidates = [(g, n) for g, n in candidates if self.faults.available(g, now)] or candidates
            if not candidates:
                op = self.ctx.history.invoke(self.process, SEND, {"key": key, "seq": seq})
                self.ctx.history.complete(op, FAIL, code=None, error="no route: no group has a master")
                return
            self.turn += 1
            group, node = candidates[self.turn % len(candidates)]
            queue = (self.turn // len(candidates)) % self.ctx.queues
            tried.add(group)
            if self._attempt(key, seq, group, node, queue):
                return

    def _attempt(self, key, seq, group, node, queue) -> bool:
        """True when the producer would stop trying: stored, or an answer the client does not retry."""
        began = time.monotonic()
        code = send_recorded(self.ctx, self.process, key, seq, group, node, queue)
        if self.faults is not None:
            stored = code is not None and code in STORED_CODE_NAMES
            self.faults.update(group, (time.monotonic() - began) * 1000 if stored else None, time.monotonic())
        return code is not None and (code in STORED_CODE_NAMES or code not in RETRIED_CODES)


class Consumer(threading.Thread):
    """Pulls every queue of one group from its current master or a current slave, once a second."""

    def __init__(self, ctx: RunContext, group: str, replica: str):
        super().__init__(name=f"consumer-{group}-{replica}", daemon=True)
        self.ctx = ctx
        self.group = group
        self.replica = replica
        self.process = f"{CONSUMER_PREFIX}{group}-{replica}"
        self.offsets: dict[tuple[str, int], int] = {}

    def node(self) -> str | None:
        state = self.ctx.roles.get().get(self.group)
        if state is None:
            return None
        if self.replica == "master":
            return state.master
        return state.slaves[0] if state.slaves else None

    def run(self) -> None:
        while not self.ctx.stop.is_set():
            node = self.node()
            if node is not None:
                for queue in range(self.ctx.queues):
                    read_queue(self.ctx, self.process, self.group, node, queue, self.offsets)
            self.ctx.stop.wait(CONSUME_EVERY)


def read_queue(ctx: RunContext, process: str, group: str, node: str, queue: int,
               offsets: dict[tuple[str, int], int], until: int | None = None) -> None:
    """One recorded read op: everything from the remembered offset (up to `until`) in one queue."""
    op = ctx.history.invoke(process, READ, None, group=group, node=node, queue=queue)
    reader = QueueReader(ctx.client, ctx.addr(node), ctx.topic, queue, offsets.get((node, queue), 0))
    try:
        items = [{"key": " ".join(m.keys), "offset": m.queue_offset, "queue": queue} for m in reader.messages(until)]
    except PullRefused as refused:
        ctx.history.complete(op, FAIL, code=refused.code, code_name=response_name(refused.code),
                             error=refused.remark[:200] or None)
        return
    except RemotingError as error:
        ctx.history.complete(op, FAIL, code=None, error=str(error)[:300])  # a read changes nothing
        return
    finally:
        offsets[(node, queue)] = reader.offset
    ctx.history.complete(op, OK, value=items)
