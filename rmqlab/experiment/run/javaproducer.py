"""`--client java`: the workload's producers are RocketMQ's own DefaultMQProducer (java/RmqlabJavaProducer.java)
with the client's own failover. The program writes one JSON line as each attempt starts and ends; this module
turns those lines into the run's history, on the run's clock (stamped as each line arrives, a few ms after
the client wrote it; the client's own wall clock stays in `client_wall`). No Docker here."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Protocol

from rmqlab.experiment.check.consumer_groups import APP_PREFIX, COMMIT_OFFSET, CONSUME, FETCH_OFFSET
from rmqlab.experiment.check.history import (
    CLIENT_EXITED,
    CLIENT_LINES_UNREADABLE,
    FAIL,
    INFO,
    JAVA_CLIENT_PROCESS,
    OBSERVE,
    OK,
    PRODUCER_PREFIX,
    SEND,
    STORED_CODE_NAMES,
    HistoryWriter,
    answered_outcome,
)
from rmqlab.experiment.check.runmeta import JAVA_CLIENT
from rmqlab.experiment.run.scenario import Workload
from rmqlab.remoting.codes import response_name

SOURCE = Path(__file__).resolve().parent / "java" / "RmqlabJavaProducer.java"
MAIN_CLASS = "RmqlabJavaProducer"
EVENTS_FILE = "events.jsonl"
GO_FILE, STOP_FILE = "go", "stop"
PROCESS = f"{PRODUCER_PREFIX}java-"  # producer-java-0: a producer to the checker, and says which client it was
MEMBER = f"{APP_PREFIX}java-"  # app-java-0: a member of the application's consumer group
STATUS_CODES = {"SEND_OK": 0, "FLUSH_DISK_TIMEOUT": 10, "FLUSH_SLAVE_TIMEOUT": 12, "SLAVE_NOT_AVAILABLE": 11}


def program_args(namesrv: str, topic: str, workload: Workload, consumer_group: str | None = None) -> list[str]:
    """The program's arguments after its folder: the failover settings are the workload's, as rmqlab's own
    producers use them; with `consumer_group`, the workload's members as DefaultMQPushConsumers of that group."""
    args = [namesrv, topic, str(workload.producers), repr(float(workload.rate)), str(workload.size),
            str(round(workload.route_refresh * 1000)), "true" if workload.latency_fault else "false",
            str(workload.retries), str(round(workload.send_timeout * 1000))]
    if consumer_group:
        args += [str(workload.app_members), consumer_group]
    return args


def runs_consumer_group(client: str, workload: Workload) -> bool:
    """Whether the Java program runs the workload's consumer group (POP groups stay rmqlab's)."""
    return client == JAVA_CLIENT and workload.app_members > 0 and not workload.app_pop


