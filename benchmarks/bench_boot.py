"""Boot time, CPU seconds and memory of one name server and one broker container per JVM profile,
`stock` (the flags rmqlab used before, RocketMQ's TLS defaults, the heaps it shipped with, the
5.x timer wheel on) against `lab` (the image's default profile, rmqlab's heaps and broker keys),
both measured in this run with the same image.

    python benchmarks/bench_boot.py [--image IMG] [--repeat 3] [--name bench-boot]
                                    [--extra-opts=-XX:TieredStopAtLevel=1] [--timer-wheel on|off]
                                    [--env MALLOC_ARENA_MAX=16]

Boot: from `docker run` to the role's "boot success" line. CPU: user+system seconds of the JVM
(PID 1) when that line appears. RSS: the JVM's VmRSS and `docker stats` memory after --settle
seconds idle. mqadmin: wall time of `clusterList` run in the broker's container (docker exec
included). Medians over --repeat runs. --extra-opts is appended to JAVA_OPT_EXT of both profiles
(JAVA_OPT_EXT comes last, so it can undo one lab option to see what that option is worth).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import _repo  # noqa: F401  (this checkout first on sys.path)

from rmqlab.topology.model import DEFAULT_BROKER_HEAP, DEFAULT_NAMESRV_HEAP, Heap
from rmqlab.topology.versions import is_5x

# What rmqlab shipped before the lab profile (model.py then): the stock baseline's heaps.
STOCK_BROKER_HEAP = Heap(heap_mb=256, direct_mb=256)
STOCK_NAMESRV_HEAP = Heap(heap_mb=128)
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Variant:
    profile: str
    broker_heap: Heap
    namesrv_heap: Heap
    timer_wheel: bool


VARIANTS = {
    "stock": Variant("stock", STOCK_BROKER_HEAP, STOCK_NAMESRV_HEAP, True),
    "lab": Variant("lab", DEFAULT_BROKER_HEAP, DEFAULT_NAMESRV_HEAP, False),
}


def docker(*args: str, check: bool = True, timeout: float = 120) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=timeout).stdout


def wait_for_line(container: str, phrase: str, started: float, timeout: float = 180) -> float:
    """Seconds from `started` until `phrase` appears in the container's output."""
    with subprocess.Popen(["docker", "logs", "-f", container], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="replace") as logs:
        assert logs.stdout is not None
        try:
            for line in logs.stdout:
                if phrase in line:
                    return time.monotonic() - started
                if time.monotonic() - started > timeout:
                    break
        finally:
            logs.kill()
    tail = docker("logs", "--tail", "20", container, check=False)
    raise TimeoutError(f"{container} never printed {phrase!r}:\n{tail}")


def cpu_seconds(container: str) -> float:
    fields = docker("exec", container, "cat", "/proc/1/stat").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def rss_mb(container: str) -> float:
    status = docker("exec", container, "cat", "/proc/1/status")
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def stats_mb(container: str) -> float:
    usage = docker("stats", "--no-stream", "--format", "{{.MemUsage}}", container).split("/")[0].strip()
    units = {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}
    return next(float(usage[: -len(u)]) * f for u, f in units.items() if usage.endswith(u))


def run_container(name: str, image: str, network: str, label: str, variant: Variant, heap: Heap, extra: str,
                  *command: str, mounts: tuple[str, ...] = (), env: tuple[str, ...] = ()) -> float:
    started = time.monotonic()
    args = ["run", "-d", "--name", name, "--network", network, "--label", label,
            "-e", f"RMQLAB_JVM_PROFILE={variant.profile}", "-e", f"JAVA_OPT_EXT={heap.java_opts} {extra}".strip()]
    for pair in env:
        args += ["-e", pair]
    for mount in mounts:
        args += ["-v", mount]
    docker(*args, image, *command)
    return started


