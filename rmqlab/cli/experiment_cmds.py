"""experiment run / report / list, and compare: the same scenario on several layouts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from rmqlab.cli import app
from rmqlab.cli.options import (
    DEFAULT_MODE,
    DEFAULT_VERSION_TEXT,
    ConsumerGroup,
    Json,
    ModeOpt,
    Pop,
    ProxyOpt,
    Sets,
    Version,
    lab,
)
from rmqlab.cli.output import ProgressLine, escape, out, print_json, say, show_event

experiment_app = typer.Typer(help="Run a failover experiment and report what really happened.", no_args_is_help=True,
                             rich_markup_mode=None)
app.add_typer(experiment_app, name="experiment")

Scenario = Annotated[str, typer.Option("--scenario", "-s", help="A preset (rmqlab experiment list) or a YAML file.")]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Folder for run folders (a 'latest' link is kept).")]
Image = Annotated[Optional[str], typer.Option("--image", help="Image to run (default: as rmqlab up).")]
Keep = Annotated[bool, typer.Option("--keep", help="Leave the cluster running afterwards.")]
Reuse = Annotated[bool, typer.Option(
    "--reuse", help="Run on the cluster of the same layout left by an earlier --reuse or --keep run (healed, "
    "every node started), and leave it running; a fresh one when there is none.")]
Client = Annotated[str, typer.Option(
    "--client", help="Whose producers send: rmqlab (its own); java (RocketMQ's DefaultMQProducer of the "
    "cluster's version, in a container on the cluster network; needs javac); grpc (the official Python gRPC "
    "client, through the proxies: needs --proxy and rocketmq-python-client). With java, a --consumer-group "
    "(without --pop) is RocketMQ's DefaultMQPushConsumer too. Probes, observers, the other consumers and the "
    "final read are rmqlab's either way.")]
DEFAULT_OUT = Path("rmqlab-runs")
ALARM_EXIT = 1  # a verdict says acknowledged data was lost, diverged or unexpected


@experiment_app.command("run")
def run_cmd(
    mode: ModeOpt = DEFAULT_MODE,
    scenario: Scenario = "kill-master",
    version: Version = DEFAULT_VERSION_TEXT,
    out_dir: OutDir = DEFAULT_OUT,
    image: Image = None,
    keep: Keep = False,
    reuse: Reuse = False,
    dashboard: Annotated[bool, typer.Option(
        "--dashboard", help="Watch it live: a detached dashboard of the run's cluster (prints its URL).")] = False,
    knobs: Sets = None,
    client: Client = "rmqlab",
    proxy: ProxyOpt = None,
    consumer_group: ConsumerGroup = None,
    pop: Pop = False,
) -> None:
    """Start a fresh cluster, run the workload and the fault schedule, check the history, write reports.

    Exit code 1 when a verdict is an alarm (acknowledged messages lost, replicas diverged, unexpected
    messages), 0 otherwise."""
    from rmqlab.api import parse_knobs, parse_proxy
    from rmqlab.cli.report_view import summary

    with ProgressLine():
        done = lab().experiment(mode, scenario, version, out_dir, image, keep, on_event=show_event, reuse=reuse,
                                dashboard=dashboard, knobs=parse_knobs(knobs or []), client=client,
                                proxy=parse_proxy(proxy), consumer_group=consumer_group, pop=pop)
    out().print(summary(done.meta, done.result))
    say(f"Reports: {done.run_dir}/report.html, report.json, timeline.png")
    if done.dashboard:
        say(f"The dashboard stays at {done.dashboard} with the report; "
            f"`rmqlab down --name {done.meta.cluster}` stops it.")
    raise typer.Exit(ALARM_EXIT if done.alarming else 0)


@experiment_app.command("report")
def report_cmd(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (or its 'latest' link).")], json: Json = False
):
    """Re-check a saved history and rewrite report.json, report.html and timeline.png (exit 1 on an alarm)."""
    from rmqlab.cli.report_view import summary

    done = lab().report(run_dir)
    if json:
        print_json(done.result.to_dict())
    else:
        out().print(summary(done.meta, done.result))
        say(f"Reports rewritten in {run_dir}")
    raise typer.Exit(ALARM_EXIT if done.alarming else 0)


@experiment_app.command("list")
def list_cmd(json: Json = False) -> None:
    """The preset scenarios."""
    from rmqlab.api import load_scenario, preset_names

    rows = [{"name": n, "description": load_scenario(n).description} for n in preset_names()]
    if json:
        print_json(rows)
        return
    for row in rows:
        out().print(f"[bold]{escape(row['name'])}[/]  {escape(row['description'])}")


@app.command()
def compare(
    modes: Annotated[str, typer.Option("--modes", help="Comma-separated layouts.")] = "2m2s-sync,dledger,controller",
    scenario: Scenario = "kill-master",
    versions: Annotated[str, typer.Option("--versions", "--version", "-v",
                                          help="Comma-separated RocketMQ versions, e.g. 4.7.0,5.5.0.")
                        ] = DEFAULT_VERSION_TEXT,
    out_dir: OutDir = DEFAULT_OUT,
    image: Image = None,
    reuse: Reuse = False,
    knobs: Sets = None,
    variants: Annotated[Optional[list[str]], typer.Option(
        "--variant", help="Repeatable: 'stock', or 'NAME: key=value key=value' (knobs as --set). Each layout runs "
                          "once per variant, side by side.")] = None,
    client: Client = "rmqlab",
    proxy: ProxyOpt = None,
    consumer_group: ConsumerGroup = None,
    pop: Pop = False,
) -> None:
    """Run one scenario on several layouts (versions, variants) and compare them side by side (exit 1 on an
    alarm)."""
    from rmqlab.api import parse_knobs, parse_proxy, parse_variant
    from rmqlab.cli.report_view import comparison_table

    chosen = [m.strip() for m in modes.split(",") if m.strip()]
    picked = [v.strip() for v in versions.split(",") if v.strip()]
    parsed = [parse_variant(v) for v in variants or []]
    with ProgressLine():
        done = lab().compare(chosen, scenario, picked, out_dir, image, on_event=show_event, reuse=reuse,
                             knobs=parse_knobs(knobs or []), variants=parsed, client=client,
                             proxy=parse_proxy(proxy), consumer_group=consumer_group, pop=pop)
    out().print(comparison_table(done.runs))
    say(f"Comparison: {done.page}")
    raise typer.Exit(ALARM_EXIT if done.alarming else 0)