class JavaEvents:
    """Feeds the program's lines into the history: each attempt an invoke, then ok / fail / info as the client
    saw it (info whenever it cannot say, never a guess). Attempts still open at the end stay open (unknown)."""

    def __init__(self, history: HistoryWriter | None, node_of_addr: dict[str, str],
                 quorum_timeout: tuple[int, str] | None = None, consumer_group: str | None = None):
        self.history = history
        self.consumer_group = consumer_group
        self.node_of_addr = node_of_addr
        self.quorum_timeout = quorum_timeout  # a DLedger cluster's quorum-timeout answer (history.answered_outcome)
        self.open: dict[tuple[int, int], int] = {}  # (producer, attempt) -> op id
        self.ready: dict | None = None
        self.ended = False
        self.bad_lines = 0

    def feed(self, line: str) -> None:
        try:
            event = json.loads(line)
            handler = getattr(self, f"_on_{event['e']}")
            handler(event)
        except (ValueError, KeyError, TypeError, AttributeError):  # a line without the fields it needs
            self.bad_lines += 1

    def _on_ready(self, event: dict) -> None:
        self.ready = {k: v for k, v in event.items() if k != "e"}

    def _on_end(self, _event: dict) -> None:
        self.ended = True

    def _on_invoke(self, event: dict) -> None:
        addr = event.get("addr")
        op = self.history.invoke(f"{PROCESS}{event['p']}", SEND, {"key": event["key"], "seq": event["seq"]},
                                 group=event.get("group"), node=self.node_of_addr.get(addr), queue=event.get("queue"),
                                 addr=addr, client_wall=event["ms"] / 1000)
        self.open[(event["p"], event["a"])] = op

    def _on_done(self, event: dict) -> None:
        op = self.open.pop((event["p"], event["a"]), None)
        if op is None:
            self.bad_lines += 1
            return
        kind = event["type"]
        fields: dict = {"client_wall": event["ms"] / 1000}
        if kind == OK:
            code = STATUS_CODES.get(event.get("status"))
            if code is None:  # a status this rmqlab does not know: stored or not, it cannot say
                kind, fields["error"] = INFO, f"unknown send status {event.get('status')!r}"
            else:
                fields.update(code=code, code_name=STORED_CODE_NAMES[code], offset=event.get("offset"),
                              msg_id=event.get("msg_id"))
        elif kind == FAIL and event.get("code") is not None:
            kind = answered_outcome(event["code"], event.get("remark"), self.quorum_timeout)
            fields.update(code=event["code"], code_name=response_name(event["code"]),
                          remark=(event.get("remark") or "")[:200] or None)
        elif kind not in (FAIL, INFO):
            kind = INFO
        if event.get("error"):
            fields["error"] = str(event["error"])[:300]
        self.history.complete(op, kind, **fields)

    def _on_nosend(self, event: dict) -> None:
        """Refused inside the client before any attempt (no route): nothing left the client."""
        op = self.history.invoke(f"{PROCESS}{event['p']}", SEND, {"key": event["key"], "seq": event["seq"]},
                                 client_wall=event["ms"] / 1000)
        self.history.complete(op, FAIL, code=None, error=str(event.get("error"))[:300],
                              client_wall=event["ms"] / 1000)

    def _member(self, event: dict) -> tuple[str, dict]:
        addr = event.get("addr")
        return f"{MEMBER}{event['c']}", {"group": event["group"], "queue": event["queue"], "addr": addr,
                                         "node": self.node_of_addr.get(addr), "consumer_group": self.consumer_group}

    def _on_consume(self, event: dict) -> None:
        process, fields = self._member(event)
        wall = event["ms"] / 1000
        op = self.history.invoke(process, CONSUME, None, client_wall=wall, **fields)
        self.history.complete(op, OK, value=[{"key": event["key"], "offset": event["offset"],
                                              "queue": event["queue"]}], consumer_group=self.consumer_group)

    def _on_fetch(self, event: dict) -> None:
        """The offset store read the group's offset (-1: the broker had none, so the queue starts at 0)."""
        process, fields = self._member(event)
        wall = event["ms"] / 1000
        op = self.history.invoke(process, FETCH_OFFSET, None, client_wall=wall, **fields)
        if event["offset"] < -1:
            self.history.complete(op, FAIL, error="the offset store could not read the offset", client_wall=wall)
            return
        found = event["offset"] >= 0
        self.history.complete(op, OK, value={"offset": max(event["offset"], 0), "found": found},
                              consumer_group=self.consumer_group, client_wall=wall)

    def _on_commit(self, event: dict) -> None:
        """A commit the store sends oneway (its periodic and shutdown commits), or one a pull carries (`via`
        pull: the commit flag), gets no answer: sent is all the client can know, so it is info, never ok."""
        process, fields = self._member(event)
        wall = event["ms"] / 1000
        op = self.history.invoke(process, COMMIT_OFFSET, {"offset": event["offset"]}, client_wall=wall, **fields)
        if event.get("error") and not event.get("sent", True):
            self.history.complete(op, FAIL, error=str(event["error"])[:300], client_wall=wall)
        elif event.get("error"):
            self.history.complete(op, INFO, error=str(event["error"])[:300], client_wall=wall)
        else:
            oneway = bool(event.get("oneway"))
            via = {"via": str(event["via"])} if event.get("via") else {}
            self.history.complete(op, INFO if oneway else OK, oneway=oneway, consumer_group=self.consumer_group,
                                  client_wall=wall, **via)


class LineTail:
    """The complete lines appended to a file since the last call (a torn last line waits for its end)."""

    def __init__(self, path: Path):
        self.path = path
        self.position = 0
        self.partial = b""

    def new_lines(self) -> list[str]:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.position)
                chunk = handle.read()
        except FileNotFoundError:
            return []
        self.position += len(chunk)
        data = self.partial + chunk
        *lines, self.partial = data.split(b"\n")
        return [line.decode("utf-8", errors="replace") for line in lines if line.strip()]


READY_TIMEOUT = 120.0  # a JVM starting on a busy 2-core machine, plus the producers' first route
TAIL_EVERY = 0.01
ALIVE_EVERY = 1.0  # how often the run checks that the program still runs


