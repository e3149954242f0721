"""Looking at a running cluster the way clients do: through its name servers, over remoting."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from rmqlab.live.roles import GroupRoles, group_roles
from rmqlab.remoting.codes import RequestCode
from rmqlab.remoting.errors import RemotingError, RemotingResponseError
from rmqlab.topology.model import Cluster, ProxyNode
from rmqlab.topology.versions import reports_ha_status


@dataclass(frozen=True)
class NamesrvAnswer:
    namesrv: str
    roles: dict[str, GroupRoles] | None
    error: str | None = None


class Observer:
    """Asks the name servers of a cluster who is where, and its brokers how far they are.

    `client` is a RemotingClient (or anything with its methods) that knows how to dial the cluster;
    the observer closes it. With a `pool` (an Executor, the caller's), name servers are asked in parallel, so
    one that hangs costs one timeout, not one per name server."""

    def __init__(self, cluster: Cluster, client, pool=None):
        self.cluster = cluster
        self.client = client
        self.pool = pool

    def proxy_answers(self, proxy: ProxyNode, timeout: float = 1.0) -> bool:
        """Whether the proxy's remoting server answers a route query (any answer: it serves). Docker's port
        proxy accepts a connection before the proxy listens, so only an answer tells that it is up."""
        addr = f"{self.cluster.machine(proxy.machine).ip}:{proxy.remoting_port}"
        try:
            self.client.request(addr, RequestCode.GET_ROUTEINFO_BY_TOPIC, {"topic": "TBW102"}, timeout=timeout)
        except RemotingResponseError:
            return True
        except RemotingError:
            return False
        return True

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Observer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def each_namesrv(self) -> list[NamesrvAnswer]:
        if self.pool is not None and len(self.cluster.namesrvs) > 1:
            return list(self.pool.map(self._ask, self.cluster.namesrvs))
        return [self._ask(namesrv) for namesrv in self.cluster.namesrvs]

    def first_answer(self) -> NamesrvAnswer | None:
        """The view of the first name server that answers (the others are not asked); None if none does."""
        for namesrv in self.cluster.namesrvs:
            view = self._ask(namesrv)
            if view.roles is not None:
                return view
        return None

    def _ask(self, namesrv) -> NamesrvAnswer:
        try:
            info = self.client.cluster_info(self.cluster.advertised_addr(namesrv))
        except RemotingError as error:
            return NamesrvAnswer(namesrv.name, None, str(error))
        addrs = {name: dict(group.addrs) for name, group in info.groups.items()}
        return NamesrvAnswer(namesrv.name, group_roles(self.cluster, addrs))

    def in_sync_slaves(self, master: str) -> int | None:
        """How many slaves the master counts as in sync (5.x); None where it keeps no such count."""
        if not reports_ha_status(self.cluster.version):
            return None  # a 4.7.0 broker would leave the request unanswered until the timeout
        try:
            status = self.client.ha_status(self.cluster.advertised_addr(self.cluster.node(master)))
        except RemotingError:
            return None
        return status.in_sync_slave_nums if status and status.master else None

    def commitlog_offsets(self, nodes: list[str], timeout: float = 0.5) -> dict[str, int | None]:
        """Commit log max offset of each broker, asked in parallel; None for one that does not answer."""

        def ask(node: str) -> int | None:
            try:
                info = self.client.broker_runtime_info(self.cluster.advertised_addr(self.cluster.node(node)), timeout)
                return int(info["commitLogMaxOffset"])
            except (RemotingError, KeyError, ValueError):
                return None

        if not nodes:
            return {}
        with ThreadPoolExecutor(max_workers=min(8, len(nodes))) as pool:
            return dict(zip(nodes, pool.map(ask, nodes), strict=True))

    def controller_leader(self) -> str | None:
        """The address of the controllers' Raft leader (5.x controller mode), as the first one answering says."""
        for namesrv in self.cluster.namesrvs:
            if namesrv.controller is None:
                continue
            addr = f"{self.cluster.machine(namesrv.machine).ip}:{namesrv.controller.port}"
            try:
                leader = self.client.controller_metadata(addr).leader_addr
            except RemotingError:
                continue
            if leader:
                return leader
        return None

    def roles(self) -> dict[str, GroupRoles]:
        """Roles from the first name server that answers; empty when none does."""
        view = self.first_answer()
        return view.roles if view else {}
