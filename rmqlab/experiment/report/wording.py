"""How reports say faults, durations and counts, so the verdicts, tables and pictures agree."""

from __future__ import annotations

from rmqlab.experiment.check.fault_periods import Fault

_ACTIONS = {
    "kill": "kill -9 of {}",
    "stop": "stop of {}",
    "pause": "pause of {}",
    "isolate": "isolation of {}",
    "destroy-store": "destroying the store of {}",
    "start": "start of {}",
    "unpause": "unpause of {}",
    "heal": "heal of {}",
}

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
    return "every partition" if fault.action == "heal" else "?"


def describe(fault: Fault, at: bool = True) -> str:
    text = _ACTIONS.get(fault.action, fault.action + " of {}").format(fault_target(fault))
    return f"{text} at {fault.t:.1f} s" if at else text


def short(fault: Fault) -> str:
    """Label for a timeline marker."""
    verb = "kill -9" if fault.action == "kill" else fault.action
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
