"""kill, stop, start, restart, pause, unpause, isolate, heal."""

from __future__ import annotations

from typing import Annotated

import typer

from rmqlab.cli import app
from rmqlab.cli.options import DEFAULT_NAME, Name
from rmqlab.cli.output import out

Target = Annotated[
    str, typer.Argument(help="A node (broker-a-n1), a machine (machine-a), or broker-a-master / broker-a-slave.")
]


def _injector(name: str):
    from rmqlab.live.observe import Observer
    from rmqlab.runtime.audit import AuditLog
    from rmqlab.runtime.faults import FaultInjector
    from rmqlab.runtime.lifecycle import load_cluster
    from rmqlab.runtime.workdir import FAULT_LOG, cluster_dir

    cluster = load_cluster(name)

    def roles():
        with Observer(cluster) as observer:
            return observer.roles()

    return FaultInjector(cluster, roles, AuditLog(cluster_dir(name) / FAULT_LOG))


def _show(result) -> None:
    for line in result.lines():
        out().print(line)


@app.command()
def kill(
    target: Target,
    name: Name = DEFAULT_NAME,
    signal: Annotated[str, typer.Option("--signal", "-s", help="KILL (kill -9) or TERM.")] = "KILL",
) -> None:
    """Kill a node or a whole machine (default kill -9)."""
    _show(_injector(name).kill(target, signal))


@app.command()
def stop(target: Target, name: Name = DEFAULT_NAME) -> None:
    """Stop gracefully (SIGTERM; SIGKILL only after 30 s)."""
    _show(_injector(name).stop(target))


@app.command()
def start(target: Target, name: Name = DEFAULT_NAME) -> None:
    """Start a stopped node or machine (a machine's holder before its nodes)."""
    _show(_injector(name).start(target))


@app.command()
def restart(target: Target, name: Name = DEFAULT_NAME) -> None:
    """Stop then start."""
    _show(_injector(name).restart(target))


@app.command()
def pause(target: Target, name: Name = DEFAULT_NAME) -> None:
    """Freeze a node or machine (a 'zombie': sockets stay open, nothing answers)."""
    _show(_injector(name).pause(target))


@app.command()
def unpause(target: Target, name: Name = DEFAULT_NAME) -> None:
    """Thaw a paused node or machine."""
    _show(_injector(name).unpause(target))


@app.command()
def isolate(target: Target, name: Name = DEFAULT_NAME) -> None:
    """Cut a machine off the cluster network in both directions."""
    _show(_injector(name).isolate(target))


@app.command()
def heal(name: Name = DEFAULT_NAME) -> None:
    """Undo every pause and isolation of the cluster."""
    result = _injector(name).heal()
    _show(result)
    if not result.done:
        out().print("Nothing was paused or isolated.")
