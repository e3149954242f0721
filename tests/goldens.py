"""Compare a set of rendered files with a folder of golden files, both ways."""

from __future__ import annotations

import os
from pathlib import Path

UPDATE = os.environ.get("RMQLAB_UPDATE_GOLDEN") == "1"


def compare_tree(expected_root: Path, rendered: dict[str, str], pattern: str = "**/*") -> list[str]:
    """Problems: files that differ, are missing on disk, or are on disk but not rendered."""
    if UPDATE:
        for relative, text in rendered.items():
            path = expected_root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    on_disk = {
        str(p.relative_to(expected_root)) for p in expected_root.glob(pattern) if p.is_file()
    }
    problems = []
    for relative, text in rendered.items():
        path = expected_root / relative
        if not path.exists():
            problems.append(f"missing: {relative}")
        elif path.read_text() != text:
            problems.append(f"differs: {relative}")
    problems += [f"extra: {relative}" for relative in sorted(on_disk - set(rendered))]
    return problems
