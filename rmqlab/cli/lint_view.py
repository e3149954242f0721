"""How lint findings look in a terminal."""

from __future__ import annotations

from rich.markup import escape

from rmqlab.cli.output import out

COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def summary(report) -> str:
    """'N errors, N warnings' (as scripts read it), and the infos when there are any."""
    text = f"{len(report.errors)} errors, {len(report.warnings)} warnings"
    infos = len(report.infos)
    return text + (f", {infos} info" + ("s" if infos != 1 else "") if infos else "")


def show_findings(report) -> None:
    for f in report.findings:
        colour = COLOURS.get(f.severity, "yellow")
        out().print(f"[bold {colour}]{f.severity}[/] [bold]{f.rule}[/] ({escape(f.host)}): {escape(f.message)}")
        out().print(f"    fix: {escape(f.fix)}")