def one_round(image: str, version: str, variant: Variant, extra: str, env: tuple[str, ...], settle: float,
              name: str, network: str, label: str, folder: Path) -> dict[str, float]:
    ns, broker = f"{name}-ns", f"{name}-broker"
    try:
        started = run_container(ns, image, network, label, variant, variant.namesrv_heap, extra, "sh", "mqnamesrv",
                                env=env)
        ns_boot = wait_for_line(ns, "boot success", started)
        ns_cpu = cpu_seconds(ns)
        ns_ip = docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", ns).strip()
        conf = folder / "broker.properties"
        keys = (f"brokerClusterName=BenchBoot\nbrokerName=broker-boot\nbrokerId=0\nbrokerRole=ASYNC_MASTER\n"
                f"namesrvAddr={ns_ip}:9876\nlistenPort=10911\nstorePathRootDir=/home/rocketmq/store/b\n"
                f"mappedFileSizeCommitLog=67108864\n")
        if is_5x(version):
            keys += f"timerWheelEnable={'true' if variant.timer_wheel else 'false'}\n"
        conf.write_text(keys)
        conf.chmod(0o644)
        started = run_container(broker, image, network, label, variant, variant.broker_heap, extra,
                                "sh", "mqbroker", "-c", "/home/rocketmq/conf/b.properties",
                                mounts=(f"{conf}:/home/rocketmq/conf/b.properties:ro",), env=env)
        broker_boot = wait_for_line(broker, "boot success", started)
        broker_cpu = cpu_seconds(broker)
        time.sleep(settle)
        tools_started = time.monotonic()
        listed = docker("exec", broker, "sh", "mqadmin", "clusterList", "-n", f"{ns_ip}:9876")
        tools_s = time.monotonic() - tools_started
        if "broker-boot" not in listed:
            print(f"  (clusterList did not list the broker yet: {listed.strip()[-200:]})")
        return {"namesrv boot s": ns_boot, "namesrv CPU s": ns_cpu, "namesrv RSS MB": rss_mb(ns),
                "namesrv stats MB": stats_mb(ns), "broker boot s": broker_boot, "broker CPU s": broker_cpu,
                "broker RSS MB": rss_mb(broker), "broker stats MB": stats_mb(broker), "mqadmin s": tools_s}
    finally:
        docker("rm", "-f", ns, broker, check=False)


def image_version(image: str) -> str:
    env = docker("image", "inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", image)
    return next(line.split("=", 1)[1] for line in env.splitlines() if line.startswith("ROCKETMQ_VERSION="))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default=None, help="default: the image `rmqlab image build` makes")
    parser.add_argument("--variants", default="stock,lab")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--settle", type=float, default=15.0, help="idle seconds before memory is read")
    parser.add_argument("--name", default="bench-boot", help="prefix of every container and the network")
    parser.add_argument("--extra-opts", default="", help="appended to JAVA_OPT_EXT of every variant")
    parser.add_argument("--timer-wheel", choices=("on", "off"), default=None, help="override the variants' choice")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for every container (repeatable)")
    args = parser.parse_args()
    image = args.image
    if image is None:
        from rmqlab.image import build_image

        image = build_image().tag
    version = image_version(image)
    network, label = f"{args.name}-net", f"rmqlab.cluster={args.name}"
    docker("network", "create", "--label", label, network)
    results: dict[str, list[dict[str, float]]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp).chmod(0o755)
            for round_no in range(args.repeat):
                for key in args.variants.split(","):
                    variant = VARIANTS[key]
                    if args.timer_wheel:
                        variant = Variant(variant.profile, variant.broker_heap, variant.namesrv_heap,
                                          args.timer_wheel == "on")
                    figures = one_round(image, version, variant, args.extra_opts, tuple(args.env), args.settle,
                                        f"{args.name}-{key}", network, label, Path(tmp))
                    print(f"round {round_no + 1} {key}: " + ", ".join(f"{k} {v:.1f}" for k, v in figures.items()))
                    results.setdefault(key, []).append(figures)
    finally:
        docker("network", "rm", network, check=False)
    print(f"\nimage {image} (RocketMQ {version}), medians of {args.repeat}"
          + (f", extra opts {args.extra_opts!r}" if args.extra_opts else ""))
    keys = list(next(iter(results.values()))[0])
    print(f"{'':<18}" + "".join(f"{k:>10}" for k in results) + ("   lab/stock" if len(results) == 2 else ""))
    for metric in keys:
        medians = [statistics.median(r[metric] for r in runs) for runs in results.values()]
        ratio = f"   {medians[1] / medians[0]:.2f}x" if len(medians) == 2 and medians[0] else ""
        print(f"{metric:<18}" + "".join(f"{m:>10.1f}" for m in medians) + ratio)


if __name__ == "__main__":
    main()
