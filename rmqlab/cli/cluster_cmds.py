"""up, down, list, status, logs, admin: a cluster's life."""

from __future__ import annotations

import time
from typing import Annotated, Optional

import typer

from rmqlab.cli import app
from rmqlab.cli.options import DEFAULT_MODE, DEFAULT_NAME, DEFAULT_VERSION_TEXT, Groups, Json, ModeOpt, Name, Version
from rmqlab.cli.output import err, out, print_json


@app.command()
def up(
    mode: ModeOpt = DEFAULT_MODE,
    version: Version = DEFAULT_VERSION_TEXT,
    groups: Groups = None,
    name: Name = DEFAULT_NAME,
    image: Annotated[Optional[str], typer.Option("--image", help="Image to run (default: official or built).")] = None,
    dashboard: Annotated[bool, typer.Option("--dashboard", help="Also run the RocketMQ dashboard.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for readiness.")] = 240.0,
) -> None:
    """Start a layout and wait until every broker is registered with its expected role."""
    from rmqlab.cli.progress import ReadyProgress
    from rmqlab.runtime.lifecycle import start_cluster
    from rmqlab.runtime.ready import wait_until_ready
    from rmqlab.topology.layouts import parse_mode
    from rmqlab.topology.model import ClusterSpec

    spec = ClusterSpec(mode=parse_mode(mode), name=name, version=version, groups=groups, dashboard=dashboard)
    began = time.monotonic()
    started = start_cluster(spec, image, lambda line: err().print(line))
    with ReadyProgress(started.cluster) as progress:
        wait_until_ready(started.cluster, timeout, progress.on_progress, progress.on_waiting)
    took = time.monotonic() - began
    err().print(f"[bold green]Ready[/] in {took:.1f} s: {spec.mode.value} cluster '{name}' (RocketMQ {version}).")
    _show_next_steps(started.cluster)


def _show_next_steps(cluster) -> None:
    victim = cluster.groups[0] + "-master"
    flag = "" if cluster.name == DEFAULT_NAME else f" --name {cluster.name}"
    err().print("Next:")
    err().print(f"  rmqlab status{flag}              who is master now")
    err().print(f"  rmqlab admin{flag} clusterList   RocketMQ's own view")
    err().print(f"  rmqlab kill{flag} {victim}   then watch with rmqlab status --watch")
    err().print(f"  rmqlab down{flag}                remove it (data kept unless --volumes)")


@app.command()
def down(
    name: Name = DEFAULT_NAME,
    volumes: Annotated[bool, typer.Option("--volumes", help="Also delete the brokers' stored data.")] = False,
) -> None:
    """Remove a cluster's containers and network (its data volumes only with --volumes)."""
    from rmqlab.runtime.lifecycle import down as remove

    removed = remove(name, volumes)
    kept = "" if volumes else " (data volumes kept; --volumes deletes them)"
    err().print(
        f"Removed {removed.containers} containers, {removed.networks} network, {removed.volumes} volumes{kept}."
    )


@app.command("list")
def list_clusters(json: Json = False) -> None:
    """The clusters on this machine."""
    from rmqlab.runtime.containers import known_clusters
    from rmqlab.topology.specio import spec_from_json

    rows = []
    for cluster, spec_json in sorted(known_clusters().items()):
        spec = spec_from_json(spec_json) if spec_json else None
        mode, version = (spec.mode.value, spec.version) if spec else ("?", "?")
        rows.append({"name": cluster, "mode": mode, "version": version})
    if json:
        print_json(rows)
        return
    for row in rows:
        out().print(f"{row['name']}\t{row['mode']}\t{row['version']}")


@app.command()
def status(
    name: Name = DEFAULT_NAME,
    json: Json = False,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Refresh until Ctrl-C.")] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between refreshes.")] = 0.5,
) -> None:
    """Machines, nodes, container states and live roles from the name servers."""
    from rmqlab.cli.status_view import status_table, watch_status
    from rmqlab.runtime.lifecycle import load_cluster
    from rmqlab.runtime.status import cluster_status

    cluster = load_cluster(name)
    if watch:
        watch_status(cluster, interval, json)
        return
    data = cluster_status(cluster)
    if json:
        print_json(data)
    else:
        out().print(status_table(data))


@app.command()
def logs(
    node: Annotated[str, typer.Argument(help="Node (or machine) whose output to show.")],
    name: Name = DEFAULT_NAME,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines.")] = False,
    tail: Annotated[int, typer.Option("--tail", help="Lines from the end.")] = 200,
    file: Annotated[
        Optional[str], typer.Option("--file", help="A RocketMQ log file instead, e.g. broker.log, store.log.")
    ] = None,
) -> None:
    """A node's container output, or one of its RocketMQ log files."""
    from rmqlab.runtime.lifecycle import load_cluster
    from rmqlab.runtime.tools import stream_logs

    raise typer.Exit(stream_logs(load_cluster(name), node, follow, tail, file))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def admin(
    ctx: typer.Context,
    name: Name = DEFAULT_NAME,
) -> None:
    """Run RocketMQ's mqadmin inside the cluster, e.g. `rmqlab admin clusterList`."""
    from rmqlab.errors import BadInput
    from rmqlab.runtime.lifecycle import load_cluster
    from rmqlab.runtime.tools import run_mqadmin

    if not ctx.args:
        raise BadInput("Give mqadmin a command.", hint="For example: rmqlab admin clusterList")
    code, output = run_mqadmin(load_cluster(name), list(ctx.args))
    typer.echo(output, nl=False)
    raise typer.Exit(code)
