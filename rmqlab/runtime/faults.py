"""Faults a user (or an experiment) injects, each reversible and idempotent, each logged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rmqlab.errors import BadInput, RmqlabError
from rmqlab.live.roles import GroupRoles
from rmqlab.live.targets import Target, resolve_target
from rmqlab.runtime.audit import AuditLog
from rmqlab.runtime.containers import cluster_containers, cluster_volumes
from rmqlab.runtime.engine import api
from rmqlab.topology import naming
from rmqlab.topology.model import Cluster

SIGNALS = {"KILL": "SIGKILL", "TERM": "SIGTERM", "SIGKILL": "SIGKILL", "SIGTERM": "SIGTERM"}
STOP_TIMEOUT = 30  # a 5.5.0 broker takes ~12 s to shut down cleanly


@dataclass
class FaultResult:
    action: str
    target: str
    done: list[str] = field(default_factory=list)  # "killed broker-a-master (container rmqlab-x-broker-…)"
    unchanged: list[str] = field(default_factory=list)  # already in the wanted state

    def lines(self) -> list[str]:
        return self.done + [f"{u} (nothing to do)" for u in self.unchanged]


class FaultInjector:
    def __init__(self, cluster: Cluster, roles: Callable[[], dict[str, GroupRoles]], audit: AuditLog):
        self.cluster = cluster
        self.roles = roles
        self.audit = audit

    def resolve(self, text: str) -> Target:
        return resolve_target(self.cluster, text, self.roles)

    def _run(self, action: str, text: str, body) -> FaultResult:
        target = self.resolve(text)
        result = FaultResult(action, target.describe())
        with self.audit.action(action, text, resolved=target.describe(), nodes=list(target.nodes)) as outcome:
            body(target, self._containers(), result)
            outcome["done"] = result.done
        return result

    def _containers(self) -> dict:
        containers = cluster_containers(self.cluster.name)
        if not containers:
            raise RmqlabError(f"Cluster {self.cluster.name} has no containers.", hint="rmqlab up first.")
        return containers

    # -- the faults ------------------------------------------------------------------------

    def kill(self, text: str, signal: str = "KILL") -> FaultResult:
        sig = SIGNALS.get(signal.upper())
        if sig is None:
            raise BadInput(f"Unknown signal {signal}.", hint="Use KILL (kill -9) or TERM (graceful shutdown).")

        def body(target, containers, result):
            for name in self._with_holder(target):
                _kill(containers.get(name), name, sig, result)

        return self._run(f"kill -{sig[3:]}", text, body)

    def stop(self, text: str) -> FaultResult:
        def body(target, containers, result):
            for name in self._with_holder(target):
                c = containers.get(name)
                if c is None or c.status not in ("running", "paused"):
                    result.unchanged.append(f"{name} is not running")
                    continue
                if c.status == "paused":
                    c.unpause()
                c.stop(timeout=STOP_TIMEOUT)
                result.done.append(f"stopped {name} (SIGTERM; SIGKILL only after {STOP_TIMEOUT} s)")

        return self._run("stop", text, body)

    def start(self, text: str) -> FaultResult:
        def body(target, containers, result):
            holder_name = self._machine_of(target)
            holder = containers.get(holder_name)
            fresh_namespace = False
            if holder is not None and holder.status != "running":
                holder.start()
                fresh_namespace = True
                result.done.append(f"started {holder_name} (the machine) first")
            for name in target.nodes:
                c = containers.get(name)
                if c is None:
                    self._recreate(name)
                    result.done.append(f"recreated {name} (its store starts empty)")
                    continue
                c.reload()
                if c.status == "running" and fresh_namespace:
                    c.restart(timeout=STOP_TIMEOUT)  # it still sat in the dead machine's namespace
                    result.done.append(f"restarted {name} to join the restarted machine")
                elif c.status == "running":
                    result.unchanged.append(f"{name} is running")
                elif c.status == "paused":
                    result.unchanged.append(f"{name} is paused (use unpause)")
                else:
                    c.start()
                    result.done.append(f"started {name}")

        return self._run("start", text, body)

    def restart(self, text: str) -> FaultResult:
        self.stop(text)
        result = self.start(text)
        result.action = "restart"
        return result

    def pause(self, text: str) -> FaultResult:
        return self._freeze("pause", text, "running", lambda c: c.pause(), "paused {} (frozen: its sockets stay open)")

    def unpause(self, text: str) -> FaultResult:
        return self._freeze("unpause", text, "paused", lambda c: c.unpause(), "unpaused {}")

    def _freeze(self, action: str, text: str, wanted: str, act, done: str) -> FaultResult:
        """pause and unpause: act on each node in the `wanted` state, leave the others be."""

        def body(target, containers, result):
            for name in target.nodes:
                c = containers.get(name)
                if c is None or c.status != wanted:
                    result.unchanged.append(f"{name} is {c.status if c else 'missing'}")
                    continue
                act(c)
                result.done.append(done.format(name))

        return self._run(action, text, body)

    def isolate(self, text: str) -> FaultResult:
        def body(target, containers, result):
            machine = self._isolatable_machine(target)
            holder = containers.get(machine)
            network = api().networks.get(naming.network_name(self.cluster.name))
            if holder is None or not _connected(holder, network.name):
                result.unchanged.append(f"{machine} is already cut off")
                return
            network.disconnect(holder, force=True)
            result.done.append(
                f"cut {machine} off the cluster network ({', '.join(target.nodes)} can reach nobody, "
                "nobody can reach them)"
            )

        return self._run("isolate", text, body)

    def destroy_store(self, text: str) -> FaultResult:
        """A disk gone for good: kill the node, remove its container and its store volume."""

        def body(target, containers, result):
            volumes = {v.attrs["Labels"].get(naming.LABEL_NODE): v for v in cluster_volumes(self.cluster.name)}
            for name in target.nodes:
                c = containers.get(name)
                if c is not None:
                    c.remove(force=True)
                volume = volumes.get(name)
                if volume is not None:
                    volume.remove(force=True)
                    result.done.append(f"destroyed {name}'s store (volume {volume.name}) and its container")
                else:
                    result.unchanged.append(f"{name} has no store volume")

        return self._run("destroy-store", text, body)

    def _recreate(self, node: str) -> None:
        from rmqlab.runtime.engine import compose, compose_error
        from rmqlab.runtime.workdir import compose_file

        runner = compose(compose_file(self.cluster.name), naming.compose_project(self.cluster.name))
        try:
            runner.compose.up(services=[node], detach=True, no_deps=True, quiet=True)
        except Exception as error:  # python-on-whales DockerException carries compose's stderr
            raise compose_error(error, f"recreating {node}") from None

    def heal(self) -> FaultResult:
        """Undo every pause and isolation of the cluster; killed nodes stay down (use start)."""
        result = FaultResult("heal", f"cluster {self.cluster.name}")
        with self.audit.action("heal", self.cluster.name) as outcome:
            containers = self._containers()
            network = api().networks.get(naming.network_name(self.cluster.name))
            for machine in self.cluster.machines:
                holder = containers.get(machine.name)
                if holder is not None and not _connected(holder, network.name):
                    network.connect(holder, ipv4_address=machine.ip, aliases=[machine.name])
                    result.done.append(f"reconnected {machine.name} at {machine.ip}")
            for name, c in containers.items():
                if c.status == "paused":
                    c.unpause()
                    result.done.append(f"unpaused {name}")
            outcome["done"] = result.done
        return result

    # -- helpers ---------------------------------------------------------------------------

    def _with_holder(self, target: Target) -> list[str]:
        """A whole machine goes down with its holder, after its nodes."""
        return [*target.nodes, target.machine] if target.machine else list(target.nodes)

    def _machine_of(self, target: Target) -> str:
        if target.machine:
            return target.machine
        node = self.cluster.node(target.nodes[0])
        return naming.machine_service(node.machine)

    def _isolatable_machine(self, target: Target) -> str:
        if target.machine:
            return target.machine
        node = self.cluster.node(target.nodes[0])
        neighbours = [n.name for n in self.cluster.nodes_on(node.machine) if n.name != node.name]
        machine = naming.machine_service(node.machine)
        if neighbours:
            raise BadInput(
                f"{node.name} shares {machine} (one network namespace) with {', '.join(neighbours)}, "
                "so it cannot be cut off alone.",
                hint=f"Isolate the whole machine: rmqlab isolate {machine}.",
            )
        return machine


def _kill(container, name: str, signal: str, result: FaultResult) -> None:
    if container is None:
        result.unchanged.append(f"{name} has no container")
        return
    container.reload()
    if container.status not in ("running", "paused"):
        result.unchanged.append(f"{name} is already {container.status}")
        return
    if container.status == "paused" and signal != "SIGKILL":
        container.unpause()  # a frozen process cannot handle SIGTERM
    container.kill(signal=signal)
    result.done.append(f"sent {signal} to {name} (container {container.name})")


def _connected(container, network: str) -> bool:
    container.reload()
    return network in (container.attrs.get("NetworkSettings", {}).get("Networks") or {})
