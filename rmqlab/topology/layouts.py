"""The layouts people build by hand, as cluster models: 2m2s-sync, 2m2s-async, dledger, controller."""

from __future__ import annotations

import ipaddress
import zlib
from dataclasses import dataclass, replace

from rmqlab.errors import BadInput
from rmqlab.topology import naming
from rmqlab.topology.model import (
    CONTROLLER_PORT,
    PROXY_GRPC_PORT,
    PROXY_REMOTING_PORT,
    STORE_MOUNT,
    BrokerNode,
    Cluster,
    ClusterSpec,
    ControllerPeer,
    DLedgerPeer,
    LayoutRole,
    Machine,
    Mode,
    NamesrvNode,
    ProxyMode,
    ProxyNode,
    PublishedPort,
)
from rmqlab.topology.naming import validate_cluster_name
from rmqlab.topology.versions import DEFAULT_VERSION, Version, is_5x, parse_version, supports_controller_mode

__all__ = ["ClusterSpec", "MODES", "ModeInfo", "build_cluster", "parse_mode"]

FIRST_LISTEN_PORT = 10911
FIRST_DLEDGER_PORT = 40911
PORT_STEP = 1000
MAX_GROUPS = 9


@dataclass(frozen=True)
class ModeInfo:
    mode: Mode
    summary: str
    machines: int
    default_groups: int


MODES: dict[Mode, ModeInfo] = {
    Mode.SYNC_2M2S: ModeInfo(
        Mode.SYNC_2M2S,
        "Two machines, each a master of one group and the slave of the other; "
        "SYNC_MASTER waits for the slave. No automatic failover: a dead master stays dead.",
        machines=2,
        default_groups=2,
    ),
    Mode.ASYNC_2M2S: ModeInfo(
        Mode.ASYNC_2M2S,
        "Same two machines with ASYNC_MASTER: the slave copies in the background, "
        "so a lost master disk loses what the slave had not copied yet.",
        machines=2,
        default_groups=2,
    ),
    Mode.DLEDGER: ModeInfo(
        Mode.DLEDGER,
        "Three machines, each group a 3-node Raft (DLedger) commit log: "
        "when the leader dies the other two elect a new one.",
        machines=3,
        default_groups=1,
    ),
    Mode.CONTROLLER: ModeInfo(
        Mode.CONTROLLER,
        "RocketMQ 5 controller mode: controllers embedded in three namesrvs switch a group's "
        "master to its in-sync replica automatically.",
        machines=3,
        default_groups=2,
    ),
}


def parse_mode(text: str) -> Mode:
    try:
        return Mode(text)
    except ValueError:
        choices = ", ".join(m.value for m in Mode)
        raise BadInput(f"Unknown mode '{text}'.", hint=f"Choose one of: {choices}.") from None


SUBNET_SLOTS = 250
PORT_BASE_SLOTS = 90


def default_subnet(name: str) -> str:
    """A /24 per cluster name, so clusters with different names can usually run side by side."""
    return subnet_candidates(name)[0]


def default_port_base(name: str) -> int:
    """First 127.0.0.1 port a cluster publishes on; each cluster uses fewer than 100."""
    return port_base_candidates(name)[0]


def subnet_candidates(name: str) -> list[str]:
    """Every /24 rmqlab may give the cluster, its name's own first: `up` takes the first one free."""
    start = zlib.crc32(name.encode()) % SUBNET_SLOTS
    return [f"10.213.{(start + k) % SUBNET_SLOTS + 1}.0/24" for k in range(SUBNET_SLOTS)]


def port_base_candidates(name: str) -> list[int]:
    start = zlib.crc32(name.encode()) % PORT_BASE_SLOTS
    return [20000 + ((start + k) % PORT_BASE_SLOTS) * 100 for k in range(PORT_BASE_SLOTS)]


