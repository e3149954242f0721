"""Experiments through the Lab: a fresh cluster of exactly the spec the run uses, the run, the reports, and
the cluster removed again (unless kept). compare runs one scenario on several layouts."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

from rmqlab.api.events import Listener, Said, Stage, saying
from rmqlab.api.specs import checked_spec
from rmqlab.errors import BadInput, RmqlabError
from rmqlab.experiment.check.result import CheckResult
from rmqlab.experiment.check.runmeta import CLIENTS, GRPC_CLIENT, JAVA_CLIENT, RMQLAB_CLIENT, RunMeta
from rmqlab.experiment.run.grpcproducer import check_grpc_cluster, grpc_client_module
from rmqlab.experiment.run.runner import RunRequest, run_on
from rmqlab.experiment.run.scenario import Scenario, load_scenario, with_client_knobs, with_consumer_group
from rmqlab.topology.knobs import Knob, parse_knobs, split_client
from rmqlab.topology.layouts import build_cluster, parse_mode
from rmqlab.topology.model import DEFAULT_BROKER_HEAP, ClusterSpec, Mode, ProxyMode
from rmqlab.topology.versions import is_5x

STOCK = "stock"


@dataclass(frozen=True)
class ExperimentRun:
    run_dir: Path
    meta: RunMeta
    result: CheckResult
    dashboard: str | None = None  # the URL of the dashboard that watched it (it keeps running)

    @property
    def alarming(self) -> bool:
        """A verdict says acknowledged data was lost, diverged or appeared from nowhere."""
        from rmqlab.experiment.report.wording import is_alarm

        return any(is_alarm(v) for v in self.result.verdicts)


@dataclass(frozen=True)
class Comparison:
    runs: list[ExperimentRun]
    page: Path

    @property
    def alarming(self) -> bool:
        return any(run.alarming for run in self.runs)


@dataclass(frozen=True)
class Variant:
    """A named set of knobs (--variant 'fast-election: dledger:heartBeatTimeIntervalMs=500 …'); stock has none."""

    name: str
    knobs: tuple[Knob, ...] = ()


@dataclass(frozen=True)
class Planned:
    """One run of an experiment: the cluster it gets, the scenario as that run's producers behave, its variant."""

    spec: ClusterSpec
    scenario: Scenario
    variant: Variant | None
    client: str = RMQLAB_CLIENT  # whose producers send (runmeta.CLIENTS)


def parse_variant(text: str) -> Variant:
    """`stock`, or `name: [scope:]key=value [scope:]key=value …` (commas work as separators too)."""
    name, colon, rest = text.partition(":")
    name = name.strip()
    if not colon:
        if name != STOCK:
            raise BadInput(f"--variant {text!r} has no knobs.",
                           hint="Write --variant stock, or --variant 'NAME: key=value key=value'.")
        return Variant(STOCK)
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise BadInput(f"--variant {text!r} needs a name of letters, digits and dashes before the colon.")
    knobs = parse_knobs([part for part in rest.replace(",", " ").split() if part])
    if not knobs:
        raise BadInput(f"--variant {text!r} names no knob.", hint="Give key=value pairs after the colon.")
    return Variant(name, knobs)


def experiment_spec(mode: Mode, version: str, knobs: tuple[Knob, ...] = (),
                    proxy: ProxyMode | None = None) -> ClusterSpec:
    """The one spec an experiment runs on (and is validated against); one cluster per layout, version and
    proxy mode (-pxl: local, -pxc: cluster; short, as cluster names are at most 30 characters)."""
    name = f"exp-{mode.value}-{version.replace('.', '-')}" + (f"-px{proxy.value[0]}" if proxy else "")
    return ClusterSpec(mode=mode, name=name, version=version, knobs=knobs, proxy=proxy)


def prepare(modes: list[str], scenario: str | Scenario, versions: list[str] | str, out_dir: Path,
            knobs: tuple[Knob, ...] = (), variants: list[Variant] | None = None,
            client: str = RMQLAB_CLIENT, proxy: ProxyMode | None = None, consumer_group: int | None = None,
            pop: bool = False) -> list[Planned]:
    """Every input checked before anything starts: modes, versions, scenario, knobs, client, the consumer group
    and the output folder. The runs are every layout on every version and variant, layouts first."""
    versions = [versions] if isinstance(versions, str) else list(versions)
    if client not in CLIENTS:
        raise BadInput(f"No client {client!r}.", hint=f"--client is one of {', '.join(CLIENTS)}.")
    if client == GRPC_CLIENT:
        for version in versions:
            check_grpc_cluster(version, proxy)
        grpc_client_module()
    if client == JAVA_CLIENT:
        from rmqlab.experiment.run.javaproducer import SOURCE
        from rmqlab.runtime.javaclient import check_can_compile

        for version in versions:
            check_can_compile(SOURCE, version)
    if not modes:
        raise BadInput("No layout to run.", hint="Name one or more with --mode / --modes, e.g. 2m2s-sync,dledger.")
    if not versions:
        raise BadInput("No RocketMQ version to run.", hint="Name one or more with --versions, e.g. 4.7.0,5.5.0.")
    parsed = [parse_mode(m) for m in modes]
    if len(set(parsed)) != len(parsed) or len(set(versions)) != len(versions):
        raise BadInput("A layout or a version is named twice.", hint="Name each once.")
    if variants and len({v.name for v in variants}) != len(variants):
        raise BadInput("A variant is named twice.", hint="Give each --variant its own name.")
    chosen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    chosen = with_consumer_group(chosen, consumer_group, pop)
    planned = []
    for mode in parsed:
        for version in versions:
            for variant in variants or [None]:
                every = tuple(knobs) + (variant.knobs if variant else ())
                if chosen.workload.app_pop:
                    every = pop_knobs(version, every)
                spec = checked_spec(experiment_spec(mode, version, every, proxy), allow_client=True)
                if chosen.workload.app_pop:
                    spec = replace(spec, broker_heap=POP_BROKER_HEAP)
                build_cluster(spec)
                cluster_knobs, client_knobs = split_client(spec.knobs)
                planned.append(Planned(replace(spec, knobs=cluster_knobs), with_client_knobs(chosen, client_knobs),
                                       variant, client))
    _check_out_dir(out_dir)
    return planned


