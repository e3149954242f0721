"""An experiment as it runs, for the dashboard: the runner notes its run folder beside the cluster
(rmqlab.runtime.livefiles); the timeline is the report's own, drawn by the pure checker and report code from
the history written so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rmqlab.errors import RmqlabError
from rmqlab.experiment.check.history import HISTORY_FILE, read_history
from rmqlab.experiment.check.runmeta import RunMeta
from rmqlab.experiment.report.files import REPORT_HTML
from rmqlab.runtime.livefiles import noted_experiment


@dataclass(frozen=True)
class ExperimentView:
    run_dir: str
    scenario: str
    mode: str
    running: bool
    seconds: float  # of history so far
    duration: float | None  # as scheduled
    svg: str | None  # the timeline, as report.html draws it
    verdicts: list[str] = field(default_factory=list)  # once finished

    @property
    def report(self) -> Path | None:
        path = Path(self.run_dir) / REPORT_HTML
        return path if not self.running and path.is_file() else None

    def to_dict(self) -> dict:
        return {"run_dir": self.run_dir, "scenario": self.scenario, "mode": self.mode, "running": self.running,
                "seconds": round(self.seconds, 1), "duration": self.duration, "svg": self.svg,
                "verdicts": self.verdicts, "report": self.report is not None}


class ExperimentWatch:
    """Re-draws the timeline whenever the history has grown; `poll()` says whether the view changed."""

    def __init__(self, cluster: str):
        self.cluster = cluster
        self.view: ExperimentView | None = None
        self._seen: tuple | None = None

    def poll(self) -> bool:
        run_dir = noted_experiment(self.cluster)
        if run_dir is None:
            return False
        history = run_dir / HISTORY_FILE
        finished = (run_dir / REPORT_HTML).is_file()
        try:
            key = (str(run_dir), history.stat().st_size, finished)
        except OSError:
            return False
        if key == self._seen:
            return False
        self._seen = key
        try:
            self.view = _draw(run_dir, finished)
        except (RmqlabError, OSError, ValueError):
            return False  # a history cut mid-write reads fine on the next poll
        return True


def _draw(run_dir: Path, finished: bool) -> ExperimentView:
    from rmqlab.experiment.check.checker import check
    from rmqlab.experiment.report.timeline import timeline_picture
    from rmqlab.experiment.report.timeline_svg import to_svg

    meta = RunMeta.load(run_dir)
    result = check(read_history(run_dir / HISTORY_FILE), meta)
    return ExperimentView(str(run_dir), meta.scenario, meta.mode, not finished, result.duration_seconds,
                          meta.duration_seconds, to_svg(timeline_picture(result)),
                          list(result.verdicts) if finished else [])