def build_cluster(spec: ClusterSpec) -> Cluster:
    info = MODES[spec.mode]
    _validate(spec, info)
    groups = spec.groups or info.default_groups
    machines = _machines(spec, info)
    builders = {
        Mode.SYNC_2M2S: _fixed_role_brokers,
        Mode.ASYNC_2M2S: _fixed_role_brokers,
        Mode.DLEDGER: _dledger_brokers,
        Mode.CONTROLLER: _controlled_brokers,
    }
    brokers = builders[spec.mode](spec, machines, groups)
    namesrvs = _namesrvs(spec, machines)
    cluster = Cluster(
        name=spec.name,
        mode=spec.mode,
        version=Version(spec.version),
        machines=machines,
        namesrvs=namesrvs,
        brokers=brokers,
        subnet="" if spec.hosts else (spec.subnet or default_subnet(spec.name)),
        port_base=spec.port_base or default_port_base(spec.name),
        on_real_hosts=bool(spec.hosts),
        spec=spec,
    )
    cluster = replace(cluster, proxies=_proxies(spec, cluster))
    if spec.hosts:
        return cluster
    return _with_published_ports(cluster)


def _validate(spec: ClusterSpec, info: ModeInfo) -> None:
    validate_cluster_name(spec.name)
    parse_version(spec.version)
    if spec.mode is Mode.CONTROLLER and not supports_controller_mode(spec.version):
        raise BadInput(
            f"Controller mode needs RocketMQ 5.1.1 or newer, not {spec.version}"
            + (" (4.x has no controller at all)." if not is_5x(spec.version) else "."),
            hint=f"Use --version {DEFAULT_VERSION}, or --mode dledger for automatic failover on 4.x.",
        )
    if spec.proxy is not None and not is_5x(spec.version):
        raise BadInput(
            f"--proxy {spec.proxy.value}: RocketMQ {spec.version} has no proxy (it came with 5.0).",
            hint=f"Use --version {DEFAULT_VERSION}, or leave out --proxy.",
        )
    if spec.groups is not None and not 1 <= spec.groups <= MAX_GROUPS:
        raise BadInput(f"--groups must be between 1 and {MAX_GROUPS}, not {spec.groups}.")
    if spec.hosts and len(spec.hosts) != info.machines:
        raise BadInput(
            f"Mode {info.mode.value} runs on {info.machines} machines; --hosts gave {len(spec.hosts)}.",
            hint=f"Give exactly {info.machines} comma-separated addresses.",
        )
    _check_hosts(spec.hosts)
    if spec.subnet:
        _check_subnet(spec.subnet)
    if spec.port_base is not None and not 1024 <= spec.port_base <= 65000:
        raise BadInput(f"--port-base must be between 1024 and 65000, not {spec.port_base}.")


def _check_hosts(hosts: tuple[str, ...]) -> None:
    """Each host is one machine the others reach: two entries for one machine make clashing configs."""
    seen: set[ipaddress.IPv4Address] = set()
    for host in hosts:
        try:
            address = ipaddress.IPv4Address(host)
        except ValueError:
            raise BadInput(f"--hosts: '{host}' is not an IPv4 address.") from None
        unreachable = _unreachable_kind(address)
        if unreachable:
            raise BadInput(
                f"--hosts: {host} is {unreachable}; the other hosts cannot reach a broker announced there.",
                hint="Give each machine's own address on the network the hosts share.",
            )
        if address in seen:
            raise BadInput(
                f"--hosts names {host} more than once: two machines' brokers, name servers and store folders "
                "would share one host and clash.",
                hint="Give one distinct address per machine.",
            )
        seen.add(address)


def _unreachable_kind(address: ipaddress.IPv4Address) -> str | None:
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved:
        return "a reserved address (240.0.0.0/4, including broadcast)"
    return None


def _check_subnet(subnet: str) -> None:
    try:
        network = ipaddress.IPv4Network(subnet)
    except ValueError:
        raise BadInput(f"--subnet: '{subnet}' is not an IPv4 network like 10.213.7.0/24.") from None
    if network.prefixlen > 24:
        raise BadInput(f"--subnet {subnet} is too small.", hint="Use a /24 or larger.")


