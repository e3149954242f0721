"""The status tables, once or live."""

from __future__ import annotations

import time

from rich import box
from rich.console import Group
from rich.markup import escape
from rich.table import Table

from rmqlab.cli.output import out, print_json

STATE_COLOURS = {"running": "green", "paused": "yellow", "missing": "red"}


def status_table(status) -> Table:
    table = Table(title=f"{status.cluster}: {status.mode}, RocketMQ {status.version}", title_justify="left",
                  box=box.SIMPLE_HEAD)
    for column in ("node", "machine", "state", "role", "address → local"):
        table.add_column(column, no_wrap=column != "role")
    machines = {m.name: m for m in status.machines}
    for node in status.nodes:
        machine = machines[node.machine]
        machine_text = node.machine.removeprefix("machine-")
        if machine.isolated:
            machine_text += " [red]isolated[/]"
        elif machine.state != "running":
            machine_text += f" [red]{escape(machine.state)}[/]"
        colour = STATE_COLOURS.get(node.state, "red")
        role = escape(node.role) if node.kind == "namesrv" else _broker_role(node)
        where = node.address + (f" → {node.local.split(':')[1]}" if node.local else "")
        table.add_row(node.name, machine_text, f"[{colour}]{escape(node.state)}[/]", role, where)
    if status.dashboard:
        table.caption = f"dashboard: {escape(status.dashboard)}"
        table.caption_justify = "left"
    return table


def proxies_table(status) -> Table:
    """Where an application connects: a remoting client takes `remoting` as its namesrvAddr, a gRPC SDK takes
    `grpc` as its endpoints."""
    table = Table(title="proxies", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("proxy", "machine", "state", "runs in", "remoting (namesrvAddr)", "gRPC (endpoints)"):
        table.add_column(column, no_wrap=True)
    for proxy in status.proxies:
        colour = STATE_COLOURS.get(proxy.state, "red")
        table.add_row(proxy.name, proxy.machine.removeprefix("machine-"), f"[{colour}]{escape(proxy.state)}[/]",
                      proxy.runs_in, proxy.remoting or "-", proxy.grpc or "-")
    return table


def groups_table(status, changed: dict[str, float]) -> Table:
    table = Table(title="groups", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("group", "master", "commit log", "slaves (lag bytes)", "master changed"):
        table.add_column(column, no_wrap=column != "slaves (lag bytes)")
    now = time.monotonic()
    for name, group in status.groups.items():
        lag = group.replication_lag_bytes or {}
        slaves = ", ".join(f"{s} ({'?' if lag.get(s) is None else lag[s]})" for s in group.slaves) or "-"
        offset = group.commitlog_max_offset
        since = f"{now - changed[name]:.1f} s ago" if name in changed else "-"
        table.add_row(name, group.master or "[red]none[/]", "-" if offset is None else str(offset), slaves, since)
    return table


def _broker_role(node) -> str:
    if node.role == "master":
        return f"[bold]master[/] {node.group}"
    if node.role == "slave":
        return f"slave {node.group} (id {node.broker_id})"
    return f"[red]{escape(node.role)}[/] {node.group}"


def watch_status(frames, as_json: bool) -> None:
    """Show each frame until Ctrl-C: a live table, or one JSON object per refresh."""
    from rich.live import Live

    live = None if as_json else Live(console=out(), auto_refresh=False)
    try:
        if live:
            live.start()
        for frame in frames:
            if live:
                tables = [groups_table(frame.status, frame.master_changed), status_table(frame.status)]
                if frame.status.proxies:
                    tables.append(proxies_table(frame.status))
                live.update(Group(*tables), refresh=True)
            else:
                print_json(frame.status.to_dict())
    except KeyboardInterrupt:
        return
    finally:
        if live:
            live.stop()
        frames.close()
