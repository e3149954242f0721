"""rmqlab pitfall NAME: make the mistake for real, show RocketMQ's error next to the lint rule."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from rmqlab.cli import app
from rmqlab.cli.output import err, out
from rmqlab.lint.pitfalls import PITFALLS


@app.command()
def pitfall(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(PITFALLS)}.")],
    image: Annotated[str | None, typer.Option("--image", help="Image to run (default: as rmqlab up).")] = None,
) -> None:
    """Start a deliberately broken pair of brokers on one machine and show what RocketMQ says."""
    from rmqlab.lint.pitfalls import lint_pitfall
    from rmqlab.lint.pitfalls import pitfall as find
    from rmqlab.runtime.images import choose_image
    from rmqlab.runtime.pitfall import run_pitfall
    from rmqlab.topology.versions import DEFAULT_VERSION

    chosen = find(name)
    report = lint_pitfall(chosen)
    image_ref = choose_image(DEFAULT_VERSION, image, lambda line: err().print(line)).reference
    out().print(f"[bold]{escape(chosen.title)}[/] (lint bypassed; cleaned up afterwards)")
    outcome = run_pitfall(chosen, image_ref, lambda line: err().print(escape(line)))
    exit_text = f", exit code {outcome.exit_code}" if outcome.exit_code is not None else ""
    out().print(f"\n[bold red]RocketMQ:[/] {outcome.victim} is {outcome.state}{exit_text}")
    out().print(f"    {escape(outcome.evidence or 'no matching log line appeared (see rmqlab logs)')}")
    for finding in report.findings:
        if finding.rule == chosen.rule:
            out().print(f"[bold yellow]rmqlab lint[/] would have stopped it ({finding.rule}):")
            out().print(f"    {escape(finding.message)}")
            out().print(f"    fix: {escape(finding.fix)}")
    if not outcome.evidence:
        raise typer.Exit(1)
