"""`--client grpc`: the workload's producers are the official RocketMQ 5 Python gRPC client
(rocketmq-python-client), sending through the cluster's proxies as an application does. The client resends
inside one send() call and says nothing about its attempts, so each send is one operation: ok with the group
and queue its receipt names, fail only when it refused before sending, info for every other error."""

from __future__ import annotations

import itertools
import threading
import time

from rmqlab.errors import BadInput, RmqlabError
from rmqlab.experiment.check.history import FAIL, INFO, OK, PRODUCER_PREFIX, SEND
from rmqlab.experiment.run.workload import RunContext
from rmqlab.topology.model import Cluster
from rmqlab.topology.versions import is_5x

PROCESS = f"{PRODUCER_PREFIX}grpc-"
INSTALL_HINT = "pip install rocketmq-python-client (or pip install 'rmqlab[grpc]')"


def check_grpc_cluster(version: str, proxy) -> None:
    """--client grpc needs a proxy, which only 5.x has: refused before anything starts."""
    if not is_5x(version):
        raise BadInput(f"--client grpc: RocketMQ {version} has no proxy for a gRPC client to send through.",
                       hint="Use --version 5.5.0 --proxy local (or cluster), or --client java / rmqlab.")
    if proxy is None:
        raise BadInput("--client grpc sends through the cluster's proxies, and this cluster has none.",
                       hint="Add --proxy local or --proxy cluster, or use --client java / rmqlab.")


def request_timeout(workload) -> int:
    """The client's request timeout: the workload's send timeout, in whole seconds (the client's gRPC calls
    refuse a float)."""
    return max(1, round(workload.send_timeout))


def grpc_client_module():
    """The official client, or a clear error saying how to install it."""
    try:
        import rocketmq
    except ImportError:
        raise RmqlabError("--client grpc needs the official RocketMQ Python gRPC client, which is not installed.",
                          hint=INSTALL_HINT) from None
    return rocketmq


def proxy_endpoints(cluster: Cluster, direct: bool) -> str:
    """Every proxy's gRPC address, as the client takes them (a;b;c): the containers' own addresses when this
    host reaches them, else the ports published on 127.0.0.1."""
    addresses = []
    for proxy in cluster.proxies:
        if direct:
            addresses.append(f"{cluster.machine(proxy.machine).ip}:{proxy.grpc_port}")
        else:
            published = cluster.local_addr(proxy, proxy.grpc_port)
            if published:
                addresses.append(published)
    return ";".join(addresses)


def started_producers(endpoints: str, topic: str, workload, client=None) -> list:
    """The workload's gRPC Producers, started (the topic's route and the proxy's settings fetched), before the
    run's clock starts. Each is shut down again if a later one cannot start."""
    client = client or grpc_client_module()
    producers = []
    try:
        for _ in range(workload.producers):
            config = client.ClientConfiguration(endpoints, client.Credentials(),
                                                request_timeout=request_timeout(workload))
            producer = client.Producer(config, (topic,))
            producer.startup()
            producers.append(producer)
    except Exception as error:  # noqa: BLE001 - whatever the client raises, the run cannot start
        shutdown_all(producers)
        raise RmqlabError(f"The gRPC producer could not start on {endpoints}: {type(error).__name__}: "
                          f"{str(error)[:200]}", hint="rmqlab status shows the proxies.") from None
    return producers


def shutdown_all(producers: list) -> None:
    for producer in producers:
        try:
            producer.shutdown()
        except Exception:  # noqa: BLE001 - a client that cannot shut down cleanly changes no outcome
            pass


class GrpcProducer(threading.Thread):
    """One started gRPC Producer sending keyed messages at its share of the workload's rate until the run stops."""

    def __init__(self, ctx: RunContext, index: int, producer, sequence: itertools.count, seq_lock: threading.Lock,
                 client=None):
        super().__init__(name=f"grpc-producer-{index}", daemon=True)
        self.ctx = ctx
        self.process = f"{PROCESS}{index}"
        self.sequence = sequence
        self.seq_lock = seq_lock
        self.client = client or grpc_client_module()
        self.producer = producer
        self.join_timeout = ctx.workload.send_timeout * 3 + 5

    def run(self) -> None:
        interval = self.ctx.workload.producers / self.ctx.workload.rate
        next_at = time.monotonic()
        try:
            while not self.ctx.stop.is_set():
                with self.seq_lock:
                    seq = next(self.sequence)
                self.send_one(seq)
                next_at += interval
                self.ctx.stop.wait(max(0.0, next_at - time.monotonic()))
        finally:
            shutdown_all([self.producer])

    def send_one(self, seq: int) -> None:
        key = f"k-{seq:06d}"
        message = self.client.Message()
        message.topic, message.keys = self.ctx.topic, key
        message.body = key.encode().ljust(self.ctx.workload.size, b".")
        op = self.ctx.history.invoke(self.process, SEND, {"key": key, "seq": seq})
        try:
            receipt = self.producer.send(message)
        except Exception as error:  # noqa: BLE001 - every failure is an outcome to record
            # Only a refusal before sending is certain; after any attempt the message may be stored. The client
            # also raises IllegalStateException for an illegal *response* (after a send), so only its "not
            # running" refusal counts as one.
            name = type(error).__name__
            refused = name == "IllegalArgumentException" or (
                name == "IllegalStateException" and "not running" in str(error))
            self.ctx.history.complete(op, FAIL if refused else INFO, error=f"{type(error).__name__}: {error}"[:300])
            return
        group, queue = _receipt_queue(receipt)
        self.ctx.history.complete(op, OK, group=group, queue=queue, offset=receipt.offset,
                                  msg_id=receipt.message_id, code=0, code_name="SUCCESS")


def _receipt_queue(receipt) -> tuple[str | None, int | None]:
    """The group and queue a receipt names. rocketmq-python-client 5.1 keeps them in private fields of its
    MessageQueue (no accessor); read them where they are, and None (not a guess) if a version moves them."""
    queue = receipt.message_queue
    group = getattr(queue, "broker_name", None) or getattr(queue, "_MessageQueue__broker_name", None)
    queue_id = getattr(queue, "queue_id", None)
    if queue_id is None:
        queue_id = getattr(queue, "_MessageQueue__queue_id", None)
    return (group if isinstance(group, str) else None), (queue_id if isinstance(queue_id, int) else None)
