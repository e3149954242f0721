"""Thin command line over rmqlab.api: parse, call, show, exit code.

Errors never show a traceback (RMQLAB_DEBUG=1 shows one): bad input is one line and exit 2, with nothing
started or changed; other failures are exit 1; Ctrl-C is exit 130.
"""

from __future__ import annotations

from typing import Annotated

import typer
from typer.core import TyperGroup

try:  # typer 0.2x carries its own copy of click: its exceptions are these
    from typer._click import exceptions as click
except ImportError:  # older typer runs on click itself
    from click import exceptions as click


class _ErrorsInOneLine(TyperGroup):
    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from rmqlab.api import RmqlabError
        from rmqlab.cli.output import print_error

        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.NoArgsIsHelpError as error:
            click.echo(error.ctx.get_help())
            raise SystemExit(0) from None
        except click.UsageError as error:
            where = error.ctx.command_path if error.ctx else "rmqlab"
            print_error(error.format_message(), f"{where} --help shows what it takes.", 2)
            raise SystemExit(2) from None
        except (typer.Abort, KeyboardInterrupt):
            raise SystemExit(130) from None
        except RmqlabError as error:
            print_error(error.message, error.hint, error.exit_code, error)
            raise SystemExit(error.exit_code) from None
        except Exception as error:  # noqa: BLE001 - a bug must still not print a traceback
            print_error(f"rmqlab failed unexpectedly: {type(error).__name__}: {error}",
                        "Run again with RMQLAB_DEBUG=1 to see where, and report it.", 1, error)
            raise SystemExit(1) from None
        raise SystemExit(code if isinstance(code, int) else 0)


app = typer.Typer(
    name="rmqlab",
    rich_markup_mode=None,  # click's plain help: rendering it with rich costs 60 ms of imports per call
    cls=_ErrorsInOneLine,
    help="Run real RocketMQ HA layouts on one machine, break them on purpose, see what happened.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        from rmqlab import __version__

        typer.echo(f"rmqlab {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Print rmqlab's version and exit.")] = False,
) -> None:
    """Run real RocketMQ HA layouts on one machine, break them on purpose, see what happened."""


def _register() -> None:
    from rmqlab.cli import (  # noqa: F401  (they register on `app`)
        client_cmds,
        cluster_cmds,
        dashboard_cmds,
        doctor_cmds,
        experiment_cmds,
        fault_cmds,
        image_cmds,
        layout_cmds,
        pitfall_cmds,
        tour_cmds,
    )


_register()


def main() -> None:
    app()
