"""A run folder's reports: report.json, report.html and timeline.png, (re)made from history.jsonl + run.json."""

from __future__ import annotations

import json
from pathlib import Path

from rmqlab.experiment.check.checker import check
from rmqlab.experiment.check.history import HISTORY_FILE, read_history
from rmqlab.experiment.check.result import CheckResult
from rmqlab.experiment.check.runmeta import RunMeta
from rmqlab.experiment.report.html import render_html
from rmqlab.experiment.report.timeline import timeline_picture
from rmqlab.experiment.report.timeline_png import to_png

REPORT_JSON, REPORT_HTML, TIMELINE_PNG = "report.json", "report.html", "timeline.png"


def report_json(result: CheckResult) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


def write_reports(run_dir: str | Path, meta: RunMeta, result: CheckResult) -> list[Path]:
    run_dir = Path(run_dir)
    paths = [run_dir / REPORT_JSON, run_dir / REPORT_HTML, run_dir / TIMELINE_PNG]
    paths[0].write_text(report_json(result), encoding="utf-8")
    paths[1].write_text(render_html(meta, result), encoding="utf-8")
    paths[2].write_bytes(to_png(timeline_picture(result)))
    return paths


def render_run(run_dir: str | Path, *, ignore_below: float = 0.0) -> tuple[RunMeta, CheckResult]:
    """Check a saved run again and rewrite its reports (backs `rmqlab experiment report RUN_DIR`)."""
    meta = RunMeta.load(run_dir)
    result = check(read_history(Path(run_dir) / HISTORY_FILE), meta, ignore_below=ignore_below)
    write_reports(run_dir, meta, result)
    return meta, result
