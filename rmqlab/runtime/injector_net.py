"""The network faults of the fault table (delay, loss, limit, partition), done inside a machine's namespace
through rmqlab.runtime.netns. A mixin of FaultInjector: it uses the injector's cluster, provider, resolve()
and _machine_of(). A node shares its machine's namespace, so a node is known by its listening ports."""

from __future__ import annotations

from rmqlab.errors import BadInput, RmqlabError
from rmqlab.live.targets import Target
from rmqlab.runtime import netns
from rmqlab.runtime.fault_result import FaultResult


class NetworkFaults:
    def _check_delay(self, target: Target, peer: Target | None = None, **options: str) -> None:
        netns.duration_ms(options.get("delay", ""), "delay")
        netns.duration_ms(options.get("jitter") or "0ms", "--jitter")
        self._check_to(options.get("to", ""))
        self._namespace(target).delay_mechanism()

    def _do_delay(self, target: Target, containers, result: FaultResult, delay: str = "", jitter: str = "0ms",
                  to: str = "") -> None:
        space, to_ip = self._namespace(target), self._to_ip(to)
        jitter_ms = netns.duration_ms(jitter or "0ms", "--jitter")
        delay_ms, ports = netns.duration_ms(delay, "delay"), self._ports(target)
        spread = f" ± {jitter}" if jitter_ms else ""
        if space.delay_mechanism() == netns.USER_SPACE:
            space.delay_in_user_space(delay_ms, jitter_ms, f"rmqlab delay {delay}{spread}", to_ip, ports)
            result.done.append(f"every packet {self._leaving(target, to)} waits {delay}{spread} (rmqlab's "
                               "user-space delayer on a netfilter queue: this kernel has no netem)")
            return
        replaced = space.shape(lambda dev: netns.shaping_commands(dev, delay_ms=delay_ms, jitter_ms=jitter_ms,
                                                                  to_ip=to_ip, sports=ports))
        result.done.append(f"every packet {self._leaving(target, to)} waits {delay}{spread} (tc netem)"
                           + self._replaced(replaced))

    def _check_loss(self, target: Target, peer: Target | None = None, **options: str) -> None:
        netns.percent(options.get("loss", ""))
        self._check_to(options.get("to", ""))
        self._namespace(target)

    def _do_loss(self, target: Target, containers, result: FaultResult, loss: str = "", to: str = "") -> None:
        space, share = self._namespace(target), netns.percent(loss)
        rule = netns.drop_rule(netns.CHAIN_OUT, f"rmqlab loss {share:g}%", out_dev=space.dev(space.inspect()),
                               dst=self._to_ip(to), sports=self._ports(target), probability=share / 100)
        space.add_rules([rule])
        result.done.append(f"{share:g}% of the packets {self._leaving(target, to)} are dropped (iptables statistic)")

    def _check_limit(self, target: Target, peer: Target | None = None, **options: str) -> None:
        netns.rate(options.get("rate", ""))
        self._check_to(options.get("to", ""))
        self._namespace(target)

    def _do_limit(self, target: Target, containers, result: FaultResult, rate: str = "", to: str = "") -> None:
        space = self._namespace(target)
        limit, to_ip, ports = netns.rate(rate), self._to_ip(to), self._ports(target)
        replaced = space.shape(lambda dev: netns.shaping_commands(dev, limit=limit, to_ip=to_ip, sports=ports))
        result.done.append(f"traffic {self._leaving(target, to)} is limited to {rate} (tc htb)"
                           + self._replaced(replaced))

    def _check_partition(self, target: Target, peer: Target | None = None, **options: str) -> None:
        a, b = self._side(target), self._side(peer)
        if a.ip == b.ip:
            raise BadInput(f"{target.describe()} and {peer.describe()} share one machine (one network namespace), so "
                           "no packet between them crosses a network.", hint="Partition nodes on different machines.")
        self._namespace(target)

    def _do_partition(self, target: Target, containers, result: FaultResult, peer: Target,
                      one_way: str = "false") -> None:
        one = one_way.upper() == "TRUE"
        a, b = self._side(target), self._side(peer)
        space = self._namespace(target)
        space.add_rules(netns.partition_rules(a, b, one))
        arrow = "->" if one else "<->"
        result.done.append(f"dropping packets {a.name} {arrow} {b.name} in {space.holder}'s namespace (iptables)")
        also = self._also_cut(target, peer, a, b)
        if also:
            result.done.append(f"(a node is known by its listening ports, so: {also})")

    def _also_cut(self, target: Target, peer: Target, a: netns.Side, b: netns.Side) -> str:
        """A node is known by its listening ports only: say what else the rules catch, and what they miss."""
        notes = []
        for this, that, side, far in ((target, peer, a, b), (peer, target, b, a)):
            if not side.ports:
                continue
            mates = [n.name for n in self._machine_nodes(that) if n.name not in that.nodes]
            if far.ports and mates:
                notes.append(f"anything else on {self._machine_of(that)} ({', '.join(mates)}) dialing {side.name}")
            if not far.ports:
                notes.append(f"not cut: connections {side.name} opens itself to {far.name}'s listeners (they "
                             f"leave from a random port, like any other node's on {self._machine_of(this)})")
        return "; ".join(notes)

    def _namespace(self, target: Target) -> netns.NetNamespace:
        machine = self._machine_of(target)
        state = self.provider.containers(self.cluster.name).get(machine)
        if state is None or state.status != "running":
            raise RmqlabError(f"{machine} is {_described(state)}, so its network cannot be changed.",
                              hint=f"rmqlab start {machine} (or unpause it) first.")
        ip = next(m.ip for m in self.cluster.machines if m.name == machine)
        return netns.NetNamespace(self.provider, self.cluster.name, machine, ip)

    def _side(self, target: Target) -> netns.Side:
        machine = self._machine_of(target)
        ip = next(m.ip for m in self.cluster.machines if m.name == machine)
        if target.machine:
            return netns.Side(machine, ip)
        ports = tuple(p for name in target.nodes for p in self.cluster.node(name).ports.values())
        return netns.Side(target.describe(), ip, ports)

    def _check_to(self, to: str) -> None:
        if to:
            self._to_ip(to)

    def _to_ip(self, to: str) -> str | None:
        if not to:
            return None
        machine = self._machine_of(self.resolve(to))
        return next(m.ip for m in self.cluster.machines if m.name == machine)

    def _ports(self, target: Target) -> tuple[int, ...]:
        """A node is its listening ports: shaping a node shapes what its servers send."""
        return () if target.machine else self._side(target).ports

    def _leaving(self, target: Target, to: str) -> str:
        machine = self._machine_of(target)
        if target.machine:
            where = f"leaving {machine}"
        else:
            ports = ",".join(str(p) for p in sorted(self._ports(target)))
            where = f"from {target.describe()}'s ports ({ports}) leaving {machine}"
        if to:
            dest = self._machine_of(self.resolve(to))
            where += f" for {dest}" + (f" (where {to} is)" if dest != to else "")
        return where

    def _machine_nodes(self, target: Target):
        letter = next(m.letter for m in self.cluster.machines if m.name == self._machine_of(target))
        return self.cluster.nodes_on(letter)

    @staticmethod
    def _replaced(replaced: str | None) -> str:
        return f"; it replaced the shaping that was there ({replaced.split(' refcnt')[0]})" if replaced else ""


def _described(state) -> str:
    return state.describe() if state else "missing (no container)"
