"""Invokes paired with their completions: the unit every check works on."""

from __future__ import annotations

from dataclasses import dataclass, field

from rmqlab.experiment.check.history import (
    CLIENT_EXITED,
    CLIENT_LINES_UNREADABLE,
    COMPLETIONS,
    INFO,
    INVOKE,
    OBSERVE,
    PROBE_PREFIX,
    Event,
)


@dataclass(slots=True)
class Op:
    invoke: Event
    done: Event | None = None  # None: the run ended before the operation did

    @property
    def type(self) -> str:
        # An operation that never completed has an unknown outcome, exactly like an info.
        return self.done.type if self.done is not None else INFO

    @property
    def t(self) -> float:
        return self.invoke.t

    @property
    def end(self) -> float | None:
        return self.done.t if self.done is not None else None

    @property
    def took(self) -> float | None:
        """Seconds the operation took; by the client's own clock where both ends carry it (`client_wall`: a
        client whose lines reach the history a few ms after it wrote them, so `end - t` would be off)."""
        if self.done is None:
            return None
        began, ended = self.invoke.extra.get("client_wall"), self.done.extra.get("client_wall")
        if isinstance(began, (int, float)) and isinstance(ended, (int, float)):
            return max(0.0, ended - began)
        return self.done.t - self.invoke.t

    @property
    def process(self) -> str:
        return self.invoke.process

    @property
    def f(self) -> str:
        return self.invoke.f

    @property
    def group(self) -> str | None:
        group = (self.done and self.done.group) or self.invoke.group
        if group is None and self.invoke.process.startswith(PROBE_PREFIX):
            return self.invoke.process[len(PROBE_PREFIX):]
        return group

    @property
    def node(self) -> str | None:
        return (self.done and self.done.node) or self.invoke.node

    @property
    def queue(self) -> int | None:
        done = self.done.queue if self.done is not None else None
        return done if done is not None else self.invoke.queue

    @property
    def key(self) -> str | None:
        value = self.invoke.value
        return value.get("key") if isinstance(value, dict) else None

    @property
    def code_name(self) -> str | None:
        return self.done.code_name if self.done is not None else None

    @property
    def code(self) -> int | None:
        return self.done.code if self.done is not None else None


@dataclass
class Paired:
    ops: list[Op]  # in invoke order
    observations: list[Event]
    warnings: list[str] = field(default_factory=list)


def pair(history: list[Event]) -> Paired:
    ops: dict[int, Op] = {}
    observations: list[Event] = []
    orphans = doubles = unknown_types = 0
    for event in history:
        if event.type == INVOKE:
            ops[event.op_id] = Op(event)
        elif event.type in COMPLETIONS:
            op = ops.get(event.op_id)
            if op is None:
                orphans += 1
            elif op.done is not None:
                doubles += 1
            else:
                op.done = event
        elif event.type == OBSERVE:
            observations.append(event)
        else:
            unknown_types += 1
    warnings = []
    unfinished = sum(1 for op in ops.values() if op.done is None)
    if unfinished:
        warnings.append(f"{unfinished:,} operations never completed (the run was cut off?); counted as unknown.")
    if orphans:
        warnings.append(f"{orphans:,} completions have no invoke before them; ignored.")
    if doubles:
        warnings.append(f"{doubles:,} operations completed more than once; only the first completion counts.")
    if unknown_types:
        warnings.append(f"{unknown_types:,} events have an unknown type; ignored.")
    warnings += _client_warnings(observations)
    return Paired(sorted(ops.values(), key=lambda op: op.t), observations, warnings)


def _client_warnings(observations: list[Event]) -> list[str]:
    """What a real client program's own observations say the history misses."""
    warnings = []
    for event in observations:
        value = event.value if isinstance(event.value, dict) else {}
        if event.f == CLIENT_EXITED:
            log = " ".join(str(value.get("log") or "").split())[-300:]
            warnings.append(f"The {event.process} program exited at t={event.t:.1f} s, before the run ended: it sent "
                            f"and consumed nothing after that, whatever the faults did." + (f" Its last output: {log}"
                                                                                             if log else ""))
        elif event.f == CLIENT_LINES_UNREADABLE:
            warnings.append(f"{value.get('lines', '?')} lines the {event.process} program wrote could not be read; "
                            "the operations they told of are missing from the history.")
    return warnings
