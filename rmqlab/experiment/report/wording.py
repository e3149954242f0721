"""How reports say faults, durations and counts, so the verdicts, tables and pictures agree."""

from __future__ import annotations

from rmqlab.experiment.check.fault_periods import Fault

DEGRADED_MEANING = {
    "SLAVE_NOT_AVAILABLE": "stored on the master only",
    "FLUSH_SLAVE_TIMEOUT": "stored on the master; the slave did not confirm in time",
    "FLUSH_DISK_TIMEOUT": "stored, but not yet flushed to disk",
}


def fault_target(fault: Fault) -> str:
    if fault.target:
        return fault.target
    if fault.nodes:
        return ", ".join(fault.nodes)
    return "the whole cluster" if fault.kind is not None and not fault.kind.takes_target else "?"


def describe(fault: Fault, at: bool = True) -> str:
    target = fault_target(fault)
    kind = fault.kind
    value = fault.options.get(kind.value.name) if kind and kind.value else None
    text = kind.say(target, fault.peer, value) if kind else f"{fault.action} of {target}"
    if fault.status == "info":
        text += " (outcome unknown)"
    return f"{text} at {fault.t:.1f} s" if at else text


def short(fault: Fault) -> str:
    """Label for a timeline marker."""
    verb = (fault.kind.marker or fault.kind.name) if fault.kind else fault.action
    return f"{verb} {fault_target(fault)}"


def secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def times(n: int) -> str:
    return "once" if n == 1 else f"{n:,} times"


def listing(items: list[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def is_alarm(verdict: str) -> bool:
    """Verdicts about data start with a word in capitals (LOST, UNEXPECTED, …) when something is wrong."""
    word = verdict.split(" ", 1)[0].rstrip(":")
    return len(word) > 1 and word.isupper()
