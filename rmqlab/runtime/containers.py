"""Finding this project's containers, networks and volumes: by label, never by name."""

from __future__ import annotations

from rmqlab.runtime.engine import api
from rmqlab.topology import naming


def cluster_filter(name: str, **labels: str) -> dict:
    wanted = [f"{naming.LABEL_CLUSTER}={name}"] + [f"{naming.LABEL_PREFIX}.{k}={v}" for k, v in labels.items()]
    return {"label": wanted}


def cluster_containers(name: str) -> dict:
    """node or machine name -> container, stopped ones included."""
    found = api().containers.list(all=True, filters=cluster_filter(name))
    return {c.labels.get(naming.LABEL_NODE, c.name): c for c in found}


def known_clusters() -> dict[str, str]:
    """cluster name -> spec JSON, for every cluster with at least one machine container."""
    from rmqlab.topology.specio import SPEC_LABEL

    machines = api().containers.list(all=True, filters={"label": [f"{naming.LABEL_ROLE}=machine"]})
    return {c.labels[naming.LABEL_CLUSTER]: c.labels.get(SPEC_LABEL, "") for c in machines}


def cluster_networks(name: str) -> list:
    return api().networks.list(filters=cluster_filter(name))


def cluster_volumes(name: str) -> list:
    return api().volumes.list(filters=cluster_filter(name))


def state_of(container) -> str:
    """running / paused / exited(137) / created …"""
    container.reload()
    status = container.status
    if status == "exited":
        return f"exited({container.attrs['State'].get('ExitCode')})"
    return status
