"""produce and consume through the Lab: which replica serves each group right now, then the client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rmqlab.errors import BadInput
from rmqlab.live.clientops import Read, Refused, Sent, ensure_topic, master_nodes, validate_topic
from rmqlab.live.clientops import consume as read_all
from rmqlab.live.clientops import produce as send_all
from rmqlab.live.observe import Observer
from rmqlab.topology.model import Cluster

CLIENT_TIMEOUT = 3.0
SEND_TIMEOUT = 5.0  # above the broker's slaveTimeout (3 s), so FLUSH_SLAVE_TIMEOUT arrives as an answer


@dataclass(frozen=True)
class Skipped:
    """A group nothing was read from: it has no replica of the kind asked for right now."""

    group: str
    wanted: str  # master | slave


def produce(lab, name: str, topic: str, count: int, rate: float | None, to: str | None,
            size: int) -> Iterator[Sent]:
    if count < 0 or size < 1 or (rate is not None and rate <= 0):
        raise BadInput("--count must be 0 or more, --size 1 or more and --rate above 0.")
    validate_topic(topic)
    cluster = lab.cluster(name)
    with _observer(lab, cluster) as observer:
        masters = master_nodes(cluster, observer.roles(), to)
        ensure_topic(observer.client, cluster, masters, topic)
        yield from send_all(observer.client, cluster, masters, topic, count, rate, size)


def consume(lab, name: str, topic: str, from_slave: bool, group: str | None) -> Iterator[Read | Refused | Skipped]:
    validate_topic(topic)
    cluster = lab.cluster(name)
    if group is not None and group not in cluster.groups:
        raise BadInput(f"No group {group} in {cluster.name}.", hint=f"Groups: {', '.join(cluster.groups)}.")
    with _observer(lab, cluster) as observer:
        replicas = {}
        roles = observer.roles()
        for g in [group] if group else list(cluster.groups):
            state = roles.get(g)
            candidates = (list(state.slaves) if from_slave else [state.master] if state.master else []) if state else []
            if candidates:
                replicas[g] = candidates[0]
            else:
                yield Skipped(g, "slave" if from_slave else "master")
        yield from read_all(observer.client, cluster, replicas, topic)


def _observer(lab, cluster: Cluster) -> Observer:
    return Observer(cluster, lab.provider.client(cluster, timeout=CLIENT_TIMEOUT, send_timeout=SEND_TIMEOUT))
