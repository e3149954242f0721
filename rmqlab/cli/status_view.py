"""The status tables, once or live."""

from __future__ import annotations

import time

from rich import box
from rich.console import Group
from rich.table import Table

from rmqlab.cli.output import out, print_json

STATE_COLOURS = {"running": "green", "paused": "yellow", "missing": "red"}


def status_table(data: dict) -> Table:
    table = Table(title=f"{data['cluster']}: {data['mode']}, RocketMQ {data['version']}", title_justify="left",
                  box=box.SIMPLE_HEAD)
    table.add_column("node", no_wrap=True)
    table.add_column("machine", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("role")
    table.add_column("address → local", no_wrap=True)
    machines = {m["name"]: m for m in data["machines"]}
    for node in data["nodes"]:
        machine = machines[node["machine"]]
        machine_text = node["machine"].removeprefix("machine-")
        if machine["isolated"]:
            machine_text += " [red]isolated[/]"
        elif machine["state"] != "running":
            machine_text += f" [red]{machine['state']}[/]"
        colour = STATE_COLOURS.get(node["state"], "red")
        role = node["role"] if node["kind"] == "namesrv" else _broker_role(node)
        where = node["address"] + (f" → {node['local'].split(':')[1]}" if node["local"] else "")
        table.add_row(node["name"], machine_text, f"[{colour}]{node['state']}[/]", role, where)
    if data.get("dashboard"):
        table.caption = f"dashboard: {data['dashboard']}"
    return table


def groups_table(data: dict, changed: dict[str, float]) -> Table:
    table = Table(title="groups", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("group", "master", "commit log", "slaves (lag bytes)", "master changed"):
        table.add_column(column, no_wrap=column != "slaves (lag bytes)")
    now = time.monotonic()
    for group, entry in data["groups"].items():
        lag = entry.get("replication_lag_bytes", {})
        slaves = ", ".join(f"{s} ({'?' if lag.get(s) is None else lag[s]})" for s in entry["slaves"]) or "-"
        master = entry["master"] or "[red]none[/]"
        offset = entry.get("commitlog_max_offset")
        since = f"{now - changed[group]:.1f} s ago" if group in changed else "-"
        table.add_row(group, master, "-" if offset is None else str(offset), slaves, since)
    return table


def _broker_role(node: dict) -> str:
    if node["role"] == "master":
        return f"[bold]master[/] {node['group']}"
    if node["role"] == "slave":
        return f"slave {node['group']} (id {node['broker_id']})"
    return f"[red]{node['role']}[/] {node['group']}"


def watch_status(cluster, interval: float, as_json: bool) -> None:
    """Refresh from the name servers and brokers until Ctrl-C; remembers when each master changed."""
    from rich.live import Live

    from rmqlab.live.observe import Observer
    from rmqlab.runtime.status import cluster_status

    masters: dict[str, str | None] = {}
    changed: dict[str, float] = {}
    with Observer(cluster, timeout=0.5) as observer:
        live = None if as_json else Live(console=out(), auto_refresh=False)
        try:
            if live:
                live.start()
            while True:
                data = cluster_status(cluster, observer, offsets=True)
                for group, entry in data["groups"].items():
                    if group in masters and masters[group] != entry["master"]:
                        changed[group] = time.monotonic()
                    masters[group] = entry["master"]
                if live:
                    live.update(Group(groups_table(data, changed), status_table(data)), refresh=True)
                else:
                    print_json(data)
                time.sleep(interval)
        except KeyboardInterrupt:
            return
        finally:
            if live:
                live.stop()
