"""Do rmqlab's heaps hold under load? A steady stream of sync sends against a real cluster, with
each broker JVM's garbage collection, memory and health read while it runs.

    python benchmarks/bench_load.py [--mode 2m2s-sync] [--rate 500] [--seconds 300] [--size 1024]
                                    [--senders 8] [--name bench-load] [--image IMG]

The sends are rmqlab's own RemotingClient (as bench_probe.py and bench_remoting.py use), paced
threads round-robin over every group's master and its queues, through the 127.0.0.1 ports. Every
--sample seconds and at the end, per broker: young and full collections (count and seconds, from
the JVM's own hsperfdata counters, read with `docker exec cat`), the share of wall time spent in
GC, old generation use, the JVM's RSS and `docker stats` memory, CPU seconds. At the end:
OutOfMemoryError or StackOverflowError in any log, a full code cache, OOMKilled or exited
containers, and sends acked / failed.

Pass criteria printed at the end: no OOM and no container lost; GC under 5 % of wall time per
broker ("no GC storm"); at least 95 % of the asked rate acked.
"""

from __future__ import annotations

import argparse
import statistics
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field

import _repo  # noqa: F401  (this checkout first on sys.path)

from rmqlab.api import Lab
from rmqlab.live.clientops import QUEUES_PER_GROUP, ensure_topic, master_nodes
from rmqlab.remoting import RemotingClient, RemotingError
from rmqlab.topology.layouts import build_cluster, parse_mode
from rmqlab.topology.model import Cluster, ClusterSpec

LAB = Lab()

TOPIC = "rmqlab-load"
GC_STORM_SHARE = 0.05
MIN_ACKED_SHARE = 0.95
LATE_S = 30.0  # a sender still behind this long after the end stops anyway


# -- the JVM's own counters ------------------------------------------------------------------

def perf_counters(data: bytes) -> dict[str, int | str]:
    """Decode a HotSpot hsperfdata file (v2): counter name -> long value, or string for byte vectors."""
    if data[:4] != b"\xca\xfe\xc0\xc0":
        raise ValueError("not an hsperfdata file")
    order = "<" if data[4] == 1 else ">"
    entry_offset, entries = struct.unpack_from(order + "ii", data, 24)
    counters: dict[str, int | str] = {}
    at = entry_offset
    for _ in range(entries):
        length, name_at, vector, kind, _flags, _units, _var, data_at = struct.unpack_from(order + "iiibbbbi", data, at)
        name = data[at + name_at: data.index(b"\0", at + name_at)].decode()
        if kind == ord("J") and vector == 0:
            counters[name] = struct.unpack_from(order + "q", data, at + data_at)[0]
        elif kind == ord("B") and vector:
            raw = data[at + data_at: at + data_at + vector]
            counters[name] = raw.split(b"\0", 1)[0].decode(errors="replace")
        at += length
    return counters


@dataclass
class JvmSample:
    at: float
    young: int
    young_s: float
    full: int
    full_s: float
    old_used_mb: float
    old_capacity_mb: float
    rss_mb: float
    cpu_s: float


def sample_jvm(container: str) -> JvmSample:
    raw = subprocess.run(["docker", "exec", container, "sh", "-c", "cat /tmp/hsperfdata_*/1"],
                         capture_output=True, check=True, timeout=30).stdout
    perf = perf_counters(raw)
    hz = float(perf["sun.os.hrt.frequency"])
    proc = subprocess.run(["docker", "exec", container, "sh", "-c", "cat /proc/1/status; echo; cat /proc/1/stat"],
                          capture_output=True, text=True, check=True, timeout=30).stdout
    rss_kb = next(int(line.split()[1]) for line in proc.splitlines() if line.startswith("VmRSS:"))
    stat = proc.strip().splitlines()[-1].rsplit(")", 1)[1].split()
    ticks = subprocess.run(["getconf", "CLK_TCK"], capture_output=True, text=True).stdout.strip() or "100"
    return JvmSample(
        at=time.monotonic(),
        young=int(perf["sun.gc.collector.0.invocations"]), young_s=int(perf["sun.gc.collector.0.time"]) / hz,
        full=int(perf["sun.gc.collector.1.invocations"]), full_s=int(perf["sun.gc.collector.1.time"]) / hz,
        old_used_mb=int(perf["sun.gc.generation.1.space.0.used"]) / 2**20,
        old_capacity_mb=int(perf["sun.gc.generation.1.space.0.capacity"]) / 2**20,
        rss_mb=rss_kb / 1024, cpu_s=(int(stat[11]) + int(stat[12])) / int(ticks))


