"""The set of files a render produces, and writing them to a folder."""

from __future__ import annotations

from pathlib import Path

from rmqlab.render.compose import CONFIG_DIR, config_path, proxy_config_path, render_compose
from rmqlab.render.properties import render_broker_properties, render_namesrv_properties
from rmqlab.render.proxyconf import render_proxy_json
from rmqlab.render.settings import broker_sections, namesrv_sections
from rmqlab.topology.model import BrokerNode, Cluster

COMPOSE_FILE = "docker-compose.yaml"


def render_configs(cluster: Cluster, root: str = CONFIG_DIR) -> dict[str, str]:
    """Relative path -> text of every node's .properties, and every proxy's .json."""
    files = {}
    for node in cluster.nodes:
        if isinstance(node, BrokerNode):
            text = render_broker_properties(cluster, node)
        else:
            text = render_namesrv_properties(cluster, node)
        files[config_path(cluster, node, root)] = text
    for proxy in cluster.proxies:
        files[proxy_config_path(cluster, proxy, root)] = render_proxy_json(cluster, proxy)
    return files


def node_keys(cluster: Cluster) -> dict[str, dict[str, str]]:
    """Node name -> every key its .properties sets, with its value, as rendered."""
    keys = {}
    for node in cluster.nodes:
        sections = broker_sections(cluster, node) if isinstance(node, BrokerNode) else namesrv_sections(cluster, node)
        keys[node.name] = {s.key: s.value for section in sections for s in section.settings}
    return keys


def merged_keys(cluster: Cluster) -> dict[str, str]:
    """Every key the cluster's property files set, merged (a later node's value wins)."""
    merged: dict[str, str] = {}
    for keys in node_keys(cluster).values():
        merged.update(keys)
    return merged


def render_cluster_files(cluster: Cluster, image: str, configs: dict[str, str] | None = None) -> dict[str, str]:
    """Everything `rmqlab render --out DIR` writes; no compose file for real hosts. `configs`: the
    .properties when they are rendered already."""
    files = dict(configs) if configs is not None else render_configs(cluster)
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


def check_out_dir(out_dir: Path, files: dict[str, str]) -> None:
    """Refuse, before writing anything, a folder that is a file, a file where a folder must go, or a place
    this user cannot write."""
    import os

    from rmqlab.errors import BadInput

    if out_dir.exists() and not out_dir.is_dir():
        raise BadInput(f"--out {out_dir} is a file, not a folder.", hint="Name a new or existing folder.")
    for relative in files:
        for parent in [out_dir / relative, *(out_dir / relative).parents]:
            if parent == out_dir or out_dir not in parent.parents:
                break
            wants_dir = parent != out_dir / relative
            if parent.exists() and parent.is_dir() != wants_dir:
                kind = "a folder" if parent.is_dir() else "a file"
                raise BadInput(f"{parent} is {kind} in the way of what render writes.",
                               hint="Pick an empty --out folder.")
    existing = next(p for p in [out_dir, *out_dir.parents] if p.exists())
    if not existing.is_dir():
        raise BadInput(f"Cannot write to {out_dir}: {existing} is a file.", hint="Pick another --out.")
    probe = existing / f".rmqlab-probe-{os.getpid()}"
    try:  # the only honest test of "may I write here": root passes every permission check, /proc refuses all
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        probe.unlink()
    except OSError as error:
        raise BadInput(f"Cannot write to {out_dir}: {error.strerror or error}.", hint="Pick another --out.") from None
