"""Experiments through the Lab: a fresh cluster of exactly the spec the run uses, the run, the reports, and
the cluster removed again (unless kept). compare runs one scenario on several layouts."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rmqlab.api.events import Listener, Said, Stage, saying
from rmqlab.errors import BadInput, RmqlabError
from rmqlab.experiment.check.result import CheckResult
from rmqlab.experiment.check.runmeta import RunMeta
from rmqlab.experiment.run.runner import RunRequest, run_on
from rmqlab.experiment.run.scenario import Scenario, load_scenario
from rmqlab.topology.layouts import build_cluster, parse_mode
from rmqlab.topology.model import ClusterSpec, Mode


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


def experiment_spec(mode: Mode, version: str) -> ClusterSpec:
    """The one spec an experiment runs on (and is validated against); one cluster per layout and version."""
    return ClusterSpec(mode=mode, name=f"exp-{mode.value}-{version.replace('.', '-')}", version=version)


def prepare(modes: list[str], scenario: str | Scenario, versions: list[str] | str,
            out_dir: Path) -> tuple[list[ClusterSpec], Scenario]:
    """Every input checked before anything starts: modes, versions, scenario and the output folder. The runs
    are every layout on every version, layouts first."""
    versions = [versions] if isinstance(versions, str) else list(versions)
    if not modes:
        raise BadInput("No layout to run.", hint="Name one or more with --mode / --modes, e.g. 2m2s-sync,dledger.")
    if not versions:
        raise BadInput("No RocketMQ version to run.", hint="Name one or more with --versions, e.g. 4.7.0,5.5.0.")
    if len(set(modes)) != len(modes) or len(set(versions)) != len(versions):
        raise BadInput("A layout or a version is named twice.", hint="Name each once.")
    specs = [experiment_spec(parse_mode(m), v) for m in modes for v in versions]
    for spec in specs:
        build_cluster(spec)
    chosen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    _check_out_dir(out_dir)
    return specs, chosen


def run(lab, spec: ClusterSpec, scenario: Scenario, out_dir: Path, image: str | None, keep: bool,
        on_event: Listener, reuse: bool = False, dashboard: bool = False) -> ExperimentRun:
    """On a fresh cluster, removed afterwards; with `reuse`, on the cluster of this very spec if one runs
    (healed, every node started, ready again), left running for the next run. With `dashboard`, a detached
    dashboard of the cluster shows the timeline as it fills in and keeps the report link afterwards."""
    say = saying(on_event)
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
        request = RunRequest(spec.mode, scenario, out_dir, spec.version, image, keep or reuse)
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


def compare(lab, specs: list[ClusterSpec], scenario: Scenario, out_dir: Path, image: str | None,
            on_event: Listener, reuse: bool = False) -> Comparison:
    from rmqlab.experiment.report.compare import render_comparison_html

    runs = []
    for spec in specs:
        on_event(Stage(f"{spec.mode.value}, RocketMQ {spec.version}"))
        runs.append(run(lab, spec, scenario, out_dir, image, keep=False, on_event=on_event, reuse=reuse))
    page = out_dir / f"compare-{time.strftime('%Y%m%d-%H%M%S')}-{scenario.name}.html"
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
