"""Several runs of one scenario (one per mode) side by side."""

from __future__ import annotations

from html import escape

from rmqlab.experiment.check.result import CheckResult
from rmqlab.experiment.check.runmeta import RunMeta
from rmqlab.experiment.report.html import page, table, verdict_list
from rmqlab.experiment.report.tables import comparison_rows
from rmqlab.experiment.report.timeline import timeline_picture
from rmqlab.experiment.report.timeline_svg import to_svg


def render_comparison_html(results: list[tuple[RunMeta, CheckResult]]) -> str:
    body = [f"<h1>{escape(_title(results))}</h1>",
            table(["", *(meta.label for meta, _ in results)], [[label, *values] for label, values in
                                                                comparison_rows(results)])]
    for meta, result in results:
        body += [f"<h2>{escape(meta.label)}</h2>", verdict_list(result.verdicts), to_svg(timeline_picture(result))]
    return page(f"rmqlab · {_title(results)}", "\n".join(body))


def _title(results: list[tuple[RunMeta, CheckResult]]) -> str:
    scenarios = sorted({meta.scenario for meta, _ in results})
    return f"{' / '.join(scenarios)}: {len(results)} runs compared"
