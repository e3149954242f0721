"""Each cluster's folder under rmqlab's home: the rendered compose file and configs compose mounts, the fault
log, and a marker saying rmqlab made it. Nothing outside RMQLAB_HOME/clusters/ is ever written or removed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from rmqlab.errors import BadInput
from rmqlab.render.files import COMPOSE_FILE, render_cluster_files, write_files
from rmqlab.topology.model import Cluster
from rmqlab.topology.naming import validate_cluster_name
from rmqlab.topology.specio import spec_to_json

SPEC_FILE = "spec.json"
FAULT_LOG = "faults.jsonl"
MARKER = ".rmqlab-cluster"  # holds the cluster's name; a folder without it is not rmqlab's to remove


def rmqlab_home() -> Path:
    base = os.environ.get("RMQLAB_HOME") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share"), "rmqlab"
    )
    return Path(base)


def clusters_root() -> Path:
    return (rmqlab_home() / "clusters").resolve()


def cluster_dir(name: str) -> Path:
    """RMQLAB_HOME/clusters/<name>, for a valid name only, and never a link that leads elsewhere."""
    validate_cluster_name(name)
    root = clusters_root()
    folder = (root / name).resolve()
    if folder.parent != root:
        raise BadInput(f"The folder of cluster '{name}' resolves to {folder}, outside {root}.",
                       hint=f"Remove the link {root / name}, or pick another --name.")
    return folder


def compose_file(name: str) -> Path:
    return cluster_dir(name) / COMPOSE_FILE


def write_cluster(cluster: Cluster, image: str, configs: dict[str, str] | None = None) -> Path:
    folder = cluster_dir(cluster.name)
    if folder.exists() and any(folder.iterdir()) and not _is_ours(folder, cluster.name):
        raise BadInput(f"{folder} exists and was not made by rmqlab, so it is left as it is.",
                       hint="Move it away, or pick another --name.")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text(cluster.name + "\n")
    shutil.rmtree(folder / "configs", ignore_errors=True)
    write_files(folder, render_cluster_files(cluster, image, configs))
    (folder / SPEC_FILE).write_text(spec_to_json(cluster.spec) + "\n")
    return folder


def remove_cluster_dir(name: str) -> bool:
    """Delete the cluster's folder if rmqlab made it; False when there was none."""
    folder = cluster_dir(name)
    if not folder.exists():
        return False
    if not _is_ours(folder, name):
        raise BadInput(f"{folder} has no rmqlab marker ({MARKER}), so it was not deleted.",
                          hint="Delete it yourself if it is yours to delete.")
    shutil.rmtree(folder)
    return True


def _is_ours(folder: Path, name: str) -> bool:
    marker = folder / MARKER
    return marker.is_file() and not marker.is_symlink() and marker.read_text().strip() == name
