"""How fast the CLI answers without Docker: `rmqlab --help` and `rmqlab render`, wall time.

Goal: --help at most 150 ms over a bare `python -c pass`, the baseline measured in the same run: the two
run in turn (A B A B ...) and the difference is taken pair by pair, so a machine whose speed drifts moves
both alike. Library code and heavy dependencies load only when a command runs
(tests/test_architecture.py keeps --help free of them).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time

import _repo  # noqa: F401  (this checkout first on sys.path)

RUNS = 15


def once(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def wall(argv: list[str]) -> float:
    return statistics.median(once(argv) for _ in range(RUNS))


def paired(argv: list[str], baseline: list[str]) -> tuple[float, float, float]:
    """Medians of `argv`, of `baseline`, and of their difference run pair by pair."""
    once(argv), once(baseline)  # warm the page cache
    pairs = [(once(argv), once(baseline)) for _ in range(RUNS)]
    return (statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs),
            statistics.median(a - b for a, b in pairs))


def main() -> None:
    python = [sys.executable]
    help_time, baseline, over = paired([*python, "-m", "rmqlab", "--help"], [*python, "-c", "pass"])
    with tempfile.TemporaryDirectory() as out:
        render_time = wall([*python, "-m", "rmqlab", "render", "--mode", "dledger", "--groups", "3", "--out", out])
    probe = "import rmqlab.cli, sys; print(sorted(m for m in sys.modules if m.startswith(('docker', 'python_on'))))"
    imports = [*python, "-c", probe]
    heavy = subprocess.run(imports, capture_output=True, text=True).stdout.strip()
    print(f"python -c pass        {baseline * 1000:7.1f} ms (baseline)")
    print(f"rmqlab --help         {help_time * 1000:7.1f} ms  ({over * 1000:.1f} ms over the baseline, median of "
          f"{RUNS} pairs; goal <= 150 ms over)")
    print(f"rmqlab render dledger {render_time * 1000:7.1f} ms  ({render_time / baseline:.1f}x baseline)")
    print(f"Docker modules imported by the CLI at start-up: {heavy}")


if __name__ == "__main__":
    main()
