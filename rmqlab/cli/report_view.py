"""A run's summary and a comparison, as rich renderables for the terminal."""

from __future__ import annotations

from rich.console import Group
from rich.table import Column, Table
from rich.text import Text

from rmqlab.api import (
    GROUP_HEADERS,
    SHORT_GROUP_COLUMNS,
    SIDE_BY_SIDE_HEADERS,
    client_text,
    comparison_rows,
    group_rows,
    is_alarm,
    run_labels,
    secs,
    side_by_side_rows,
    total_rows,
)


def summary(meta, result) -> Group:
    title = Text.assemble((f"{meta.scenario}", "bold"), f" · {meta.mode} · RocketMQ {meta.version} · "
                          f"{client_text(meta)} · workload ran {secs(result.duration_seconds)}")
    groups = Table(*GROUP_HEADERS[:SHORT_GROUP_COLUMNS])
    for row in group_rows(result):
        groups.add_row(*row[:SHORT_GROUP_COLUMNS])
    totals = Table("messages", Column("count", justify="right"))
    for label, value in total_rows(result, every=False):
        totals.add_row(label, value)
    side = Table(*SIDE_BY_SIDE_HEADERS[1:], title="the application beside the broker groups", title_justify="left")
    for row in side_by_side_rows(meta, result):
        side.add_row(*(Text(cell) for cell in row[1:]))
    verdicts = [Text("• " + v, style="bold red" if is_alarm(v) else "") for v in result.verdicts]
    warnings = [Text("! " + w, style="yellow") for w in result.warnings]
    parts = [title, groups, totals] + ([side] if side.row_count else [])
    return Group(*parts, Text("verdicts", style="bold"), *verdicts, *warnings)


def comparison_table(runs) -> Table:
    """One row per metric, one column per run."""
    pairs = [(run.meta, run.result) for run in runs]
    scenarios = sorted({meta.scenario for meta, _ in pairs})
    grid = Table("", *(Column(Text(label)) for label in run_labels(pairs)),
                 title=Text(f"{' / '.join(scenarios)}: {len(pairs)} runs compared"),
                 title_justify="left")
    for label, values in comparison_rows(pairs):
        grid.add_row(Text(label), *(Text(v) for v in values))  # variant names and targets are the user's text
    return grid
