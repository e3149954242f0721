"""One experiment, start to finish: fresh cluster, workload + fault schedule -> history, every fault
undone, final read of every replica, checker, reports. Faults are undone whatever happens."""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from rmqlab.clientops import QUEUES_PER_GROUP
from rmqlab.errors import RmqlabError
from rmqlab.experiment.history import FAIL, FAULT, FINAL_READ, HISTORY_FILE, NEMESIS, OK, HistoryWriter, read_history
from rmqlab.experiment.runmeta import GroupMeta, RunMeta
from rmqlab.experiment.scenario import UNDO_OF, FaultStep, Scenario
from rmqlab.experiment.workload import Consumer, Context, Prober, Producer, RoleObserver, read_queue
from rmqlab.model import BrokerRole, Cluster, ClusterSpec, Mode
from rmqlab.observe import Observer
from rmqlab.remoting import RemotingClient, RemotingError
from rmqlab.roles import client_address_map, reaches_directly
from rmqlab.runtime.audit import AuditLog
from rmqlab.runtime.faults import FaultInjector
from rmqlab.runtime.lifecycle import down, start_cluster
from rmqlab.runtime.ready import wait_until_ready
from rmqlab.runtime.workdir import FAULT_LOG, cluster_dir
from rmqlab.versions import slave_wait

TOPIC = "rmqlab-exp"
WARMUP_TOPIC = "rmqlab-warmup"
SETTLE_TIMEOUT = 90.0
RESTORE_TIMEOUT = 150.0


@dataclass(frozen=True)
class RunRequest:
    mode: Mode
    scenario: Scenario
    out_dir: Path
    version: str
    image: str | None = None
    keep: bool = False


@dataclass
class AppliedFault:
    step: int
    action: str
    target: str  # the concrete node or machine it hit
    nodes: tuple[str, ...]
    machine: str | None
    undone: bool = False


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
    """Runs the fault schedule through the same injector as the CLI, recording every step."""

    def __init__(self, ctx: Context, injector: FaultInjector):
        self.ctx = ctx
        self.injector = injector
        self.applied: dict[int, AppliedFault] = {}

    def apply(self, index: int, step: FaultStep) -> None:
        if step.action == "undo":
            self.undo(self.applied.get(step.undo))
            return
        try:
            target = self.injector.resolve(step.target)
        except RmqlabError as error:
            self._record_failed(step.action, step.target, str(error))
            return
        name = target.machine or target.nodes[0]
        nodes = target.nodes
        if step.machine_of and not target.machine:
            machine = self.ctx.cluster.node(name).machine
            name = f"machine-{machine}"
            nodes = tuple(n.name for n in self.ctx.cluster.nodes_on(machine))
        machine = name if name.startswith("machine-") else None
        fault = AppliedFault(index, step.action, name, nodes, machine)
        if self._act(step.action, fault, step.signal):
            self.applied[index] = fault

    def undo(self, fault: AppliedFault | None, final: bool = False) -> None:
        if fault is None or fault.undone:
            return
        if self._act(UNDO_OF[fault.action], fault):
            fault.undone = True
            for other in self.applied.values():  # a start after destroy-store also ends the kill before it
                if other.nodes == fault.nodes and UNDO_OF[other.action] == UNDO_OF[fault.action]:
                    other.undone = True

    def undo_all(self, final: bool) -> None:
        """Undo what is still broken. Before the final read (final=False) a destroyed store stays gone,
        and so does every other fault on that node: starting it would bring it back empty."""
        gone = {n for f in self.applied.values() if f.action == "destroy-store" for n in f.nodes}
        for fault in list(self.applied.values()):
            if final or not gone & set(fault.nodes):
                self.undo(fault, final)

    def _act(self, action: str, fault: AppliedFault, signal_name: str = "KILL") -> bool:
        value = {"action": action, "target": fault.target, "nodes": list(fault.nodes), "machine": fault.machine}
        op = self.ctx.history.invoke(NEMESIS, FAULT, value)
        calls = {
            "kill": lambda: self.injector.kill(fault.target, signal_name),
            "stop": lambda: self.injector.stop(fault.target),
            "pause": lambda: self.injector.pause(fault.target),
            "isolate": lambda: self.injector.isolate(fault.target),
            "destroy-store": lambda: self.injector.destroy_store(fault.target),
            "start": lambda: self.injector.start(fault.target),
            "unpause": lambda: self.injector.unpause(fault.target),
            "heal": self.injector.heal,
        }
        try:
            result = calls[action]()
        except Exception as error:  # noqa: BLE001 - a failed fault is recorded, the run goes on
            self.ctx.history.complete(op, FAIL, error=f"{type(error).__name__}: {error}"[:300])
            return False
        self.ctx.history.complete(op, OK, done=result.lines())
        return True

    def _record_failed(self, action: str, target: str, error: str) -> None:
        op = self.ctx.history.invoke(NEMESIS, FAULT, {"action": action, "target": target, "nodes": [], "machine": None})
        self.ctx.history.complete(op, FAIL, error=error[:300])