def _machines(spec: ClusterSpec, info: ModeInfo) -> tuple[Machine, ...]:
    if spec.hosts:
        ips = list(spec.hosts)
    else:
        network = ipaddress.IPv4Network(spec.subnet or default_subnet(spec.name))
        ips = [str(network.network_address + 11 + i) for i in range(info.machines)]
    return tuple(
        Machine(letter=naming.machine_letter(i), ip=ip, memory_mb=spec.machine_memory_mb)
        for i, ip in enumerate(ips)
    )


def _store_root(node: str) -> str:
    return f"{STORE_MOUNT}/{node}"


def _namesrvs(spec: ClusterSpec, machines: tuple[Machine, ...]) -> tuple[NamesrvNode, ...]:
    nodes = []
    for index, machine in enumerate(machines):
        name = naming.namesrv_node(machine.letter)
        controller = None
        if spec.mode is Mode.CONTROLLER:
            controller = ControllerPeer(
                self_id=naming.replica_self_id(index),
                port=CONTROLLER_PORT,
                store_path=_store_root(f"{name}-controller"),
            )
        nodes.append(NamesrvNode(name=name, machine=machine.letter, heap=spec.namesrv_heap, controller=controller))
    return tuple(nodes)


def _place(placements: list[tuple[str, str]]) -> dict[str, int]:
    """listenPort per node: the k-th broker on a machine listens on 10911 + 1000*k."""
    seen: dict[str, int] = {}
    ports = {}
    for node, letter in placements:
        index = seen.get(letter, 0)
        seen[letter] = index + 1
        ports[node] = FIRST_LISTEN_PORT + PORT_STEP * index
    return ports


def _fixed_role_brokers(spec: ClusterSpec, machines: tuple[Machine, ...], groups: int) -> tuple[BrokerNode, ...]:
    letters = [m.letter for m in machines]
    plan = []  # (node, machine, group, role, brokerId); masters first so each owns 10911
    for g in range(groups):
        group = naming.group_name(g)
        plan.append((naming.fixed_broker_node(group, "master"), letters[g % 2], group, LayoutRole.MASTER, 0))
    for g in range(groups):
        group = naming.group_name(g)
        plan.append((naming.fixed_broker_node(group, "slave"), letters[(g + 1) % 2], group, LayoutRole.SLAVE, 1))
    ports = _place([(node, letter) for node, letter, *_ in plan])
    return tuple(
        BrokerNode(
            name=node,
            machine=letter,
            group=group,
            role=role,
            listen_port=ports[node],
            store_root=_store_root(node),
            heap=spec.broker_heap,
            broker_id=broker_id,
        )
        for node, letter, group, role, broker_id in plan
    )


def _dledger_brokers(spec: ClusterSpec, machines: tuple[Machine, ...], groups: int) -> tuple[BrokerNode, ...]:
    brokers = []
    for g in range(groups):
        group = naming.group_name(g)
        for i, machine in enumerate(machines):
            self_id = naming.replica_self_id(i)
            node = naming.replica_node(group, self_id)
            brokers.append(
                BrokerNode(
                    name=node,
                    machine=machine.letter,
                    group=group,
                    role=LayoutRole.REPLICA,
                    listen_port=FIRST_LISTEN_PORT + PORT_STEP * g,
                    store_root=_store_root(node),
                    heap=spec.broker_heap,
                    broker_id=-1,
                    dledger=DLedgerPeer(self_id=self_id, port=FIRST_DLEDGER_PORT + PORT_STEP * g),
                )
            )
    return tuple(brokers)


def _controlled_brokers(spec: ClusterSpec, machines: tuple[Machine, ...], groups: int) -> tuple[BrokerNode, ...]:
    """Two replicas per group on machines a and b, crossed like 2M2S; machine c only adds a controller."""
    letters = [m.letter for m in machines]
    plan = []
    for replica in range(2):
        for g in range(groups):
            group = naming.group_name(g)
            node = naming.replica_node(group, naming.replica_self_id(replica))
            plan.append((node, letters[(g + replica) % 2], group))
    ports = _place([(node, letter) for node, letter, _ in plan])
    return tuple(
        BrokerNode(
            name=node,
            machine=letter,
            group=group,
            role=LayoutRole.REPLICA,
            listen_port=ports[node],
            store_root=_store_root(node),
            heap=spec.broker_heap,
            broker_id=-1,
            controlled=True,
        )
        for node, letter, group in plan
    )