# POP needs the broker's timer wheel; its direct buffers get room wherever the wheel is on (render.compose). A
# DLedger broker's pops and acks also ran out of a 128 MB heap ("Java heap space" in ACK_MESSAGE's answer).
POP_BROKER_HEAP = replace(DEFAULT_BROKER_HEAP, heap_mb=DEFAULT_BROKER_HEAP.heap_mb + 128)
TIMER_WHEEL = "timerWheelEnable"


def pop_knobs(version: str, knobs: tuple[Knob, ...]) -> tuple[Knob, ...]:
    """The knobs a POP consumer group's run needs: the timer wheel on (rmqlab renders it off). 4.x has no POP."""
    if not is_5x(version):
        raise BadInput(f"POP consumption needs RocketMQ 5.x; {version} has none.",
                       hint="Drop --pop (the group then commits offsets), or run --version 5.5.0.")
    if any(k.key == TIMER_WHEEL and k.value.lower() != "true" for k in knobs):
        raise BadInput(f"POP needs the brokers' timer wheel, and --set turns {TIMER_WHEEL} off.",
                       hint=f"Drop --set {TIMER_WHEEL}=false; --pop turns it on itself.")
    if any(k.key == TIMER_WHEEL for k in knobs):
        return knobs  # --set timerWheelEnable=true already: a second knob of it would be a duplicate key
    return knobs + parse_knobs([f"{TIMER_WHEEL}=true"])


def run(lab, plan: Planned, out_dir: Path, image: str | None, keep: bool, on_event: Listener,
        reuse: bool = False, dashboard: bool = False) -> ExperimentRun:
    """On a fresh cluster, removed afterwards; with `reuse`, on the cluster of this very spec if one runs
    (healed, every node started, ready again), left running for the next run. With `dashboard`, a detached
    dashboard of the cluster shows the timeline as it fills in and keeps the report link afterwards."""
    say = saying(on_event)
    spec = plan.spec
    url = None
    if dashboard:
        url = lab.start_dashboard(spec.name).url  # it finds the run through the note the runner leaves
        on_event(Said(f"Dashboard: {url}"))
    try:
        cluster = _restored(lab, spec, on_event) if reuse else None
        if cluster is None:
            _remove_quietly(lab, spec.name)
            on_event(Said(f"Starting a fresh {spec.mode.value} cluster '{spec.name}'…"))
            cluster = lab.up(spec, image, on_event=on_event).cluster
        request = RunRequest(spec.mode, plan.scenario, out_dir, spec.version, image, keep or reuse,
                             variant=plan.variant.name if plan.variant else None, client=plan.client)
        run_dir, meta, result = run_on(cluster, request, lab.provider, lab.injector(cluster), say)
        return ExperimentRun(run_dir, meta, result, url)
    finally:
        if not keep and not reuse:
            _remove_quietly(lab, spec.name)
            on_event(Said(f"Removed cluster {spec.name}."))


def _restored(lab, spec: ClusterSpec, on_event: Listener):
    """The running cluster of exactly this spec, with every fault undone and every node up; None if none runs."""
    from rmqlab.runtime.placement import place
    from rmqlab.topology.specio import spec_to_json

    running = lab.provider.clusters().get(spec.name)
    if running is None or running != spec_to_json(place(lab.provider, spec)):
        return None
    on_event(Said(f"Reusing cluster '{spec.name}': undoing every fault and starting what is down…"))
    return lab.restore(spec.name, on_event=on_event)


def compare(lab, plans: list[Planned], out_dir: Path, image: str | None, on_event: Listener,
            reuse: bool = False) -> Comparison:
    from rmqlab.experiment.report.compare import render_comparison_html

    runs = []
    for plan in plans:
        label = f"{plan.spec.mode.value}, RocketMQ {plan.spec.version}"
        on_event(Stage(label + (f" ({plan.variant.name})" if plan.variant else "")))
        runs.append(run(lab, plan, out_dir, image, keep=False, on_event=on_event, reuse=reuse))
    page = out_dir / f"compare-{time.strftime('%Y%m%d-%H%M%S')}-{plans[0].scenario.name}.html"
    page.write_text(render_comparison_html([(r.meta, r.result) for r in runs]), encoding="utf-8")
    return Comparison(runs, page)


def report(run_dir: Path) -> ExperimentRun:
    from rmqlab.experiment.report.files import render_run

    if not run_dir.is_dir():
        raise BadInput(f"{run_dir} is not a run folder.", hint="Give the folder that holds run.json and history.jsonl.")
    meta, result = render_run(run_dir)
    return ExperimentRun(run_dir, meta, result)


def _check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise BadInput(f"--out {out_dir} is a file, not a folder.", hint="Name a folder for the run folders.")


def _remove_quietly(lab, name: str) -> None:
    try:
        lab.down(name, volumes=True, keep_dashboard=True)  # a page watching the run keeps its report link
    except RmqlabError:
        pass
