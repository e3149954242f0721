"""The run's summary for the terminal, as a rich renderable (the caller prints it)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Column, Table
from rich.text import Text

from rmqlab.experiment.check.result import CheckResult
from rmqlab.experiment.check.runmeta import RunMeta
from rmqlab.experiment.report.tables import GROUP_HEADERS, SHORT_GROUP_COLUMNS, group_rows, total_rows
from rmqlab.experiment.report.wording import is_alarm, secs


def summary(meta: RunMeta, result: CheckResult) -> Group:
    title = Text.assemble((f"{meta.scenario}", "bold"), f" · {meta.mode} · RocketMQ {meta.version} · "
                          f"workload ran {secs(result.duration_seconds)}")
    groups = Table(*GROUP_HEADERS[:SHORT_GROUP_COLUMNS])
    for row in group_rows(result):
        groups.add_row(*row[:SHORT_GROUP_COLUMNS])
    totals = Table("messages", Column("count", justify="right"))
    for label, value in total_rows(result, every=False):
        totals.add_row(label, value)
    verdicts = [Text("• " + v, style="bold red" if is_alarm(v) else "") for v in result.verdicts]
    warnings = [Text("! " + w, style="yellow") for w in result.warnings]
    return Group(title, groups, totals, Text("verdicts", style="bold"), *verdicts, *warnings)
