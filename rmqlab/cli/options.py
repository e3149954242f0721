"""Options shared by several commands, declared once."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from rmqlab.topology import naming
from rmqlab.topology.versions import DEFAULT_VERSION

CLUSTER_ENV = "RMQLAB_CLUSTER"

Name = Annotated[
    str,
    typer.Option("--name", "-n", envvar=CLUSTER_ENV, help="Cluster name (several can run side by side)."),
]
ModeOpt = Annotated[
    str, typer.Option("--mode", "-m", help="Layout: 2m2s-sync, 2m2s-async, dledger or controller.")
]
Version = Annotated[str, typer.Option("--version", "-v", help="RocketMQ version.")]
Groups = Annotated[Optional[int], typer.Option("--groups", "-g", help="Broker groups (default per mode).")]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]

DEFAULT_NAME = naming.DEFAULT_CLUSTER
DEFAULT_MODE = "2m2s-sync"
DEFAULT_VERSION_TEXT = DEFAULT_VERSION
