"""A cluster watched live, for the dashboard: the name servers' answer four times a second, container states
and commit-log offsets more slowly (listing containers costs the engine one inspect each), a write probe per
group, the fault log, a running experiment, and a feed that says what changed and why.

Every change bumps `version` and calls the listeners (from the monitor's own threads); `view()` is the page's
data, JSON-ready. A cluster that does not exist yet, a stopped one or a missing engine are states of the view,
with a message and a hint, and the monitor keeps looking.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from rmqlab.api.dashview import build_view, cli_command
from rmqlab.api.feed import Feed, shown_state
from rmqlab.api.livexp import ExperimentWatch
from rmqlab.api.probe import PROBE_RATE, GroupProbe
from rmqlab.errors import RmqlabError
from rmqlab.faults import FAULTS
from rmqlab.live.observe import Observer
from rmqlab.runtime.provider import EngineUnavailable
from rmqlab.runtime.status import ClusterStatus, cluster_status
from rmqlab.runtime.workdir import FAULT_LOG, cluster_dir
from rmqlab.topology import mechanisms
from rmqlab.topology.model import Cluster
from rmqlab.topology.versions import slave_wait

ROLES_EVERY = 0.25  # the first name server's answer: what the page must show within a second
OFFSETS_EVERY = 2.0  # every name server, commit-log offsets and replication lag
CONTAINERS_EVERY = 10.0  # container states, unless a fault (ours or the CLI's) or a role change asks sooner
RETRY_EVERY = 2.0  # looking again for a cluster (or an engine) that is not there
EXPERIMENT_EVERY = 1.0

class _CachedContainers:
    """The provider, with containers() kept for a while."""

    def __init__(self, provider, max_age: float):
        self._provider = provider
        self._max_age = max_age
        self._at = -1e9
        self._value: dict | None = None

    def containers(self, cluster: str):
        if self._value is None or time.monotonic() - self._at > self._max_age:
            self._value = self._provider.containers(cluster)
            self._at = time.monotonic()
        return self._value

    def invalidate(self) -> None:
        self._value = None

    def __getattr__(self, name: str):
        return getattr(self._provider, name)


class _Attached:
    """What the monitor holds while the cluster exists."""

    def __init__(self, lab, cluster: Cluster, probe_rate: float, on_flip):
        self.cluster = cluster
        self.provider = _CachedContainers(lab.provider, CONTAINERS_EVERY)
        self.pool = ThreadPoolExecutor(max_workers=max(2, len(cluster.namesrvs)), thread_name_prefix="namesrv")
        self.observer = Observer(cluster, lab.provider.client(cluster, timeout=0.5), pool=self.pool)
        self.config = _config(cluster)
        self.feed = Feed(cluster.mode, cluster.version, self.config)
        self.masters: dict[str, str | None] = {}
        self.client = lab.provider.client(cluster, timeout=2.0, send_timeout=slave_wait(cluster.version)[1] + 1)
        self.probes = {g: GroupProbe(g, self.client, lambda g=g: self.masters.get(g), self._addr, on_flip,
                                     rate=probe_rate, send_timeout=slave_wait(cluster.version)[1] + 1)
                       for g in cluster.groups} if probe_rate > 0 else {}
        self.status: ClusterStatus | None = None
        self.feed_base: ClusterStatus | None = None  # the last full look, which the feed compares with
        self.full_soon = False
        self.answer_key: object = None
        self.audit = cluster_dir(cluster.name) / FAULT_LOG
        self.audit_offset = self.audit.stat().st_size if self.audit.exists() else 0

    def _addr(self, node: str) -> str:
        return self.cluster.advertised_addr(self.cluster.node(node))

    def close(self) -> None:
        for probe in self.probes.values():
            probe.close()
        self.observer.close()
        self.client.close()
        self.pool.shutdown(wait=False, cancel_futures=True)


class Monitor:
    def __init__(self, lab, name: str, probe_rate: float = PROBE_RATE):
        self.lab = lab
        self.name = name
        self.probe_rate = probe_rate
        self.version = 0
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._phase = ("starting", f"Looking for cluster '{name}'…", None)
        self._attached: _Attached | None = None
        self._experiment = ExperimentWatch(name)
        self._thread = threading.Thread(target=self._run, name=f"monitor-{name}", daemon=True)

    # -- life ---------------------------------------------------------------------------------------------

    def start(self) -> Monitor:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)
        self._detach()

    def listen(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback()` after every change (from a monitor thread); returns the function that stops it."""
        with self._lock:
            self._listeners.append(callback)

        def remove() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return remove

    def refresh(self) -> None:
        """Look again now (after a fault): containers included."""
        attached = self._attached
        if attached is not None:
            attached.provider.invalidate()
        self._wake.set()

    # -- acting -------------------------------------------------------------------------------------------

    def fault(self, action: str, target: str | None = None):
        """A fault-table entry, as the CLI does it (the fault log tells the feed)."""
        try:
            return self.lab.fault(self.name, action, target)
        finally:
            self.refresh()

    # -- the loop -----------------------------------------------------------------------------------------

    def _run(self) -> None:
        next_offsets = next_experiment = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            try:
                if self._attached is None:
                    self._attach()
                if self._attached is not None:
                    self._tick(offsets=now >= next_offsets)
                    if now >= next_offsets:
                        next_offsets = now + OFFSETS_EVERY
            except EngineUnavailable as error:
                self._lose("no-engine", error.message, error.hint)
            except RmqlabError as error:
                self._lose("error", error.message, error.hint)
            if now >= next_experiment:
                next_experiment = now + EXPERIMENT_EVERY
                if self._experiment.poll():
                    self._changed()
            wait = ROLES_EVERY if self._attached is not None else RETRY_EVERY
            self._wake.wait(wait)
            self._wake.clear()

    def _attach(self) -> None:
        self.lab.provider.ping()
        if self.name not in self.lab.provider.clusters():
            self._set_phase("unknown", f"No cluster named '{self.name}' runs here.",
                            f"Start it with `rmqlab up --name {self.name}`; this page fills in when it is up.")
            return
        cluster = self.lab.cluster(self.name)
        attached = _Attached(self.lab, cluster, self.probe_rate, self._flipped)
        with self._lock:
            self._attached = attached
        status = cluster_status(attached.provider, cluster, attached.observer, offsets=True)
        attached.status = attached.feed_base = status
        attached.masters.update({g: s.master for g, s in status.groups.items()})
        attached.feed.start(status)
        for probe in attached.probes.values():
            probe.start()
        self._set_phase(*_phase_of(status))

    def _tick(self, offsets: bool) -> None:
        attached = self._attached
        answer = attached.observer.first_answer()  # one request while the first name server answers
        key = None if answer is None else (answer.namesrv, {g: r.broker_ids for g, r in answer.roles.items()})
        changed_answer = key != attached.answer_key
        attached.answer_key = key
        new_faults = self._read_faults(attached)
        if changed_answer and not attached.full_soon:
            # Push the new answer at once, on the containers and offsets already known; the feed waits for the
            # full look (fresh container states say how the master went), which the next tick takes.
            status = _carry_offsets(cluster_status(attached.provider, attached.cluster, attached.observer),
                                    attached.status)
            attached.provider.invalidate()
            attached.full_soon = True
            self._wake.set()
            self._apply(attached, status, new_faults, compare=False)
            return
        if new_faults or (offsets and answer is None):
            attached.provider.invalidate()  # with no name server answering, containers are all there is to see
        if not (changed_answer or offsets or new_faults or attached.full_soon):
            return
        attached.full_soon = False
        status = cluster_status(attached.provider, attached.cluster, attached.observer, offsets=True)
        if not attached.provider.containers(self.name):
            self._detach()
            self._set_phase("unknown", f"Cluster '{self.name}' is gone (removed with rmqlab down?).",
                            f"Start it again with `rmqlab up --name {self.name}`; this page fills in when it is up.")
            return
        self._apply(attached, status, new_faults)

    def _apply(self, attached: _Attached, status: ClusterStatus, new_faults: bool, compare: bool = True) -> None:
        previous, attached.status = attached.status, status
        attached.masters.update({g: s.master for g, s in status.groups.items()})
        for g in attached.cluster.groups:
            attached.masters.setdefault(g, None)
            if g not in status.groups:
                attached.masters[g] = None
        added = []
        if compare:
            base, attached.feed_base = attached.feed_base, status
            added = attached.feed.compare(base, status) if base is not None else []
        phase_changed = self._set_phase(*_phase_of(status), notify=False)
        if added or new_faults or phase_changed or previous is None or previous.to_dict() != status.to_dict():
            self._changed()

    def _read_faults(self, attached: _Attached) -> bool:
        """New end records of the fault log (the CLI's faults and the page's alike) become feed items."""
        try:
            size = attached.audit.stat().st_size
        except OSError:
            return False
        if size <= attached.audit_offset:
            attached.audit_offset = min(size, attached.audit_offset)
            return False
        with attached.audit.open("rb") as handle:
            handle.seek(attached.audit_offset)
            chunk = handle.read(size - attached.audit_offset)
        complete = chunk[:chunk.rfind(b"\n") + 1]
        attached.audit_offset += len(complete)
        added = False
        for line in complete.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("event") == "end":
                attached.feed.add("fault", _fault_text(record), "; ".join(record.get("done") or []) or None)
                added = True
        return added

    def _flipped(self, group: str, flip: str, window) -> None:
        attached = self._attached
        if attached is None:
            return
        mode = attached.cluster.mode
        if flip == "opened":
            master = attached.masters.get(group)
            attached.feed.add("writes", mechanisms.group_unwritable(mode, group, master, window.reason), group=group)
        else:
            attached.feed.add("writes", mechanisms.group_writable(group, window.end - window.start), group=group)
        self._changed()

    def _detach(self) -> None:
        with self._lock:
            attached, self._attached = self._attached, None
        if attached is not None:
            attached.close()

    def _lose(self, phase: str, message: str, hint: str | None) -> None:
        self._detach()
        self._set_phase(phase, message, hint)

    def _set_phase(self, phase: str, message: str | None, hint: str | None, notify: bool = True) -> bool:
        with self._lock:
            if self._phase == (phase, message, hint):
                return False
            self._phase = (phase, message, hint)
        if notify:
            self._changed()
        return True

    def _changed(self) -> None:
        with self._lock:
            self.version += 1
            listeners = list(self._listeners)
        for callback in listeners:
            callback()

    # -- the page's data ----------------------------------------------------------------------------------

    def report_path(self):
        view = self._experiment.view
        return view.report if view else None

    def view(self) -> dict:
        with self._lock:
            attached, phase, version = self._attached, self._phase, self.version
        return build_view(self.name, version, phase, attached, self._experiment.view)


