"""How fast the CLI answers without Docker: `rmqlab --help` and `rmqlab render`, wall time.

Goal: --help within 0.3 s (Docker libraries are imported lazily). Baseline measured in the same
run: a bare `python -c pass`, so the figure shows what rmqlab adds to interpreter start-up.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time

import _repo  # noqa: F401  (this checkout first on sys.path)

RUNS = 15


def wall(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    python = [sys.executable]
    baseline = wall([*python, "-c", "pass"])
    help_time = wall([*python, "-m", "rmqlab", "--help"])
    with tempfile.TemporaryDirectory() as out:
        render_time = wall([*python, "-m", "rmqlab", "render", "--mode", "dledger", "--groups", "3", "--out", out])
    probe = "import rmqlab.cli, sys; print(sorted(m for m in sys.modules if m.startswith(('docker', 'python_on'))))"
    imports = [*python, "-c", probe]
    heavy = subprocess.run(imports, capture_output=True, text=True).stdout.strip()
    print(f"python -c pass        {baseline * 1000:7.1f} ms (baseline)")
    print(f"rmqlab --help         {help_time * 1000:7.1f} ms  ({help_time / baseline:.1f}x baseline; goal <= 300 ms)")
    print(f"rmqlab render dledger {render_time * 1000:7.1f} ms  ({render_time / baseline:.1f}x baseline)")
    print(f"Docker modules imported by the CLI at start-up: {heavy}")


if __name__ == "__main__":
    main()