class ClientContainer(Protocol):
    """Where the program runs (rmqlab.runtime.javaclient.JavaClientContainer)."""

    def start(self, classes: Path, folder: Path, main_class: str, args: list[str]) -> None: ...
    def running(self) -> bool: ...
    def logs(self, tail: int = 20) -> str: ...
    def remove(self) -> None: ...


class JavaProducers(threading.Thread):
    """The Java producers of one run: started and ready (holding their sends) before the history begins, then
    let go; their lines fed into the history until the run stops; then asked to finish the sends in flight,
    and the container removed."""

    def __init__(self, container: ClientContainer, folder: Path, node_of_addr: dict[str, str], workload: Workload,
                 quorum_timeout: tuple[int, str] | None = None, consumer_group: str | None = None):
        super().__init__(name="java-producers", daemon=True)
        self.stop = threading.Event()
        self.container = container
        self.folder = folder
        self.events = JavaEvents(None, node_of_addr, quorum_timeout, consumer_group)
        self.tail = LineTail(folder / EVENTS_FILE)
        # Sends in flight end within the client's own timeout and resends; then the program exits.
        self.drain = workload.send_timeout * (workload.retries + 1) + 10
        self.join_timeout = self.drain + 5
        self.backlog: list[str] = []
        self._feeding = threading.Lock()
        self._closed = False
        self._removed = False
        self.exited_early = False

    def launch(self, classes: Path, args: list[str]) -> dict:
        """Start the program and wait until its producers are started; what it reported (version, settings)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.container.start(classes, self.folder, MAIN_CLASS, args)
        deadline = time.monotonic() + READY_TIMEOUT
        while self.events.ready is None:
            self._feed()  # only the ready line comes before `go`
            if time.monotonic() > deadline or (self.events.ready is None and not self.container.running()):
                self._feed()
                if self.events.ready is not None:
                    break
                from rmqlab.errors import RmqlabError

                raise RmqlabError("The Java producer did not start.\n" + self.container.logs()[-1500:],
                                  hint=f"Its client log is under {self.folder}/logs.")
            time.sleep(0.1)
        return self.events.ready

    def begin(self, history: HistoryWriter, stop: threading.Event) -> None:
        """Feed the program's lines into this history until `stop`; call before start()."""
        self.events.history = history
        self.stop = stop

    def let_go(self) -> None:
        """Let the producers send; once this thread tails, so every line is stamped as it comes."""
        (self.folder / GO_FILE).touch()

    def run(self) -> None:
        next_check = time.monotonic() + ALIVE_EVERY
        while not self.stop.wait(TAIL_EVERY):
            self._feed()
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + ALIVE_EVERY
                self._check_alive()
        (self.folder / STOP_FILE).touch()
        deadline = time.monotonic() + self.drain
        while not self.events.ended and time.monotonic() < deadline and not self._closed:
            self._feed()
            if self.exited_early:
                break
            time.sleep(TAIL_EVERY)
        self._feed()
        if self.events.bad_lines:
            self._note(CLIENT_LINES_UNREADABLE, {"lines": self.events.bad_lines})

    def _check_alive(self) -> None:
        """Note once that the program has gone; an engine that does not answer this time is asked again next."""
        from rmqlab.errors import RmqlabError

        if self.exited_early:
            return
        try:
            gone = not self.container.running()
        except RmqlabError:
            return
        if gone:
            self._note(CLIENT_EXITED, {"log": self.container.logs(tail=5)[-600:]})
            self.exited_early = True

    def _note(self, f: str, value: dict) -> None:
        """An observation of the client itself, which the checker reports as a warning (check.ops)."""
        with self._feeding:
            if not self._closed and self.events.history is not None:
                self.events.history.record(OBSERVE, JAVA_CLIENT_PROCESS, f, value)

    def close(self) -> None:
        """Stop feeding and remove the container; whatever was still open stays open (outcome unknown). Called
        at the end of the run and again on the way out (a launch that failed): the container goes once."""
        if self._removed:
            return
        if self.folder.is_dir():
            (self.folder / STOP_FILE).touch()
        with self._feeding:
            self._closed = True
        self.container.remove()
        self._removed = True

    def _feed(self) -> None:
        with self._feeding:
            if self._closed:
                return
            self.backlog += self.tail.new_lines()
            while self.backlog and (self.events.history is not None or self.events.ready is None):
                self.events.feed(self.backlog.pop(0))  # before `begin`, nothing past the ready line
