"""Where things are printed: data on stdout, progress and errors on stderr."""

from __future__ import annotations

import json
import os
import sys
from functools import lru_cache

from rmqlab.errors import RmqlabError


@lru_cache(maxsize=None)
def out():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@lru_cache(maxsize=None)
def err():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")


def print_error(error: RmqlabError) -> None:
    console = err()
    console.print(f"[bold red]Error:[/] {error.message}", markup=True)
    if error.hint:
        console.print(f"[bold]Hint:[/] {error.hint}", markup=True)
    if os.environ.get("RMQLAB_DEBUG"):
        import traceback

        traceback.print_exception(error, file=sys.stderr)
