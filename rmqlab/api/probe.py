"""A light write probe per group, as in experiments: a few sends a second to the group's current master, and
the windows in which the group could not take writes, decided as the checker decides them (a window opens at
the invoke of the first failed send that began after the last success, and closes at the next success)."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from rmqlab.remoting.codes import STORED_CODES, ResponseCode, response_name
from rmqlab.remoting.errors import RemotingError

PROBE_TOPIC = "rmqlab-probe"
PROBE_RATE = 2.0  # sends per second per group: enough for a strip a person reads, light on an idle cluster
STRIP_SECONDS = 300.0  # how much of the past the strip keeps
MAX_IN_FLIGHT = 4  # sends that may hang at once (a frozen master answers nothing)
QUEUES = 4


@dataclass(frozen=True)
class Window:
    start: float  # wall clock
    end: float | None  # None: still open
    reason: str


class Availability:
    """One group's write availability from its probe results; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self.began = clock()
        self._last_ok = -1.0
        self._open: Window | None = None
        self._closed: deque[Window] = deque()
        self.results = 0

    def record(self, invoked: float, ended: float, ok: bool, reason: str = "") -> tuple[str, Window] | None:
        """One finished send. When the group's state flips: ('opened' | 'closed', that window)."""
        with self._lock:
            self.results += 1
            if ok:
                self._last_ok = max(self._last_ok, ended)
                if self._open is None:
                    return None
                closed = Window(self._open.start, ended, self._open.reason)
                self._closed.append(closed)
                self._open = None
                self._trim()
                return "closed", closed
            if self._open is None and invoked >= self._last_ok:
                self._open = Window(invoked, None, reason)
                return "opened", self._open
            return None

    def writable(self) -> bool | None:
        with self._lock:
            if self._open is not None:
                return False
            return True if self._last_ok >= 0 else None

    def open_window(self) -> Window | None:
        with self._lock:
            return self._open

    def windows(self) -> list[Window]:
        with self._lock:
            self._trim()
            return list(self._closed) + ([self._open] if self._open else [])

    def _trim(self) -> None:
        horizon = self._clock() - STRIP_SECONDS
        while self._closed and (self._closed[0].end or 0) < horizon:
            self._closed.popleft()


class GroupProbe(threading.Thread):
    """Sends to `master()` of one group at `rate`/s on a small pool, so a hanging send does not blind it."""

    def __init__(self, group: str, client, master: Callable[[], str | None], addr: Callable[[str], str],
                 on_flip: Callable[[str, str, Window], None], rate: float = PROBE_RATE,
                 send_timeout: float = 4.0):
        super().__init__(name=f"dashboard-probe-{group}", daemon=True)
        self.group = group
        self.client = client
        self.master = master
        self.addr = addr
        self.on_flip = on_flip
        self.rate = rate
        self.send_timeout = send_timeout
        self.availability = Availability()
        self.stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT, thread_name_prefix=f"probe-{group}")
        self._in_flight = 0
        self._lock = threading.Lock()
        self._topic_on: set[str] = set()

    def run(self) -> None:
        interval = 1.0 / self.rate
        next_at = time.monotonic()
        for n in itertools.count():
            if self.stop.is_set():
                break
            self._tick(n)
            next_at += interval
            self.stop.wait(max(0.0, next_at - time.monotonic()))
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _tick(self, n: int) -> None:
        node = self.master()
        now = time.time()
        if node is None:
            self._done(now, now, False, "no master")
            return
        with self._lock:
            if self._in_flight >= MAX_IN_FLIGHT:
                return  # every worker waits on an answer already; their results will tell
            self._in_flight += 1
        self._pool.submit(self._send, node, n % QUEUES)

    def _send(self, node: str, queue: int) -> None:
        invoked = time.time()
        try:
            ok, reason = self._send_once(node, queue)
        finally:
            with self._lock:
                self._in_flight -= 1
        self._done(invoked, time.time(), ok, reason)

    def _send_once(self, node: str, queue: int) -> tuple[bool, str]:
        addr = self.addr(node)
        try:
            if node not in self._topic_on:
                self.client.create_topic(addr, PROBE_TOPIC, QUEUES, QUEUES, timeout=self.send_timeout)
                self._topic_on.add(node)
            result = self.client.send(addr, PROBE_TOPIC, queue, b"rmqlab dashboard probe", timeout=self.send_timeout)
        except RemotingError as error:
            self._topic_on.discard(node)
            return False, _short(str(error))
        if result.code == ResponseCode.TOPIC_NOT_EXIST:
            self._topic_on.discard(node)  # created again on the next send
        if result.code in STORED_CODES:
            return True, ""
        return False, f"{node} answered {response_name(result.code)}"

    def _done(self, invoked: float, ended: float, ok: bool, reason: str) -> None:
        flip = self.availability.record(invoked, ended, ok, reason)
        if flip:
            self.on_flip(self.group, *flip)

    def close(self) -> None:
        self.stop.set()


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
