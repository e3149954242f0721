"""Per-node progress while a cluster starts: a line per node that becomes ready, a spinner for the rest."""

from __future__ import annotations

from rmqlab.cli.output import err


class ReadyProgress:
    def __init__(self, cluster):
        self.cluster = cluster
        self.status = None

    def __enter__(self) -> ReadyProgress:
        self.status = err().status("Waiting for the cluster…")
        self.status.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.status.__exit__(*exc)

    def on_progress(self, event) -> None:
        text = {
            "answers": "name server answers",
            "master": "registered as master",
            "slave": "registered as slave",
        }.get(event.state, event.state)
        err().print(f"  [green]✓[/] {event.node:<18} {text}  ({event.elapsed:.1f} s)")

    def on_waiting(self, waiting: dict[str, str]) -> None:
        node, why = next(iter(waiting.items()))
        more = f" (+{len(waiting) - 1} more)" if len(waiting) > 1 else ""
        self.status.update(f"Waiting for {node}: {why}{more}")
