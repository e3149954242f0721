"""How lint findings look in a terminal."""

from __future__ import annotations

from rich.markup import escape

from rmqlab.cli.output import out


def show_findings(report) -> None:
    for f in report.findings:
        colour = "red" if f.severity == "error" else "yellow"
        out().print(f"[bold {colour}]{f.severity}[/] [bold]{f.rule}[/] ({escape(f.host)}): {escape(f.message)}")
        out().print(f"    fix: {escape(f.fix)}")
