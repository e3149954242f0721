"""Time to a ready cluster and idle memory per layout: `rmqlab up` (the image's lab JVM profile)
against a baseline measured in the same run on this machine.

Baseline: plain `docker compose up` of the same rendered files, booted the way rmqlab did before
the lab profile (an override file sets RMQLAB_JVM_PROFILE=stock and the heaps rmqlab shipped;
the 5.x brokers keep RocketMQ's timer wheel on), then `mqadmin clusterList` polled until every
broker is listed with one master per group. rmqlab's own figure is `start_cluster` +
`wait_until_ready`, which also waits until the 5.x slaves are in sync.

Memory: the sum of `docker stats` memory over the cluster's containers, --settle seconds after
ready (the JVMs idle).

Goals (issue "Fast and lean"): ready <= 10 s / 8 s / 12 s (2m2s-sync / dledger / controller) and
<= 0.4x the baseline; memory <= 0.9 GB / 0.8 GB / 1.0 GB.

    python benchmarks/bench_up.py [--modes 2m2s-sync,dledger,controller] [--image IMG] [--name bench]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import _repo  # noqa: F401  (this checkout first on sys.path)
import yaml

from rmqlab.api import Lab
from rmqlab.render.files import COMPOSE_FILE, render_cluster_files, write_files
from rmqlab.topology.layouts import build_cluster, parse_mode
from rmqlab.topology.model import BrokerNode, Cluster, ClusterSpec, Heap

GOAL_SECONDS = {"2m2s-sync": 10.0, "dledger": 8.0, "controller": 12.0}
GOAL_MEMORY_MB = {"2m2s-sync": 900, "dledger": 800, "controller": 1000}
GOAL_RATIO = 0.4
LAB = Lab()
# The heaps rmqlab shipped before the lab profile (model.py then).
STOCK_BROKER_HEAP = Heap(heap_mb=256, direct_mb=256)
STOCK_NAMESRV_HEAP = Heap(heap_mb=128)
OVERRIDE_FILE = "stock.override.yaml"


def stock_override(cluster: Cluster) -> str:
    """A compose override that boots every node with the stock JVM profile and the old heaps."""
    services = {}
    for node in cluster.nodes:
        heap = STOCK_BROKER_HEAP if isinstance(node, BrokerNode) else STOCK_NAMESRV_HEAP
        services[node.name] = {"environment": {"RMQLAB_JVM_PROFILE": "stock", "JAVA_OPT_EXT": heap.java_opts}}
    return yaml.safe_dump({"services": services}, sort_keys=False)


def timer_wheel_on(files: dict[str, str]) -> dict[str, str]:
    """RocketMQ's own default for the 5.x brokers (the lab default turns it off)."""
    off, on = "\ntimerWheelEnable=false\n", "\ntimerWheelEnable=true\n"
    return {path: text.replace(off, on) for path, text in files.items()}


def baseline(mode: str, image: str, name: str, settle: float) -> tuple[float, int]:
    """docker compose up of the same files (stock override), then clusterList until all brokers show."""
    cluster = build_cluster(ClusterSpec(mode=parse_mode(mode), name=name))
    with tempfile.TemporaryDirectory() as folder:
        write_files(Path(folder), timer_wheel_on(render_cluster_files(cluster, image)))
        (Path(folder) / OVERRIDE_FILE).write_text(stock_override(cluster))
        compose = ["docker", "compose", "-f", f"{folder}/{COMPOSE_FILE}", "-f", f"{folder}/{OVERRIDE_FILE}"]
        start = time.monotonic()
        subprocess.run([*compose, "up", "-d", "--quiet-pull"], check=True, capture_output=True)
        try:
            took = _wait_listed(cluster, start)
            time.sleep(settle)
            return took, memory_mb(name)
        finally:
            subprocess.run([*compose, "down", "-v", "-t", "3"], check=True, capture_output=True)


def _wait_listed(cluster: Cluster, start: float) -> float:
    while True:
        _, output = LAB.admin(cluster.name, ["clusterList"])
        listed = sum(1 for line in output.splitlines() if line.startswith(cluster.rocketmq_cluster))
        if listed == len(cluster.brokers) and _one_master_each(output, cluster):
            return time.monotonic() - start
        if time.monotonic() - start > 300:
            raise TimeoutError(f"{cluster.mode.value}: clusterList never listed every broker")
        time.sleep(1)


def _one_master_each(output: str, cluster: Cluster) -> bool:
    masters = {line.split()[1] for line in output.splitlines() if line.startswith(cluster.rocketmq_cluster)
               and line.split()[2] == "0"}
    return masters == set(cluster.groups)


def lab(mode: str, image: str, name: str, settle: float) -> tuple[float, int]:
    """What `rmqlab up` takes: render, lint, start, and wait until every broker has its role and 5.x slaves
    are in sync."""
    spec = ClusterSpec(mode=parse_mode(mode), name=name)
    start = time.monotonic()
    try:
        LAB.up(spec, image, timeout=300)
        took = time.monotonic() - start
        time.sleep(settle)
        return took, memory_mb(spec.name)
    finally:
        LAB.down(spec.name, volumes=True)


def memory_mb(cluster: str) -> int:
    """Sum of `docker stats` memory (what a user sees) over the cluster's containers."""
    names = subprocess.run(
        ["docker", "ps", "-q", "--filter", f"label=rmqlab.cluster={cluster}"], capture_output=True, text=True
    ).stdout.split()
    stats = subprocess.run(
        ["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", *names], capture_output=True, text=True
    ).stdout.splitlines()
    return int(sum(_to_mb(line.split("/")[0].strip()) for line in stats))


def _to_mb(text: str) -> float:
    units = {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "B": 1 / 1024 / 1024}
    for unit, factor in units.items():
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return 0.0


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="2m2s-sync,dledger,controller")
    parser.add_argument("--image", default=None, help="default: the image rmqlab image build makes")
    parser.add_argument("--name", default="bench", help="prefix of the cluster names (and so of containers)")
    parser.add_argument("--settle", type=float, default=10.0, help="idle seconds after ready before memory is read")
    args = parser.parse_args()
    image = args.image
    if image is None:
        from rmqlab.image import build_image

        image = build_image().tag
    print(f"image {image}")
    print(f"{'mode':<11} {'baseline':>9} {'rmqlab':>8} {'ratio':>6} {'base MB':>8} {'rmqlab MB':>10} "
          f"{'ratio':>6}  goals")
    for mode in args.modes.split(","):
        base_s, base_mb = baseline(mode, image, f"{args.name}-base-{mode}", args.settle)
        ours_s, ours_mb = lab(mode, image, f"{args.name}-{mode}", args.settle)
        goals = [f"ratio <= {GOAL_RATIO}: {_met(ours_s / base_s <= GOAL_RATIO)}"]
        if mode in GOAL_SECONDS:
            goals.append(f"ready <= {GOAL_SECONDS[mode]:.0f} s: {_met(ours_s <= GOAL_SECONDS[mode])}")
        if mode in GOAL_MEMORY_MB:
            goals.append(f"memory <= {GOAL_MEMORY_MB[mode]} MB: {_met(ours_mb <= GOAL_MEMORY_MB[mode])}")
        print(f"{mode:<11} {base_s:>8.1f}s {ours_s:>7.1f}s {ours_s / base_s:>6.2f} {base_mb:>8} {ours_mb:>10} "
              f"{ours_mb / base_mb:>6.2f}  {'; '.join(goals)}")


if __name__ == "__main__":
    main()
