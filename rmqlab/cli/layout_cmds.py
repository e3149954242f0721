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
    ProxyOpt,
    Sets,
    Version,
    lab,
)
from rmqlab.cli.output import err, escape, out, print_json, say


@app.command()
def modes(json: Json = False) -> None:
    """List the layouts, with their machines and nodes."""
    rows = lab().modes()
    if json:
        print_json([{"mode": r.mode, "summary": r.summary, "machines": r.machines} for r in rows])
        return
    for row in rows:
        out().print(f"[bold]{row.mode}[/]  {row.summary}")
        for machine, nodes in row.machines.items():
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
    knobs: Sets = None,
    proxy: ProxyOpt = None,
) -> None:
    """Write docker-compose.yaml and configs/<machine>/<node>.properties (and <proxy>.json) for a layout."""
    from rmqlab.api import BadInput, ClusterSpec, parse_knobs, parse_mode, parse_proxy

    host_list = ()
    if hosts is not None:
        host_list = tuple(h.strip() for h in hosts.split(","))
        if not any(host_list) or not all(host_list):
            raise BadInput(f"--hosts {hosts!r} names an empty host.",
                           hint="Give comma-separated addresses, e.g. --hosts 10.0.0.1,10.0.0.2.")
    spec = ClusterSpec(mode=parse_mode(mode), name=name, version=version, groups=groups, hosts=host_list,
                       knobs=parse_knobs(knobs or []), proxy=parse_proxy(proxy))
    rendered = lab().render(spec, out_dir, image)
    for path in rendered.written:
        out().print(str(path), markup=False)
    _show_lint_summary(rendered.lint)
    if rendered.cluster.on_real_hosts:
        _show_host_commands(rendered.cluster, out_dir)
    if rendered.lint.errors:
        raise typer.Exit(1)


def _show_lint_summary(report) -> None:
    from rmqlab.cli.lint_view import show_findings

    if report.findings:
        show_findings(report)
    from rmqlab.cli.lint_view import summary

    say(f"lint: {summary(report)}")


def _show_host_commands(cluster, out_dir: Path) -> None:
    from rmqlab.api import BrokerNode, config_path, proxy_config_path

    say("On each host, start the name server first, then the brokers:")
    for node in cluster.nodes:
        launcher = "mqbroker" if isinstance(node, BrokerNode) else "mqnamesrv"
        ip = cluster.machine(node.machine).ip
        local = next((p for p in cluster.proxies if p.broker == node.name), None)
        extra = f" --enable-proxy -pc {out_dir / proxy_config_path(cluster, local)}" if local else ""
        say(f"  {ip}: {launcher} -c {out_dir / config_path(cluster, node)}{extra}")
    for proxy in cluster.proxies:
        if proxy.broker is None:
            say(f"  {cluster.machine(proxy.machine).ip}: mqproxy -pc {out_dir / proxy_config_path(cluster, proxy)}")


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
    from rmqlab.cli.lint_view import show_findings, summary

    report = lab().lint(paths or [], host or [], version, memory or [], heap or [])
    if json:
        print_json(report.to_dict())
    else:
        show_findings(report)
        err().print(
            f"{report.files} files on {report.hosts} host(s), RocketMQ {escape(version)}: {summary(report)}")
    raise typer.Exit(report.exit_code)
