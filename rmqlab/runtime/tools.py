"""RocketMQ's own tools and logs, run inside the cluster's containers."""

from __future__ import annotations

from rmqlab.errors import BadInput, RmqlabError
from rmqlab.runtime.provider import Provider
from rmqlab.topology.model import LOG_DIR, Cluster, NamesrvNode

MQADMIN_TIMEOUT = 120.0


def tool_node(provider: Provider, cluster: Cluster) -> str:
    """A running RocketMQ node of the cluster (name servers first: they are the lightest)."""
    containers = provider.containers(cluster.name)
    ordered = sorted(cluster.nodes, key=lambda n: not isinstance(n, NamesrvNode))
    for node in ordered:
        state = containers.get(node.name)
        if state is not None and state.status == "running":
            return node.name
    raise RmqlabError(f"No node of {cluster.name} is running, so there is nowhere to run mqadmin.",
                      hint="rmqlab start <node>")


def mqadmin_command(cluster: Cluster, args: list[str]) -> list[str]:
    """`sh mqadmin ARGS`, pointed at the cluster's name servers unless ARGS name one themselves."""
    command = ["sh", "mqadmin", *args]
    if not any(a in ("-n", "--namesrvAddr") or a.startswith("--namesrvAddr=") for a in args):
        command += ["-n", cluster.namesrv_addr]
    return command


def run_mqadmin(provider: Provider, cluster: Cluster, args: list[str],
                timeout: float = MQADMIN_TIMEOUT) -> tuple[int, str]:
    """(exit code, output). mqadmin itself exits 0 even on errors; callers read the output."""
    return provider.exec(cluster.name, tool_node(provider, cluster), mqadmin_command(cluster, args), timeout)


def check_node(provider: Provider, cluster: Cluster, node: str) -> str:
    if cluster.placed(node) is None and node not in {m.name for m in cluster.machines}:
        names = ", ".join(n.name for n in cluster.nodes)
        raise BadInput(f"No node '{node}' in {cluster.name}.", hint=f"Nodes: {names}.")
    if node not in provider.containers(cluster.name):
        raise RmqlabError(f"{node} has no container.", hint="rmqlab up")
    return node


def stream_logs(provider: Provider, cluster: Cluster, node: str, follow: bool, tail: int, file: str | None) -> int:
    """Print a node's output (or one of RocketMQ's log files) to our stdout; returns the exit code."""
    check_node(provider, cluster, node)
    path = (file if file.startswith("/") else f"{LOG_DIR}/{file}") if file else None
    return provider.stream_logs(cluster.name, node, tail, follow, path)
