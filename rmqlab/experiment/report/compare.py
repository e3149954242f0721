"""Several runs of one scenario (one per mode) side by side."""

from __future__ import annotations

from html import escape

from rmqlab.experiment.check.result import CheckResult
from rmqlab.experiment.check.runmeta import RunMeta
from rmqlab.experiment.report.html import page, table, verdict_list
from rmqlab.experiment.report.tables import comparison_rows
from rmqlab.experiment.report.timeline import timeline_picture
from rmqlab.experiment.report.timeline_svg import to_svg


def run_labels(results: list[tuple[RunMeta, CheckResult]]) -> list[str]:
    """What tells the runs apart: the layout (and variant), with the RocketMQ version when the runs differ in it."""
    versions = {meta.version for meta, _ in results}
    return [f"{meta.label} {meta.version}" if len(versions) > 1 else meta.label for meta, _ in results]


def render_comparison_html(results: list[tuple[RunMeta, CheckResult]]) -> str:
    labels = run_labels(results)
    body = [f"<h1>{escape(_title(results))}</h1>",
            table(["", *labels], [[label, *values] for label, values in comparison_rows(results)])]
    end = shared_end(results)
    for label, (_, result) in zip(labels, results, strict=True):
        body += [f"<h2>{escape(label)}</h2>", verdict_list(result.verdicts),
                 to_svg(timeline_picture(result, end=end))]
    return page(f"rmqlab · {_title(results)}", "\n".join(body))


def shared_end(results: list[tuple[RunMeta, CheckResult]]) -> float:
    """One time axis for every run: from 0 to the end of the longest."""
    return max((result.duration_seconds for _, result in results), default=0.0)


def _title(results: list[tuple[RunMeta, CheckResult]]) -> str:
    scenarios = sorted({meta.scenario for meta, _ in results})
    return f"{' / '.join(scenarios)}: {len(results)} runs compared"
