"""A provider with no engine: containers as records in memory, and RocketMQ nodes that behave like the
real ones in the ways rmqlab looks at (who registers, who is master, what a send or a pull answers).

It drives the API and CLI tests of up, faults, status and experiments where no Docker engine runs. It is
a model, not RocketMQ: tests on it prove rmqlab's own logic; the integration tests prove RocketMQ's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from rmqlab.runtime import netns
from rmqlab.runtime.fake_netns import FakeNetworks
from rmqlab.runtime.fake_rocketmq import FakeClient, FakeRocketMQ
from rmqlab.runtime.provider import STOP_GRACE_SECONDS, ContainerRun, ContainerState, EngineError, VolumeState
from rmqlab.topology import naming
from rmqlab.topology.model import BrokerNode, Cluster
from rmqlab.topology.specio import spec_to_json


@dataclass
class FakeCluster:
    model: Cluster | None
    containers: dict[str, ContainerState] = field(default_factory=dict)
    volumes: dict[str, str | None] = field(default_factory=dict)  # volume name -> node
    networks: set[str] = field(default_factory=set)
    spec_json: str = ""


class FakeProvider:
    """In-memory containers; `calls` records every state change, for tests to read."""

    def __init__(self, boot_seconds: float = 0.0, election_seconds: float = 0.3, images: Sequence[str] = ("*",),
                 clock: Callable[[], float] = time.monotonic):
        self.clusters_by_name: dict[str, FakeCluster] = {}
        self.rocketmq = FakeRocketMQ(self, boot_seconds, election_seconds, clock)
        self.net = FakeNetworks()
        self.images = set(images)
        self.calls: list[tuple[str, ...]] = []
        self.held_ports: set[int] = set()  # 127.0.0.1 ports that something other than rmqlab holds
        self._lock = threading.RLock()

    # -- finding -------------------------------------------------------------------------------------
    def ping(self) -> None:
        return None

    def containers(self, cluster: str) -> dict[str, ContainerState]:
        with self._lock:
            found = self.clusters_by_name.get(cluster)
            return dict(found.containers) if found else {}

    def clusters(self) -> dict[str, str]:
        with self._lock:
            return {name: c.spec_json for name, c in self.clusters_by_name.items()
                    if any(s.role == "machine" for s in c.containers.values())}

    def networks(self, cluster: str) -> list[str]:
        with self._lock:
            found = self.clusters_by_name.get(cluster)
            return sorted(found.networks) if found else []

    def subnets_in_use(self) -> dict[str, str]:
        with self._lock:
            return {c.model.subnet: naming.network_name(name) for name, c in self.clusters_by_name.items()
                    if c.model is not None and c.model.subnet and c.networks}

    def ports_in_use(self, ports: Sequence[int]) -> set[int]:
        with self._lock:
            held = {p.host_port for c in self.clusters_by_name.values() if c.model is not None and c.containers
                    for p in c.model.published}
        return held & set(ports) | (self.held_ports & set(ports))

    def volumes(self, cluster: str) -> list[VolumeState]:
        with self._lock:
            found = self.clusters_by_name.get(cluster)
            return [VolumeState(name, node) for name, node in sorted(found.volumes.items())] if found else []

    # -- acting --------------------------------------------------------------------------------------
    def _set(self, cluster: str, node: str, verb: str, **changes) -> None:
        with self._lock:
            found = self.clusters_by_name.get(cluster)
            if found is None or node not in found.containers:
                raise EngineError(f"docker {verb} {node}", 404, f"No such container: {node}")
            found.containers[node] = replace(found.containers[node], **changes)
            self.calls.append((verb, cluster, node))
            if verb in ("kill", "stop", "restart") and found.containers[node].role == "machine":
                self.net.forget(cluster, node)  # a new namespace has none of the old rules
        self.rocketmq.changed(cluster, node)

    def kill(self, cluster: str, node: str, signal: str) -> None:
        self._set(cluster, node, "kill", status="exited", exit_code=137 if signal == "SIGKILL" else 143)

    def stop(self, cluster: str, node: str, timeout: float = STOP_GRACE_SECONDS) -> None:
        self._set(cluster, node, "stop", status="exited", exit_code=143)

    def start(self, cluster: str, node: str) -> None:
        self._set(cluster, node, "start", status="running", exit_code=None)

    def restart(self, cluster: str, node: str, timeout: float = STOP_GRACE_SECONDS) -> None:
        self._set(cluster, node, "restart", status="running", exit_code=None)

    def pause(self, cluster: str, node: str) -> None:
        self._set(cluster, node, "pause", status="paused")

    def unpause(self, cluster: str, node: str) -> None:
        self._set(cluster, node, "unpause", status="running")

    def remove(self, cluster: str, node: str) -> None:
        with self._lock:
            found = self.clusters_by_name.get(cluster)
            if found is None or found.containers.pop(node, None) is None:
                raise EngineError(f"docker rm {node}", 404, f"No such container: {node}")
            self.calls.append(("remove", cluster, node))
            self._forget_if_empty(cluster)
        self.rocketmq.changed(cluster, node)

    def connect(self, cluster: str, node: str, network: str, ip: str, aliases: Sequence[str]) -> None:
        state = self.containers(cluster)[node]
        self._set(cluster, node, "connect", networks=state.networks | {network})

    def disconnect(self, cluster: str, node: str, network: str) -> None:
        state = self.containers(cluster)[node]
        self._set(cluster, node, "disconnect", networks=state.networks - {network})

    def exec(self, cluster: str, node: str, argv: Sequence[str], timeout: float,
             user: str | None = None) -> tuple[int, str]:
        self.calls.append(("exec", cluster, node, *argv))
        if argv and (argv[0] in ("ip", "iptables", "tc") or list(argv[:2]) == ["sh", "-c"]):
            return self._net_exec(cluster, node, list(argv))
        return 0, self.rocketmq.mqadmin(cluster, list(argv))

    def _net_exec(self, cluster: str, node: str, argv: list[str]) -> tuple[int, str]:
        with self._lock:
            found = self.clusters_by_name.get(cluster)
            state = found.containers.get(node) if found else None
            if state is None or state.status != "running":
                raise EngineError(f"docker exec {node}", 409, f"Container {node} is not running")
            machine = next((m for m in found.model.machines if m.name == node), None) if found.model else None
            connected = naming.network_name(cluster) in state.networks
            code, output = self.net.run(cluster, node, machine.ip if machine and connected else None, argv)
        if code == 0 and not any(a in argv for a in ("-S", "-C", "show")) and argv != netns.inspect_command():
            self.rocketmq.net_changed(cluster)
        return code, output

    def logs(self, cluster: str, node: str, tail: int) -> str:
        return f"(fake) {node} has no output\n"

    def stream_logs(self, cluster: str, node: str, tail: int, follow: bool, path: str | None) -> int:
        print(self.logs(cluster, node, tail), end="")
        return 0

    def read_file(self, cluster: str, node: str, path: str) -> str | None:
        return None

    # -- whole clusters ------------------------------------------------------------------------------
    def compose_up(self, cluster: Cluster, compose_file: str, services: Sequence[str] = ()) -> None:
        with self._lock:
            found = self.clusters_by_name.setdefault(cluster.name, FakeCluster(cluster))
            found.model, found.spec_json = cluster, spec_to_json(cluster.spec) if cluster.spec else ""
            network = naming.network_name(cluster.name)
            found.networks.add(network)
            wanted = set(services) or ({m.name for m in cluster.machines} | {n.name for n in cluster.nodes}
                                       | {p.name for p in cluster.own_proxies_on_any()})
            for machine in cluster.machines:
                if machine.name in wanted and machine.name not in found.containers:
                    found.containers[machine.name] = self._container(cluster, machine.name, "machine",
                                                                     frozenset({network}))
            for proxy in cluster.own_proxies_on_any():
                if proxy.name in wanted and proxy.name not in found.containers:
                    found.containers[proxy.name] = self._container(cluster, proxy.name, "proxy", frozenset())
            for node in cluster.nodes:
                if node.name in wanted and node.name not in found.containers:
                    role = "broker" if isinstance(node, BrokerNode) else "namesrv"
                    found.containers[node.name] = self._container(cluster, node.name, role, frozenset())
                    if isinstance(node, BrokerNode) or getattr(node, "controller", None):
                        found.volumes.setdefault(naming.store_volume(node.name), node.name)
            self.calls.append(("compose-up", cluster.name, *sorted(wanted)))
        for node in wanted:
            self.rocketmq.changed(cluster.name, node)

    def _container(self, cluster: Cluster, node: str, role: str, networks: frozenset[str]) -> ContainerState:
        labels = {naming.LABEL_CLUSTER: cluster.name, naming.LABEL_NODE: node, naming.LABEL_ROLE: role}
        return ContainerState(node=node, name=f"rmqlab-{cluster.name}-{node}-1", role=role, status="running",
                              networks=networks, labels=labels)

    def remove_network(self, name: str) -> None:
        with self._lock:
            for cluster in self.clusters_by_name.values():
                cluster.networks.discard(name)
            self.calls.append(("remove-network", name))

    def remove_volume(self, name: str) -> None:
        gone = []
        with self._lock:  # never call into the RocketMQ side while holding this lock: it calls back
            for cluster_name, cluster in list(self.clusters_by_name.items()):
                node = cluster.volumes.pop(name, None)
                if node is not None:
                    gone.append((cluster_name, node))
                self._forget_if_empty(cluster_name)
            self.calls.append(("remove-volume", name))
        for cluster_name, node in gone:
            self.rocketmq.forget_store(cluster_name, node)

    def _forget_if_empty(self, cluster: str) -> None:
        found = self.clusters_by_name.get(cluster)
        if found is not None and not found.containers and not found.volumes and not found.networks:
            del self.clusters_by_name[cluster]

    def run_container(self, cluster: str, run: ContainerRun) -> None:
        with self._lock:
            found = self.clusters_by_name.setdefault(cluster, FakeCluster(None))
            node = run.labels.get(naming.LABEL_NODE, run.name)
            role = run.labels.get(naming.LABEL_ROLE, "")
            found.containers[node] = ContainerState(node=node, name=run.name, role=role, status="exited",
                                                    exit_code=1, labels=dict(run.labels))
            self.calls.append(("run", cluster, node))

    def create_volume(self, cluster: str, name: str, labels: dict[str, str]) -> None:
        with self._lock:
            self.clusters_by_name.setdefault(cluster, FakeCluster(None)).volumes[name] = None

    # -- images --------------------------------------------------------------------------------------
    def image_present(self, reference: str) -> bool:
        return "*" in self.images or reference in self.images

    def pull(self, reference: str, progress: Callable[[str], None] | None = None) -> bool:
        return False

    # -- talking to the nodes ------------------------------------------------------------------------
    def direct(self, cluster: Cluster) -> bool:
        return True

    def client(self, cluster: Cluster, timeout: float = 3.0, send_timeout: float | None = None) -> FakeClient:
        return FakeClient(self.rocketmq, cluster, timeout)

    # -- for tests -----------------------------------------------------------------------------------
    def model(self, cluster: str) -> Cluster | None:
        found = self.clusters_by_name.get(cluster)
        return found.model if found else None
