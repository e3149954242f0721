"""Options shared by several commands, declared once."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from rmqlab.api import DEFAULT_CLUSTER, DEFAULT_VERSION

CLUSTER_ENV = "RMQLAB_CLUSTER"


def _valid_name(value: str) -> str:
    """The one rule for cluster names, for --name and for RMQLAB_CLUSTER alike."""
    from rmqlab.api import validate_cluster_name

    return validate_cluster_name(value)


_NAME_HELP = "Cluster name (several can run side by side)."
Name = Annotated[
    str, typer.Option("--name", "-n", envvar=CLUSTER_ENV, callback=_valid_name, help=_NAME_HELP),
]
# For commands that pass their remaining arguments through (admin): no short form to steal `-n`.
LongName = Annotated[
    str, typer.Option("--name", envvar=CLUSTER_ENV, callback=_valid_name, help=_NAME_HELP),
]
ModeOpt = Annotated[
    str, typer.Option("--mode", "-m", help="Layout: 2m2s-sync, 2m2s-async, dledger or controller.")
]
Version = Annotated[str, typer.Option("--version", "-v", help="RocketMQ version.")]
ProxyOpt = Annotated[Optional[str], typer.Option(
    "--proxy", help="5.x only: a RocketMQ proxy in each broker's JVM (local) or a proxy container per machine "
    "(cluster).")]
Groups = Annotated[Optional[int], typer.Option("--groups", "-g", help="Broker groups (default per mode).")]
Sets = Annotated[Optional[list[str]], typer.Option(
    "--set", help="KEY=VALUE or SCOPE:KEY=VALUE, repeatable: a RocketMQ key checked against the version's keys (SCOPE "
                  "broker, namesrv, master, slave, controller or a node), dledger:heartBeatTimeIntervalMs=500 "
                  "(election timing), client:pollNameServerInterval=5000 (experiments' producers).")]
ConsumerGroup = Annotated[Optional[int], typer.Option(
    "--consumer-group", metavar="MEMBERS",
    help="Add an application's consumer group of MEMBERS (0-16) that commits offsets as RocketMQ's client does; "
         "the report counts its duplicate deliveries per member, each with its cause (default: as the scenario "
         "says, none).")]
Pop = Annotated[bool, typer.Option(
    "--pop", help="5.x: the consumer group consumes with POP (pop, then ack) instead of committed offsets; the "
                  "brokers get their timer wheel (timerWheelEnable=true), which POP needs.")]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]

DEFAULT_NAME = DEFAULT_CLUSTER
DEFAULT_MODE = "2m2s-sync"
DEFAULT_VERSION_TEXT = DEFAULT_VERSION


def lab():
    """The Lab every command uses; tests put one on a fake provider here."""
    from rmqlab.api import Lab

    global _LAB
    if _LAB is None:
        _LAB = Lab()
    return _LAB


def use_lab(value) -> None:
    global _LAB
    _LAB = value


_LAB = None
