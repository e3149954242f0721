"""up, down, list, status, logs, admin: a cluster's life."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from rmqlab.cli import app
from rmqlab.cli.options import (
    DEFAULT_MODE,
    DEFAULT_NAME,
    DEFAULT_VERSION_TEXT,
    Groups,
    Json,
    LongName,
    ModeOpt,
    Name,
    ProxyOpt,
    Sets,
    Version,
    lab,
)
from rmqlab.cli.output import ProgressLine, err, out, print_json, say, show_event


@app.command()
def up(
    mode: ModeOpt = DEFAULT_MODE,
    version: Version = DEFAULT_VERSION_TEXT,
    groups: Groups = None,
    name: Name = DEFAULT_NAME,
    proxy: ProxyOpt = None,
    image: Annotated[Optional[str], typer.Option("--image", help="Image to run (default: official or built).")] = None,
    port_base: Annotated[Optional[int], typer.Option(
        "--port-base",
        help="First 127.0.0.1 port to publish (default: derived from the name, or the next free block).")] = None,
    subnet: Annotated[Optional[str], typer.Option(
        "--subnet",
        help="The cluster network, a /24 or larger (default: derived from the name, or the next free one).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for readiness.")] = 240.0,
    dashboard: Annotated[bool, typer.Option(
        "--dashboard", help="Also start the live dashboard (detached; prints its URL; `down` stops it).")] = False,
    knobs: Sets = None,
) -> None:
    """Start a layout and wait until every broker is registered with its expected role."""
    from rmqlab.api import ClusterSpec, parse_knobs, parse_mode, parse_proxy

    spec = ClusterSpec(mode=parse_mode(mode), name=name, version=version, groups=groups, port_base=port_base,
                       subnet=subnet, knobs=parse_knobs(knobs or []), proxy=parse_proxy(proxy))
    with ProgressLine():
        started = lab().up(spec, image, timeout, on_event=show_event)
    err().print(f"[bold green]Ready[/] in {started.seconds:.1f} s: {spec.mode.value} cluster '{name}' "
                f"(RocketMQ {version}).")
    _show_next_steps(started.cluster)
    if dashboard:
        from rmqlab.cli.dashboard_cmds import show_dashboard

        show_dashboard(lab().start_dashboard(name))


def _show_next_steps(cluster) -> None:
    victim = cluster.groups[0] + "-master"
    flag = "" if cluster.name == DEFAULT_NAME else f" --name {cluster.name}"
    say("Next:")
    say(f"  rmqlab status{flag}              who is master now")
    say(f"  rmqlab admin{flag} clusterList   RocketMQ's own view")
    say(f"  rmqlab kill{flag} {victim}   then watch with rmqlab status --watch")
    say(f"  rmqlab down{flag}                remove it (data kept unless --volumes)")


@app.command()
def down(
    name: Name = DEFAULT_NAME,
    volumes: Annotated[bool, typer.Option("--volumes", help="Also delete the brokers' stored data.")] = False,
) -> None:
    """Remove a cluster's containers and network (its data volumes and folder only with --volumes)."""
    removed = lab().down(name, volumes)
    kept = "" if volumes else " (data volumes kept; --volumes deletes them)"
    say(f"Removed {removed.containers} containers, {removed.networks} network, {removed.volumes} volumes{kept}.")
    if removed.dashboard:
        say("Stopped its dashboard.")


@app.command("list")
def list_clusters(json: Json = False) -> None:
    """The clusters on this machine."""
    rows = lab().clusters()
    if json:
        print_json([{"name": r.name, "mode": r.mode, "version": r.version} for r in rows])
        return
    for row in rows:
        out().print(f"{row.name}\t{row.mode}\t{row.version}", markup=False)


@app.command()
def status(
    name: Name = DEFAULT_NAME,
    json: Json = False,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Refresh until Ctrl-C.")] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between refreshes.")] = 0.5,
) -> None:
    """Machines, nodes, container states and live roles from the name servers."""
    from rmqlab.cli.status_view import proxies_table, status_table, watch_status

    if watch:
        if not 0.05 <= interval <= 3600:
            from rmqlab.api import BadInput

            raise BadInput(f"--interval must be between 0.05 and 3600 seconds, not {interval}.")
        watch_status(lab().watch(name, interval), json)
        return
    snapshot = lab().status(name)
    if json:
        print_json(snapshot.to_dict())
    else:
        out().print(status_table(snapshot))
        if snapshot.proxies:
            out().print(proxies_table(snapshot))


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
    raise typer.Exit(lab().logs(name, node, follow, tail, file))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                               "allow_interspersed_args": False})
def admin(
    ctx: typer.Context,
    name: LongName = DEFAULT_NAME,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds mqadmin may take.")] = 120.0,
) -> None:
    """Run RocketMQ's mqadmin inside the cluster, e.g. `rmqlab admin clusterList`.

    Everything after the mqadmin command is passed to mqadmin unchanged (`-n` included); rmqlab's own
    options (--name, --timeout) go before it."""
    code, output = lab().admin(name, list(ctx.args), timeout)
    typer.echo(output, nl=False)
    raise typer.Exit(code)
