"""What recording the history costs, and how long the checker takes on a big one. No Docker.

    python benchmarks/bench_history.py [--ops 200000] [--threads 4] [--check-ops 100000]

1. ops/s of a tight loop calling a no-op "send", bare and with every call recorded through
   HistoryWriter (invoke + ok completion, one flushed JSON line each), single thread and shared by
   --threads threads; printed side by side with the ratio.
2. A synthetic 100k-send run (two groups, probes, a master kill, a final read of every replica): time to
   read history.jsonl, to check it, and to render report.html + timeline.png.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import _repo  # noqa: F401  (this checkout first on sys.path)

from rmqlab.experiment.check.checker import check
from rmqlab.experiment.check.history import HistoryWriter, read_history
from rmqlab.experiment.report.html import render_html
from rmqlab.experiment.report.timeline import timeline_picture
from rmqlab.experiment.report.timeline_png import to_png
from testkit.synthetic import HistoryBuilder, two_by_two


def noop_send(key: str) -> int:
    return len(key)


def bare(n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        noop_send(f"k-{i:06d}")
    return n / (time.perf_counter() - start)


def recorded(n: int, threads: int, path: Path) -> float:
    writer = HistoryWriter(path)
    per_thread = n // threads

    def loop(worker: int) -> None:
        for i in range(per_thread):
            key = f"k-{worker}-{i:06d}"
            op = writer.invoke(f"producer-{worker}", "send", {"key": key, "seq": i}, group="broker-a",
                               node="broker-a-master", queue=i % 4)
            offset = noop_send(key)
            writer.complete(op, "ok", code=0, code_name="SUCCESS", offset=offset, msg_id="0A0B0C0D")

    start = time.perf_counter()
    workers = [threading.Thread(target=loop, args=(w,)) for w in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    writer.close()
    return per_thread * threads / elapsed


def big_history(sends: int, path: Path) -> int:
    """`sends` sends over 100 s: producers spread over both groups, 20/s probes per group, broker-a's
    master killed at 40 s and back at 70 s, then a final read of every queue of every replica."""
    b = HistoryBuilder()
    b.roles(0.1, {"broker-a": "broker-a-master", "broker-b": "broker-b-master"})
    stored: dict[tuple[str, int], list[str]] = {}
    probe_acks = {g: b.probes(g, 0.0, 100.0, failing=[(40.0, 70.5)] if g == "broker-a" else [])
                  for g in ("broker-a", "broker-b")}
    for g, keys in probe_acks.items():
        stored.setdefault((g, 0), []).extend(keys)
    producer_sends = sends - sum(1 for e in b.history() if e.type == "invoke")
    for i in range(producer_sends):
        t = i * 100.0 / producer_sends
        down = 40.0 <= t < 70.5
        group = "broker-b" if down or i % 2 else "broker-a"
        queue = i % 4
        key = f"k-{i:07d}"
        b.send(key, t, t + 0.002, group=group, queue=queue, process=f"producer-{i % 4}")
        stored.setdefault((group, queue), []).append(key)
    b.fault("kill", "broker-a-master", 40.0)
    b.roles(40.2, {"broker-a": None, "broker-b": "broker-b-master"})
    b.fault("start", "broker-a-master", 70.0)
    b.roles(70.4, {"broker-a": "broker-a-master", "broker-b": "broker-b-master"})
    for (group, queue), keys in sorted(stored.items()):
        for role in ("master", "slave"):
            b.read(f"{group}-{role}", list(zip(keys, range(len(keys)), strict=True)), 110.0, group=group,
                   queue=queue)
    b.write(path)
    return sends


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=200_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--check-ops", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain = bare(args.ops)
        one = recorded(args.ops, 1, tmp / "one.jsonl")
        many = recorded(args.ops, args.threads, tmp / "many.jsonl")
        print(f"no-op send, bare:                 {plain:>12,.0f} ops/s")
        print(f"recorded, 1 thread:               {one:>12,.0f} ops/s  ({plain / one:,.0f}x slower, "
              f"{1e6 / one:.1f} us per recorded op)")
        print(f"recorded, {args.threads} threads, one writer:   {many:>12,.0f} ops/s")

        path = tmp / "history.jsonl"
        big_history(args.check_ops, path)
        size_mb = path.stat().st_size / 1e6
        meta = two_by_two("2m2s-sync", "bench")
        history, read_s = timed(lambda: read_history(path))
        result, check_s = timed(lambda: check(history, meta))
        _, render_s = timed(lambda: (render_html(meta, result), to_png(timeline_picture(result))))
        print(f"history of {result.totals['attempted']:,} sends, {len(history):,} events, {size_mb:.1f} MB")
        print(f"  read_history: {read_s:.2f} s   check: {check_s:.2f} s   report.html + timeline.png: {render_s:.2f} s")
        print(f"  lost {result.totals['acknowledged_lost']}, broker-a unwritable "
              f"{result.groups['broker-a'].unwritable_seconds:.1f} s")


if __name__ == "__main__":
    main()
