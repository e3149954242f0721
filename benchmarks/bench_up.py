"""Time to a ready cluster and memory per layout, rmqlab against plain `docker compose up` of the
same file (baseline: compose up, then `mqadmin clusterList` polled until every broker is listed),
both measured in this run on this machine.

Goals (issue "Real clusters"): rmqlab within 1.1x of the baseline; 2m2s ready in <= 45 s on 2
cores; 2m2s <= 2.5 GB and DLedger <= 1.5 GB of container memory.

    python benchmarks/bench_up.py [--modes 2m2s-sync,dledger,controller] [--image IMG]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import _repo  # noqa: F401  (this checkout first on sys.path)

from rmqlab.render.files import render_cluster_files, write_files
from rmqlab.runtime.lifecycle import down, start_cluster
from rmqlab.runtime.ready import wait_until_ready
from rmqlab.runtime.tools import run_mqadmin
from rmqlab.topology.layouts import build_cluster, parse_mode
from rmqlab.topology.model import ClusterSpec

GOAL_SECONDS = {"2m2s-sync": 45.0}
GOAL_MEMORY_MB = {"2m2s-sync": 2560, "2m2s-async": 2560, "dledger": 1536}


def baseline_seconds(mode: str, image: str) -> float:
    """docker compose up of the very same rendered file, then clusterList until all brokers show."""
    name = f"bench-base-{mode}"
    cluster = build_cluster(ClusterSpec(mode=parse_mode(mode), name=name))
    with tempfile.TemporaryDirectory() as folder:
        write_files(Path(folder), render_cluster_files(cluster, image))
        compose = ["docker", "compose", "-f", f"{folder}/docker-compose.yaml"]
        start = time.monotonic()
        subprocess.run([*compose, "up", "-d", "--quiet-pull"], check=True, capture_output=True)
        try:
            while True:
                _, output = run_mqadmin(cluster, ["clusterList"])
                listed = sum(1 for line in output.splitlines() if line.startswith(cluster.rocketmq_cluster))
                if listed == len(cluster.brokers) and _one_master_each(output, cluster):
                    return time.monotonic() - start
                if time.monotonic() - start > 300:
                    raise TimeoutError(f"{mode}: clusterList never listed every broker")
                time.sleep(1)
        finally:
            subprocess.run([*compose, "down", "-v", "-t", "3"], check=True, capture_output=True)


def _one_master_each(output: str, cluster) -> bool:
    masters = {line.split()[1] for line in output.splitlines() if line.startswith(cluster.rocketmq_cluster)
               and line.split()[2] == "0"}
    return masters == set(cluster.groups)


def rmqlab_seconds_and_memory(mode: str, image: str) -> tuple[float, int]:
    spec = ClusterSpec(mode=parse_mode(mode), name=f"bench-{mode}")
    start = time.monotonic()
    started = start_cluster(spec, image, lambda line: None)
    try:
        wait_until_ready(started.cluster, timeout=300)
        took = time.monotonic() - start
        time.sleep(10)  # let the JVMs settle before reading memory
        return took, memory_mb(spec.name)
    finally:
        down(spec.name, volumes=True)


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
    parser = argparse.ArgumentParser()
    parser.add_argument("--modes", default="2m2s-sync,dledger,controller")
    parser.add_argument("--image", default=None, help="default: the image rmqlab image build makes")
    args = parser.parse_args()
    image = args.image
    if image is None:
        from rmqlab.image import build_image

        image = build_image().tag
    print(f"image {image}")
    print(f"{'mode':<11} {'compose+clusterList':>20} {'rmqlab up':>10} {'ratio':>6} {'memory':>9}  goals")
    for mode in args.modes.split(","):
        base = baseline_seconds(mode, image)
        ours, memory = rmqlab_seconds_and_memory(mode, image)
        goals = []
        if mode in GOAL_SECONDS:
            goals.append(f"ready <= {GOAL_SECONDS[mode]:.0f} s: {_met(ours <= GOAL_SECONDS[mode])}")
        if mode in GOAL_MEMORY_MB:
            goals.append(f"memory <= {GOAL_MEMORY_MB[mode]} MB: {_met(memory <= GOAL_MEMORY_MB[mode])}")
        goals.append(f"ratio <= 1.1: {_met(ours / base <= 1.1)}")
        print(f"{mode:<11} {base:>19.1f}s {ours:>9.1f}s {ours / base:>6.2f} {memory:>6} MB  {'; '.join(goals)}")


if __name__ == "__main__":
    main()
