"""Run the CLI in-process the way a user would, with no colour and a fixed width."""

from __future__ import annotations

from typer.testing import CliRunner

from rmqlab.cli import app


def run(*args: str):
    runner = CliRunner()
    return runner.invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "120", "TERM": "dumb"})
