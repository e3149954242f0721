"""rmqlab pitfall NAME: make the mistake for real, show RocketMQ's error next to the lint rule."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from rmqlab.api import PITFALLS
from rmqlab.cli import app
from rmqlab.cli.options import lab
from rmqlab.cli.output import escape, out, show_event


@app.command()
def pitfall(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(PITFALLS)}.")],
    image: Annotated[Optional[str], typer.Option("--image", help="Image to run (default: as rmqlab up).")] = None,
) -> None:
    """Start a deliberately broken pair of brokers on one machine and show what RocketMQ says."""
    from rmqlab.api import BadInput

    if name not in PITFALLS:
        raise BadInput(f"No pitfall {name!r}.", hint=f"Choose one of: {', '.join(PITFALLS)}.")
    out().print(f"[bold]{escape(PITFALLS[name].title)}[/] (lint bypassed; cleaned up afterwards)")
    run = lab().pitfall(name, image, on_event=show_event)
    outcome = run.outcome
    exit_text = f", exit code {outcome.exit_code}" if outcome.exit_code is not None else ""
    out().print(f"\n[bold red]RocketMQ:[/] {outcome.victim} is {escape(outcome.state)}{exit_text}")
    out().print(f"    {escape(outcome.evidence or 'no matching log line appeared (see rmqlab logs)')}")
    for finding in run.caught_by:
        out().print(f"[bold yellow]rmqlab lint[/] would have stopped it ({finding.rule}):")
        out().print(f"    {escape(finding.message)}")
        out().print(f"    fix: {escape(finding.fix)}")
    if not outcome.evidence:
        raise typer.Exit(1)
