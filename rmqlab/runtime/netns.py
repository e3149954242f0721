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
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from rmqlab.errors import BadInput, RmqlabError

CHAIN_IN, CHAIN_OUT = "RMQLAB-IN", "RMQLAB-OUT"
HOOKS = {CHAIN_IN: "INPUT", CHAIN_OUT: "OUTPUT"}
HANDLE = "4d51:"  # rmqlab's root qdisc
UNSHAPED = "1gbit"  # the class for traffic not aimed at --to: far above anything a lab sends
EXEC_TIMEOUT = 20.0
# Where netem is missing: the user-space delayer (image bin/rmq-delay) and the netfilter queue it serves.
DELAY_QUEUE = 0x4D51
DELAYER = "$ROCKETMQ_HOME/bin/rmq-delay"
# pgrep/pkill -f: anchored on the interpreter, so no shell whose script merely names the delayer matches
DELAYER_PATTERN = "^[^ ]*python3 [^ ]*/rmq-delay( |$)"
DELAYER_LOG = "/tmp/rmq-delay.log"
NETEM, USER_SPACE = "netem", "user-space"
DELAY_PROBE = (f"if tc qdisc add dev lo root handle 4d52: netem delay 1ms 2>/dev/null; then"
               f" tc qdisc del dev lo root; echo {NETEM};"
               f" elif command -v python3 >/dev/null; then echo {USER_SPACE}; else echo none; fi")

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
    return _rule(chain, comment, ["DROP"], src=src, dst=dst, sports=sports, dports=dports, out_dev=out_dev,
                 probability=probability)


def queue_rule(comment: str, *, dst: str | None, sports: Sequence[int], out_dev: str) -> list[str]:
    """Hand what leaves to the user-space delayer; with --queue-bypass it passes untouched when none listens."""
    return _rule(CHAIN_OUT, comment, ["NFQUEUE", "--queue-num", str(DELAY_QUEUE), "--queue-bypass"],
                 dst=dst, sports=sports, out_dev=out_dev)


def _rule(chain: str, comment: str, target: list[str], *, src: str | None = None, dst: str | None = None,
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
    return argv + ["-m", "comment", "--comment", comment[:250], "-j", *target]


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
                     limit: str | None = None, to_ip: str | None = None, sports: Sequence[int] = ()) -> list[list[str]]:
    """An htb root owned by rmqlab: class :2 carries the shaped traffic, class :1 the rest, unshaped. Shaped is
    everything, or only what goes to `to_ip`, or only what leaves from `sports` (a node's listening ports: the
    replies and pushes of its servers, such as a master's HA stream), or both. A delay hangs a netem under :2."""
    tc = ["tc"]
    selective = bool(to_ip or sports)
    shaped = limit or UNSHAPED
    commands = [
        [*tc, "qdisc", "replace", "dev", dev, "root", "handle", HANDLE, "htb", "default", "1" if selective else "2"],
        [*tc, "class", "add", "dev", dev, "parent", HANDLE, "classid", f"{HANDLE}1", "htb", "rate", UNSHAPED],
        [*tc, "class", "add", "dev", dev, "parent", HANDLE, "classid", f"{HANDLE}2", "htb", "rate", shaped,
         "ceil", shaped],
    ]
    if delay_ms is not None:
        netem = [*tc, "qdisc", "add", "dev", dev, "parent", f"{HANDLE}2", "netem", "delay", f"{delay_ms:g}ms"]
        if jitter_ms:
            netem += [f"{jitter_ms:g}ms"]
        commands.append(netem)
    dst = ["match", "ip", "dst", f"{to_ip}/32"] if to_ip else []
    for port in sorted(set(sports)) or [None]:
        if not dst and port is None:
            break
        sport = ["match", "ip", "sport", str(port), "0xffff"] if port is not None else []
        commands.append([*tc, "filter", "add", "dev", dev, "parent", HANDLE, "protocol", "ip", "prio", "1", "u32",
                         *dst, *sport, "flowid", f"{HANDLE}2"])
    return commands


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