def docker_stats_mb(containers: list[str]) -> dict[str, float]:
    out = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", *containers],
                         capture_output=True, text=True, timeout=60).stdout
    units = {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}
    figures = {}
    for line in out.splitlines():
        name, usage = line.split(" ", 1)
        usage = usage.split("/")[0].strip()
        figures[name] = next((float(usage[: -len(u)]) * f for u, f in units.items() if usage.endswith(u)), 0.0)
    return figures


def health(container: str) -> str:
    """'' when the JVM never ran out of memory and the container still runs, else what happened."""
    state = subprocess.run(["docker", "inspect", "-f", "{{.State.Status}} {{.State.OOMKilled}} {{.RestartCount}}",
                            container], capture_output=True, text=True).stdout.split()
    problems = []
    if state[:1] != ["running"]:
        problems.append(f"container {state[0] if state else 'gone'}")
    if state[1:2] == ["true"]:
        problems.append("OOMKilled")
    logs = subprocess.run(["docker", "logs", container], capture_output=True, text=True, errors="replace")
    files = subprocess.run(["docker", "exec", container, "sh", "-c",
                            "grep -l OutOfMemoryError $HOME/logs/rocketmqlogs/*.log 2>/dev/null"],
                           capture_output=True, text=True).stdout.split()
    if "OutOfMemoryError" in logs.stdout + logs.stderr or files:
        problems.append("OutOfMemoryError (" + (", ".join(files) or "console") + ")")
    if "CodeCache is full" in logs.stdout + logs.stderr:
        problems.append("code cache full (the JIT stopped)")
    overflows = subprocess.run(["docker", "exec", container, "sh", "-c",
                                "grep -l StackOverflowError $HOME/logs/rocketmqlogs/*.log 2>/dev/null"],
                               capture_output=True, text=True).stdout.split()
    if "StackOverflowError" in logs.stdout + logs.stderr or overflows:
        problems.append("StackOverflowError (-Xss256k too small?)")
    return "; ".join(problems)


# -- the load ---------------------------------------------------------------------------------

@dataclass
class SendTally:
    acked: int = 0
    failed: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, ok: bool, millis: float, why: str = "") -> None:
        with self.lock:
            if ok:
                self.acked += 1
                self.latencies_ms.append(millis)
            else:
                self.failed += 1
                self.errors[why] = self.errors.get(why, 0) + 1


