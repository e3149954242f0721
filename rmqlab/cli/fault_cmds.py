"""One command per entry of the fault table (kill, stop, start, restart, pause, unpause, isolate, heal, …).

The commands are made from rmqlab.faults.FAULTS, so a new entry there is a new command here."""

from __future__ import annotations

import inspect
from typing import Annotated

import typer

from rmqlab.cli import app
from rmqlab.cli.options import DEFAULT_NAME, Name, lab
from rmqlab.cli.output import out

TARGET_HELP = "A node (broker-a-n1), a machine (machine-a), or broker-a-master / broker-a-slave."
PEER_HELP = "The other end, named the same way."


def fault_command(kind):
    """A typer command for one FaultKind: TARGET (unless it acts on the whole cluster), --name, its options."""

    def command(**params) -> None:
        name = params.pop("name")
        target = params.pop("target", None)
        peer = params.pop("peer", None)
        params = {k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in params.items()}
        result = lab().fault(name, kind.name, target, peer=peer, **params)
        for line in result.lines():
            out().print(line, markup=False)
        if not result.done and not result.unchanged:
            out().print(kind.idle, markup=False)

    parameters = []
    if kind.takes_target:
        parameters.append(_argument("target", TARGET_HELP))
    if kind.takes_peer:
        parameters.append(_argument("peer", PEER_HELP))
    if kind.value:
        parameters.append(_argument(kind.value.name, kind.value.help, kind.value.flag))
    parameters.append(inspect.Parameter("name", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=DEFAULT_NAME,
                                        annotation=Name))
    for option in kind.options:
        flags = [option.flag] + ([option.short] if option.short else [])
        if option.is_flag:
            parameters.append(inspect.Parameter(option.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=False,
                                                annotation=Annotated[bool, typer.Option(*flags, help=option.help)]))
            continue
        parameters.append(inspect.Parameter(option.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                            default=option.default,
                                            annotation=Annotated[str, typer.Option(*flags, help=option.help)]))
    command.__signature__ = inspect.Signature(parameters)
    command.__name__ = kind.name.replace("-", "_")
    command.__doc__ = kind.summary
    return command


def _argument(name: str, help: str, metavar: str | None = None) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                             annotation=Annotated[str, typer.Argument(help=help, metavar=metavar)])


def register(target_app: typer.Typer, kinds) -> None:
    for kind in kinds:
        target_app.command(kind.name)(fault_command(kind))


def _register_table() -> None:
    from rmqlab.api import FAULTS

    register(app, FAULTS.values())


_register_table()
