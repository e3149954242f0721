"""Thin command line over the rmqlab library: parse, call, show, exit code."""

from __future__ import annotations

import typer
from typer.core import TyperGroup

from rmqlab.errors import RmqlabError


class _ErrorsWithHints(TyperGroup):
    """Every RmqlabError becomes 'Error: … / Hint: …' on stderr and its exit code; no traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except RmqlabError as error:
            from rmqlab.cli.output import print_error

            print_error(error)
            raise typer.Exit(error.exit_code) from None


app = typer.Typer(
    name="rmqlab",
    cls=_ErrorsWithHints,
    help="Run real RocketMQ HA layouts on one machine, break them on purpose, see what happened.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _register() -> None:
    from rmqlab.cli import (  # noqa: F401  (they register on `app`)
        client_cmds,
        cluster_cmds,
        experiment_cmds,
        fault_cmds,
        image_cmds,
        layout_cmds,
        pitfall_cmds,
    )


_register()


def main() -> None:
    app()
