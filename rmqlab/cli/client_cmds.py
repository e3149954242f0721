"""produce and consume: poke the cluster by hand, one line per message."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Optional

import typer

from rmqlab.cli import app
from rmqlab.cli.options import DEFAULT_NAME, Json, Name
from rmqlab.cli.output import err, out, print_json

Topic = Annotated[str, typer.Option("--topic", "-t", help="Topic (created on every group's master).")]


def _session(name: str):
    from rmqlab.live.observe import Observer
    from rmqlab.runtime.lifecycle import load_cluster

    cluster = load_cluster(name)
    observer = Observer(cluster, timeout=3.0)
    observer.client.timeout = 3.0
    return cluster, observer


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
    from rmqlab.live.clientops import ensure_topic, master_nodes
    from rmqlab.live.clientops import produce as send_all

    cluster, observer = _session(name)
    with observer:
        masters = master_nodes(cluster, observer.roles(), to)
        ensure_topic(observer.client, cluster, masters, topic)
        failures = 0
        for sent in send_all(observer.client, cluster, masters, topic, count, rate, size):
            failures += sent.code != 0
            if json:
                print_json(asdict(sent))
                continue
            where = f"{sent.group:<9} {sent.node:<16} q{sent.queue}"
            result = sent.code_name if sent.error is None else f"NO ANSWER ({sent.error})"
            offset = f"offset {sent.offset}" if sent.offset is not None else ""
            out().print(f"{sent.key} {where} {result:<22} {offset:<12} {sent.millis:7.1f} ms")
    if not json:
        err().print(f"{count - failures} of {count} answered SUCCESS.")


@app.command()
def consume(
    name: Name = DEFAULT_NAME,
    topic: Topic = "rmqlab-demo",
    from_slave: Annotated[bool, typer.Option("--from-slave", help="Read from a slave of each group.")] = False,
    group: Annotated[Optional[str], typer.Option("--group", "-g", help="Only this group.")] = None,
    json: Json = False,
) -> None:
    """Read every message of a topic back, from each group's master (or a slave)."""
    from rmqlab.live.clientops import Refused
    from rmqlab.live.clientops import consume as read_all

    cluster, observer = _session(name)
    with observer:
        roles = observer.roles()
        groups = [group] if group else list(cluster.groups)
        replicas = {}
        for g in groups:
            state = roles.get(g)
            if state is None:
                candidates = []
            else:
                candidates = list(state.slaves) if from_slave else [state.master] if state.master else []
            if candidates:
                replicas[g] = candidates[0]
            else:
                err().print(f"{g}: no {'slave' if from_slave else 'master'} registered right now; skipped.")
        count = 0
        for read in read_all(observer.client, cluster, replicas, topic):
            if isinstance(read, Refused):
                line = f"{read.node} refused {read.group} q{read.queue}: code {read.code} {read.remark}"
                err().print(line, markup=False)
                continue
            count += 1
            if json:
                print_json({**asdict(read), "body": read.body.decode(errors="replace")})
            else:
                out().print(f"{read.group:<9} {read.node:<16} q{read.queue} offset {read.offset:<6} {read.key}")
    if not json:
        err().print(f"{count} messages read from {', '.join(f'{g}@{n}' for g, n in replicas.items()) or 'nowhere'}.")
