"""An experiment whose faults come one at a time from its caller (the guided tour), not from a schedule.

The workload (role observer, a probe per group, producers) runs from start() to finish(); apply() does one fault
through the nemesis, recorded in the history like any scheduled one; watch() waits until a condition on the live
view holds; check() runs the pure checker on the history so far. finish() undoes every fault, reads every replica
and writes the reports, as a scheduled run does, so the saved run can be re-checked with `experiment report`.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from rmqlab.experiment.check.history import (
    FAULT,
    HISTORY_FILE,
    INVOKE,
    OBSERVE,
    OK,
    PROBE_PREFIX,
    ROLES,
    SEND,
    Event,
    HistoryWriter,
    read_history,
)
from rmqlab.experiment.check.runmeta import RunMeta
from rmqlab.experiment.run.nemesis import Nemesis
from rmqlab.experiment.run.popconsumer import consumer_group
from rmqlab.experiment.run.runner import (
    RunRequest,
    _final_read,
    _meta,
    _new_run_dir,
    _prepare_topics,
    _report,
    _settle,
    _with_send_timeout_above_slave_wait,
    failover_settings,
)
from rmqlab.experiment.run.scenario import FaultStep
from rmqlab.experiment.run.workload import Consumer, Prober, Producer, RoleObserver, RunContext
from rmqlab.live.clientops import QUEUES_PER_GROUP
from rmqlab.live.observe import Observer
from rmqlab.runtime.injector import FaultInjector
from rmqlab.runtime.livefiles import note_experiment
from rmqlab.runtime.provider import Provider
from rmqlab.topology.model import Cluster
from rmqlab.topology.timing import Settings

WATCH_POLL = 0.1
TOPIC_PREFIX = "rmqlab-tour"


@dataclass(frozen=True)
class Applied:
    step: int  # its number among the session's steps (what an undo names)
    fault: int | None  # the index the checker gives the fault it recorded; None when nothing was recorded
    nodes: tuple[str, ...]  # the nodes it hit (for an undo: those of the fault it undid)


class LiveView:
    """What the history has said so far, kept up to date as each event is written: who is listed, since when,
    and each group's probe sends. Thread-safe; times are on the history's clock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0.0
        self.roles: dict[str, dict] = {}  # group -> {"master", "slaves", "ids"} as last observed
        self.master_since: dict[str, float] = {}
        self.listed_since: dict[str, float] = {}  # node -> when it was last seen appearing in the listing
        self.unlisted_since: dict[str, float] = {}  # node -> when it last left the listing
        self.faults = 0  # fault operations recorded so far (the checker numbers them from 0 in this order)
        self._probe_invokes: dict[int, tuple[str, float]] = {}  # op id -> (group, invoke t)
        self.probes: dict[str, list[tuple[float, float, str, str | None]]] = {}  # group -> (invoke t, end t, type,
        # code name), in completion order

    def __call__(self, event: Event) -> None:
        with self._lock:
            self.now = event.t
            if event.type == OBSERVE and event.f == ROLES and isinstance(event.value, dict):
                self._roles(event.t, event.value)
            elif event.f == FAULT and event.type == INVOKE:
                self.faults += 1
            elif event.f == SEND and event.process.startswith(PROBE_PREFIX):
                self._probe(event)

    def _roles(self, t: float, view: dict) -> None:
        before = {n for r in self.roles.values() for n in (r.get("ids") or {})}
        now = {n for r in view.values() for n in (r.get("ids") or {})}
        for node in now - before:
            self.listed_since[node] = t
        for node in before - now:
            self.unlisted_since[node] = t
        for group, entry in view.items():
            if (self.roles.get(group) or {}).get("master") != entry.get("master"):
                self.master_since[group] = t
        self.roles = view

    def _probe(self, event: Event) -> None:
        group = event.process[len(PROBE_PREFIX):]
        if event.type == INVOKE:
            self._probe_invokes[event.op_id] = (group, event.t)
            return
        _, invoked = self._probe_invokes.pop(event.op_id, (group, event.t))
        self.probes.setdefault(group, []).append((invoked, event.t, event.type, event.code_name))

    # -- questions a watch asks ----------------------------------------------------------------------

    def master(self, group: str) -> str | None:
        with self._lock:
            return (self.roles.get(group) or {}).get("master")

    def broker_id(self, node: str) -> int | None:
        with self._lock:
            return next((ids[node] for r in self.roles.values() if node in (ids := r.get("ids") or {})), None)

    def since(self, table: str, key: str) -> float | None:
        with self._lock:
            return getattr(self, table).get(key)

    def sends_after(self, group: str, t: float) -> list[tuple[float, float, str, str | None]]:
        """The group's probe sends invoked at or after t that have completed."""
        with self._lock:
            return [s for s in self.probes.get(group, ()) if s[0] >= t]

    def ok_after(self, group: str, t: float) -> bool:
        return any(kind == OK for _, _, kind, _ in self.sends_after(group, t))


