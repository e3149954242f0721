"""Each cluster's folder: the rendered compose file and configs compose mounts, and the fault log."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from rmqlab.render.files import COMPOSE_FILE, render_cluster_files, write_files
from rmqlab.topology.model import Cluster
from rmqlab.topology.specio import spec_to_json

SPEC_FILE = "spec.json"
FAULT_LOG = "faults.jsonl"


def rmqlab_home() -> Path:
    base = os.environ.get("RMQLAB_HOME") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share"), "rmqlab"
    )
    return Path(base)


def cluster_dir(name: str) -> Path:
    return rmqlab_home() / "clusters" / name


def compose_file(name: str) -> Path:
    return cluster_dir(name) / COMPOSE_FILE


def write_cluster(cluster: Cluster, image: str) -> Path:
    folder = cluster_dir(cluster.name)
    shutil.rmtree(folder / "configs", ignore_errors=True)
    write_files(folder, render_cluster_files(cluster, image))
    (folder / SPEC_FILE).write_text(spec_to_json(cluster.spec) + "\n")
    return folder


def remove_cluster_dir(name: str) -> None:
    shutil.rmtree(cluster_dir(name), ignore_errors=True)
