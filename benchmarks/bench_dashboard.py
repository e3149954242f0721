"""The dashboard against a running cluster, in Debian's headless Chromium:

1. name server answer changed -> DOM updated, p50 / p95 (goal <= 1 s / <= 2 s). A slave is killed and started
   again, round after round; this process asks the name server every 20 ms to stamp the moment its answer
   changes, and the page stamps each render (window.rmqlabRenders). Baseline in the same run: when a poller
   at the dashboard's own rate (every 250 ms) would have seen the change, i.e. the share of the latency that
   is polling rather than push and drawing.
2. idle CPU of the server with one page open, over --idle seconds (goal <= 2 % of a core). Baselines in the
   same run: the same server with no page open, and `rmqlab status --watch` (the CLI's live view).
3. page weight and external requests (goal <= 300 KB, 0), from the browser's own resource timing.

    python benchmarks/bench_dashboard.py --name hd-a [--rounds 8] [--idle 60]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _repo  # noqa: F401  (this checkout first on sys.path)

from rmqlab.api import Lab

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000")
TICKS = os.sysconf("SC_CLK_TCK")


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*FLAGS, f"--user-data-dir={tempfile.mkdtemp(prefix='rmqlab-bench-')}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def cpu_share(pid: int, seconds: float) -> float:
    start = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - start) / seconds * 100


def answer_of(observer) -> str | None:
    view = observer.first_answer()
    if view is None:
        return None
    return ";".join(f"{g}={r.master or ''}/{','.join(sorted(r.slaves))}" for g, r in sorted(view.roles.items()))


class AnswerStamps(threading.Thread):
    """Asks the name server every 20 ms; (time.time(), answer) whenever the answer changes."""

    def __init__(self, lab: Lab, name: str):
        super().__init__(daemon=True)
        self.observer = lab.observer(lab.cluster(name), timeout=0.5)
        self.changes: list[tuple[float, str]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        last = None
        while not self.stop.is_set():
            answer = answer_of(self.observer)
            if answer is not None and answer != last:
                self.changes.append((time.time(), answer))
                last = answer
            self.stop.wait(0.02)


def latency(lab: Lab, name: str, driver, rounds: int, victim: str) -> None:
    stamps = AnswerStamps(lab, name)
    stamps.start()
    time.sleep(1)
    for _ in range(rounds):
        for action in ("kill", "start"):
            before = len(stamps.changes)
            lab.fault(name, action, victim)
            deadline = time.monotonic() + 120
            while len(stamps.changes) == before and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(3)  # let the page draw, and the answer settle
    stamps.stop.set()
    renders = driver.execute_script("return window.rmqlabRenders")
    page, poll = [], []
    for at, answer in stamps.changes[1:]:
        drawn = next((r["at"] / 1000 for r in renders if r["at"] / 1000 >= at - 0.05 and r["answer"] == answer), None)
        if drawn is not None:
            page.append(max(0.0, drawn - at))
        poll.append(0.25 * (1 - ((at * 4) % 1)))  # when a 4/s poller would next have asked
    page.sort()
    print(f"answer changed -> DOM updated: {len(page)} of {len(stamps.changes) - 1} changes drawn; "
          f"p50 {statistics.median(page) * 1000:.0f} ms, p95 {page[int(len(page) * 0.95) - 1] * 1000:.0f} ms, "
          f"max {page[-1] * 1000:.0f} ms (goal <= 1000 / 2000 ms)")
    print(f"  baseline, a 4/s poller alone: p50 {statistics.median(poll) * 1000:.0f} ms, "
          f"max {max(poll) * 1000:.0f} ms")


def page_weight(driver) -> None:
    entries = driver.execute_script(
        "const nav = performance.getEntriesByType('navigation')[0];"
        "return [[location.href, nav.transferSize, nav.encodedBodySize]].concat("
        "performance.getEntriesByType('resource').map(e => [e.name, e.transferSize, e.encodedBodySize]));")
    origin = driver.execute_script("return location.origin")
    body = sum(e[2] for e in entries if not e[0].endswith("/api/events") and "/api/events?" not in e[0])
    external = [e[0] for e in entries if not e[0].startswith(origin)]
    print(f"page weight: {body / 1024:.1f} KB in {len(entries)} requests (the event stream not counted); "
          f"external requests: {len(external)} (goal <= 300 KB, 0)")


def idle_cpu(pid: int, driver, url: str, seconds: float) -> None:
    driver.get("about:blank")
    time.sleep(3)
    alone = cpu_share(pid, seconds)
    driver.get(url)
    time.sleep(3)
    with_page = cpu_share(pid, seconds)
    watch = subprocess.Popen([sys.executable, "-m", "rmqlab", "status", "--watch", "--name", name_of(url)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3)
    cli = cpu_share(watch.pid, seconds)
    watch.terminate()
    watch.wait()
    print(f"idle CPU of the server, {seconds:.0f} s: one page open {with_page:.2f} % of a core "
          f"(no page: {alone:.2f} %; `rmqlab status --watch`: {cli:.2f} %) (goal <= 2 %)")


_NAME = {}


def name_of(url: str) -> str:
    return _NAME[url]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True, help="a running 2m2s cluster")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--victim", default="broker-b-slave")
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()
    lab = Lab()
    record = lab.start_dashboard(args.name)
    _NAME[record.url] = args.name
    driver = browser()
    try:
        driver.get(record.url)
        time.sleep(3)
        page_weight(driver)
        idle_cpu(record.pid, driver, record.url, args.idle)
        if not args.skip_latency:
            latency(lab, args.name, driver, args.rounds, args.victim)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
