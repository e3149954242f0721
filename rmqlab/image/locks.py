"""Machine-wide locks for builds that must not run twice at once (same version, the base)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from rmqlab.image.jars import cache_root


@contextmanager
def file_lock(name: str) -> Iterator[None]:
    """Hold ~/.cache/rmqlab/locks/<name>.lock exclusively; a second holder waits."""
    path = cache_root() / "locks" / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
