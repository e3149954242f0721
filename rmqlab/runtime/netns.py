"""Network faults inside a machine's namespace, as commands run in its holder container (NET_ADMIN).

Everything rmqlab adds lives in places it owns, so `heal` removes all of it without remembering what was
done, even after a crash:
- iptables: the chains RMQLAB-IN and RMQLAB-OUT, jumped to from INPUT and OUTPUT;
- tc: a root qdisc with handle 4d51: on the machine's cluster interface (Docker's default is noqueue).

The commands are plain argv lists, built and parsed here (pure); `NetNamespace` runs them through the
provider's exec, the one door to where clusters run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rmqlab.errors import BadInput, RmqlabError

CHAIN_IN, CHAIN_OUT = "RMQLAB-IN", "RMQLAB-OUT"
HOOKS = {CHAIN_IN: "INPUT", CHAIN_OUT: "OUTPUT"}
HANDLE = "4d51:"  # rmqlab's root qdisc
UNSHAPED = "1gbit"  # the class for traffic not aimed at --to: far above anything a lab sends
EXEC_TIMEOUT = 20.0

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(us|ms|s)$")
_RATE = re.compile(r"^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%?$")


def duration_ms(text: str, what: str) -> float:
    """200ms, 1s, 500us -> milliseconds; BadInput for anything else."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise BadInput(f"{what} {text!r} is not a duration.", hint="Write it as tc does: 200ms, 1s or 500us.")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def rate(text: str) -> str:
    match = _RATE.match(text.strip().lower())
    if not match or float(match.group(1)) <= 0:
        raise BadInput(f"Bandwidth {text!r} is not a rate.",
                       hint="Write it as tc does: 1mbit, 256kbit (bits/s) or 100kbps (bytes/s).")
    return text.strip().lower()


def percent(text: str) -> float:
    match = _PERCENT.match(text.strip())
    if not match or not 0 < float(match.group(1)) <= 100:
        raise BadInput(f"Loss {text!r} is not a share of packets.", hint="Give a percentage above 0, up to 100: 10%.")
    return float(match.group(1))


# -- iptables ------------------------------------------------------------------------------------------


def drop_rule(chain: str, comment: str, *, src: str | None = None, dst: str | None = None,
              sports: Sequence[int] = (), dports: Sequence[int] = (), out_dev: str | None = None,
              probability: float | None = None) -> list[str]:
    argv = ["iptables", "-w", "-A", chain]
    if out_dev:
        argv += ["-o", out_dev]
    if src:
        argv += ["-s", f"{src}/32"]
    if dst:
        argv += ["-d", f"{dst}/32"]
    if sports or dports:
        argv += ["-p", "tcp", "-m", "multiport"]
        argv += ["--sports", _ports(sports)] if sports else ["--dports", _ports(dports)]
    if probability is not None:
        argv += ["-m", "statistic", "--mode", "random", "--probability", f"{probability:.4f}"]
    return argv + ["-m", "comment", "--comment", comment[:250], "-j", "DROP"]


def _ports(ports: Sequence[int]) -> str:
    return ",".join(str(p) for p in sorted(set(ports)))


_COMMENT = re.compile(r'--comment (?:"([^"]*)"|(\S+))')


def rule_comments(listing: str, chain: str) -> list[str]:
    """The comments of the rules in `iptables -S <chain>` output, in order."""
    found = []
    for line in listing.splitlines():
        if line.startswith(f"-A {chain} "):
            match = _COMMENT.search(line)
            found.append((match.group(1) or match.group(2)) if match else line)
    return found


# -- tc ------------------------------------------------------------------------------------------------


def shaping_commands(dev: str, *, delay_ms: float | None = None, jitter_ms: float = 0.0,
                     limit: str | None = None, to_ip: str | None = None) -> list[list[str]]:
    """An htb root owned by rmqlab: class :2 carries the shaped traffic (all of it, or only what goes to
    `to_ip`), class :1 the rest, unshaped. A delay hangs a netem under class :2."""
    tc = ["tc"]
    default = "1" if to_ip else "2"
    shaped = limit or UNSHAPED
    commands = [
        [*tc, "qdisc", "replace", "dev", dev, "root", "handle", HANDLE, "htb", "default", default],
        [*tc, "class", "add", "dev", dev, "parent", HANDLE, "classid", f"{HANDLE}1", "htb", "rate", UNSHAPED],
        [*tc, "class", "add", "dev", dev, "parent", HANDLE, "classid", f"{HANDLE}2", "htb", "rate", shaped,
         "ceil", shaped],
    ]
    if delay_ms is not None:
        netem = [*tc, "qdisc", "add", "dev", dev, "parent", f"{HANDLE}2", "netem", "delay", f"{delay_ms:g}ms"]
        if jitter_ms:
            netem += [f"{jitter_ms:g}ms"]
        commands.append(netem)
    if to_ip:
        commands.append([*tc, "filter", "add", "dev", dev, "parent", HANDLE, "protocol", "ip", "prio", "1", "u32",
                         "match", "ip", "dst", f"{to_ip}/32", "flowid", f"{HANDLE}2"])
    return commands


def ours(qdisc_listing: str) -> bool:
    """Whether `tc qdisc show dev X root` shows rmqlab's root qdisc."""
    return any(f" {HANDLE} root" in line for line in qdisc_listing.splitlines())


def interface_of(addr_listing: str, ip: str) -> str | None:
    """The interface holding `ip`, from `ip -o -4 addr show` (eth0, or eth0@if12 shown as eth0)."""
    for line in addr_listing.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[2] == "inet" and parts[3].split("/")[0] == ip:
            return parts[1].split("@")[0]
    return None


