"""RocketMQ as the fake provider plays it: registration, roles per layout, elections after a short delay,
sends, replication and pulls, all decided from the fake containers' states.

The rules are the few the real thing is known for here (see README and the integration tests): a 2M2S
slave never takes over; a DLedger or controller group elects a live replica when its master is gone and a
majority is alive; a killed node refuses connections, a paused or cut-off one never answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from rmqlab.remoting.codes import ResponseCode
from rmqlab.remoting.errors import RemotingConnectError, RemotingResponseError, RemotingTimeout
from rmqlab.remoting.message import Message
from rmqlab.remoting.results import BrokerGroup, ClusterInfo, ControllerMetadata, HaStatus, PullResult, SendResult
from rmqlab.topology import naming
from rmqlab.topology.model import BrokerNode, Cluster, Mode
from rmqlab.topology.versions import reports_ha_status

NO_ANSWER_WAIT = 0.05  # how long a frozen node keeps a caller waiting before its timeout, in the fake


class FakeRocketMQ:
    def __init__(self, provider, boot_seconds: float, election_seconds: float, clock: Callable[[], float]):
        self.provider = provider
        self.boot_seconds = boot_seconds
        self.election_seconds = election_seconds
        self.clock = clock
        self._lock = threading.RLock()
        self._started: dict[tuple[str, str], float] = {}
        self._masters: dict[tuple[str, str], str | None] = {}
        self._lost: dict[tuple[str, str], float] = {}
        self._logs: dict[tuple[str, str], dict[tuple[str, int], list[Message]]] = {}
        # Consumer offsets as each node took them: (cluster, node) -> (group, topic, queue) -> offset. Kept by the
        # node that took the commit only (a real slave copies its master's every 10 s; the fake's runs are shorter).
        self._offsets: dict[tuple[str, str], dict[tuple[str, str, int], int]] = {}

    # -- container events ----------------------------------------------------------------------------
    def changed(self, cluster: str, node: str) -> None:
        state = self.provider.containers(cluster).get(node)
        with self._lock:
            if state is not None and state.status == "running":
                self._started.setdefault((cluster, node), self.clock())
            else:
                self._started.pop((cluster, node), None)
        model = self.provider.model(cluster)
        if model is not None and state is not None and state.status == "running":
            self._catch_up(model, node)

    def net_changed(self, cluster: str) -> None:
        """After a network rule changed, replicas whose link to their master is clear again catch up."""
        model = self.provider.model(cluster)
        if model is None:
            return
        for broker in model.brokers:
            if self._status(model, broker.name) == "up":
                self._catch_up(model, broker.name)

    def _link(self, cluster: Cluster, replica: BrokerNode, master: BrokerNode) -> str:
        """How the replica's copy stream from its master fares: clear, slow (shaped) or cut.
        The replica dials the master's replication port (HA, or the Raft port in DLedger)."""
        port = master.ports.get("ha") or master.ports.get("dledger") or master.listen_port
        r_ip, m_ip = cluster.machine(replica.machine).ip, cluster.machine(master.machine).ip
        r_holder, m_holder = naming.machine_service(replica.machine), naming.machine_service(master.machine)
        net = self.provider.net
        there = net.passes(cluster.name, (r_holder, r_ip), (m_holder, m_ip), (r_ip, 0), (m_ip, port))
        back = net.passes(cluster.name, (m_holder, m_ip), (r_holder, r_ip), (m_ip, port), (r_ip, 0))
        if not (there and back):
            return "cut"
        return "slow" if net.shaped(cluster.name, m_holder, r_ip, port) else "clear"

    def forget_store(self, cluster: str, node: str) -> None:
        with self._lock:
            self._logs.pop((cluster, node), None)
            self._offsets.pop((cluster, node), None)

    # -- what a node is doing ----------------------------------------------------------------------
    def _status(self, cluster: Cluster, node: str) -> str:
        """up, frozen (paused or cut off: it never answers), or down."""
        containers = self.provider.containers(cluster.name)
        state = containers.get(node)
        model = cluster.node(node)
        holder = containers.get(naming.machine_service(model.machine)) if model else None
        if state is None or state.status not in ("running", "paused") or holder is None or not holder.up:
            return "down"
        if state.status == "paused" or holder.status == "paused":
            return "frozen"
        if naming.network_name(cluster.name) not in holder.networks:
            return "frozen"
        started = self._started.get((cluster.name, node))
        if started is None or self.clock() - started < self.boot_seconds:
            return "down"
        return "up"

    def _registered(self, cluster: Cluster, node: str) -> bool:
        """A frozen broker stays registered: the name server drops it only after about 120 s."""
        return self._status(cluster, node) in ("up", "frozen")

    def master(self, cluster: Cluster, group: str) -> str | None:
        members = cluster.group_members(group)
        if cluster.mode.is_2m2s:
            master = next(b.name for b in members if b.broker_id == 0)
            return master if self._registered(cluster, master) else None
        key = (cluster.name, group)
        with self._lock:
            current = self._masters.get(key)
            if current is not None and self._status(cluster, current) == "up":
                return current
            alive = [b.name for b in members if self._status(cluster, b.name) == "up"]
            lost = self._lost.setdefault(key, self.clock())
            if len(alive) * 2 > len(members) or (cluster.mode is Mode.CONTROLLER and alive):
                if self.clock() - lost >= self.election_seconds:
                    self._masters[key] = alive[0]
                    self._lost.pop(key, None)
                    self._catch_up(cluster, alive[0])
                    return alive[0]
            return current if current is not None and self._registered(cluster, current) else None

    def broker_ids(self, cluster: Cluster, group: str) -> dict[str, int]:
        """node -> brokerId, as the name server lists the group."""
        master = self.master(cluster, group)
        ids = {}
        for index, broker in enumerate(cluster.group_members(group)):
            if not self._registered(cluster, broker.name):
                continue
            if cluster.mode.is_2m2s:
                ids[broker.name] = broker.broker_id
            else:
                ids[broker.name] = 0 if broker.name == master else index + 1
        return ids

    # -- messages ------------------------------------------------------------------------------------
    def _log(self, cluster: str, node: str) -> dict[tuple[str, int], list[Message]]:
        return self._logs.setdefault((cluster, node), {})

    def _catch_up(self, cluster: Cluster, node: str) -> None:
        """A replica that comes back copies what its group's master has."""
        broker = cluster.node(node)
        if not isinstance(broker, BrokerNode):
            return
        with self._lock:
            master = self._masters.get((cluster.name, broker.group))
            if cluster.mode.is_2m2s:
                master = next(b.name for b in cluster.group_members(broker.group) if b.broker_id == 0)
            if master is None or master == node or self._status(cluster, master) != "up":
                return
            if self._link(cluster, broker, cluster.node(master)) != "clear":
                return
            mine = self._log(cluster.name, node)
            for queue, messages in self._log(cluster.name, master).items():
                mine[queue] = list(messages)

    def send(self, cluster: Cluster, node: str, topic: str, queue: int, body: bytes, props: dict[str, str]):
        broker = cluster.node(node)
        with self._lock:
            if self.master(cluster, broker.group) != node:
                return ResponseCode.SERVICE_NOT_AVAILABLE, None
            sync = cluster.mode is Mode.SYNC_2M2S
            alive = [b for b in cluster.group_members(broker.group)
                     if b.name != node and self._status(cluster, b.name) == "up"]
            links = {b.name: self._link(cluster, b, broker) for b in alive}
            # A synchronous master waits out a slow link; an asynchronous one acknowledges and leaves the copy
            # for later (the replica catches up when the link is clear again).
            replicas = [n for n, link in links.items() if link == "clear" or (sync and link == "slow")]
            log = self._log(cluster.name, node).setdefault((topic, queue), [])
            message = Message(topic=topic, queue_id=queue, queue_offset=len(log), physical_offset=0, body=body,
                              properties=dict(props), store_host=cluster.advertised_addr(broker))
            log.append(message)
            for replica in replicas:
                self._log(cluster.name, replica).setdefault((topic, queue), []).append(message)
            code = ResponseCode.SUCCESS
            if sync and not alive:
                code = ResponseCode.SLAVE_NOT_AVAILABLE
            elif sync and not replicas:
                code = ResponseCode.FLUSH_SLAVE_TIMEOUT  # the slave is connected as far as the master knows
            return code, message.queue_offset

    def read(self, cluster: Cluster, node: str, topic: str, queue: int) -> list[Message]:
        with self._lock:
            return list(self._log(cluster.name, node).get((topic, queue), []))

    def commit_offset(self, cluster: Cluster, node: str, key: tuple[str, str, int], offset: int) -> None:
        with self._lock:
            self._offsets.setdefault((cluster.name, node), {})[key] = offset

    def committed_offset(self, cluster: Cluster, node: str, key: tuple[str, str, int]) -> int | None:
        with self._lock:
            return self._offsets.get((cluster.name, node), {}).get(key)

    def stored_bytes(self, cluster: Cluster, node: str) -> int:
        with self._lock:
            return sum(len(m.body) + 100 for log in self._log(cluster.name, node).values() for m in log)

    # -- RocketMQ's own tool -------------------------------------------------------------------------
    def mqadmin(self, cluster_name: str, argv: list[str]) -> str:
        cluster = self.provider.model(cluster_name)
        if cluster is None or "clusterList" not in argv:
            return "(fake mqadmin) only clusterList is played here\n"
        version = "V" + cluster.version.replace(".", "_")
        lines = ["#Cluster Name     #Broker Name            #BID  #Addr                  #Version"]
        for group in cluster.groups:
            for node, broker_id in sorted(self.broker_ids(cluster, group).items(), key=lambda item: item[1]):
                addr = cluster.advertised_addr(cluster.node(node))
                lines.append(f"{cluster.rocketmq_cluster:<18} {group:<23} {broker_id:<5} {addr:<22} {version}")
        return "\n".join(lines) + "\n"