def _carry_offsets(status: ClusterStatus, previous: ClusterStatus | None) -> ClusterStatus:
    """A status asked without offsets, with the offsets last seen (until the next full look)."""
    if previous is None:
        return status
    offsets = {n.name: n.commitlog_max_offset for n in previous.nodes}
    nodes = tuple(replace(n, commitlog_max_offset=offsets.get(n.name)) for n in status.nodes)
    groups = {}
    for name, group in status.groups.items():
        before = previous.groups.get(name)
        lag = (before.replication_lag_bytes or {}) if before else {}
        groups[name] = replace(group, commitlog_max_offset=before.commitlog_max_offset if before else None,
                               replication_lag_bytes={s: lag.get(s) for s in group.slaves})
    return replace(status, nodes=nodes, groups=groups, offsets_asked=True)


def _phase_of(status: ClusterStatus) -> tuple[str, str | None, str | None]:
    if not any(n.state in ("running", "paused") for n in status.nodes):
        return ("stopped", f"Cluster '{status.cluster}' is stopped: none of its nodes runs.",
                f"`rmqlab start machine-a` (and the other machines) or the start buttons bring it back; "
                f"`rmqlab up --name {status.cluster}` too.")
    return ("live", None, None)


def _fault_text(record: dict) -> str:
    target = record.get("target") or ""
    kind = FAULTS.get(record.get("action", ""))
    said = kind.say(target) if kind and target else f"{record.get('action')} {target}".strip()
    if not record.get("ok"):
        return f"{said} failed: {record.get('error', 'unknown error')}"
    return said[0].upper() + said[1:] + "."


def _config(cluster: Cluster) -> dict[str, str]:
    """Every key the cluster's property files set (as rendered for it), merged."""
    from rmqlab.render.files import merged_keys

    return merged_keys(cluster)


__all__ = ["Monitor", "cli_command", "shown_state"]
