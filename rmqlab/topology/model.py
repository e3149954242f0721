"""Topology of one rmqlab cluster: machines, the nodes placed on them, every port and path.

Pure dataclasses. Renderers, lint and runtime read this; none of them invent a port or a path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from rmqlab.topology import naming
from rmqlab.topology.knobs import Knob
from rmqlab.topology.versions import DEFAULT_VERSION, Version

STORE_MOUNT = naming.STORE_MOUNT
CONF_DIR = "/home/rocketmq/conf"
LOG_DIR = "/home/rocketmq/logs/rocketmqlogs"  # where RocketMQ writes broker.log, store.log, namesrv.log
# Seconds a graceful stop may take before SIGKILL: a 5.5.0 broker needs ~12 s to close its store, and
# killed earlier it recovers slowly next time. Name servers close at once; a machine holder holds nothing.
BROKER_STOP_GRACE_S = 30
NAMESRV_STOP_GRACE_S = 10
HOLDER_STOP_GRACE_S = 2
NAMESRV_PORT = 9876
CONTROLLER_PORT = 9878
# The 5.x proxy's own defaults (remotingListenPort, grpcServerPort), used as they are on real hosts.
PROXY_REMOTING_PORT = 8080
PROXY_GRPC_PORT = 8081
PROXY_STOP_GRACE_S = 10


class Mode(str, Enum):
    SYNC_2M2S = "2m2s-sync"
    ASYNC_2M2S = "2m2s-async"
    DLEDGER = "dledger"
    CONTROLLER = "controller"

    @property
    def is_2m2s(self) -> bool:
        return self in (Mode.SYNC_2M2S, Mode.ASYNC_2M2S)


class ProxyMode(str, Enum):
    """LOCAL: a proxy inside each broker's JVM (mqbroker --enable-proxy); CLUSTER: a proxy process per machine."""

    LOCAL = "local"
    CLUSTER = "cluster"


class LayoutRole(str, Enum):
    """MASTER/SLAVE are fixed for life (2M2S); REPLICA means RocketMQ decides (DLedger, controller)."""

    MASTER = "master"
    SLAVE = "slave"
    REPLICA = "replica"


@dataclass(frozen=True)
class Machine:
    letter: str
    ip: str
    memory_mb: int

    @property
    def name(self) -> str:
        return naming.machine_service(self.letter)


@dataclass(frozen=True)
class Heap:
    heap_mb: int
    direct_mb: int = 0

    @property
    def java_opts(self) -> str:
        # Serial GC: heaps this small collect in milliseconds, and each JVM saves 50-110 MB of G1's own
        # memory, which decides whether a DLedger layout fits 1.5 GB.
        opts = f"-Xms{self.heap_mb}m -Xmx{self.heap_mb}m -XX:+UseSerialGC"
        if self.direct_mb:
            opts += f" -XX:MaxDirectMemorySize={self.direct_mb}m"
        return opts


# Measured (benchmarks/bench_boot.py, bench_load.py): an idle 5.5.0 broker keeps ~40 MB of heap
# resident whatever -Xmx says, and 128 MB held 500 sends/s for 5 minutes without a full GC; a
# name server lives in a few MB. Direct memory is a cap (Netty's pooled buffers), not a reservation.
DEFAULT_BROKER_HEAP = Heap(heap_mb=128, direct_mb=128)
DEFAULT_NAMESRV_HEAP = Heap(heap_mb=64)
DEFAULT_MACHINE_MEMORY_MB = 4096


@dataclass(frozen=True)
class ClusterSpec:
    """What a user asks for; rmqlab.topology.layouts.build_cluster turns it into a full model."""

    mode: Mode = Mode.SYNC_2M2S
    name: str = naming.DEFAULT_CLUSTER
    version: str = DEFAULT_VERSION
    groups: int | None = None
    hosts: tuple[str, ...] = ()
    broker_heap: Heap = DEFAULT_BROKER_HEAP
    namesrv_heap: Heap = DEFAULT_NAMESRV_HEAP
    machine_memory_mb: int = DEFAULT_MACHINE_MEMORY_MB
    port_base: int | None = None
    subnet: str | None = None
    knobs: tuple[Knob, ...] = ()  # --set, resolved by rmqlab.lint.knobs; RocketMQ's defaults when empty
    proxy: ProxyMode | None = None


@dataclass(frozen=True)
class ControllerPeer:
    """A DLedger-type controller embedded in a namesrv (5.x controller mode)."""

    self_id: str
    port: int
    store_path: str


@dataclass(frozen=True)
class NamesrvNode:
    name: str
    machine: str
    heap: Heap
    port: int = NAMESRV_PORT
    controller: ControllerPeer | None = None

    @property
    def ports(self) -> dict[str, int]:
        ports = {"listen": self.port}
        if self.controller:
            ports["controller"] = self.controller.port
        return ports


@dataclass(frozen=True)
class DLedgerPeer:
    self_id: str
    port: int