def sender(client: RemotingClient, cluster: Cluster, targets: list[tuple[str, str]], index: int, senders: int,
           rate: float, started: float, until: float, body: bytes, tally: SendTally) -> None:
    """One of `senders` paced threads: send number n is due at started + n / rate, and this thread
    sends numbers index, index + senders, ... (a thread that falls behind sends without pausing)."""
    seq = index
    while True:
        due = started + seq / rate
        if due >= until or time.monotonic() >= until + LATE_S:
            return
        if due > time.monotonic():
            time.sleep(due - time.monotonic())
        group, node = targets[seq % len(targets)]
        queue = (seq // len(targets)) % QUEUES_PER_GROUP
        began = time.monotonic()
        try:
            result = client.send(cluster.advertised_addr(cluster.node(node)), TOPIC, queue, body)
            tally.record(result.code == 0, (time.monotonic() - began) * 1000, result.code_name)
        except RemotingError as error:
            tally.record(False, 0.0, type(error).__name__)
        seq += senders


def run_load(cluster: Cluster, args: argparse.Namespace) -> None:
    with LAB.observer(cluster, timeout=2.0) as observer:
        view = observer.first_answer()
    if view is None or view.roles is None:
        raise SystemExit("no name server answers")
    masters = master_nodes(cluster, view.roles)
    containers = LAB.provider.containers(cluster.name)
    brokers = {b.name: containers[b.name].name for b in cluster.brokers}
    client: RemotingClient = LAB.provider.client(cluster, timeout=3.0)
    with client:
        ensure_topic(client, cluster, masters, TOPIC)
        time.sleep(2)
        first = {node: sample_jvm(c) for node, c in brokers.items()}
        print(f"{len(brokers)} brokers, masters {sorted(masters.values())}; {args.rate:.0f} sends/s of "
              f"{args.size} bytes for {args.seconds:.0f} s from {args.senders} threads")
        tally = SendTally()
        load_started = time.monotonic()
        until = load_started + args.seconds
        body = bytes(args.size)
        threads = [threading.Thread(target=sender, daemon=True,
                                    args=(client, cluster, sorted(masters.items()), i, args.senders,
                                          args.rate, load_started, until, body, tally))
                   for i in range(args.senders)]
        for thread in threads:
            thread.start()
        next_line = load_started + args.sample
        while any(t.is_alive() for t in threads):
            time.sleep(0.5)
            if time.monotonic() >= next_line:
                _print_sample(brokers, first, tally, load_started)
                next_line += args.sample
        for thread in threads:
            thread.join()
        _summary(cluster, brokers, first, tally, time.monotonic() - load_started, args)


def _print_sample(brokers: dict[str, str], first: dict[str, JvmSample], tally: SendTally, started: float) -> None:
    parts = []
    for node, container in brokers.items():
        s = sample_jvm(container)
        gc_s = (s.young_s - first[node].young_s) + (s.full_s - first[node].full_s)
        parts.append(f"{node} rss {s.rss_mb:.0f} MB old {s.old_used_mb:.0f}/{s.old_capacity_mb:.0f} MB gc {gc_s:.2f} s")
    print(f"t={time.monotonic() - started:5.0f}s acked {tally.acked} failed {tally.failed} | " + " | ".join(parts))


def _summary(cluster: Cluster, brokers: dict[str, str], first: dict[str, JvmSample], tally: SendTally,
             wall: float, args: argparse.Namespace) -> None:
    stats = docker_stats_mb(list(brokers.values()))
    print(f"\n{'broker':<17} {'young':>6} {'young s':>8} {'full':>5} {'full s':>7} {'GC %':>6} {'old MB':>7} "
          f"{'RSS MB':>7} {'stats MB':>9} {'CPU s':>6}  health")
    storms, broken = [], []
    for node, container in brokers.items():
        s, f = sample_jvm(container), first[node]
        gc_share = ((s.young_s - f.young_s) + (s.full_s - f.full_s)) / wall
        problem = health(container)
        if gc_share > GC_STORM_SHARE:
            storms.append(node)
        if problem:
            broken.append(f"{node}: {problem}")
        print(f"{node:<17} {s.young - f.young:>6} {s.young_s - f.young_s:>8.2f} {s.full - f.full:>5} "
              f"{s.full_s - f.full_s:>7.2f} {gc_share * 100:>5.2f}% {s.old_used_mb:>7.1f} {s.rss_mb:>7.0f} "
              f"{stats.get(container, 0):>9.0f} {s.cpu_s - f.cpu_s:>6.1f}  {problem or 'ok'}")
    asked = args.rate * args.seconds
    lat = sorted(tally.latencies_ms) or [0.0]
    print(f"\nsends: asked {asked:.0f}, acked {tally.acked} ({tally.acked / asked:.1%}), failed {tally.failed} "
          f"{dict(sorted(tally.errors.items())) if tally.errors else ''}; latency p50 {statistics.median(lat):.1f} ms, "
          f"p99 {lat[int(len(lat) * 0.99)]:.1f} ms; achieved {tally.acked / wall:.0f}/s")
    print(f"no OOM, no container lost: {'yes' if not broken else 'NO: ' + '; '.join(broken)}")
    print(f"no GC storm (GC < {GC_STORM_SHARE:.0%} of wall time per broker): "
          f"{'yes' if not storms else 'NO: ' + ', '.join(storms)}")
    print(f"acked >= {MIN_ACKED_SHARE:.0%} of asked: {'yes' if tally.acked >= MIN_ACKED_SHARE * asked else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="2m2s-sync")
    parser.add_argument("--rate", type=float, default=500.0, help="sends per second, all threads together")
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--size", type=int, default=1024, help="message body bytes")
    parser.add_argument("--senders", type=int, default=8, help="sending threads (each waits for its answer)")
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between progress lines")
    parser.add_argument("--name", default="bench-load", help="cluster name (and so container prefix)")
    parser.add_argument("--image", default=None, help="default: the image rmqlab image build makes")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running afterwards")
    args = parser.parse_args()
    image = args.image
    if image is None:
        from rmqlab.image import build_image

        image = build_image().tag
    spec = ClusterSpec(mode=parse_mode(args.mode), name=args.name)
    cluster = build_cluster(spec)
    print(f"image {image}; broker heap {cluster.brokers[0].heap.java_opts}")
    try:
        run_load(LAB.up(spec, image, timeout=300).cluster, args)
    finally:
        if not args.keep:
            LAB.down(spec.name, volumes=True)


if __name__ == "__main__":
    main()
