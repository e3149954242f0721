"""up and down: write the cluster's folder, start it with compose; remove it by label."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from rmqlab.errors import BadInput, RmqlabError
from rmqlab.runtime.provider import STOP_GRACE_SECONDS, EngineError, Provider
from rmqlab.runtime.workdir import compose_file, remove_cluster_dir, write_cluster
from rmqlab.topology.layouts import build_cluster
from rmqlab.topology.model import Cluster, ClusterSpec
from rmqlab.topology.naming import validate_cluster_name
from rmqlab.topology.specio import spec_from_json, spec_to_json


def load_cluster(provider: Provider, name: str) -> Cluster:
    """The model of a cluster that exists, from the spec its machines carry."""
    validate_cluster_name(name)
    specs = provider.clusters()
    if name not in specs:
        running = ", ".join(sorted(specs)) or "none"
        raise BadInput(
            f"No cluster named '{name}' (clusters here: {running}).",
            hint="Start one with `rmqlab up`, or choose one with --name / RMQLAB_CLUSTER.",
        )
    return build_cluster(spec_from_json(specs[name]))


def existing_spec(provider: Provider, spec: ClusterSpec) -> bool:
    """Whether a cluster of this name already runs exactly this spec; BadInput if it runs another."""
    existing = provider.clusters().get(spec.name)
    if existing is None:
        return False
    if existing != spec_to_json(spec):
        old = spec_from_json(existing)
        raise BadInput(
            f"Cluster '{spec.name}' already exists as {old.mode.value} (RocketMQ {old.version}).",
            hint=f"rmqlab down --name {spec.name} first, or pick another --name.",
        )
    return True


def start_cluster(provider: Provider, cluster: Cluster, image: str, configs: dict[str, str] | None = None,
                  timeout: float = 120.0, on_waiting: Callable[[dict[str, str]], None] | None = None) -> str:
    """Write the cluster's folder and `docker compose up` it; the folder's path. In controller mode the
    name servers (with their embedded controllers) go first and the brokers once the controllers have a
    leader, which they would otherwise wait for in 5 s retries."""
    from rmqlab.runtime.ready import wait_for_controller_leader, wait_for_masters

    folder = write_cluster(cluster, image, configs)
    first = [m.name for m in cluster.machines] + [n.name for n in cluster.namesrvs]
    proxies = {p.name for p in cluster.own_proxies_on_any()}
    try:
        if any(n.controller for n in cluster.namesrvs):
            provider.compose_up(cluster, str(compose_file(cluster.name)), services=first)
            wait_for_controller_leader(provider, cluster, timeout, on_waiting)
        if proxies:
            brokers = first + [n.name for n in cluster.nodes if n.name not in first]
            provider.compose_up(cluster, str(compose_file(cluster.name)), services=brokers)
            wait_for_masters(provider, cluster, timeout, on_waiting)
        provider.compose_up(cluster, str(compose_file(cluster.name)))
    except EngineError as error:
        raise _compose_error(error) from None
    return str(folder)


def _compose_error(error: EngineError) -> RmqlabError:
    detail = error.stderr_tail.splitlines()[-1] if error.stderr_tail else str(error)
    hint = "See `docker compose ls` and `rmqlab status`."
    if "Pool overlaps" in detail:
        hint = "Another Docker network uses this subnet: pick another --name, or pass --subnet."
    elif "port is already allocated" in detail or "address already in use" in detail:
        hint = "Another program holds one of the 127.0.0.1 ports: pick another --name, or pass --port-base."
    return RmqlabError(f"docker compose up failed: {detail}", hint=hint)


@dataclass(frozen=True)
class Removed:
    containers: int
    networks: int
    volumes: int
    folder: bool
    dashboard: str | None = None  # the URL of the dashboard stopped with it


def down(provider: Provider, name: str, volumes: bool = False) -> Removed:
    """Remove every container and network labelled with this cluster (and its volumes and folder if asked)."""
    validate_cluster_name(name)
    containers = provider.containers(name)
    if not volumes:  # with the stores going too, there is nothing to close cleanly: removal kills at once
        _stop_all(provider, name, {n: s.status for n, s in containers.items() if s.up})
    holders = [n for n, s in containers.items() if s.role == "machine"]
    _in_parallel(lambda node: provider.remove(name, node), [n for n in containers if n not in holders])
    _in_parallel(lambda node: provider.remove(name, node), holders)  # last: the others ran in their namespaces
    networks = provider.networks(name)
    for network in networks:
        provider.remove_network(network)
    removed_volumes = provider.volumes(name) if volumes else []
    for volume in removed_volumes:
        provider.remove_volume(volume.name)
    folder = remove_cluster_dir(name) if volumes else False
    if not containers and not networks and not removed_volumes and not folder:
        raise BadInput(f"No cluster named '{name}' here.", hint="rmqlab list shows the clusters.")
    return Removed(len(containers), len(networks), len(removed_volumes), folder)


def _stop_all(provider: Provider, cluster: str, statuses: dict[str, str]) -> None:
    """Graceful stops in parallel, so brokers close their stores cleanly before removal."""

    def stop(node: str) -> None:
        if statuses[node] == "paused":
            provider.unpause(cluster, node)
        provider.stop(cluster, node, STOP_GRACE_SECONDS)

    _in_parallel(stop, list(statuses))


def _in_parallel(act: Callable[[str], None], nodes: list[str]) -> None:
    if nodes:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(act, nodes))