def run_experiment(request: RunRequest, say: Callable[[str], None]):
    """Returns (run folder, RunMeta, CheckResult)."""
    spec = ClusterSpec(mode=request.mode, name=f"exp-{request.mode.value}", version=request.version)
    _remove_quietly(spec.name)
    say(f"Starting a fresh {request.mode.value} cluster '{spec.name}'…")
    started = start_cluster(spec, request.image, say)
    try:
        wait_until_ready(started.cluster, timeout=240)
        return _run_on(started.cluster, request, say)
    finally:
        if not request.keep:
            down(spec.name, volumes=True)
            say(f"Removed cluster {spec.name}.")


def _with_send_timeout_above_slave_wait(scenario: Scenario, version: str) -> Scenario:
    """A SYNC_MASTER whose slave is silent answers FLUSH_SLAVE_TIMEOUT after its slave wait (3 s;
    5 s on 4.7.0): the client must wait longer, or a stored message is recorded as unknown."""
    least = slave_wait(version)[1] + 1.0
    if scenario.workload.send_timeout >= least:
        return scenario
    return replace(scenario, workload=replace(scenario.workload, send_timeout=least))


def _run_on(cluster: Cluster, request: RunRequest, say):
    scenario = _with_send_timeout_above_slave_wait(request.scenario, cluster.version)
    direct = reaches_directly(cluster)
    client = RemotingClient(address_map=client_address_map(cluster, direct), timeout=3.0,
                            send_timeout=scenario.workload.send_timeout)
    with client, Observer(cluster, timeout=1.0, direct=direct) as observer:
        masters = _prepare_topics(cluster, client, observer, say)
        run_dir = _new_run_dir(request)
        history = HistoryWriter(run_dir / HISTORY_FILE)
        ctx = Context(cluster, client, history, TOPIC, QUEUES_PER_GROUP, scenario.workload)
        meta = _meta(cluster, request, masters, history.started_wall, direct)
        meta.save(run_dir)
        injector = FaultInjector(cluster, observer.roles, AuditLog(cluster_dir(cluster.name) / FAULT_LOG))
        nemesis = Nemesis(ctx, injector)
        say(f"Running {scenario.name} for {scenario.duration:.0f} s; history in {run_dir}")
        with Interrupts(ctx.stop) as interrupts:
            try:
                _workload_and_faults(ctx, observer, nemesis, scenario, say)
                _settle(ctx, nemesis, observer, say)
                _final_read(ctx, say)
            except KeyboardInterrupt:
                say("Interrupted again: undoing faults and stopping now; the history so far is saved.")
            finally:
                ctx.stop.set()
                nemesis.undo_all(final=True)
                history.close()
            if interrupts.count > 1:
                raise KeyboardInterrupt
    return run_dir, meta, _report(run_dir, meta)


def _workload_and_faults(ctx: Context, observer: Observer, nemesis: Nemesis, scenario: Scenario, say) -> None:
    roles_thread = RoleObserver(ctx, observer)
    roles_thread.poll_once()
    sequence, lock = itertools.count(), threading.Lock()
    threads = [roles_thread]
    threads += [Prober(ctx, g) for g in ctx.cluster.groups]
    threads += [Producer(ctx, i, sequence, lock) for i in range(scenario.workload.producers)]
    threads += [Consumer(ctx, g, r) for g in ctx.cluster.groups for r in scenario.workload.consumers]
    for thread in threads:
        thread.start()
    start = time.monotonic()
    try:
        for index, step in enumerate(scenario.faults, start=1):
            if ctx.stop.wait(max(0.0, start + step.at - time.monotonic())):
                break
            say(f"  t={time.monotonic() - start:5.1f} s  {step.action} {step.target or f'(step {step.undo})'}")
            nemesis.apply(index, step)
        ctx.stop.wait(max(0.0, start + scenario.duration - time.monotonic()))
    finally:
        ctx.stop.set()
        for thread in threads:
            thread.join(timeout=15)
        roles_thread.poll_once()


