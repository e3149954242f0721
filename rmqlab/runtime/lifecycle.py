"""up and down: render, lint, start with compose, wait until really ready; remove by label."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rmqlab.errors import BadInput, RmqlabError
from rmqlab.lint.cluster import lint_cluster
from rmqlab.runtime.containers import cluster_containers, cluster_networks, cluster_volumes, known_clusters
from rmqlab.runtime.engine import api, compose, compose_error
from rmqlab.runtime.images import ChosenImage, choose_image, require_dashboard_image
from rmqlab.runtime.workdir import compose_file, remove_cluster_dir, write_cluster
from rmqlab.topology import naming
from rmqlab.topology.layouts import build_cluster
from rmqlab.topology.model import Cluster, ClusterSpec
from rmqlab.topology.specio import spec_from_json, spec_to_json


@dataclass(frozen=True)
class Started:
    cluster: Cluster
    image: ChosenImage
    already_running: bool


def load_cluster(name: str) -> Cluster:
    """The model of a cluster that exists, from the spec its machines carry."""
    specs = known_clusters()
    if name not in specs:
        running = ", ".join(sorted(specs)) or "none"
        raise BadInput(
            f"No cluster named '{name}' (clusters here: {running}).",
            hint="Start one with `rmqlab up`, or choose one with --name / RMQLAB_CLUSTER.",
        )
    return build_cluster(spec_from_json(specs[name]))


def start_cluster(spec: ClusterSpec, image: str | None, say: Callable[[str], None]) -> Started:
    """Everything before waiting: nothing is started when the spec or the lint is wrong."""
    cluster = build_cluster(spec)
    report = lint_cluster(cluster)
    if report.errors:
        details = "; ".join(f.message for f in report.errors)
        raise RmqlabError(f"The rendered layout does not pass lint, so nothing was started: {details}", exit_code=2)
    existing = known_clusters().get(spec.name)
    if existing is not None and existing != spec_to_json(spec):
        old = spec_from_json(existing)
        raise BadInput(
            f"Cluster '{spec.name}' already exists as {old.mode.value} (RocketMQ {old.version}).",
            hint=f"rmqlab down --name {spec.name} first, or pick another --name.",
        )
    api()
    if spec.dashboard:
        require_dashboard_image(say)
    chosen = choose_image(spec.version, image, say)
    folder = write_cluster(cluster, chosen.reference)
    say(f"Image: {chosen.reference} ({chosen.why})")
    say(f"Files: {folder}")
    runner = compose(compose_file(spec.name), naming.compose_project(spec.name))
    try:
        runner.compose.up(detach=True, quiet=True)
    except Exception as error:  # python-on-whales raises DockerException with stderr
        raise compose_error(error, "docker compose up") from None
    return Started(cluster, chosen, existing is not None)


@dataclass(frozen=True)
class Removed:
    containers: int
    networks: int
    volumes: int


def down(name: str, volumes: bool = False) -> Removed:
    """Remove every container and network labelled with this cluster (and volumes if asked)."""
    containers = cluster_containers(name)
    _stop_all(list(containers.values()))
    for container in containers.values():
        container.remove(force=True, v=False)
    networks = cluster_networks(name)
    for network in networks:
        network.remove()
    removed_volumes = cluster_volumes(name) if volumes else []
    for volume in removed_volumes:
        volume.remove(force=True)
    if volumes:
        remove_cluster_dir(name)
    if not containers and not networks and not removed_volumes and not volumes:
        raise BadInput(f"No cluster named '{name}' here.", hint="rmqlab list shows the clusters.")
    return Removed(len(containers), len(networks), len(removed_volumes))


def _stop_all(containers: list) -> None:
    """Graceful stops in parallel, so brokers close their stores cleanly before removal."""
    from concurrent.futures import ThreadPoolExecutor

    def stop(container) -> None:
        if container.status == "paused":
            container.unpause()
        if container.status in ("running", "paused"):
            container.stop(timeout=30)  # brokers close their stores; all stop in parallel

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(stop, containers))