@dataclass(frozen=True)
class BrokerNode:
    name: str
    machine: str
    group: str
    role: LayoutRole
    listen_port: int
    store_root: str
    heap: Heap
    broker_id: int
    dledger: DLedgerPeer | None = None
    controlled: bool = False

    @property
    def ha_port(self) -> int:
        return self.listen_port + 1

    @property
    def fast_port(self) -> int:
        return self.listen_port - 2

    @property
    def commitlog_path(self) -> str:
        return f"{self.store_root}/commitlog"

    @property
    def ports(self) -> dict[str, int]:
        """Every port this broker binds on its machine."""
        ports = {"fast": self.fast_port, "listen": self.listen_port}
        if self.dledger:
            ports["dledger"] = self.dledger.port
        else:
            ports["ha"] = self.ha_port
        return ports


Node = NamesrvNode | BrokerNode

# A cluster-mode proxy boots a small heap: it holds no messages, only routes and in-flight requests.
DEFAULT_PROXY_HEAP = Heap(heap_mb=128, direct_mb=128)


@dataclass(frozen=True)
class ProxyNode:
    """A 5.x proxy. In local mode it lives in `broker`'s JVM (same container); in cluster mode it is a
    container of its own on `machine`. In Docker it listens on the very port numbers published on
    127.0.0.1, so the addresses it hands clients in routes are the ones they can dial."""

    name: str
    machine: str
    remoting_port: int
    grpc_port: int
    broker: str | None = None
    heap: Heap = DEFAULT_PROXY_HEAP

    @property
    def ports(self) -> dict[str, int]:
        return {"remoting": self.remoting_port, "grpc": self.grpc_port}

    @property
    def container(self) -> str:
        """The service it runs in: its own, or its broker's."""
        return self.broker or self.name


@dataclass(frozen=True)
class PublishedPort:
    machine: str
    node: str
    container_port: int
    host_port: int
    purpose: str


@dataclass(frozen=True)
class Cluster:
    name: str
    mode: Mode
    version: Version
    machines: tuple[Machine, ...]
    namesrvs: tuple[NamesrvNode, ...]
    brokers: tuple[BrokerNode, ...]
    subnet: str
    port_base: int
    rocketmq_cluster: str = naming.ROCKETMQ_CLUSTER_NAME
    on_real_hosts: bool = False
    published: tuple[PublishedPort, ...] = field(default=())
    spec: ClusterSpec | None = None
    proxies: tuple[ProxyNode, ...] = ()

    @property
    def proxy_mode(self) -> ProxyMode | None:
        return self.spec.proxy if self.spec else None

    def proxy(self, name: str) -> ProxyNode | None:
        return next((p for p in self.proxies if p.name == name), None)

    def own_proxies_on(self, letter: str) -> tuple[ProxyNode, ...]:
        """Cluster-mode proxies on a machine: containers of their own that a machine fault takes down too."""
        return tuple(p for p in self.proxies if p.machine == letter and p.broker is None)

    def services_on(self, letter: str) -> tuple[str, ...]:
        """Every container placed on a machine (its holder aside): nodes, then its own proxies."""
        return (*(n.name for n in self.nodes_on(letter)), *(p.name for p in self.own_proxies_on(letter)))

    @property
    def nodes(self) -> tuple[Node, ...]:
        return (*self.namesrvs, *self.brokers)

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b.group for b in self.brokers))

    def machine(self, letter: str) -> Machine:
        return next(m for m in self.machines if m.letter == letter)

    def node(self, name: str) -> Node | None:
        return next((n for n in self.nodes if n.name == name), None)

    def placed(self, name: str) -> Node | ProxyNode | None:
        """A node, or a proxy with a container of its own: whatever runs as service `name` on a machine."""
        found = self.node(name)
        return found if found is not None else next((p for p in self.own_proxies_on_any() if p.name == name), None)

    def own_proxies_on_any(self) -> tuple[ProxyNode, ...]:
        return tuple(p for p in self.proxies if p.broker is None)

    def local_addr(self, proxy: ProxyNode, port: int) -> str | None:
        host = self.host_port(proxy.machine, port)
        return f"127.0.0.1:{host}" if host else None

    def nodes_on(self, letter: str) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.machine == letter)

    def group_members(self, group: str) -> tuple[BrokerNode, ...]:
        return tuple(b for b in self.brokers if b.group == group)

    @property
    def namesrv_addr(self) -> str:
        return ";".join(f"{self.machine(n.machine).ip}:{n.port}" for n in self.namesrvs)

    @property
    def controller_addr(self) -> str:
        return ";".join(
            f"{self.machine(n.machine).ip}:{n.controller.port}" for n in self.namesrvs if n.controller
        )

    def advertised_addr(self, node: Node) -> str:
        port = node.listen_port if isinstance(node, BrokerNode) else node.port
        return f"{self.machine(node.machine).ip}:{port}"

    def host_port(self, machine: str, container_port: int) -> int | None:
        return next(
            (p.host_port for p in self.published if p.machine == machine and p.container_port == container_port),
            None,
        )