def parse_proxy(text: str | None) -> ProxyMode | None:
    if text is None:
        return None
    try:
        return ProxyMode(text)
    except ValueError:
        raise BadInput(f"Unknown --proxy '{text}'.", hint="Use --proxy local or --proxy cluster.") from None


def _proxies(spec: ClusterSpec, cluster: Cluster) -> tuple[ProxyNode, ...]:
    """Cluster mode: one proxy container per machine. Local mode: a proxy in the JVM of each broker that can be
    master, on RocketMQ's default ports. A local proxy serves only its own broker and routes a gRPC client to
    <brokerIP1>:<its own grpcServerPort> for every other one, so each host may carry one such broker, all on one
    port: in 2M2S the masters (one per machine), in DLedger with one group every replica."""
    if spec.proxy is ProxyMode.CLUSTER:
        return tuple(ProxyNode(naming.cluster_proxy_node(m.letter), m.letter, PROXY_REMOTING_PORT, PROXY_GRPC_PORT)
                     for m in cluster.machines)
    if spec.proxy is not ProxyMode.LOCAL:
        return ()
    carriers = [b for b in cluster.brokers if b.role is not LayoutRole.SLAVE]
    crowded = next((m for m in cluster.machines if sum(b.machine == m.letter for b in carriers) > 1), None)
    if crowded is not None:
        names = ", ".join(b.name for b in carriers if b.machine == crowded.letter)
        raise BadInput(
            f"--proxy local cannot serve {spec.mode.value} with these groups: {crowded.name} runs {names}, and a "
            "local proxy routes clients to <broker address>:<its own gRPC port>, so one host serves one such broker.",
            hint="Use --proxy cluster" + (", or --groups 1" if not spec.mode.is_2m2s else "") + ".",
        )
    return tuple(ProxyNode(naming.local_proxy_node(b.name), b.machine, PROXY_REMOTING_PORT, PROXY_GRPC_PORT,
                           broker=b.name) for b in carriers)


def _published_proxies(cluster: Cluster, next_port: int) -> tuple[list[PublishedPort], list[ProxyNode]]:
    """A proxy's ports come after every node's, so a cluster without one keeps its numbering. A cluster-mode proxy
    listens on the published numbers themselves: it hands a gRPC client the address that client dialled, with its
    own grpcServerPort, so the two must be one number. A local-mode proxy keeps RocketMQ's ports (see _proxies)."""
    published, proxies = [], []
    for proxy in cluster.proxies:
        remoting, grpc = next_port, next_port + 1
        next_port += 2
        inside = (proxy.remoting_port, proxy.grpc_port) if proxy.broker else (remoting, grpc)
        published += [PublishedPort(proxy.machine, proxy.name, inside[0], remoting, "remoting"),
                      PublishedPort(proxy.machine, proxy.name, inside[1], grpc, "grpc")]
        proxies.append(replace(proxy, remoting_port=inside[0], grpc_port=inside[1]))
    return published, proxies


def _with_published_ports(cluster: Cluster) -> Cluster:
    """Each client-facing port gets one 127.0.0.1 port, numbered from the cluster's port base."""
    published = []
    next_port = cluster.port_base
    for machine in cluster.machines:
        for node in cluster.nodes_on(machine.letter):
            wanted = [("listen", node.port if isinstance(node, NamesrvNode) else node.listen_port)]
            if isinstance(node, NamesrvNode) and node.controller:
                wanted.append(("controller", node.controller.port))
            for purpose, port in wanted:
                published.append(PublishedPort(machine.letter, node.name, port, next_port, purpose))
                next_port += 1
    proxy_ports, proxies = _published_proxies(cluster, next_port)
    return replace(cluster, published=tuple(published + proxy_ports), proxies=tuple(proxies))
