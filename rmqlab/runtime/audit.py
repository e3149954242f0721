"""JSON-lines trail of every fault, written before and after acting, failures included."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from pathlib import Path


class AuditLog:
    def __init__(self, path: Path | None):
        self.path = path

    def write(self, record: dict) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as handle:
            handle.write(json.dumps({"ts": round(time.time(), 3), **record}) + "\n")

    @contextmanager
    def action(self, action: str, target: str, **details):
        self.write({"event": "begin", "action": action, "target": target, **details})
        outcome = {"event": "end", "action": action, "target": target, "ok": False}
        try:
            yield outcome
            outcome["ok"] = True
        except BaseException as error:
            outcome["error"] = f"{type(error).__name__}: {error}"
            raise
        finally:
            self.write(outcome)
