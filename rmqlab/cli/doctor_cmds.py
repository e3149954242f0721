"""rmqlab doctor: what this machine lacks for rmqlab, and --fix to install it where it can."""

from __future__ import annotations

from typing import Annotated

import typer

from rmqlab.cli import app
from rmqlab.cli.options import Json, lab
from rmqlab.cli.output import out, print_json, say, show_event

Fix = Annotated[bool, typer.Option("--fix", help="Install and start what is missing (Debian, Ubuntu; as root).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only what was fixed or is still missing.")]


@app.command()
def doctor(fix: Fix = False, quiet: Quiet = False, json: Json = False) -> None:
    """Check the Docker engine, Compose v2 and the image build tools; exit 1 if something required is missing."""
    report = lab().doctor(fix, on_event=show_event)
    if json:
        print_json({"ready": report.ready, "fixed": list(report.fixed), "checks": [vars(c) for c in report.checks]})
        raise typer.Exit(0 if report.ready else 1)
    for done in report.fixed:
        say(f"fixed: {done}")
    for check in report.checks:
        if quiet and (check.ok or not check.required):
            continue
        mark = "[green]✓[/]" if check.ok else ("[red]✗[/]" if check.required else "[yellow]-[/]")
        hint = f"  → {check.fix}" if not check.ok and check.fix else ""
        out().print(f"{mark} {check.name}: {check.detail}{hint}")
    raise typer.Exit(0 if report.ready else 1)
