"""The run's history: every operation as an invoke and then exactly one ok / fail / info, in JSON lines.

This module is the contract between the workload that writes a history and the checker that reads it;
docs/report-schema.md describes the same fields for people.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rmqlab.errors import BadInput, RmqlabError
from rmqlab.topology.versions import is_5x

HISTORY_FILE = "history.jsonl"

INVOKE, OK, FAIL, INFO, OBSERVE = "invoke", "ok", "fail", "info", "observe"
COMPLETIONS = (OK, FAIL, INFO)
TYPES = (INVOKE, *COMPLETIONS, OBSERVE)

SEND, READ, FAULT, ROLES = "send", "read", "fault", "roles"
OFFSETS = "offsets"  # an observation: each broker's commit-log max offset (bytes), None where it did not answer

NEMESIS, OBSERVER, FINAL_READ = "nemesis", "observer", "final-read"
PROBE_PREFIX, PRODUCER_PREFIX, CONSUMER_PREFIX = "probe-", "producer-", "consumer-"
# Observations of a real client program itself (--client java): it exited before the run ended, or wrote lines
# the run could not read. The checker reports each as a warning: the history has a gap there.
JAVA_CLIENT_PROCESS, CLIENT_EXITED, CLIENT_LINES_UNREADABLE = "java-client", "client-exited", "client-lines-unreadable"

# Send responses that mean "stored" (same numbers as rmqlab.remoting.codes.STORED_CODES, which this
# pure module does not import: the remoting package pulls in the socket client).
STORED_CODE_NAMES = {0: "SUCCESS", 10: "FLUSH_DISK_TIMEOUT", 11: "SLAVE_NOT_AVAILABLE", 12: "FLUSH_SLAVE_TIMEOUT"}
# A DLedger leader that appended a message to its log but did not get the quorum's acks in time answers a failure
# (4.x: SYSTEM_ERROR "[PC_SYNCHRONIZED]...", the words of a page-cache refusal too; 5.x: SYSTEM_ERROR "in-sync
# replicas not enough", which controller mode also answers, but before it appends). The entry may still be
# committed, so on a DLedger broker such an answer is an unknown outcome.
def quorum_timeout_answer(version: str) -> tuple[int, str]:
    """(code, lower-case words of its remark) a DLedger leader of this version answers on a quorum-ack timeout."""
    return (1, "in-sync replicas not enough") if is_5x(version) else (1, "[pc_synchronized]")


def answered_outcome(code: int, remark: str | None, quorum_timeout: tuple[int, str] | None = None) -> str:
    """ok, fail or info for a send the broker answered; `quorum_timeout` for a DLedger broker (see above)."""
    if code in STORED_CODE_NAMES:
        return OK
    if quorum_timeout is not None and code == quorum_timeout[0] and quorum_timeout[1] in (remark or "").lower():
        return INFO
    return FAIL

# Fields with a meaning in the contract; anything else an event carries is kept in `extra`.
_KNOWN = ("group", "node", "queue", "code", "code_name", "remark", "offset", "msg_id", "error")
# A completion repeats these from its invoke unless it says otherwise, so every line reads on its own.
_INHERITED = ("process", "f", "group", "node", "queue")


@dataclass(slots=True)
class Event:
    t: float
    wall: float
    type: str
    process: str
    f: str
    value: Any = None
    op_id: int | None = None
    group: str | None = None
    node: str | None = None
    queue: int | None = None
    code: int | None = None
    code_name: str | None = None
    remark: str | None = None
    offset: int | None = None
    msg_id: str | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": self.t, "wall": self.wall, "type": self.type, "process": self.process, "f": self.f}
        if self.op_id is not None:
            out["op_id"] = self.op_id
        out["value"] = self.value
        for name in _KNOWN:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        """Raises ValueError, KeyError or TypeError for anything that is not an event of this contract."""
        if not isinstance(data, dict):
            raise TypeError(f"an event is a JSON object, not {type(data).__name__}")
        data = dict(data)
        core = {name: data.pop(name) for name in ("t", "wall", "type", "process", "f")}
        if not all(isinstance(core[k], (int, float)) and not isinstance(core[k], bool) for k in ("t", "wall")):
            raise TypeError("t and wall must be numbers")
        if core["type"] not in TYPES or not isinstance(core["process"], str) or not isinstance(core["f"], str):
            raise ValueError(f"unknown event type {core['type']!r}" if core["type"] not in TYPES
                             else "process and f must be strings")
        if core["type"] != OBSERVE and not isinstance(data.get("op_id"), int):
            raise ValueError(f"a {core['type']} event needs an integer op_id")
        known = {name: data.pop(name) for name in ("value", "op_id", *_KNOWN) if name in data}
        return cls(**core, **known, extra=data)


class HistoryWriter:
    """Appends events to history.jsonl as they happen, one flushed line each; safe to share between threads.

    Timestamps are taken under the lock, so lines in the file are in clock order. Each line is flushed to the
    operating system, so a crash of rmqlab leaves every line written so far (a power cut may not).
    """

    def __init__(self, path: str | Path, clock=time.monotonic, wall_clock=time.time, listener=None):
        self.path = Path(path)
        self._listener = listener  # called with each event as it is written (under the lock: keep it quick)
        self._clock = clock
        self._wall_clock = wall_clock
        self._start = clock()
        self.started_wall = wall_clock()
        self._lock = threading.Lock()
        self._next_id = 0
        self._pending: dict[int, Event] = {}
        try:
            # Two runs in one history would share op ids and clocks: refuse rather than append.
            self._file = open(self.path, "x", encoding="utf-8")
        except FileExistsError:
            raise RmqlabError(f"{self.path} already exists.", hint="Every run writes into a new run folder.") from None

    def now(self) -> float:
        """Seconds since the run started, on the clock every event uses."""
        return self._clock() - self._start

    def invoke(self, process: str, f: str, value: Any, **fields: Any) -> int:
        with self._lock:
            op_id = self._next_id
            self._next_id += 1
            self._pending[op_id] = self._write(INVOKE, process, f, value, op_id=op_id, **fields)
        return op_id

    def complete(self, op_id: int, type: str, **fields: Any) -> Event:
        """Close an operation: `ok`, `fail` (it definitely did not happen) or `info` (outcome unknown)."""
        if type not in COMPLETIONS:
            raise ValueError(f"completion type must be one of {COMPLETIONS}, not {type!r}")
        with self._lock:
            invoke = self._pending.pop(op_id, None)
            if invoke is None:
                raise ValueError(f"operation {op_id} was never invoked or is already complete")
            fields = {**{name: getattr(invoke, name) for name in _INHERITED}, "value": invoke.value, **fields}
            return self._write(type, op_id=op_id, **fields)

    def record(self, type: str, process: str, f: str, value: Any, **fields: Any) -> Event:
        """An instantaneous observation (type `observe`), such as the name server's view of roles."""
        if type == INVOKE or type in COMPLETIONS:
            raise ValueError(f"{type!r} events belong to operations: use invoke() and complete()")
        with self._lock:
            return self._write(type, process, f, value, **fields)

    def pending(self) -> list[int]:
        with self._lock:
            return sorted(self._pending)

    def close(self) -> None:
        # Unfinished operations stay unfinished: the checker counts them as info (outcome unknown).
        with self._lock:
            self._file.close()

    def __enter__(self) -> HistoryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, type: str, process: str, f: str, value: Any, op_id: int | None = None, **fields: Any) -> Event:
        known = {k: v for k, v in fields.items() if k in _KNOWN}
        extra = {k: v for k, v in fields.items() if k not in _KNOWN}
        event = Event(
            t=round(self.now(), 6), wall=round(self._wall_clock(), 6), type=type, process=process, f=f,
            value=value, op_id=op_id, **known, extra=extra,
        )
        self._file.write(json.dumps(event.to_dict(), separators=(",", ":"), default=str) + "\n")
        self._file.flush()
        if self._listener is not None:
            self._listener(event)
        return event


def read_history(path: str | Path) -> list[Event]:
    """Events in file order. A torn last line (the run was cut off mid-write) is dropped; any other bad line,
    a file that is not text, or one with no event at all is bad input."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"No history at {path}.", hint="A run folder holds history.jsonl beside run.json.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{path} is not a history: it is not text.",
                       hint="A history is the history.jsonl a run writes, one JSON event per line.") from None
    lines = text.split("\n")  # only \n ends a line in JSON lines; other breaks stay inside a (bad) line
    events = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            events.append(Event.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError) as error:
            if number == len(lines) and not text.endswith("\n"):
                break
            raise BadInput(
                f"{path}:{number} is not a history event ({error}).",
                hint="Only the last line may be incomplete; was the file edited or written by two runs at once?",
            ) from None
    if not events:
        raise BadInput(f"{path} holds no event.", hint="A history is the history.jsonl a run writes.")
    return events