class LiveSession:
    def __init__(self, cluster: Cluster, request: RunRequest, provider: Provider, injector: FaultInjector,
                 say: Callable[[str], None]):
        self.cluster = cluster
        self.request = request
        self.provider = provider
        self.injector = injector
        self.say = say
        self.view = LiveView()
        self.steps: list[FaultStep] = []
        self.run_dir: Path | None = None
        self.meta: RunMeta | None = None
        self._threads: list[threading.Thread] = []
        self._finished = False

    # -- life ----------------------------------------------------------------------------------------

    def start(self) -> Path:
        self.request = replace(self.request, scenario=_with_send_timeout_above_slave_wait(self.request.scenario,
                                                                                          self.cluster.version))
        workload = self.request.scenario.workload
        self._client = self.provider.client(self.cluster, timeout=3.0, send_timeout=workload.send_timeout)
        self._observer = Observer(self.cluster, self.provider.client(self.cluster, timeout=1.0))
        self.run_dir = _new_run_dir(self.request)
        topic = f"{TOPIC_PREFIX}-{time.time_ns() // 1_000_000}"
        masters = _prepare_topics(self.cluster, self._client, self._observer, topic, self.say)
        self.history = HistoryWriter(self.run_dir / HISTORY_FILE, listener=self.view)
        self.ctx = RunContext(self.cluster, self._client, self.history, topic, QUEUES_PER_GROUP, workload)
        meta = _meta(self.cluster, self.request, masters, self.history.started_wall,
                     self.provider.direct(self.cluster), topic, failover_settings(self.cluster, workload))
        self.meta = replace(meta, duration_seconds=None)  # no schedule: it lasts as long as its caller wants
        self.meta.save(self.run_dir)
        note_experiment(self.cluster.name, self.run_dir)  # a dashboard of this cluster shows the tour's timeline
        self.nemesis = Nemesis(self.ctx, self.injector)
        roles = RoleObserver(self.ctx, self._observer)
        roles.poll_once()
        sequence, lock = itertools.count(), threading.Lock()
        self._threads = [roles, *(Prober(self.ctx, g) for g in self.cluster.groups),
                         *(Producer(self.ctx, i, sequence, lock) for i in range(workload.producers)),
                         *(Consumer(self.ctx, g, r) for g in self.cluster.groups for r in workload.consumers)]
        self.app = None
        if workload.app_members:
            self._app_client = self.provider.client(self.cluster, timeout=3.0)
            self.app = consumer_group(self.ctx, self._app_client)
        self._threads += self.app.threads() if self.app else []
        for thread in self._threads:
            thread.start()
        return self.run_dir

    def restart_consumer(self, member: str, down_for: float) -> None:
        """An application instance of the consumer group crashes and comes back after `down_for` seconds."""
        if self.app is None or not hasattr(self.app, "restart"):
            raise ValueError("this session runs no offset-committing consumer group (Workload.app_members)")
        self.app.restart(member, down_for)

    def consumer_groups(self, history: list[Event] | None = None) -> dict:
        """Each consumer group's deliveries, duplicates per member, and why: committing groups
        (consumer_groups) and POP groups (pop_groups), by name."""
        from rmqlab.experiment.check.consumer_groups import check_consumer_groups
        from rmqlab.experiment.check.pop_groups import check_pop_groups

        history = self.events() if history is None else history
        return {**check_consumer_groups(history), **check_pop_groups(history)}

    def apply(self, action: str, target: str | None = None, undo: int | None = None, **options: str) -> Applied:
        """One fault (or, with `undo`, the undoing of step `undo`), recorded and done through the nemesis."""
        step = FaultStep(at=round(self.history.now(), 3), action=action, target=target, undo=undo,
                         options={k: str(v) for k, v in options.items()})
        self.steps.append(step)
        number, before = len(self.steps), self.view.faults
        self.nemesis.apply(number, step)
        hit = self.nemesis.applied.get(undo if action == "undo" else number)
        return Applied(number, before if self.view.faults > before else None, hit.nodes if hit else ())

    def watch(self, until: Callable[[LiveView], bool], timeout: float) -> bool:
        """Wait until `until(view)` holds (True) or `timeout` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if until(self.view):
                return True
            time.sleep(WATCH_POLL)
        return until(self.view)

    def now(self) -> float:
        return self.history.now()

    def meta_settings(self) -> Settings:
        """The settings that decide failover timing here, as run.json records them."""
        return Settings.from_record(self.meta.settings)

    def events(self) -> list[Event]:
        return read_history(self.run_dir / HISTORY_FILE)

    def check(self, history: list[Event] | None = None):
        """The checker on the history written so far (the workload keeps running)."""
        from rmqlab.experiment.check.checker import check

        return check(self.events() if history is None else history, self._meta_now())

    def finish(self, final_read: bool = True):
        """Stop the workload, undo every fault, wait for every replica, read them all, write the reports."""
        if self._finished:
            return None
        self._finished = True
        try:
            self._stop_threads()
            if final_read:
                _settle(self.ctx, self.nemesis, self._observer, self.say)
                _final_read(self.ctx, self.say)
        finally:
            self.nemesis.undo_all(final=True)
            self.history.close()
            self._close_clients()
        self.meta = self._meta_now()
        self.meta.save(self.run_dir)
        return self.run_dir, self.meta, _report(self.run_dir, self.meta)

    def _stop_threads(self) -> None:
        self.ctx.stop.set()
        for thread in self._threads:
            thread.join(timeout=15)

    def _meta_now(self) -> RunMeta:
        schedule = tuple({k: v for k, v in step.__dict__.items() if k != "options" and v not in (None, False)}
                         | step.options for step in self.steps)
        return replace(self.meta, fault_schedule=schedule)

    def __enter__(self) -> LiveSession:
        try:
            self.start()
        except BaseException:
            self._close_clients()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if not self._finished:
            self.finish(final_read=exc[0] is None)

    def _close_clients(self) -> None:
        for name in ("_client", "_observer", "_app_client"):
            if hasattr(self, name):
                getattr(self, name).close()
