"""What a learner does by hand with a client: create a topic on every group, send, read back.

Talks to the cluster through its published 127.0.0.1 ports; no Docker involved.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

from rmqlab.errors import BadInput, RmqlabError
from rmqlab.live.roles import GroupRoles
from rmqlab.remoting import Message, RemotingClient, RemotingError, ResponseCode
from rmqlab.topology.model import Cluster

DEFAULT_TOPIC = "rmqlab-demo"
QUEUES_PER_GROUP = 4
RUN_PREFIX = f"m{int(time.time()) % 1_000_000:06d}"  # keys stay unique across produce runs


@dataclass(frozen=True)
class Sent:
    seq: int
    key: str
    group: str
    node: str
    queue: int
    code: int | None
    code_name: str
    offset: int | None
    millis: float
    error: str | None = None
    maybe_sent: bool = False


@dataclass(frozen=True)
class Read:
    group: str
    node: str
    queue: int
    offset: int
    key: str
    body: bytes


@dataclass(frozen=True)
class Refused:
    """A replica that would not serve a queue, with the broker's own answer."""

    group: str
    node: str
    queue: int
    code: int
    remark: str


class PullRefused(Exception):
    """A replica answered a pull with something other than messages or "nothing new"."""

    def __init__(self, code: int, remark: str | None):
        super().__init__(f"pull refused with code {code}")
        self.code = code
        self.remark = (remark or "").splitlines()[0] if remark else ""


class QueueReader:
    """The one pull loop: everything in one queue from `offset`, page by page, remembering where it got.

    It follows PULL_OFFSET_MOVED to the offset the broker names, stops at "nothing new" (PULL_NOT_FOUND,
    and PULL_RETRY_IMMEDIATELY from a 4.x slave), and raises PullRefused for any other answer. A
    RemotingError (no answer) propagates: a read changes nothing, so the caller may simply record it."""

    def __init__(self, client, addr: str, topic: str, queue: int, offset: int = 0):
        self.client, self.addr, self.topic, self.queue = client, addr, topic, queue
        self.offset = offset

    def messages(self, until: int | None = None) -> Iterator[Message]:
        while until is None or self.offset < until:
            result = self.client.pull(self.addr, self.topic, self.queue, self.offset)
            moved = result.next_begin_offset
            if result.code == ResponseCode.PULL_OFFSET_MOVED and moved is not None and moved != self.offset:
                self.offset = moved
                continue
            if result.code in NOTHING_NEW:
                return
            if not result.found:
                raise PullRefused(result.code, result.remark)
            yield from result.messages
            self.offset = moved if moved is not None else self.offset + len(result.messages)


NOTHING_NEW = frozenset({ResponseCode.PULL_NOT_FOUND, ResponseCode.PULL_RETRY_IMMEDIATELY})


_TOPIC = re.compile(r"[%|a-zA-Z0-9_-]{1,127}")


def validate_topic(topic: str) -> str:
    """RocketMQ's own rule for topic names."""
    if not _TOPIC.fullmatch(topic or ""):
        raise BadInput(f"{topic!r} cannot be a topic name.",
                       hint="Use 1-127 letters, digits, '_', '-', '%' or '|'.")
    return topic


def master_nodes(cluster: Cluster, roles: dict[str, GroupRoles], only: str | None = None) -> dict[str, str]:
    """group -> node that is master now, for the groups that have one."""
    groups = [only] if only else list(cluster.groups)
    unknown = [g for g in groups if g not in cluster.groups]
    if unknown:
        raise BadInput(f"No group {unknown[0]} in {cluster.name}.", hint=f"Groups: {', '.join(cluster.groups)}.")
    return {g: roles[g].master for g in groups if g in roles and roles[g].master}


def ensure_topic(client: RemotingClient, cluster: Cluster, masters: dict[str, str], topic: str) -> None:
    for node in masters.values():
        client.create_topic(cluster.advertised_addr(cluster.node(node)), topic, QUEUES_PER_GROUP, QUEUES_PER_GROUP)


def produce(
    client: RemotingClient,
    cluster: Cluster,
    masters: dict[str, str],
    topic: str,
    count: int,
    rate: float | None,
    size: int = 128,
) -> Iterator[Sent]:
    """Round-robin over the groups that have a master, queue by queue, one sync send at a time."""
    if not masters:
        raise RmqlabError("No group has a master right now, so nothing can take a send.", hint="rmqlab status")
    targets = sorted(masters.items())
    started = time.monotonic()
    for seq in range(count):
        if rate:
            delay = started + seq / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        group, node = targets[seq % len(targets)]
        queue = (seq // len(targets)) % QUEUES_PER_GROUP
        yield _send_one(client, cluster, topic, seq, group, node, queue, size)


def _send_one(client, cluster, topic, seq, group, node, queue, size) -> Sent:
    key = f"{RUN_PREFIX}-{seq:06d}"
    body = key.encode().ljust(size, b".")
    began = time.monotonic()
    try:
        result = client.send(cluster.advertised_addr(cluster.node(node)), topic, queue, body, keys=(key,))
    except RemotingError as error:
        took = (time.monotonic() - began) * 1000
        return Sent(seq, key, group, node, queue, None, "NO ANSWER", None, took, str(error), error.maybe_sent)
    took = (time.monotonic() - began) * 1000
    return Sent(seq, key, group, node, queue, result.code, result.code_name, result.queue_offset, took)


def consume(
    client: RemotingClient, cluster: Cluster, replicas: dict[str, str], topic: str, from_offset: int | None = None
) -> Iterator[Read | Refused]:
    """Everything in every queue of each group, read from the given replica (master or a slave)."""
    for group, node in sorted(replicas.items()):
        addr = cluster.advertised_addr(cluster.node(node))
        for queue in range(QUEUES_PER_GROUP):
            offset = from_offset if from_offset is not None else client.min_offset(addr, topic, queue)
            reader = QueueReader(client, addr, topic, queue, offset)
            try:
                for message in reader.messages():
                    yield Read(group, node, queue, message.queue_offset, " ".join(message.keys), message.body)
            except PullRefused as refused:
                yield Refused(group, node, queue, refused.code, refused.remark)