def script(lines: list[list[list[str]]]) -> list[str]:
    """One `sh -c` for many commands, so a fault costs one exec. Each line is one or more alternatives:
    [cmd] must succeed; [cmd, fallback] runs the fallback when cmd fails; [cmd, []] may fail."""
    rendered = ["set -e"]
    for alternatives in lines:
        first, *rest = alternatives
        text = shlex.join(first)
        if rest:
            text += " 2>/dev/null || " + (shlex.join(rest[0]) if rest[0] else "true")
        rendered.append(text)
    return ["sh", "-c", "\n".join(rendered)]


def ensure_chains() -> list[list[list[str]]]:
    lines = []
    for chain, hook in HOOKS.items():
        lines.append([["iptables", "-w", "-N", chain], []])
        lines.append([["iptables", "-w", "-C", hook, "-j", chain], ["iptables", "-w", "-I", hook, "1", "-j", chain]])
    return lines


SECTION = "@@rmqlab@@"


def inspect_command() -> list[str]:
    """What heal and shaping need to know, in one exec: addresses, rmqlab's chains, every root qdisc."""
    parts = ["ip -o -4 addr show", f"echo {SECTION}",
             f"iptables -w -S {CHAIN_IN} 2>/dev/null || true", f"echo {SECTION}",
             f"iptables -w -S {CHAIN_OUT} 2>/dev/null || true", f"echo {SECTION}",
             "tc qdisc show", f"echo {SECTION}",  # every device's qdiscs, each naming its device
             f"pgrep -af '{DELAYER_PATTERN}' || true"]
    return ["sh", "-c", "; ".join(parts)]


@dataclass(frozen=True)
class Inspection:
    addrs: str
    chains: dict[str, str]  # chain -> `iptables -S` listing ("" when the chain does not exist)
    qdiscs: str
    delayer: str = ""  # `pgrep -af` lines of a running user-space delayer

    def dev(self, ip: str) -> str | None:
        return interface_of(self.addrs, ip)

    def our_qdisc(self) -> tuple[str, str] | None:
        """(device, its `tc qdisc show` line) of rmqlab's root qdisc, if there is one."""
        for line in self.qdiscs.splitlines():
            if f" {HANDLE} " in f" {line} " and " dev " in line and " root" in line:
                dev = line.split(" dev ")[1].split()[0]
                return dev, line.strip()
        return None


def parse_inspection(output: str) -> Inspection:
    parts = output.split(SECTION + "\n")
    parts += [""] * (5 - len(parts))
    return Inspection(parts[0], {CHAIN_IN: parts[1], CHAIN_OUT: parts[2]}, parts[3], parts[4].strip())


