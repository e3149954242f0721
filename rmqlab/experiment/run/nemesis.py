"""The nemesis: the scenario's fault schedule, done through the same injector as the CLI, every step
recorded in the history. A fault whose outcome is unknown (the engine call raised) is recorded as info."""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass

from rmqlab.errors import RmqlabError
from rmqlab.experiment.check.history import FAIL, FAULT, INFO, NEMESIS, OK
from rmqlab.experiment.run.scenario import FaultStep
from rmqlab.experiment.run.workload import RunContext
from rmqlab.faults import DISK_GONE, FAULTS
from rmqlab.runtime.injector import FaultInjector
from rmqlab.runtime.provider import EngineError
from rmqlab.topology import naming


@dataclass
class AppliedFault:
    step: int
    action: str
    target: str  # the concrete node or machine it hit
    nodes: tuple[str, ...]
    machine: str | None
    options: dict
    undone: bool = False
    peer: str | None = None
    peer_nodes: tuple[str, ...] = ()


class Interrupts:
    """First Ctrl-C: stop the workload and finish cleanly. Second: skip the rest, still undo faults."""

    def __init__(self, stop: threading.Event):
        self.stop = stop
        self.count = 0
        self.previous = None

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)

    def _handle(self, signum, frame) -> None:
        self.count += 1
        self.stop.set()
        if self.count > 1:
            raise KeyboardInterrupt


class Nemesis:
    def __init__(self, ctx: RunContext, injector: FaultInjector):
        self.ctx = ctx
        self.injector = injector
        self.applied: dict[int, AppliedFault] = {}

    def apply(self, index: int, step: FaultStep) -> None:
        if step.action == "undo":
            self.undo(self.applied.get(step.undo))
            return
        try:
            target = self.injector.resolve(step.target)
            peer = self.injector.resolve(step.peer) if step.peer else None
        except RmqlabError as error:
            self._record_unresolved(step.action, step.target, str(error))
            return
        name, nodes = target.machine or target.nodes[0], target.nodes
        machine = target.machine
        if step.machine_of and not machine:
            letter = self.ctx.cluster.placed(name).machine
            name = machine = naming.machine_service(letter)
            nodes = self.ctx.cluster.services_on(letter)
        fault = AppliedFault(index, step.action, name, nodes, machine, dict(step.options),
                             peer=(peer.machine or peer.nodes[0]) if peer else None,
                             peer_nodes=peer.nodes if peer else ())
        if self._act(step.action, fault, fault.options) != FAIL:
            self.applied[index] = fault  # an unknown outcome is undone too: it may have happened

    def undo(self, fault: AppliedFault | None) -> None:
        if fault is None or fault.undone:
            return
        undo = FAULTS[fault.action].undo
        if self._act(undo, fault, {}) == OK:
            fault.undone = True
            for other in self.applied.values():  # a start after destroy-store also ends the kill before it
                if other.nodes == fault.nodes and FAULTS[other.action].undo == undo:
                    other.undone = True

    def undo_all(self, final: bool) -> None:
        """Undo what is still broken. Before the final read (final=False) a destroyed store stays gone,
        and so does every other fault on that node: starting it would bring it back empty."""
        gone = self.destroyed()
        for fault in list(self.applied.values()):
            if final or not gone & set(fault.nodes):
                self.undo(fault)

    def still_in_force(self) -> set[str]:
        """The nodes of every fault not undone yet."""
        return {n for f in self.applied.values() if not f.undone for n in f.nodes}

    def destroyed(self) -> set[str]:
        return {n for f in self.applied.values() if FAULTS[f.action].effect == DISK_GONE for n in f.nodes}

    def _act(self, action: str, fault: AppliedFault, options: dict) -> str:
        """Do it and record it: ok, fail (nothing was done) or info (the engine call raised: unknown)."""
        kind = FAULTS[action]
        value = {"action": action, "target": fault.target, "nodes": list(fault.nodes), "machine": fault.machine,
                 **options}
        if kind.takes_peer:
            value.update(peer=fault.peer, peer_nodes=list(fault.peer_nodes))
        op = self.ctx.history.invoke(NEMESIS, FAULT, value)
        target = fault.target if kind.takes_target else None
        try:
            result = self.injector.apply(action, target, fault.peer if kind.takes_peer else None, **options)
        except EngineError as error:
            self.ctx.history.complete(op, INFO, error=f"{error}"[:300])
            return INFO
        except RmqlabError as error:  # refused before acting: bad target, no containers
            self.ctx.history.complete(op, FAIL, error=f"{error}"[:300])
            return FAIL
        except Exception as error:  # noqa: BLE001 - whatever it was, the fault may have happened
            self.ctx.history.complete(op, INFO, error=f"{type(error).__name__}: {error}"[:300])
            return INFO
        self.ctx.history.complete(op, OK, done=result.lines())
        return OK

    def _record_unresolved(self, action: str, target: str, error: str) -> None:
        op = self.ctx.history.invoke(NEMESIS, FAULT, {"action": action, "target": target, "nodes": [], "machine": None})
        self.ctx.history.complete(op, FAIL, error=error[:300])
