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


def receive_keys(endpoint: str, topic: str, group: str, wanted: set[str], timeout: float = 90.0) -> set[str]:
    """Keys a SimpleConsumer of `group` receives (and acks) through `endpoint` until it has every wanted key or
    `timeout` passes; the last error when it got none."""
    from rocketmq import ClientConfiguration, Credentials, FilterExpression, SimpleConsumer

    consumer = SimpleConsumer(ClientConfiguration(endpoint, Credentials(), request_timeout=5), group,
                              {topic: FilterExpression()}, await_duration=5)
    consumer.startup()
    got: set[str] = set()
    errors: list[str] = []
    ack_errors: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not wanted <= got:
            try:
                messages = consumer.receive(32, 30)
            except Exception as error:  # noqa: BLE001 - retried until the deadline, reported if nothing came
                errors.append(f"{type(error).__name__}: {str(error)[:200]}")
                time.sleep(1)
                continue
            for message in messages:
                got.add(message.body.decode())
                try:  # a failed ack only means the message comes again; it was received
                    consumer.ack(message)
                except Exception as error:  # noqa: BLE001
                    ack_errors.append(f"{type(error).__name__}: {str(error)[:200]}")
    finally:
        consumer.shutdown()
    print(f"gRPC consumer: {len(got)} keys received, {len(errors)} receive errors, {len(ack_errors)} ack errors"
          + (f" (first: {ack_errors[0]})" if ack_errors else ""))
    if not got and errors:
        raise AssertionError(f"the gRPC consumer received nothing: {errors[-1]}")
    return got