def delayer_start(delay_ms: float, jitter_ms: float) -> list[list[str]]:
    """Stop any delayer, start one detached, and wait (up to 3 s) until it has bound the queue."""
    start = (f"setsid {DELAYER} {DELAY_QUEUE} {delay_ms:g} {jitter_ms:g} > {DELAYER_LOG} 2>&1 < /dev/null &"
             f" for i in $(seq 30); do grep -q '^rmq-delay: queue' {DELAYER_LOG} && exit 0;"
             f" grep -q . {DELAYER_LOG} && break; sleep 0.1; done; cat {DELAYER_LOG} >&2; exit 1")
    return [[["pkill", "-f", DELAYER_PATTERN], []], [["sh", "-c", start]]]


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
            shown = argv[2].replace("\n", "; ") if argv[:2] == ["sh", "-c"] else " ".join(argv)
            raise RmqlabError(f"`{shown[:300]}` failed in {self.holder} (exit {code}): {output.strip()[-300:]}",
                              hint=_hint(output))
        return code, output

    def inspect(self) -> Inspection:
        return parse_inspection(self.run(inspect_command())[1])

    def dev(self, inspection: Inspection | None = None) -> str:
        found = (inspection or self.inspect()).dev(self.ip)
        if found is None:
            raise RmqlabError(f"{self.holder} has no interface with {self.ip}: it is cut off the cluster network.",
                              hint="rmqlab heal reconnects it first.")
        return found

    def delay_mechanism(self) -> str:
        """NETEM, or USER_SPACE where the kernel has no netem; refuses before acting when neither can delay.
        One exec: netem is tried on lo (and removed at once), python3 looked for only without it."""
        code, output = self.run(["sh", "-c", DELAY_PROBE], check=False)
        found = output.strip().splitlines()[-1:] if code == 0 else []
        if found == [NETEM] or found == [USER_SPACE]:
            return found[0]
        raise RmqlabError(f"{self.holder} cannot delay packets: this kernel has no netem qdisc and the image "
                          "has no python3 for rmqlab's user-space delayer.", hint=_hint("netem unknown"))

    def delay_in_user_space(self, delay_ms: float, jitter_ms: float, comment: str, to_ip: str | None,
                            sports: Sequence[int]) -> None:
        """netem's stand-in: the delayer first (bound before any packet is queued to it), then the rule."""
        dev = self.dev()
        drop_old = (f"iptables -w -S {CHAIN_OUT} 2>/dev/null | grep -- '-j NFQUEUE' | sed 's/^-A /-D /' |"
                    " while read -r rule; do eval iptables -w \"$rule\"; done")
        self.run(script([[["sh", "-c", drop_old]]] + delayer_start(delay_ms, jitter_ms)))
        self.add_rules([queue_rule(comment, dst=to_ip, sports=sports, out_dev=dev)])

    def add_rules(self, rules: list[list[str]]) -> None:
        self.run(script(ensure_chains() + [[rule] for rule in rules]))

    def shape(self, build) -> str | None:
        """Replace rmqlab's root qdisc with `build(dev)`'s commands, in one exec after one look; returns the
        qdisc it replaced (None when there was none)."""
        inspection = self.inspect()
        dev = self.dev(inspection)
        found = inspection.our_qdisc()
        lines = [[["tc", "qdisc", "del", "dev", found[0], "root"]]] if found else []
        self.run(script(lines + [[argv] for argv in build(dev)]))
        return found[1] if found else None

    def heal(self) -> list[str]:
        """Remove every rule and qdisc rmqlab put here, with one look and one exec; what was removed, in words."""
        inspection = self.inspect()
        removed, lines = [], []
        for chain, hook in HOOKS.items():
            listing = inspection.chains.get(chain, "")
            if not listing.strip():
                continue
            removed += [c for c in dict.fromkeys(rule_comments(listing, chain)) if c not in removed]
            lines += [[["iptables", "-w", "-D", hook, "-j", chain], []]] * 2  # at most two jumps were ever added
            lines += [[["iptables", "-w", "-F", chain]], [["iptables", "-w", "-X", chain]]]
        found = inspection.our_qdisc()
        if found:
            lines.append([["tc", "qdisc", "del", "dev", found[0], "root"]])
            removed.append(f"traffic shaping on {found[0]} ({found[1].split(' root')[0]})")
        if inspection.delayer:
            lines.append([["pkill", "-f", DELAYER_PATTERN], []])
            removed.append("the user-space packet delayer")
        if lines:
            self.run(script(lines))
        return removed


def _hint(output: str) -> str | None:
    if "netem" in output and ("unknown" in output.lower() or "No such file" in output):
        return ("This kernel has no netem qdisc (CONFIG_NET_SCH_NETEM), so delay cannot be emulated here; "
                "loss and limit work without it.")
    if "Operation not permitted" in output or "Permission denied" in output:
        return "The machine's holder needs NET_ADMIN (rmqlab's compose file grants it); re-create it with rmqlab up."
    return None
