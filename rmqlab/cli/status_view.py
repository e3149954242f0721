"""The status table, once or live."""

from __future__ import annotations

import time

from rich.table import Table

from rmqlab.cli.output import out, print_json

STATE_COLOURS = {"running": "green", "paused": "yellow", "missing": "red"}


def status_table(data: dict) -> Table:
    table = Table(title=f"{data['cluster']}: {data['mode']}, RocketMQ {data['version']}", title_justify="left")
    for column in ("machine", "node", "container", "role", "address", "local"):
        table.add_column(column)
    machines = {m["name"]: m for m in data["machines"]}
    for node in data["nodes"]:
        machine = machines[node["machine"]]
        machine_text = machine["name"] + (" [red](isolated)[/]" if machine["isolated"] else "")
        if machine["state"] != "running":
            machine_text += f" [red]({machine['state']})[/]"
        colour = STATE_COLOURS.get(node["state"], "red")
        role = node["role"] if node["kind"] == "namesrv" else _broker_role(node)
        table.add_row(
            machine_text, node["name"], f"[{colour}]{node['state']}[/]", role, node["address"], node["local"] or ""
        )
    if data.get("dashboard"):
        table.caption = f"dashboard: {data['dashboard']}"
    return table


def _broker_role(node: dict) -> str:
    if node["role"] == "master":
        return f"[bold]master[/] of {node['group']}"
    if node["role"] == "slave":
        return f"slave of {node['group']} (id {node['broker_id']})"
    return f"[red]{node['role']}[/] ({node['group']})"


def watch_status(cluster, interval: float, as_json: bool) -> None:
    from rich.live import Live

    from rmqlab.observe import Observer
    from rmqlab.runtime.status import cluster_status

    with Observer(cluster) as observer:
        if as_json:
            while True:
                print_json(cluster_status(cluster, observer))
                time.sleep(interval)
        with Live(console=out(), auto_refresh=False) as live:
            try:
                while True:
                    live.update(status_table(cluster_status(cluster, observer)), refresh=True)
                    time.sleep(interval)
            except KeyboardInterrupt:
                return
