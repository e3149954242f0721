"""What runs beside a cluster, recorded under RMQLAB_HOME/live/<name>/: the dashboard serving it (URL with its
token, pid) and the experiment running on it (its run folder). Kept apart from the cluster's own folder,
which `down --volumes` and every experiment remove: a dashboard outlives the cluster it watches.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from rmqlab.errors import RmqlabError
from rmqlab.runtime.workdir import rmqlab_home
from rmqlab.topology.naming import validate_cluster_name

DASHBOARD_FILE = "dashboard.json"
DASHBOARD_LOG = "dashboard.log"
EXPERIMENT_FILE = "experiment.json"
START_TIMEOUT = 30.0
STOP_GRACE = 5.0


@dataclass(frozen=True)
class DashboardRecord:
    cluster: str
    url: str  # with its token
    pid: int
    port: int
    started: float


def live_dir(name: str) -> Path:
    validate_cluster_name(name)
    return rmqlab_home() / "live" / name


def write_dashboard(record: DashboardRecord) -> Path:
    """Only the owner may read it: the URL carries the token."""
    folder = live_dir(record.cluster)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DASHBOARD_FILE
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(record), handle)
    os.replace(temp, path)
    return path


def read_dashboard(name: str) -> DashboardRecord | None:
    """The dashboard serving `name`, while its process lives; None otherwise (a stale record is removed)."""
    path = live_dir(name) / DASHBOARD_FILE
    try:
        record = DashboardRecord(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if _is_dashboard_process(record.pid, name):
        return record
    _remove(path)
    return None


def clear_dashboard(name: str, pid: int) -> None:
    """Remove the record if it still names this process (a newer dashboard keeps its own)."""
    path = live_dir(name) / DASHBOARD_FILE
    try:
        if json.loads(path.read_text()).get("pid") == pid:
            _remove(path)
    except (OSError, ValueError):
        pass


def stop_dashboard(name: str) -> DashboardRecord | None:
    """SIGTERM the dashboard of `name` (SIGKILL after a grace); the record it had, None when none ran."""
    record = read_dashboard(name)
    if record is None:
        return None
    try:
        os.kill(record.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        while time.monotonic() < deadline and _alive(record.pid):
            time.sleep(0.05)
        if _alive(record.pid):
            os.kill(record.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    clear_dashboard(name, record.pid)
    return record


def spawn_dashboard(name: str, port: int | None = None) -> DashboardRecord:
    """Start `rmqlab dashboard --name NAME` detached (its own session, output in live/<name>/dashboard.log)
    and wait until it records its URL."""
    folder = live_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "rmqlab", "dashboard", "--name", name] + (["--port", str(port)] if port else [])
    with open(folder / DASHBOARD_LOG, "ab") as log:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        record = read_dashboard(name)
        if record is not None and record.pid == child.pid:
            return record
        if child.poll() is not None:
            break
        time.sleep(0.1)
    if child.poll() is None:
        child.kill()
    raise RmqlabError(f"The dashboard of '{name}' did not start: {_tail(folder / DASHBOARD_LOG)}",
                      hint=f"Its output is in {folder / DASHBOARD_LOG}; `rmqlab dashboard --name {name}` runs it "
                           "in the foreground.")


def note_experiment(name: str, run_dir: Path) -> None:
    folder = live_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / EXPERIMENT_FILE).write_text(json.dumps({"run_dir": str(Path(run_dir).resolve()),
                                                       "noted": time.time()}))


def noted_experiment(name: str) -> Path | None:
    """The run folder of the last experiment run on `name`, if it is still there."""
    try:
        run_dir = Path(json.loads((live_dir(name) / EXPERIMENT_FILE).read_text())["run_dir"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return run_dir if run_dir.is_dir() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _is_dashboard_process(pid: int, name: str) -> bool:
    """Alive, and (where /proc tells) this process or an rmqlab dashboard, not a pid reused by another program."""
    if pid <= 0 or not _alive(pid):
        return False
    if pid == os.getpid():
        return True
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc here: liveness is all we can tell
    words = [a.decode(errors="replace") for a in argv]
    return "dashboard" in words and any("rmqlab" in w for w in words)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no output"
    return " / ".join(text[-lines:]) or "no output"