def _settle(ctx: Context, nemesis: Nemesis, observer: Observer, say) -> None:
    """Undo what the schedule left broken (not a destroyed store: that disk is gone), then wait until
    every surviving replica is registered again so the final read sees them all."""
    nemesis.undo_all(final=False)
    gone = {n for f in nemesis.applied.values() if f.action == "destroy-store" for n in f.nodes}
    expected = {b.name for b in ctx.cluster.brokers} - gone
    # A 2M2S group whose master's disk is gone has no one who could be master; any other group should.
    headless = {b.group for b in ctx.cluster.brokers if b.name in gone and b.role is BrokerRole.MASTER}
    deadline = time.monotonic() + SETTLE_TIMEOUT
    say("Faults undone; waiting for every replica to register again…")
    while time.monotonic() < deadline:
        roles = observer.roles()
        registered = {n for r in roles.values() for n in r.broker_ids}
        if expected <= registered and all(r.master for g, r in roles.items() if g not in headless):
            return
        time.sleep(1)
    say("  not every replica came back in time; the final read records what it cannot read.")


def _final_read(ctx: Context, say) -> None:
    say("Final read of every queue on every replica…")
    for group in ctx.cluster.groups:
        for broker in ctx.cluster.group_members(group):
            for queue in range(ctx.queues):
                until = _max_offset(ctx, broker.name, queue)
                read_queue(ctx, FINAL_READ, group, broker.name, queue, {}, until=until)


def _max_offset(ctx: Context, node: str, queue: int) -> int | None:
    try:
        return ctx.client.max_offset(ctx.addr(node), ctx.topic, queue)
    except RemotingError:
        return None


def _prepare_topics(cluster: Cluster, client: RemotingClient, observer: Observer, say) -> dict[str, str]:
    """Create the topics on every master, wait until every replica serves them, and until a send to
    each group is acknowledged plainly (a SYNC_MASTER answers SLAVE_NOT_AVAILABLE until replication runs)."""
    roles = observer.roles()
    masters = {g: r.master for g, r in roles.items() if r.master}
    if set(masters) != set(cluster.groups):
        raise RmqlabError("Not every group has a master before the run.", hint="rmqlab status shows why.")
    for topic in (TOPIC, WARMUP_TOPIC):
        for node in masters.values():
            client.create_topic(cluster.advertised_addr(cluster.node(node)), topic, QUEUES_PER_GROUP, QUEUES_PER_GROUP)
    say("Waiting until every replica serves the topic and every group acknowledges a send…")
    deadline = time.monotonic() + RESTORE_TIMEOUT
    pending = {b.name for b in cluster.brokers} | {f"send:{g}" for g in cluster.groups}
    while pending and time.monotonic() < deadline:
        for item in sorted(pending):
            if _serves(cluster, client, masters, item):
                pending.discard(item)
        time.sleep(0.5 if pending else 0)
    if pending:
        raise RmqlabError(f"The cluster never settled before the run: {', '.join(sorted(pending))}.")
    return masters


def _serves(cluster: Cluster, client: RemotingClient, masters: dict[str, str], item: str) -> bool:
    try:
        if item.startswith("send:"):
            node = masters[item.removeprefix("send:")]
            result = client.send(cluster.advertised_addr(cluster.node(node)), WARMUP_TOPIC, 0, b"warm-up")
            return result.code == 0
        result = client.pull(cluster.advertised_addr(cluster.node(item)), TOPIC, 0, 0)
        return result.code != 17  # a 5.x slave says TOPIC_NOT_EXIST until it has synced the topic config
    except RemotingError:
        return False


def _meta(cluster: Cluster, request: RunRequest, masters: dict[str, str], started_wall: float, direct: bool) -> RunMeta:
    groups = tuple(
        GroupMeta(g, tuple(b.name for b in cluster.group_members(g)), masters.get(g), QUEUES_PER_GROUP)
        for g in cluster.groups
    )
    return RunMeta(
        mode=request.mode.value,
        scenario=request.scenario.name,
        version=request.version,
        topic=TOPIC,
        groups=groups,
        started_wall=started_wall,
        duration_seconds=request.scenario.duration,
        fault_schedule=tuple(request.scenario.to_dict()["faults"]),
        cluster=cluster.name,
        extra={
            "description": request.scenario.description,
            "client_path": "direct to the brokers' addresses" if direct else "through 127.0.0.1 published ports",
        },
    )


def _new_run_dir(request: RunRequest) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run_dir = request.out_dir / f"{stamp}-{request.mode.value}-{request.scenario.name}"
    run_dir.mkdir(parents=True, exist_ok=False)
    latest = request.out_dir / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    os.symlink(run_dir.name, latest)
    return run_dir


def _report(run_dir: Path, meta: RunMeta):
    from rmqlab.experiment.checker import check
    from rmqlab.experiment.report import write_reports

    result = check(read_history(run_dir / HISTORY_FILE), meta)
    write_reports(run_dir, meta, result)
    return result


def _remove_quietly(name: str) -> None:
    try:
        down(name, volumes=True)
    except RmqlabError:
        pass
