"""Wait until a cluster is really ready: every broker registered in every name server with the
role the layout promises, and every elected group with exactly one master."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rmqlab.errors import RmqlabError
from rmqlab.live.observe import Observer
from rmqlab.live.roles import expected_layout_ready
from rmqlab.runtime.provider import ContainerState, EngineError, Provider
from rmqlab.topology.model import Cluster

LOG_LINES = 15


@dataclass(frozen=True)
class Progress:
    node: str
    state: str  # what changed: "running", "answers", "master", "slave", …
    elapsed: float


def wait_until_ready(
    provider: Provider,
    cluster: Cluster,
    timeout: float = 180.0,
    on_progress: Callable[[Progress], None] | None = None,
    on_waiting: Callable[[dict[str, str]], None] | None = None,
    poll: float = 0.5,
) -> float:
    """Seconds it took; raises RmqlabError naming the node that is not ready, with its last log lines."""
    start = time.monotonic()
    reported: dict[str, str] = {}
    waiting: dict[str, str] = {}
    with Observer(cluster, provider.client(cluster, timeout=1.0)) as observer:
        while True:
            elapsed = time.monotonic() - start
            waiting = _not_ready(provider, cluster, observer, reported, elapsed, on_progress)
            if not waiting:
                return elapsed
            if on_waiting:
                on_waiting(waiting)
            if elapsed > timeout:
                raise _timeout_error(provider, cluster, waiting, timeout)
            time.sleep(poll)


def wait_for_controller_leader(provider: Provider, cluster: Cluster, timeout: float,
                               on_waiting: Callable[[dict[str, str]], None] | None = None) -> float:
    """Until the embedded controllers have elected a leader: a broker that starts before that retries only
    every 5 s (hard-coded in RocketMQ), which would add up to 5 s to every controller-mode start."""
    start = time.monotonic()
    with Observer(cluster, provider.client(cluster, timeout=1.0)) as observer:
        while observer.controller_leader() is None:
            elapsed = time.monotonic() - start
            if elapsed > timeout:
                raise _timeout_error(provider, cluster, {cluster.namesrvs[0].name: "no controller leader yet"},
                                     timeout)
            if on_waiting:
                on_waiting({cluster.namesrvs[0].name: "the controllers are electing their leader"})
            _dead_containers(provider, cluster, only={m.name for m in cluster.machines} |
                             {n.name for n in cluster.namesrvs})
            time.sleep(0.2)
    return time.monotonic() - start


def wait_for_masters(provider: Provider, cluster: Cluster, timeout: float,
                     on_waiting: Callable[[dict[str, str]], None] | None = None) -> float:
    """Until every broker group has a master in a name server's view. A cluster-mode proxy creates its system
    topics on the masters as it starts and exits when it cannot (seen while a DLedger group was electing)."""
    start = time.monotonic()
    brokers = {b.name for b in cluster.brokers}
    with Observer(cluster, provider.client(cluster, timeout=1.0)) as observer:
        while True:
            answer = observer.first_answer()
            masterless = [g for g in cluster.groups if not (answer and g in answer.roles and answer.roles[g].master)]
            if not masterless:
                return time.monotonic() - start
            waiting = {g: "no master yet" for g in masterless}
            if time.monotonic() - start > timeout:
                raise _timeout_error(provider, cluster, waiting, timeout)
            if on_waiting:
                on_waiting(waiting)
            _dead_containers(provider, cluster, only=brokers | {n.name for n in cluster.namesrvs})
            time.sleep(0.2)


def _not_ready(provider, cluster, observer, reported, elapsed, on_progress) -> dict[str, str]:
    def report(node: str, state: str) -> None:
        if reported.get(node) != state:
            reported[node] = state
            if on_progress:
                on_progress(Progress(node, state, elapsed))

    waiting = _dead_containers(provider, cluster)
    views = observer.each_namesrv()
    for view in views:
        if view.roles is None:
            waiting.setdefault(view.namesrv, f"does not answer yet ({view.error})")
        else:
            report(view.namesrv, "answers")
    for view in views:
        if view.roles is None:
            continue
        for node, why in expected_layout_ready(cluster, view.roles).items():
            waiting.setdefault(node, f"{why} ({view.namesrv})")
    if all(v.roles is not None for v in views):
        roles = views[0].roles
        if not waiting:
            waiting.update(_replication_not_ready(cluster, observer, roles))
        for group in cluster.groups:
            state = roles.get(group)
            for member in cluster.group_members(group):
                if member.name not in waiting and state:
                    report(member.name, "master" if state.master == member.name else "slave")
    for proxy in cluster.proxies:
        if proxy.container in waiting:
            continue
        if observer.proxy_answers(proxy):
            report(proxy.name, "proxy answers")
        else:
            waiting[proxy.name] = "proxy does not answer yet"
    return waiting


def _replication_not_ready(cluster: Cluster, observer: Observer, roles) -> dict[str, str]:
    """A failover only works once the slaves are in sync: a 5.x controller elects only from the
    in-sync set, and a SYNC_MASTER answers SLAVE_NOT_AVAILABLE until its slave connects."""
    waiting = {}
    for group in cluster.groups:
        state = roles.get(group)
        if not state or not state.master:
            continue
        in_sync = observer.in_sync_slaves(state.master)
        expected = len(cluster.group_members(group)) - 1
        if in_sync is not None and in_sync < expected:
            for slave in state.slaves:
                waiting[slave] = f"registered, not yet in sync with {state.master} ({in_sync}/{expected} in sync)"
    return waiting


def _dead_containers(provider: Provider, cluster: Cluster, only: set[str] | None = None) -> dict[str, str]:
    containers = provider.containers(cluster.name)
    waiting = {}
    for node in (*cluster.nodes, *cluster.own_proxies_on_any()):
        if only is not None and node.name not in only:
            continue
        state = containers.get(node.name)
        if state is None:
            waiting[node.name] = "has no container"
        elif state.status not in ("running", "created"):
            raise _exited_error(provider, cluster, node.name, state)
    return waiting


def _log_tail(provider: Provider, cluster: Cluster, node: str) -> str:
    try:
        return provider.logs(cluster.name, node, LOG_LINES).rstrip()
    except EngineError as error:  # the log is a courtesy; its absence must not hide the cause
        return f"(no logs: {error})"


def _exited_error(provider: Provider, cluster: Cluster, node: str, state: ContainerState) -> RmqlabError:
    oom = " (killed for memory)" if state.oom_killed else ""
    return RmqlabError(
        f"{node} exited with code {state.exit_code}{oom} while starting. Last log lines:\n"
        f"{_log_tail(provider, cluster, node)}",
        hint=f"rmqlab logs {node} shows more; the cluster was left as it is for inspection (rmqlab down removes it).",
    )


def _timeout_error(provider: Provider, cluster: Cluster, waiting: dict[str, str], timeout: float) -> RmqlabError:
    containers = provider.containers(cluster.name)
    node, why = next(iter(waiting.items()))
    state = containers.get(node)
    others = f" ({len(waiting) - 1} more not ready: {', '.join(list(waiting)[1:])})" if len(waiting) > 1 else ""
    logs = _log_tail(provider, cluster, node) if state else ""
    return RmqlabError(
        f"{node} is not ready after {timeout:.0f} s: {why}; container {state.status if state else 'missing'}"
        f"{others}. Last log lines:\n{logs}",
        hint=f"rmqlab logs {node} shows more; the cluster was left running for inspection (rmqlab down removes it).",
    )
