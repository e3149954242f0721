"""What one fault-table action did, in words (shared by the injector and its network faults)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FaultResult:
    action: str
    target: str
    done: list[str] = field(default_factory=list)  # "sent SIGKILL to broker-a-master"
    unchanged: list[str] = field(default_factory=list)  # already in the wanted state
    nodes: tuple[str, ...] = ()  # every node the target named
    machine: str | None = None  # the machine, when the target was one
    peer: str | None = None  # the second target (partition A B)
    peer_nodes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return self.done + [f"{u} (nothing to do)" for u in self.unchanged]
