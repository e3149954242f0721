"""modes, render, lint: everything that works without Docker."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from rmqlab.cli import app
from rmqlab.cli.options import (
    DEFAULT_MODE,
    DEFAULT_NAME,
    DEFAULT_VERSION_TEXT,
    Groups,
    Json,
    ModeOpt,
    Version,
)
from rmqlab.cli.output import err, out, print_json


@app.command()
def modes(json: Json = False) -> None:
    """List the layouts, with their machines and nodes."""
    from rmqlab.topology.layouts import MODES, ClusterSpec, build_cluster

    rows = []
    for mode, info in MODES.items():
        cluster = build_cluster(ClusterSpec(mode=mode))
        machines = {m.name: [n.name for n in cluster.nodes_on(m.letter)] for m in cluster.machines}
        rows.append({"mode": mode.value, "summary": info.summary, "machines": machines})
    if json:
        print_json(rows)
        return
    for row in rows:
        out().print(f"[bold]{row['mode']}[/]  {row['summary']}")
        for machine, nodes in row["machines"].items():
            out().print(f"    {machine}: {', '.join(nodes)}")


@app.command()
def render(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")],
    mode: ModeOpt = DEFAULT_MODE,
    version: Version = DEFAULT_VERSION_TEXT,
    groups: Groups = None,
    name: Annotated[str, typer.Option("--name", help="Cluster name.")] = DEFAULT_NAME,
    hosts: Annotated[
        Optional[str], typer.Option("--hosts", help="IP1,IP2[,IP3]: configs for real machines, no compose file.")
    ] = None,
    image: Annotated[Optional[str], typer.Option("--image", help="Image for every container.")] = None,
) -> None:
    """Write docker-compose.yaml and configs/<machine>/<node>.properties for a layout."""
    from rmqlab.lint.cluster import lint_cluster
    from rmqlab.render.files import render_cluster_files, write_files
    from rmqlab.render.presets import default_image_reference
    from rmqlab.topology.layouts import ClusterSpec, build_cluster, parse_mode

    host_list = tuple(h.strip() for h in hosts.split(",") if h.strip()) if hosts else ()
    spec = ClusterSpec(mode=parse_mode(mode), name=name, version=version, groups=groups, hosts=host_list)
    cluster = build_cluster(spec)
    report = lint_cluster(cluster)
    files = render_cluster_files(cluster, image or default_image_reference(version))
    for path in write_files(out_dir, files):
        out().print(str(path))
    _show_lint_summary(report)
    if cluster.on_real_hosts:
        _show_host_commands(cluster, out_dir)
    if report.errors:
        raise typer.Exit(1)


def _show_lint_summary(report) -> None:
    from rmqlab.cli.lint_view import show_findings

    if report.findings:
        show_findings(report)
    err().print(f"lint: {len(report.errors)} errors, {len(report.warnings)} warnings")


def _show_host_commands(cluster, out_dir: Path) -> None:
    from rmqlab.render.compose import config_path
    from rmqlab.topology.model import BrokerNode

    err().print("On each host, start the name server first, then the brokers:")
    for node in cluster.nodes:
        launcher = "mqbroker" if isinstance(node, BrokerNode) else "mqnamesrv"
        ip = cluster.machine(node.machine).ip
        err().print(f"  {ip}: {launcher} -c {out_dir / config_path(cluster, node)}")


@app.command()
def lint(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files (one host) or a folder.")] = None,
    host: Annotated[
        Optional[list[str]], typer.Option("--host", help="HOST=FILE[,FILE...]: files that run on one host.")
    ] = None,
    version: Version = DEFAULT_VERSION_TEXT,
    memory: Annotated[
        Optional[list[str]], typer.Option("--memory", help="Host memory: 8g for all hosts, or HOST=8g.")
    ] = None,
    heap: Annotated[Optional[list[str]], typer.Option("--heap", help="FILE=512m: a node's -Xmx.")] = None,
    json: Json = False,
) -> None:
    """Check broker/namesrv property files for the mistakes that stop or break a cluster."""
    from rmqlab.cli.lint_view import show_findings
    from rmqlab.lint import lint_hosts
    from rmqlab.lint.collect import collect_hosts
    from rmqlab.topology.versions import parse_version

    parse_version(version)
    hosts = collect_hosts(paths or [], host or [], memory or [], heap or [])
    report = lint_hosts(hosts, version)
    if json:
        print_json(report.to_dict())
    else:
        show_findings(report)
        err().print(
            f"{report.files} files on {len(hosts)} host(s), RocketMQ {version}: "
            f"{len(report.errors)} errors, {len(report.warnings)} warnings"
        )
    raise typer.Exit(report.exit_code)
