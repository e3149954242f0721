"""RocketMQ's own tools and logs, run inside the cluster's containers."""

from __future__ import annotations

import subprocess

from rmqlab.errors import BadInput, RmqlabError
from rmqlab.runtime.containers import cluster_containers
from rmqlab.topology.model import Cluster, NamesrvNode

LOG_DIR = "/home/rocketmq/logs/rocketmqlogs"


def tool_container(cluster: Cluster):
    """A running RocketMQ container of the cluster (name servers first: they are the lightest)."""
    containers = cluster_containers(cluster.name)
    ordered = sorted(cluster.nodes, key=lambda n: not isinstance(n, NamesrvNode))
    for node in ordered:
        container = containers.get(node.name)
        if container is not None and container.status == "running":
            return container
    raise RmqlabError(f"No node of {cluster.name} is running, so there is nowhere to run mqadmin.", hint="rmqlab start")


def mqadmin_command(cluster: Cluster, args: list[str]) -> list[str]:
    command = ["sh", "mqadmin", *args]
    if "-n" not in args and "--namesrvAddr" not in args:
        command += ["-n", cluster.namesrv_addr]
    return command


def run_mqadmin(cluster: Cluster, args: list[str], timeout: float = 120) -> tuple[int, str]:
    """(exit code, output). mqadmin itself exits 0 even on errors; callers read the output."""
    container = tool_container(cluster)
    result = container.exec_run(mqadmin_command(cluster, args), demux=False)
    return result.exit_code, result.output.decode(errors="replace")


def node_container(cluster: Cluster, node: str):
    if cluster.node(node) is None and node not in {m.name for m in cluster.machines}:
        names = ", ".join(n.name for n in cluster.nodes)
        raise BadInput(f"No node '{node}' in {cluster.name}.", hint=f"Nodes: {names}.")
    container = cluster_containers(cluster.name).get(node)
    if container is None:
        raise RmqlabError(f"{node} has no container.", hint="rmqlab up")
    return container


def stream_logs(cluster: Cluster, node: str, follow: bool, tail: int, file: str | None) -> int:
    """Print a node's output (or one of RocketMQ's log files) to our stdout; returns the exit code."""
    container = node_container(cluster, node)
    if file:
        path = file if file.startswith("/") else f"{LOG_DIR}/{file}"
        argv = ["docker", "exec", container.name, "tail", "-n", str(tail), *(["-F"] if follow else []), path]
    else:
        argv = ["docker", "logs", "--tail", str(tail), *(["-f"] if follow else []), container.name]
    try:
        return subprocess.call(argv)
    except KeyboardInterrupt:
        return 0
