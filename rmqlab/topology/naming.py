"""The one namer: every service, node, group, volume and label name comes from here."""

from __future__ import annotations

import re
import string

from rmqlab.errors import BadInput

STORE_MOUNT = "/home/rocketmq/store"  # where a node's store volume is mounted
LABEL_PREFIX = "rmqlab"
LABEL_CLUSTER = f"{LABEL_PREFIX}.cluster"
LABEL_NODE = f"{LABEL_PREFIX}.node"
LABEL_MACHINE = f"{LABEL_PREFIX}.machine"
LABEL_ROLE = f"{LABEL_PREFIX}.role"

DEFAULT_CLUSTER = "rmqlab"
# Lower-case letters, digits and dashes: what Docker accepts in project, network, volume and container names.
# 30 characters keep `rmqlab-<name>-broker-a-master-1` well inside every limit.
_CLUSTER_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,29}")
ROCKETMQ_CLUSTER_NAME = "rocketmq-cluster"


def validate_cluster_name(name: object) -> str:
    """The one rule for cluster names, for every command and for RMQLAB_CLUSTER."""
    if not isinstance(name, str) or not _CLUSTER_NAME.fullmatch(name):
        raise BadInput(
            f"{name!r} cannot be a cluster name.",
            hint="Use 1-30 lower-case letters, digits or dashes, starting with a letter or digit.",
        )
    return name


def machine_letter(index: int) -> str:
    return string.ascii_lowercase[index]


def machine_service(letter: str) -> str:
    return f"machine-{letter}"


def namesrv_node(letter: str) -> str:
    return f"namesrv-{letter}"


def group_name(index: int) -> str:
    return f"broker-{string.ascii_lowercase[index]}"


def fixed_broker_node(group: str, role: str) -> str:
    """2M2S nodes keep their role for life: broker-a-master, broker-a-slave."""
    return f"{group}-{role}"


def replica_node(group: str, self_id: str) -> str:
    """DLedger/controller replicas whose role moves: broker-a-n0."""
    return f"{group}-{self_id}"


def replica_self_id(index: int) -> str:
    return f"n{index}"


def cluster_proxy_node(letter: str) -> str:
    """A cluster-mode proxy, one per machine: proxy-a."""
    return f"proxy-{letter}"


def local_proxy_node(broker: str) -> str:
    """The proxy inside a broker's JVM (local mode): broker-a-n0-proxy."""
    return f"{broker}-proxy"


def container_name(cluster: str, node: str) -> str:
    """A container rmqlab starts itself, outside compose (compose adds its own `-1`)."""
    return f"rmqlab-{cluster}-{node}"


def store_volume(node: str) -> str:
    return f"{node}-store"


def compose_project(cluster: str) -> str:
    return f"rmqlab-{cluster}"


def network_name(cluster: str) -> str:
    return f"rmqlab-{cluster}"
