"""Faults a user (or an experiment) injects, one method per entry of the fault table, each idempotent and
logged before and after acting. Containers are reached only through the provider."""

from __future__ import annotations

from collections.abc import Callable

from rmqlab.errors import BadInput, RmqlabError
from rmqlab.faults import FAULTS
from rmqlab.live.roles import GroupRoles
from rmqlab.live.targets import Target, resolve_target
from rmqlab.runtime import netns
from rmqlab.runtime.audit import AuditLog
from rmqlab.runtime.fault_result import FaultResult
from rmqlab.runtime.injector_net import NetworkFaults
from rmqlab.runtime.provider import STOP_GRACE_SECONDS, ContainerState, Provider
from rmqlab.topology import naming
from rmqlab.topology.model import Cluster

PROXY_WAIT_SECONDS = 60
SIGNALS = {"KILL": "SIGKILL", "TERM": "SIGTERM", "SIGKILL": "SIGKILL", "SIGTERM": "SIGTERM"}


class FaultInjector(NetworkFaults):
    def __init__(self, cluster: Cluster, provider: Provider, roles: Callable[[], dict[str, GroupRoles]],
                 audit: AuditLog):
        self.cluster = cluster
        self.provider = provider
        self.roles = roles
        self.audit = audit
        missing = [name for name in FAULTS if not hasattr(self, _method(name))]
        assert not missing, f"fault table entries without an implementation: {missing}"

    def resolve(self, text: str) -> Target:
        return resolve_target(self.cluster, text, self.roles)

    def apply(self, action: str, target: str | None = None, peer: str | None = None, **options: str) -> FaultResult:
        """Do one entry of the fault table to a target (a node, a machine or a live role alias), and to a
        peer for the faults that take two (partition A B)."""
        kind = FAULTS.get(action)
        if kind is None:
            raise BadInput(f"Unknown fault '{action}'.", hint=f"Faults: {', '.join(FAULTS)}.")
        body = getattr(self, _method(action))
        for option in (*kind.options, *([kind.value] if kind.value else [])):
            value = options.get(option.name, option.default)
            if option.choices and value.upper() not in option.choices:
                raise BadInput(f"{action} {option.flag} {value!r} is not one it takes.",
                               hint=f"Use {' or '.join(option.choices[:2])}.")
            if not value and option is kind.value:
                raise BadInput(f"{action} needs {option.flag}.", hint=option.help)
        if not kind.takes_target:
            return self._logged(action, Target(self.cluster.name, "cluster", ()), None, body, options)
        if not target:
            raise BadInput(f"{action} needs a target.", hint="A node, a machine, or broker-a-master.")
        resolved = self.resolve(target)
        other = None
        if kind.takes_peer:
            if not peer:
                raise BadInput(f"{action} needs a second target.",
                               hint=f"rmqlab {action} broker-a-master broker-a-slave")
            other = self.resolve(peer)
        refuse = getattr(self, _method(action, "_check_"), None)  # a fault may refuse a target before acting
        if refuse is not None:
            refuse(resolved, other, **options)
        return self._logged(action, resolved, other, body, options)

    def _logged(self, action: str, target: Target, peer: Target | None, body, options: dict) -> FaultResult:
        result = FaultResult(action, target.describe(), nodes=target.nodes, machine=target.machine,
                             peer=peer.describe() if peer else None, peer_nodes=peer.nodes if peer else ())
        extra = {"peer": peer.text, "peer_nodes": list(peer.nodes)} if peer else {}
        with self.audit.action(action, target.text, resolved=target.describe(), nodes=list(target.nodes),
                               **extra, **options) as outcome:
            if peer is not None:
                body(target, self._containers(), result, peer=peer, **options)
            else:
                body(target, self._containers(), result, **options)
            outcome["done"] = result.done
        return result

    def _containers(self) -> dict[str, ContainerState]:
        containers = self.provider.containers(self.cluster.name)
        if not containers:
            raise RmqlabError(f"Cluster {self.cluster.name} has no containers.", hint="rmqlab up first.")
        return containers

    # -- one method per fault-table entry ------------------------------------------------------------

    def _do_kill(self, target: Target, containers, result: FaultResult, signal: str = "KILL") -> None:
        sig = SIGNALS[signal.upper()]
        result.action = f"kill -{sig[3:]}"
        for name in _with_holder(target):
            state = containers.get(name)
            if state is None or not state.up:
                result.unchanged.append(f"{name} is {_described(state)}")
                continue
            if state.status == "paused" and sig != "SIGKILL":
                self.provider.unpause(self.cluster.name, name)  # a frozen process cannot handle SIGTERM
            self.provider.kill(self.cluster.name, name, sig)
            result.done.append(f"sent {sig} to {name} (container {state.name})")

    def _do_stop(self, target: Target, containers, result: FaultResult) -> None:
        for name in _with_holder(target):
            state = containers.get(name)
            if state is None or not state.up:
                result.unchanged.append(f"{name} is not running")
                continue
            if state.status == "paused":
                self.provider.unpause(self.cluster.name, name)
            self.provider.stop(self.cluster.name, name, STOP_GRACE_SECONDS)
            result.done.append(f"stopped {name} (SIGTERM; SIGKILL only after {STOP_GRACE_SECONDS} s)")

    def _do_start(self, target: Target, containers, result: FaultResult) -> None:
        holder = self._machine_of(target)
        fresh_namespace = False
        state = containers.get(holder)
        if state is not None and state.status != "running":
            self.provider.start(self.cluster.name, holder)
            fresh_namespace = True
            result.done.append(f"started {holder} (the machine) first")
        missing = [name for name in target.nodes if name not in containers]
        if missing:
            self._recreate(missing)
            result.done += [f"recreated {name} (its store starts empty)" for name in missing]
        proxies = {p.name for p in self.cluster.own_proxies_on_any()}
        brokers_first = [n for n in target.nodes if n not in proxies] + [n for n in target.nodes if n in proxies]
        for name in brokers_first:
            state = containers.get(name)
            if state is None:
                continue
            if name in proxies and state.status != "running" and result.done:
                self._await_masters(result)
            if state.status == "running" and fresh_namespace:
                self.provider.restart(self.cluster.name, name)  # it still sat in the dead machine's namespace
                result.done.append(f"restarted {name} to join the restarted machine")
            elif state.status == "running":
                result.unchanged.append(f"{name} is running")
            elif state.status == "paused":
                result.unchanged.append(f"{name} is paused (use unpause)")
            else:
                self.provider.start(self.cluster.name, name)
                result.done.append(f"started {name}")

    def _await_masters(self, result: FaultResult) -> None:
        """A cluster-mode proxy that starts while a group has no master exits: give the brokers just started
        their election first, up to PROXY_WAIT_SECONDS (a group may stay masterless, as a 2M2S group does)."""
        from rmqlab.runtime.ready import wait_for_masters

        try:
            waited = wait_for_masters(self.provider, self.cluster, PROXY_WAIT_SECONDS)
        except RmqlabError:
            result.done.append(f"a group still had no master after {PROXY_WAIT_SECONDS} s; starting the proxy anyway")
            return
        if waited >= 0.5:
            result.done.append(f"waited {waited:.1f} s for every group's master before starting the proxy")

    def _do_restart(self, target: Target, containers, result: FaultResult) -> None:
        self._do_stop(target, containers, result)
        self._do_start(target, self._containers(), result)

    def _do_pause(self, target: Target, containers, result: FaultResult) -> None:
        self._freeze(target, containers, result, "running", self.provider.pause,
                     "paused {} (frozen: its sockets stay open)")

    def _do_unpause(self, target: Target, containers, result: FaultResult) -> None:
        self._freeze(target, containers, result, "paused", self.provider.unpause, "unpaused {}")

    def _freeze(self, target: Target, containers, result: FaultResult, wanted: str, act, done: str) -> None:
        """pause and unpause: act on each node in the `wanted` state, leave the others be."""
        for name in target.nodes:
            state = containers.get(name)
            if state is None or state.status != wanted:
                result.unchanged.append(f"{name} is {_described(state)}")
                continue
            act(self.cluster.name, name)
            result.done.append(done.format(name))

    def _check_isolate(self, target: Target, peer: Target | None = None) -> None:
        self._isolatable_machine(target)

    def _do_isolate(self, target: Target, containers, result: FaultResult) -> None:
        machine = self._isolatable_machine(target)
        state = containers.get(machine)
        network = naming.network_name(self.cluster.name)
        if state is None or network not in state.networks:
            result.unchanged.append(f"{machine} is already cut off")
            return
        self.provider.disconnect(self.cluster.name, machine, network)
        result.done.append(
            f"cut {machine} off the cluster network ({', '.join(target.nodes)} can reach nobody, "
            "nobody can reach them)"
        )

    def _do_destroy_store(self, target: Target, containers, result: FaultResult) -> None:
        """A disk gone for good: kill the node, remove its container and its store volume."""
        volumes = {v.node: v for v in self.provider.volumes(self.cluster.name)}
        for name in target.nodes:
            if name in containers:
                self.provider.remove(self.cluster.name, name)
            volume = volumes.get(name)
            if volume is not None:
                self.provider.remove_volume(volume.name)
                result.done.append(f"destroyed {name}'s store (volume {volume.name}) and its container")
            else:
                result.unchanged.append(f"{name} has no store volume")

    def _do_heal(self, target: Target, containers, result: FaultResult) -> None:
        """Undo every pause, isolation and network fault of the cluster; killed nodes stay down (use start)."""
        network = naming.network_name(self.cluster.name)
        for machine in self.cluster.machines:
            state = containers.get(machine.name)
            if state is not None and state.up and network not in state.networks:
                self.provider.connect(self.cluster.name, machine.name, network, machine.ip, [machine.name])
                result.done.append(f"reconnected {machine.name} at {machine.ip}")
        for name, state in containers.items():
            if state.status == "paused":
                self.provider.unpause(self.cluster.name, name)
                result.done.append(f"unpaused {name}")
        for machine in self.cluster.machines:  # rules in rmqlab's own chains and qdisc: no memory needed
            state = self._containers().get(machine.name)
            if state is None or state.status != "running":
                continue
            space = netns.NetNamespace(self.provider, self.cluster.name, machine.name, machine.ip)
            result.done += [f"removed {what} on {machine.name}" for what in space.heal()]

    # -- helpers -------------------------------------------------------------------------------------

    def _recreate(self, nodes: list[str]) -> None:
        from rmqlab.runtime.workdir import compose_file

        self.provider.compose_up(self.cluster, str(compose_file(self.cluster.name)), services=nodes)

    def _machine_of(self, target: Target) -> str:
        if target.machine:
            return target.machine
        return naming.machine_service(self.cluster.placed(target.nodes[0]).machine)

    def _isolatable_machine(self, target: Target) -> str:
        if target.machine:
            return target.machine
        node = self.cluster.placed(target.nodes[0])
        neighbours = [n for n in self.cluster.services_on(node.machine) if n != node.name]
        machine = naming.machine_service(node.machine)
        if neighbours:
            raise BadInput(
                f"{node.name} shares {machine} (one network namespace) with {', '.join(neighbours)}, "
                "so it cannot be cut off alone.",
                hint=f"Isolate the whole machine: rmqlab isolate {machine}.",
            )
        return machine


def _method(action: str, prefix: str = "_do_") -> str:
    return prefix + action.replace("-", "_")


def _with_holder(target: Target) -> list[str]:
    """A whole machine goes down with its holder, after its nodes."""
    return [*target.nodes, target.machine] if target.machine else list(target.nodes)


def _described(state: ContainerState | None) -> str:
    return state.describe() if state else "missing (no container)"
