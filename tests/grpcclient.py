"""The official RocketMQ 5 Python gRPC client (PyPI rocketmq-python-client) driven the way an application
drives it: one Producer on one proxy endpoint, synchronous sends, each outcome recorded by key."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class SendLog:
    acked: dict[str, float] = field(default_factory=dict)  # key -> when its SendReceipt came back
    failed: list[tuple[str, float, str]] = field(default_factory=list)  # key, when, why

    def acked_between(self, start: float, end: float) -> list[str]:
        return [k for k, t in self.acked.items() if start <= t < end]


class GrpcProducer:
    """Sends `prefix-<n>` keyed messages to `topic` through `endpoint` until stopped, at most `rate` a second."""

    def __init__(self, endpoint: str, topic: str, prefix: str, rate: float = 10.0):
        from rocketmq import ClientConfiguration, Credentials, Producer

        self.topic, self.prefix, self.interval = topic, prefix, 1.0 / rate
        self.log = SendLog()
        self._stop = threading.Event()
        self._producer = Producer(ClientConfiguration(endpoint, Credentials(), request_timeout=3), (topic,))
        self._producer.startup()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def send_one(self, key: str) -> None:
        from rocketmq import Message

        message = Message()
        message.topic, message.body, message.keys = self.topic, key.encode(), key
        try:
            self._producer.send(message)
        except Exception as error:  # noqa: BLE001 - every failure is an outcome to record
            self.log.failed.append((key, time.monotonic(), f"{type(error).__name__}: {str(error)[:160]}"))
        else:
            self.log.acked[key] = time.monotonic()

    def start(self) -> GrpcProducer:
        self._thread.start()
        return self

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            began = time.monotonic()
            self.send_one(f"{self.prefix}-{n}")
            n += 1
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - began)))

    def stop(self) -> SendLog:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)
        self._producer.shutdown()
        return self.log


def wait_for(predicate, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def receive_keys(endpoint: str, topic: str, group: str, wanted: set[str], stall: float = 60.0,
                 limit: float = 900.0) -> set[str]:
    """Keys a SimpleConsumer of `group` receives (and acks) through `endpoint` until it has every wanted key, or no
    new wanted key came for `stall` seconds (or `limit` passed); the last error when it got none. Acks run on a
    few threads: the client acks one message per call, and acking in line held receiving to ~25 messages/s."""
    from concurrent.futures import ThreadPoolExecutor

    from rocketmq import ClientConfiguration, Credentials, FilterExpression, SimpleConsumer

    consumer = SimpleConsumer(ClientConfiguration(endpoint, Credentials(), request_timeout=5), group,
                              {topic: FilterExpression()}, await_duration=5)
    consumer.startup()
    got: set[str] = set()
    errors: list[str] = []
    ack_errors: list[str] = []

    def ack(message) -> None:
        try:  # a failed ack only means the message comes again; it was received
            consumer.ack(message)
        except Exception as error:  # noqa: BLE001
            ack_errors.append(f"{type(error).__name__}: {str(error)[:200]}")

    start = last_new = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=8) as acks:
            while not wanted <= got and time.monotonic() - last_new < stall and time.monotonic() - start < limit:
                try:
                    messages = consumer.receive(32, 30)
                except Exception as error:  # noqa: BLE001 - retried until the deadline, reported if nothing came
                    errors.append(f"{type(error).__name__}: {str(error)[:200]}")
                    time.sleep(1)
                    continue
                before = len(got & wanted)
                for message in messages:
                    got.update(message.keys or {message.body.decode()})  # the key; a body may be padded past it
                    acks.submit(ack, message)
                if len(got & wanted) > before:
                    last_new = time.monotonic()
    finally:
        consumer.shutdown()
    print(f"gRPC consumer: {len(got)} keys received in {time.monotonic() - start:.0f} s, {len(errors)} receive "
          f"errors, {len(ack_errors)} ack errors" + (f" (first: {ack_errors[0]})" if ack_errors else ""))
    if not got and errors:
        raise AssertionError(f"the gRPC consumer received nothing: {errors[-1]}")
    return got
