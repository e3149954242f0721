"""The Lab: every operation the CLI and the dashboard offer, once, over one provider.

    from rmqlab.api import Lab, ClusterSpec, Mode
    lab = Lab()                                   # the local Docker engine
    lab.up(ClusterSpec(mode=Mode.DLEDGER))        # render, lint, start, wait until ready
    lab.fault("rmqlab", "kill", "broker-a-master")
    print(lab.status("rmqlab").to_dict())

Results are typed; progress goes to an optional listener as events (rmqlab.api.events).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from rmqlab.api.events import Listener, NodeReady, Said, Waiting, quiet, saying
from rmqlab.api.specs import checked_spec
from rmqlab.errors import BadInput, RmqlabError
from rmqlab.faults import FAULTS
from rmqlab.lint import Finding, LintReport
from rmqlab.lint.pitfalls import Pitfall
from rmqlab.live.observe import Observer
from rmqlab.live.roles import GroupRoles
from rmqlab.runtime.audit import AuditLog
from rmqlab.runtime.injector import FaultInjector, FaultResult
from rmqlab.runtime.lifecycle import Removed, existing_spec, load_cluster, start_cluster
from rmqlab.runtime.pitfall import PitfallOutcome
from rmqlab.runtime.provider import Provider
from rmqlab.runtime.status import ClusterStatus, cluster_status
from rmqlab.runtime.workdir import FAULT_LOG, cluster_dir
from rmqlab.topology.layouts import MODES, build_cluster
from rmqlab.topology.model import Cluster, ClusterSpec
from rmqlab.topology.naming import validate_cluster_name
from rmqlab.topology.specio import spec_from_json

DEFAULT_UP_TIMEOUT = 240.0


@dataclass(frozen=True)
class UpResult:
    cluster: Cluster
    image: str
    image_why: str
    folder: str
    seconds: float
    already_running: bool


@dataclass(frozen=True)
class ClusterRow:
    name: str
    mode: str
    version: str


@dataclass(frozen=True)
class ModeRow:
    mode: str
    summary: str
    machines: dict[str, list[str]]


@dataclass(frozen=True)
class Rendered:
    cluster: Cluster
    written: list[Path]
    lint: LintReport


@dataclass(frozen=True)
class WatchFrame:
    status: ClusterStatus
    master_changed: dict[str, float]  # group -> time.monotonic() when its master last changed


class Lab:
    def __init__(self, provider: Provider | None = None):
        self._provider = provider

    @property
    def provider(self) -> Provider:
        if self._provider is None:
            from rmqlab.runtime.docker import DockerProvider

            self._provider = DockerProvider()
        return self._provider

    # -- layouts: no engine needed ------------------------------------------------------------------

    def modes(self) -> list[ModeRow]:
        rows = []
        for mode, info in MODES.items():
            cluster = build_cluster(ClusterSpec(mode=mode))
            machines = {m.name: [n.name for n in cluster.nodes_on(m.letter)] for m in cluster.machines}
            rows.append(ModeRow(mode.value, info.summary, machines))
        return rows

    def render(self, spec: ClusterSpec, out_dir: Path, image: str | None = None) -> Rendered:
        from rmqlab.lint.cluster import lint_cluster
        from rmqlab.render.files import check_out_dir, render_cluster_files, write_files
        from rmqlab.render.presets import default_image_reference

        cluster = build_cluster(checked_spec(spec))
        files = render_cluster_files(cluster, image or default_image_reference(spec.version))
        report = lint_cluster(cluster, files)
        check_out_dir(out_dir, files)
        return Rendered(cluster, write_files(out_dir, files), report)

    def lint(self, paths: list[Path], hosts: list[str], version: str, memory: list[str],
             heaps: list[str]) -> LintReport:
        from rmqlab.lint import lint_hosts
        from rmqlab.lint.collect import collect_hosts
        from rmqlab.topology.versions import parse_version

        parse_version(version)
        return lint_hosts(collect_hosts(paths, hosts, memory, heaps), version)

    # -- clusters -----------------------------------------------------------------------------------

    def up(self, spec: ClusterSpec, image: str | None = None, timeout: float = DEFAULT_UP_TIMEOUT,
           on_event: Listener = quiet) -> UpResult:
        """Render, lint, start and wait until every broker is registered with its expected role.
        Nothing is started when the spec, the lint or the engine says no."""
        from rmqlab.image.choose import choose_image
        from rmqlab.render.files import render_configs
        from rmqlab.runtime.placement import place
        from rmqlab.runtime.ready import wait_until_ready

        began = time.monotonic()
        spec = checked_spec(spec)
        _lint_before_start(build_cluster(spec))
        self.provider.ping()
        spec = place(self.provider, spec)
        cluster = build_cluster(spec)
        configs = render_configs(cluster)  # rendered once: linted now, written below
        _lint_before_start(cluster, configs)
        already = existing_spec(self.provider, spec)
        chosen = choose_image(self.provider, spec.version, image, saying(on_event))
        on_event(Said(f"Image: {chosen.reference} ({chosen.why})"))
        waiting = lambda found: on_event(_first_waiting(found))  # noqa: E731
        folder = start_cluster(self.provider, cluster, chosen.reference, configs, timeout=timeout, on_waiting=waiting)
        on_event(Said(f"Files: {folder}"))
        wait_until_ready(
            self.provider, cluster, timeout,
            on_progress=lambda p: on_event(NodeReady(p.node, p.state, p.elapsed)),
            on_waiting=waiting,
        )
        return UpResult(cluster, chosen.reference, chosen.why, folder, time.monotonic() - began, already)

    def down(self, name: str, volumes: bool = False, keep_dashboard: bool = False) -> Removed:
        """Remove the cluster, and stop its dashboard (unless kept: an experiment's page outlives its cluster)."""
        from rmqlab.runtime.lifecycle import down

        validate_cluster_name(name)
        stopped = None if keep_dashboard else self.stop_dashboard(name)
        try:
            return replace(down(self.provider, name, volumes), dashboard=stopped.url if stopped else None)
        except BadInput:
            if stopped is None:
                raise
            return Removed(0, 0, 0, False, dashboard=stopped.url)

    def clusters(self) -> list[ClusterRow]:
        rows = []
        for name, spec_json in sorted(self.provider.clusters().items()):
            try:
                spec = spec_from_json(spec_json)
                rows.append(ClusterRow(name, spec.mode.value, spec.version))
            except RmqlabError:
                rows.append(ClusterRow(name, "?", "?"))
        return rows

    def cluster(self, name: str) -> Cluster:
        return load_cluster(self.provider, name)

    def observer(self, cluster: Cluster, timeout: float = 1.0) -> Observer:
        return Observer(cluster, self.provider.client(cluster, timeout=timeout))

    def status(self, name: str, offsets: bool = False) -> ClusterStatus:
        cluster = self.cluster(name)
        status = cluster_status(self.provider, cluster, offsets=offsets)
        record = self.dashboard(name)
        return replace(status, dashboard=record.url) if record else status

    def watch(self, name: str, interval: float = 0.5) -> Iterator[WatchFrame]:
        """Snapshots with commit-log offsets, every `interval` seconds, remembering when each master changed."""
        cluster = self.cluster(name)
        masters: dict[str, str | None] = {}
        changed: dict[str, float] = {}
        with self.observer(cluster, timeout=0.5) as observer:
            while True:
                status = cluster_status(self.provider, cluster, observer, offsets=True)
                for group, entry in status.groups.items():
                    if group in masters and masters[group] != entry.master:
                        changed[group] = time.monotonic()
                    masters[group] = entry.master
                yield WatchFrame(status, dict(changed))
                time.sleep(interval)

    def logs(self, name: str, node: str, follow: bool = False, tail: int = 200, file: str | None = None) -> int:
        from rmqlab.runtime.tools import stream_logs

        if tail < 0:
            raise BadInput(f"--tail must be 0 or more, not {tail}.")
        return stream_logs(self.provider, self.cluster(name), node, follow, tail, file)

    def admin(self, name: str, args: list[str], timeout: float = 120.0) -> tuple[int, str]:
        """RocketMQ's mqadmin inside the cluster, arguments passed through unchanged."""
        from rmqlab.runtime.tools import run_mqadmin

        if not args:
            raise BadInput("Give mqadmin a command.", hint="For example: rmqlab admin clusterList")
        if not 0 < timeout <= 3600:
            raise BadInput(f"--timeout must be between 0 and 3600 seconds, not {timeout}.")
        return run_mqadmin(self.provider, self.cluster(name), list(args), timeout)

    # -- the dashboard ------------------------------------------------------------------------------

    def monitor(self, name: str, probe_rate: float | None = None):
        """A cluster watched live (rmqlab.api.monitor.Monitor); start() it, close() it."""
        from rmqlab.api.monitor import Monitor
        from rmqlab.api.probe import PROBE_RATE

        validate_cluster_name(name)
        return Monitor(self, name, PROBE_RATE if probe_rate is None else probe_rate)

    def dashboard(self, name: str):
        """The dashboard serving `name` while it runs (url, pid, port), else None."""
        from rmqlab.runtime.livefiles import read_dashboard

        return read_dashboard(name)

    def start_dashboard(self, name: str, port: int | None = None):
        """A dashboard for `name` running detached (the one already running, if any)."""
        from rmqlab.runtime.livefiles import spawn_dashboard

        return self.dashboard(name) or spawn_dashboard(name, port)

    def stop_dashboard(self, name: str):
        from rmqlab.runtime.livefiles import stop_dashboard

        return stop_dashboard(name)

    @contextmanager
    def serving_dashboard(self, name: str, url: str, port: int):
        """Record this process as the dashboard of `name` while the block runs (so `status` shows its URL)."""
        import os

        from rmqlab.errors import RmqlabError as _Error
        from rmqlab.runtime.livefiles import DashboardRecord, clear_dashboard, write_dashboard

        other = self.dashboard(name)
        if other is not None and other.pid != os.getpid():
            raise _Error(f"A dashboard for '{name}' already runs: {other.url} (pid {other.pid}).",
                         hint=f"Open that URL, or stop it with `kill {other.pid}`.")
        record = DashboardRecord(name, url, os.getpid(), port, time.time())
        write_dashboard(record)
        try:
            yield record
        finally:
            clear_dashboard(name, record.pid)

    # -- faults -------------------------------------------------------------------------------------

    def injector(self, cluster: Cluster) -> FaultInjector:
        """The one fault injector of a cluster: live role aliases from its name servers, every fault in its log."""

        def roles() -> dict[str, GroupRoles]:
            with self.observer(cluster) as observer:
                return observer.roles()

        return FaultInjector(cluster, self.provider, roles, AuditLog(cluster_dir(cluster.name) / FAULT_LOG))

    def fault(self, name: str, action: str, target: str | None = None, peer: str | None = None,
              **options: str) -> FaultResult:
        """One entry of the fault table (rmqlab.faults.FAULTS), done to a node, a machine or a role alias (and
        to a peer, for partition A B)."""
        if action not in FAULTS:
            raise BadInput(f"Unknown fault '{action}'.", hint=f"Faults: {', '.join(FAULTS)}.")
        validate_cluster_name(name)
        return self.injector(self.cluster(name)).apply(action, target, peer, **options)

    def heal(self, name: str) -> FaultResult:
        return self.fault(name, "heal")

    def restore(self, name: str, timeout: float = DEFAULT_UP_TIMEOUT, on_event: Listener = quiet) -> Cluster:
        """Every fault undone and every node started again (a destroyed store comes back empty), then ready."""
        from rmqlab.runtime.ready import wait_for_masters, wait_until_ready

        cluster = self.cluster(name)
        injector = self.injector(cluster)
        for line in injector.apply("heal").lines():
            on_event(Said(line))
        states = self.provider.containers(name)
        down = [n for n in [*(m.name for m in cluster.machines), *(n.name for n in cluster.nodes),
                            *(p.name for p in cluster.own_proxies_on_any())]
                if n not in states or states[n].status != "running"]
        proxies = {p.name for p in cluster.own_proxies_on_any()}
        for node in [n for n in down if n not in proxies]:
            for line in injector.apply("start", node).lines():
                on_event(Said(line))
        if proxies & set(down):  # a proxy that starts while a group has no master exits
            wait_for_masters(self.provider, cluster, timeout, lambda found: on_event(_first_waiting(found)))
        for node in [n for n in down if n in proxies]:
            for line in injector.apply("start", node).lines():
                on_event(Said(line))
        wait_until_ready(self.provider, cluster, timeout,
                         on_progress=lambda p: on_event(NodeReady(p.node, p.state, p.elapsed)),
                         on_waiting=lambda waiting: on_event(_first_waiting(waiting)))
        return cluster

    # -- clients ------------------------------------------------------------------------------------

    def produce(self, name: str, topic: str, count: int = 10, rate: float | None = None, to: str | None = None,
                size: int = 128):
        """Sends to the current masters, one result per message (rmqlab.live.clientops.Sent)."""
        from rmqlab.api.clients import produce

        return produce(self, name, topic, count, rate, to, size)

    def consume(self, name: str, topic: str, from_slave: bool = False, group: str | None = None):
        """Everything in a topic, from each group's master or a slave: Read, Refused or Skipped items."""
        from rmqlab.api.clients import consume

        return consume(self, name, topic, from_slave, group)

    # -- pitfalls -----------------------------------------------------------------------------------

    def pitfall(self, name: str, image: str | None = None, on_event: Listener = quiet):
        """Make a hand-made mistake for real (lint bypassed), with the lint rule that would have caught it."""
        from rmqlab.image.choose import choose_image
        from rmqlab.lint.pitfalls import lint_pitfall, pitfall
        from rmqlab.runtime.pitfall import run_pitfall
        from rmqlab.topology.versions import DEFAULT_VERSION

        chosen = pitfall(name)
        report = lint_pitfall(chosen)
        self.provider.ping()
        reference = choose_image(self.provider, DEFAULT_VERSION, image, saying(on_event)).reference
        outcome = run_pitfall(self.provider, chosen, reference, saying(on_event))
        return PitfallRun(chosen, outcome, tuple(f for f in report.findings if f.rule == chosen.rule))

    def pitfall_rules(self) -> list[tuple[Pitfall, tuple[Finding, ...]]]:
        """Every pitfall with what `rmqlab lint` says about its very files (the rule that would catch it); no
        engine needed."""
        from rmqlab.lint.pitfalls import PITFALLS, lint_pitfall

        return [(p, tuple(f for f in lint_pitfall(p).findings if f.rule == p.rule)) for p in PITFALLS.values()]

    # -- experiments --------------------------------------------------------------------------------

    def session(self, name: str, out_dir: Path, label: str = "session", workload=None, on_event: Listener = quiet):
        """A live experiment on a running cluster whose faults come one at a time from the caller (the tour):
        `with lab.session(...) as s: s.apply("kill", "broker-a-master"); s.watch(...); s.check()`. Its history
        and reports are saved as a run folder under `out_dir`; leaving the block undoes every fault."""
        from rmqlab.experiment.run.runner import RunRequest
        from rmqlab.experiment.run.scenario import Scenario, Workload
        from rmqlab.experiment.run.session import LiveSession

        cluster = self.cluster(name)
        scenario = Scenario(label, "faults chosen live, one at a time", 0.0, (), workload or Workload())
        request = RunRequest(cluster.mode, scenario, out_dir, cluster.version, keep=True)
        return LiveSession(cluster, request, self.provider, self.injector(cluster), saying(on_event))

    def experiment(self, mode: str, scenario, version: str, out_dir: Path, image: str | None = None,
                   keep: bool = False, on_event: Listener = quiet, reuse: bool = False, dashboard: bool = False,
                   knobs=(), client: str = "rmqlab", proxy=None, consumer_group: int | None = None,
                   pop: bool = False):
        """A fresh cluster (or, with `reuse`, the healthy one of the same spec), the scenario's workload and
        faults, the checker, the reports; with `dashboard`, a detached dashboard of the experiment's cluster
        that shows the timeline as it fills in. `knobs` are --set knobs (rmqlab.api.parse_knobs); `client` is
        whose producers send (rmqlab; java: RocketMQ's own DefaultMQProducer; grpc: the official Python gRPC
        client through the cluster's proxies, which `proxy` (a ProxyMode) gives it); `consumer_group`: members
        of an application consumer group beside the workload (None: as the scenario says); `pop`: that group
        consumes with POP (5.x; the brokers get their timer wheel)."""
        from rmqlab.api import experiments

        (plan,) = experiments.prepare([mode], scenario, version, out_dir, tuple(knobs), client=client, proxy=proxy,
                                      consumer_group=consumer_group, pop=pop)
        return experiments.run(self, plan, out_dir, image, keep, on_event, reuse, dashboard)

    def compare(self, modes: list[str], scenario, versions: list[str] | str, out_dir: Path,
                image: str | None = None, on_event: Listener = quiet, reuse: bool = False, knobs=(),
                variants=None, client: str = "rmqlab", proxy=None, consumer_group: int | None = None,
                pop: bool = False):
        """One scenario on every layout and version named, and on each variant (rmqlab.api.parse_variant),
        side by side, with the same client everywhere."""
        from rmqlab.api import experiments

        plans = experiments.prepare(modes, scenario, versions, out_dir, tuple(knobs), variants, client=client,
                                    proxy=proxy, consumer_group=consumer_group, pop=pop)
        return experiments.compare(self, plans, out_dir, image, on_event, reuse)

    def report(self, run_dir: Path):
        """Check a saved history again and rewrite its reports."""
        from rmqlab.api import experiments

        return experiments.report(run_dir)

    # -- the machine --------------------------------------------------------------------------------

    def build_image(self, version: str, base: str = "auto", force: bool = False, on_event: Listener = quiet):
        from rmqlab.image import build_image

        return build_image(version, base, progress=saying(on_event), force=force)

    def doctor(self, fix: bool = False, on_event: Listener = quiet):
        from rmqlab.runtime import doctor

        return doctor.fix(saying(on_event)) if fix else doctor.diagnose()


@dataclass(frozen=True)
class PitfallRun:
    pitfall: Pitfall
    outcome: PitfallOutcome
    caught_by: tuple[Finding, ...]  # the lint findings of the pitfall's rule


def _first_waiting(waiting: dict[str, str]) -> Waiting:
    node, why = next(iter(waiting.items()))
    return Waiting(node, why, len(waiting) - 1)


def _lint_before_start(cluster: Cluster, configs: dict[str, str] | None = None) -> None:
    from rmqlab.lint.cluster import lint_cluster
    from rmqlab.render.files import render_configs

    report = lint_cluster(cluster, configs if configs is not None else render_configs(cluster))
    if report.errors:
        details = "; ".join(f.message for f in report.errors)
        raise BadInput(f"The rendered layout does not pass lint, so nothing was started: {details}")