class FakeClient:
    """RemotingClient's methods, answered by FakeRocketMQ instead of sockets."""

    def __init__(self, rocketmq: FakeRocketMQ, cluster: Cluster, timeout: float = 3.0):
        self.rocketmq = rocketmq
        self.cluster = cluster
        self.timeout = timeout
        self.send_timeout = timeout
        self._nodes = {cluster.advertised_addr(n): n.name for n in cluster.nodes}

    def close(self) -> None:
        return None

    def __enter__(self) -> FakeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _reach(self, addr: str, maybe_sent: bool = False) -> str:
        node = self._nodes.get(addr)
        status = self.rocketmq._status(self.cluster, node) if node else "down"
        if status == "down":
            raise RemotingConnectError(f"connect to {addr} failed: connection refused", addr=addr)
        if status == "frozen":
            time.sleep(NO_ANSWER_WAIT)
            raise RemotingTimeout(f"no answer from {addr} in time", addr=addr, maybe_sent=maybe_sent)
        return node

    def cluster_info(self, namesrv: str, timeout: float | None = None) -> ClusterInfo:
        self._reach(namesrv)
        groups = {}
        for group in self.cluster.groups:
            ids = self.rocketmq.broker_ids(self.cluster, group)
            if ids:
                addrs = {i: self.cluster.advertised_addr(self.cluster.node(n)) for n, i in ids.items()}
                groups[group] = BrokerGroup(group, self.cluster.rocketmq_cluster, addrs)
        return ClusterInfo(groups, {self.cluster.rocketmq_cluster: tuple(sorted(groups))})

    def create_topic(self, broker: str, topic: str, read_queues: int = 4, write_queues: int = 4,
                     perm: int = 6, timeout: float | None = None) -> None:
        self._reach(broker)

    def send(self, broker: str, topic: str, queue_id: int, body: bytes, keys: Iterable[str] = (),
             tags: str | None = None, properties: dict[str, str] | None = None,
             timeout: float | None = None) -> SendResult:
        node = self._reach(broker, maybe_sent=True)
        props = dict(properties or {})
        keys = tuple(keys)
        if keys:
            props["KEYS"] = " ".join(keys)
        code, offset = self.rocketmq.send(self.cluster, node, topic, queue_id, body, props)
        return SendResult(code=int(code), remark=None if code == 0 else ResponseCode(code).name,
                          queue_id=queue_id, queue_offset=offset, broker=broker)

    def min_offset(self, broker: str, topic: str, queue_id: int, timeout: float | None = None) -> int:
        self._reach(broker)
        return 0

    def max_offset(self, broker: str, topic: str, queue_id: int, timeout: float | None = None) -> int:
        return len(self.rocketmq.read(self.cluster, self._reach(broker), topic, queue_id))

    def pull(self, broker: str, topic: str, queue_id: int, offset: int, max_nums: int = 32,
             timeout: float | None = None, check_crc: bool = False) -> PullResult:
        log = self.rocketmq.read(self.cluster, self._reach(broker), topic, queue_id)
        found = tuple(log[offset:offset + max_nums])
        if not found:
            return PullResult(ResponseCode.PULL_NOT_FOUND, None, offset, 0, len(log), None)
        return PullResult(ResponseCode.SUCCESS, None, offset + len(found), 0, len(log), None, found)

    def query_consumer_offset(self, broker: str, group: str, topic: str, queue_id: int,
                              timeout: float | None = None) -> int | None:
        return self.rocketmq.committed_offset(self.cluster, self._reach(broker), (group, topic, queue_id))

    def update_consumer_offset(self, broker: str, group: str, topic: str, queue_id: int, offset: int,
                               timeout: float | None = None) -> None:
        self.rocketmq.commit_offset(self.cluster, self._reach(broker, maybe_sent=True), (group, topic, queue_id),
                                    offset)

    def broker_runtime_info(self, broker: str, timeout: float | None = None) -> dict[str, str]:
        node = self._reach(broker)
        return {"commitLogMaxOffset": str(self.rocketmq.stored_bytes(self.cluster, node))}

    def broker_config(self, broker: str, timeout: float | None = None) -> dict[str, str]:
        node = self._reach(broker)
        group = self.cluster.node(node).group
        master = self.rocketmq.master(self.cluster, group) == node
        return {"brokerName": group, "brokerRole": "SYNC_MASTER" if master else "SLAVE"}

    def ha_status(self, broker: str, timeout: float | None = None) -> HaStatus | None:
        node = self._reach(broker)
        if self.cluster.mode is Mode.DLEDGER or not reports_ha_status(self.cluster.version):
            return None
        group = self.cluster.node(node).group
        if self.rocketmq.master(self.cluster, group) != node:
            return HaStatus(master=False, master_commit_log_max_offset=0, in_sync_slave_nums=0)
        slaves = [b for b in self.cluster.group_members(group)
                  if b.name != node and self.rocketmq._status(self.cluster, b.name) == "up"]
        return HaStatus(master=True, master_commit_log_max_offset=self.rocketmq.stored_bytes(self.cluster, node),
                        in_sync_slave_nums=len(slaves))

    def controller_metadata(self, addr: str, timeout: float | None = None) -> ControllerMetadata:
        controllers = [n for n in self.cluster.namesrvs if n.controller]
        node = next((n.name for n in controllers
                     if f"{self.cluster.machine(n.machine).ip}:{n.controller.port}" == addr), None)
        if node is None or self.rocketmq._status(self.cluster, node) != "up":
            raise RemotingConnectError(f"connect to {addr} failed: connection refused", addr=addr)
        alive = [n for n in controllers if self.rocketmq._status(self.cluster, n.name) == "up"]
        if len(alive) * 2 <= len(controllers):
            return ControllerMetadata(None, None, None, False, {})
        leader = f"{self.cluster.machine(alive[0].machine).ip}:{alive[0].controller.port}"
        return ControllerMetadata("rocketmq-controller", alive[0].controller.self_id, leader, addr == leader, {})

    def request(self, *args, **kwargs):
        raise RemotingResponseError("the fake plays no raw requests", ResponseCode.REQUEST_CODE_NOT_SUPPORTED, None)
