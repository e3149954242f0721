"""The set of files a render produces, and writing them to a folder."""

from __future__ import annotations

from pathlib import Path

from rmqlab.render.compose import CONFIG_DIR, config_path, render_compose
from rmqlab.render.properties import render_broker_properties, render_namesrv_properties
from rmqlab.topology.model import BrokerNode, Cluster

COMPOSE_FILE = "docker-compose.yaml"


def render_configs(cluster: Cluster, root: str = CONFIG_DIR) -> dict[str, str]:
    """Relative path -> text of every node's .properties."""
    files = {}
    for node in cluster.nodes:
        if isinstance(node, BrokerNode):
            text = render_broker_properties(cluster, node)
        else:
            text = render_namesrv_properties(cluster, node)
        files[config_path(cluster, node, root)] = text
    return files


def render_cluster_files(cluster: Cluster, image: str) -> dict[str, str]:
    """Everything `rmqlab render --out DIR` writes; no compose file for real hosts."""
    files = render_configs(cluster)
    if not cluster.on_real_hosts:
        files[COMPOSE_FILE] = render_compose(cluster, image)
    return dict(sorted(files.items()))


def write_files(out_dir: Path, files: dict[str, str]) -> list[Path]:
    written = []
    for relative, text in files.items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written
