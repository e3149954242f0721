"""Probe resolution: how many acknowledged probe sends per second each group gets while the whole
workload (producers, consumers, observer) runs beside a real cluster on this machine.

Goal (issue "Failover experiments"): >= 20 probes/s per group, so an unwritable window is measured
to about +-100 ms (two probe intervals, one at each edge). The baseline in the same run is the rate
asked for; the figure is the rate achieved and its ratio.

    python benchmarks/bench_probe.py [--mode 2m2s-sync] [--rates 20,50] [--seconds 20] [--image IMG]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import _repo  # noqa: F401  (this checkout first on sys.path)

from rmqlab.experiment.check.history import HISTORY_FILE, read_history
from rmqlab.experiment.run.runner import RunRequest, run_experiment
from rmqlab.experiment.run.scenario import scenario_from_dict
from rmqlab.topology.layouts import parse_mode
from rmqlab.topology.versions import DEFAULT_VERSION


def measure(mode: str, rate: float, seconds: float, image: str | None) -> None:
    scenario = scenario_from_dict({"name": f"probe-{rate:g}", "duration": seconds, "faults": [],
                                   "workload": {"probe_rate": rate}})
    with tempfile.TemporaryDirectory() as out:
        run_dir, meta, _ = run_experiment(RunRequest(parse_mode(mode), scenario, Path(out), DEFAULT_VERSION, image),
                                          lambda line: None)
        events = read_history(run_dir / HISTORY_FILE)
    completions = {e.op_id: e for e in events if e.type in ("ok", "fail", "info")}
    for group in meta.groups:
        invokes = [e for e in events if e.type == "invoke" and e.process == f"probe-{group.name}"]
        done = [completions.get(e.op_id) for e in invokes]
        ok = [(e, d) for e, d in zip(invokes, done, strict=True) if d is not None and d.type == "ok"]
        span = max(e.t for e in invokes) - min(e.t for e in invokes)
        achieved = len(ok) / span if span else 0.0
        gaps = sorted(b.t - a.t for (a, _), (b, _) in zip(ok, ok[1:], strict=False))
        latency = sorted((d.t - e.t) * 1000 for e, d in ok)
        p99_gap = gaps[int(len(gaps) * 0.99)] * 1000 if gaps else float("nan")
        print(
            f"{mode:<10} {group.name:<9} asked {rate:5.1f}/s  achieved {achieved:5.1f}/s ({achieved / rate:.2f}x)"
            f"  send latency p50 {statistics.median(latency):5.1f} ms p99 {latency[int(len(latency) * 0.99)]:6.1f} ms"
            f"  p99 gap between acks {p99_gap:5.0f} ms  {'goal met' if achieved >= 20 else 'below the 20/s goal'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="2m2s-sync")
    parser.add_argument("--rates", default="20,50")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--image", default=None)
    args = parser.parse_args()
    for rate in (float(r) for r in args.rates.split(",")):
        measure(args.mode, rate, args.seconds, args.image)


if __name__ == "__main__":
    main()