# -- partitions ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One end of a partition: a machine's address, and the ports that are this end (none: the whole machine)."""

    name: str
    ip: str
    ports: tuple[int, ...] = ()


def partition_rules(a: Side, b: Side, one_way: bool) -> list[list[str]]:
    """Rules for A's namespace that drop what A sends to B (and, unless one-way, what B sends to A).

    Without ports a side is its whole machine. With ports, what flows between A and B is: packets from A's
    ports to B's address, and packets from A's address to B's ports (A dialing B), and their mirror images."""
    rules = _one_direction(CHAIN_OUT, f"rmqlab partition {a.name} -> {b.name}", a, b, "dst")
    if not one_way:
        rules += _one_direction(CHAIN_IN, f"rmqlab partition {b.name} -> {a.name}", a, b, "src")
    return rules


def _one_direction(chain: str, comment: str, a: Side, b: Side, peer_field: str) -> list[list[str]]:
    """Outbound (peer_field dst): A's ports -> B, and A -> B's ports. Inbound (src) mirrors it."""
    mine, theirs = ("sports", "dports") if peer_field == "dst" else ("dports", "sports")
    if not a.ports and not b.ports:
        return [drop_rule(chain, comment, **{peer_field: b.ip})]
    rules = []
    if a.ports:
        rules.append(drop_rule(chain, comment, **{peer_field: b.ip, mine: a.ports}))
    if b.ports:
        rules.append(drop_rule(chain, comment, **{peer_field: b.ip, theirs: b.ports}))
    return rules


# -- running them --------------------------------------------------------------------------------------


@dataclass
class NetNamespace:
    """One machine's namespace, reached through its holder container."""

    provider: object
    cluster: str
    holder: str
    ip: str

    def run(self, argv: list[str], check: bool = True) -> tuple[int, str]:
        code, output = self.provider.exec(self.cluster, self.holder, argv, EXEC_TIMEOUT)
        if check and code != 0:
            raise RmqlabError(f"`{' '.join(argv)}` failed in {self.holder} (exit {code}): {output.strip()[-300:]}",
                              hint=_hint(output))
        return code, output

    def dev(self) -> str:
        _, listing = self.run(["ip", "-o", "-4", "addr", "show"])
        found = interface_of(listing, self.ip)
        if found is None:
            raise RmqlabError(f"{self.holder} has no interface with {self.ip}: it is cut off the cluster network.",
                              hint="rmqlab heal reconnects it first.")
        return found

    def check_netem(self) -> None:
        """Refuse before acting when the kernel has no netem (tried on lo, removed at once)."""
        probe = ["tc", "qdisc", "add", "dev", "lo", "root", "handle", "4d52:", "netem", "delay", "1ms"]
        code, output = self.run(probe, check=False)
        if code != 0:
            raise RmqlabError(f"{self.holder} cannot delay packets: `tc ... netem` says {output.strip()[-200:]!r}.",
                              hint=_hint(output + " netem unknown"))
        self.run(["tc", "qdisc", "del", "dev", "lo", "root"])

    def ensure_chains(self) -> None:
        for chain, hook in HOOKS.items():
            code, _ = self.run(["iptables", "-w", "-S", chain], check=False)
            if code != 0:
                self.run(["iptables", "-w", "-N", chain])
            code, _ = self.run(["iptables", "-w", "-C", hook, "-j", chain], check=False)
            if code != 0:
                self.run(["iptables", "-w", "-I", hook, "1", "-j", chain])

    def add_rules(self, rules: list[list[str]]) -> None:
        self.ensure_chains()
        for rule in rules:
            self.run(rule)

    def shape(self, commands: list[list[str]]) -> str | None:
        """Replace rmqlab's root qdisc; returns what it replaced (None when there was none)."""
        dev = commands[0][4]
        _, before = self.run(["tc", "qdisc", "show", "dev", dev, "root"])
        replaced = before.strip() if ours(before) else None
        if replaced:
            self.run(["tc", "qdisc", "del", "dev", dev, "root"])
        for argv in commands:
            self.run(argv)
        return replaced

    def heal(self) -> list[str]:
        """Remove every rule and qdisc rmqlab put here; what was removed, in words."""
        removed = []
        for chain, hook in HOOKS.items():
            code, listing = self.run(["iptables", "-w", "-S", chain], check=False)
            if code != 0:
                continue
            removed += [c for c in dict.fromkeys(rule_comments(listing, chain)) if c not in removed]
            while self.run(["iptables", "-w", "-D", hook, "-j", chain], check=False)[0] == 0:
                pass
            self.run(["iptables", "-w", "-F", chain])
            self.run(["iptables", "-w", "-X", chain])
        code, listing = self.run(["ip", "-o", "-4", "addr", "show"], check=False)
        dev = interface_of(listing, self.ip) if code == 0 else None
        if dev:
            _, qdisc = self.run(["tc", "qdisc", "show", "dev", dev, "root"])
            if ours(qdisc):
                self.run(["tc", "qdisc", "del", "dev", dev, "root"])
                removed.append(f"traffic shaping on {dev} ({qdisc.strip().split(' root')[0]})")
        return removed


def _hint(output: str) -> str | None:
    if "netem" in output and ("unknown" in output.lower() or "No such file" in output):
        return ("This kernel has no netem qdisc (CONFIG_NET_SCH_NETEM), so delay cannot be emulated here; "
                "loss and limit work without it.")
    if "Operation not permitted" in output or "Permission denied" in output:
        return "The machine's holder needs NET_ADMIN (rmqlab's compose file grants it); re-create it with rmqlab up."
    return None
