"""Where things are printed: data on stdout, progress and errors on stderr. Every string that came from a
user or a server is escaped before rich sees it, so `[/]` in an argument prints as itself."""

from __future__ import annotations

import json
import os
import sys
import traceback
from functools import lru_cache


def escape(text: str) -> str:
    """rich's own markup escape, imported when first needed: `rmqlab --help` never loads rich."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


@lru_cache(maxsize=None)
def out():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@lru_cache(maxsize=None)
def err():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def say(text: str) -> None:
    """A plain line of progress (no markup), on stderr."""
    err().print(text, markup=False)


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def print_error(message: str, hint: str | None, exit_code: int, error: BaseException | None = None) -> None:
    """Bad input (exit 2) is one line: what is wrong, then what to do. Other errors may carry detail
    (the last log lines of a node that died), so their hint gets its own line."""
    if exit_code == 2:
        line = " ".join(part.strip() for part in message.splitlines() if part.strip())
        text = f"[bold red]Error:[/] {escape(line)}" + (f" [bold]Hint:[/] {escape(hint)}" if hint else "")
        err().print(text, soft_wrap=True)
    else:
        err().print(f"[bold red]Error:[/] {escape(message)}")
        if hint:
            err().print(f"[bold]Hint:[/] {escape(hint)}")
    if error is not None and os.environ.get("RMQLAB_DEBUG"):
        traceback.print_exception(error, file=sys.stderr)


def show_event(event) -> None:
    """Progress events from the library, as lines on stderr."""
    from rmqlab.api import NodeReady, Said, Stage, Waiting

    if isinstance(event, Said):
        say(event.text)
    elif isinstance(event, NodeReady):
        text = {"answers": "name server answers", "master": "registered as master",
                "slave": "registered as slave"}.get(event.state, event.state)
        err().print(f"  [green]✓[/] {escape(event.node):<18} {escape(text)}  ({event.elapsed:.1f} s)")
    elif isinstance(event, Stage):
        err().print(f"[bold]=== {escape(event.title)} ===[/]")
    elif isinstance(event, Waiting):
        more = f" (+{event.others} more)" if event.others else ""
        ProgressLine.update(f"Waiting for {event.node}: {event.why}{more}")


class ProgressLine:
    """One live status line on stderr (a spinner) while the library waits; None outside a wait."""

    status = None

    @classmethod
    def update(cls, text: str) -> None:
        if cls.status is not None:
            cls.status.update(escape(text))

    def __enter__(self) -> ProgressLine:
        ProgressLine.status = err().status("Working…")
        ProgressLine.status.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        ProgressLine.status.__exit__(*exc)
        ProgressLine.status = None
