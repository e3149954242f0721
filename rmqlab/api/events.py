"""Progress, as events: what the library says while it works. The CLI prints them; the dashboard pushes them
to the browser. A listener is any callable taking one event; it must not raise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Said:
    """A line of progress in plain words."""

    text: str


@dataclass(frozen=True)
class NodeReady:
    """A node reached a state while the cluster starts: answers, master, slave."""

    node: str
    state: str
    elapsed: float


@dataclass(frozen=True)
class Waiting:
    """What the cluster still waits for: the first node not ready, why, and how many more."""

    node: str
    why: str
    others: int


@dataclass(frozen=True)
class Stage:
    """A new stage of a longer job, e.g. one mode of a comparison."""

    title: str


Event = Said | NodeReady | Waiting | Stage
Listener = Callable[[Event], None]


def quiet(_event: Event) -> None:
    return None


def saying(listener: Listener) -> Callable[[str], None]:
    """A `say(text)` callback, for the layers below the API that speak in lines."""
    return lambda text: listener(Said(text))
