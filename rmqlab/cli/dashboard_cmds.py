"""dashboard: a live page of one cluster, served on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from rmqlab.cli import app
from rmqlab.cli.options import DEFAULT_NAME, Name, lab
from rmqlab.cli.output import out, say

Port = Annotated[Optional[int], typer.Option("--port", "-p", help="127.0.0.1 port to serve on (default: a free one).")]


@app.command()
def dashboard(name: Name = DEFAULT_NAME, port: Port = None) -> None:
    """Serve a live page of the cluster on 127.0.0.1 until Ctrl-C.

    Machines and their nodes, roles, write availability, a feed that says why, and buttons for faults. It binds
    127.0.0.1 only and its URL carries a token."""
    from rmqlab.web.server import serve  # the web stack loads only here

    def ready(serving) -> None:
        out().print(f"Dashboard: {serving.url}", markup=False)
        say("Open it in a browser on this machine; Ctrl-C stops it.")

    try:
        serve(lab(), name, port, on_ready=ready)
    except KeyboardInterrupt:
        pass


def show_dashboard(record) -> None:
    out().print(f"Dashboard: {record.url}", markup=False)
    say(f"  (pid {record.pid}; `rmqlab down` stops it with the cluster)")
