"""produce and consume: poke the cluster by hand, one line per message."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Optional

import typer

from rmqlab.cli import app
from rmqlab.cli.options import DEFAULT_NAME, Json, Name, lab
from rmqlab.cli.output import out, print_json, say

Topic = Annotated[str, typer.Option("--topic", "-t", help="Topic (created on every group's master).")]


@app.command()
def produce(
    name: Name = DEFAULT_NAME,
    topic: Topic = "rmqlab-demo",
    count: Annotated[int, typer.Option("--count", "-c", help="Messages to send.")] = 10,
    rate: Annotated[
        Optional[float], typer.Option("--rate", "-r", help="Messages per second (default: as fast as acked).")
    ] = None,
    to: Annotated[Optional[str], typer.Option("--to", help="Only this group, e.g. broker-a.")] = None,
    size: Annotated[int, typer.Option("--size", help="Body bytes.")] = 128,
    json: Json = False,
) -> None:
    """Send messages to the current masters and print each broker answer exactly."""
    failures = sent_count = 0
    for sent in lab().produce(name, topic, count, rate, to, size):
        sent_count += 1
        failures += sent.code != 0
        if json:
            print_json(asdict(sent))
            continue
        where = f"{sent.group:<9} {sent.node:<16} q{sent.queue}"
        result = sent.code_name if sent.error is None else f"NO ANSWER ({sent.error})"
        offset = f"offset {sent.offset}" if sent.offset is not None else ""
        out().print(f"{sent.key} {where} {result:<22} {offset:<12} {sent.millis:7.1f} ms", markup=False)
    if not json:
        say(f"{sent_count - failures} of {sent_count} answered SUCCESS.")


@app.command()
def consume(
    name: Name = DEFAULT_NAME,
    topic: Topic = "rmqlab-demo",
    from_slave: Annotated[bool, typer.Option("--from-slave", help="Read from a slave of each group.")] = False,
    group: Annotated[Optional[str], typer.Option("--group", "-g", help="Only this group.")] = None,
    json: Json = False,
) -> None:
    """Read every message of a topic back, from each group's master (or a slave)."""
    from rmqlab.api import Refused, Skipped

    count, sources = 0, {}
    for item in lab().consume(name, topic, from_slave, group):
        if isinstance(item, Skipped):
            say(f"{item.group}: no {item.wanted} registered right now; skipped.")
        elif isinstance(item, Refused):
            say(f"{item.node} refused {item.group} q{item.queue}: code {item.code} {item.remark}")
        else:
            count += 1
            sources[item.group] = item.node
            if json:
                print_json({**asdict(item), "body": item.body.decode(errors="replace")})
            else:
                out().print(f"{item.group:<9} {item.node:<16} q{item.queue} offset {item.offset:<6} {item.key}",
                            markup=False)
    if not json:
        where = ", ".join(f"{g}@{n}" for g, n in sorted(sources.items())) or "nowhere"
        say(f"{count} messages read from {where}.")
