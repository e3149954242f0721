"""experiment run / report / list, and compare: the same scenario on several layouts."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from rmqlab.cli import app
from rmqlab.cli.options import DEFAULT_MODE, DEFAULT_VERSION_TEXT, Json, ModeOpt, Version
from rmqlab.cli.output import err, out, print_json

experiment_app = typer.Typer(help="Run a failover experiment and report what really happened.", no_args_is_help=True)
app.add_typer(experiment_app, name="experiment")

Scenario = Annotated[str, typer.Option("--scenario", "-s", help="A preset (rmqlab experiment list) or a YAML file.")]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Folder for run folders (a 'latest' link is kept).")]
Image = Annotated[Optional[str], typer.Option("--image", help="Image to run (default: as rmqlab up).")]
Keep = Annotated[bool, typer.Option("--keep", help="Leave the cluster running afterwards.")]
DEFAULT_OUT = Path("rmqlab-runs")


def _run(mode: str, scenario: str, version: str, out_dir: Path, image: str | None, keep: bool):
    from rmqlab.experiment.run.runner import RunRequest, run_experiment
    from rmqlab.experiment.run.scenario import load_scenario
    from rmqlab.topology.layouts import build_cluster, parse_mode
    from rmqlab.topology.model import ClusterSpec

    chosen = parse_mode(mode)
    build_cluster(ClusterSpec(mode=chosen, version=version))  # bad input fails here, before anything starts
    request = RunRequest(chosen, load_scenario(scenario), out_dir, version, image, keep)
    return run_experiment(request, lambda line: err().print(line, markup=False))


@experiment_app.command("run")
def run_cmd(
    mode: ModeOpt = DEFAULT_MODE,
    scenario: Scenario = "kill-master",
    version: Version = DEFAULT_VERSION_TEXT,
    out_dir: OutDir = DEFAULT_OUT,
    image: Image = None,
    keep: Keep = False,
) -> None:
    """Start a fresh cluster, run the workload and the fault schedule, check the history, write reports."""
    from rmqlab.experiment.report.terminal import summary

    run_dir, meta, result = _run(mode, scenario, version, out_dir, image, keep)
    out().print(summary(meta, result))
    err().print(f"Reports: {run_dir}/report.html, report.json, timeline.png")


@experiment_app.command("report")
def report_cmd(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (or its 'latest' link).")], json: Json = False
):
    """Re-check a saved history and rewrite report.json, report.html and timeline.png."""
    from rmqlab.experiment.report.files import render_run
    from rmqlab.experiment.report.terminal import summary

    meta, result = render_run(run_dir)
    if json:
        print_json(result.to_dict())
    else:
        out().print(summary(meta, result))
        err().print(f"Reports rewritten in {run_dir}")


@experiment_app.command("list")
def list_cmd(json: Json = False) -> None:
    """The preset scenarios."""
    from rmqlab.experiment.run.scenario import load_scenario, preset_names

    rows = [{"name": n, "description": load_scenario(n).description} for n in preset_names()]
    if json:
        print_json(rows)
        return
    for row in rows:
        out().print(f"[bold]{row['name']}[/]  {row['description']}")


@app.command()
def compare(
    modes: Annotated[str, typer.Option("--modes", help="Comma-separated layouts.")] = "2m2s-sync,dledger,controller",
    scenario: Scenario = "kill-master",
    version: Version = DEFAULT_VERSION_TEXT,
    out_dir: OutDir = DEFAULT_OUT,
    image: Image = None,
) -> None:
    """Run one scenario on several layouts and compare them side by side."""
    from rmqlab.experiment.report.compare import comparison_table, render_comparison_html
    from rmqlab.topology.layouts import parse_mode

    chosen = [m.strip() for m in modes.split(",") if m.strip()]
    for mode in chosen:
        parse_mode(mode)
    results = []
    for mode in chosen:
        err().print(f"=== {mode} ===")
        run_dir, meta, result = _run(mode, scenario, version, out_dir, image, keep=False)
        results.append((meta, result))
    out().print(comparison_table(results))
    page = out_dir / f"compare-{time.strftime('%Y%m%d-%H%M%S')}-{scenario}.html"
    page.write_text(render_comparison_html(results))
    err().print(f"Comparison: {page}")
