"""The fake provider's machine namespaces: the few ip / iptables / tc commands rmqlab.runtime.netns runs,
played on records in memory, and what they mean for a connection between two nodes.

A model, not netfilter: a rule matches on -s, -d, --sports, --dports; a rule with a probability (loss)
never cuts a connection; a shaped link (tc) carries everything, only slowly. Tests on it prove rmqlab's
logic (which rules, heal without memory); the integration tests prove the kernel's.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from rmqlab.runtime import netns

HOOK_OF = {"INPUT": "in", "OUTPUT": "out"}


@dataclass
class Namespace:
    chains: dict[str, list[list[str]]] = field(default_factory=dict)
    hooks: dict[str, list[str]] = field(default_factory=lambda: {"INPUT": [], "OUTPUT": []})
    root: str | None = None  # rmqlab's root qdisc, as tc shows it
    classes: dict[str, str] = field(default_factory=dict)  # classid -> rate
    delay: str | None = None
    filters: list[tuple[str | None, int | None]] = field(default_factory=list)  # (dst, sport) into the shaped class
    delayer: str | None = None  # the user-space delayer's command line, while one runs


class FakeNetworks:
    def __init__(self, netem: bool = True, python: bool = True):
        self.netem = netem  # whether this fake kernel has the netem qdisc
        self.python = python  # whether the image has python3, which the user-space delayer needs
        self.spaces: dict[tuple[str, str], Namespace] = {}

    def space(self, cluster: str, holder: str) -> Namespace:
        return self.spaces.setdefault((cluster, holder), Namespace())

    def forget(self, cluster: str, holder: str) -> None:
        """A holder that stops takes its namespace, rules and qdiscs with it."""
        self.spaces.pop((cluster, holder), None)

    # -- the commands ------------------------------------------------------------------------------
    def run(self, cluster: str, holder: str, ip: str | None, argv: list[str]) -> tuple[int, str]:
        if argv == netns.inspect_command():
            return 0, self._inspection(cluster, holder, ip)
        space = self.space(cluster, holder)
        if argv[:2] == ["sh", "-c"]:
            return self._shell(cluster, holder, ip, space, argv[2])
        if argv[0] in ("pkill", "pgrep"):
            found, space.delayer = space.delayer, (space.delayer if argv[0] == "pgrep" else None)
            return (0, found or "") if found else (1, "")
        if argv[0] == "ip":
            return 0, f"1: lo    inet 127.0.0.1/8 scope host lo\n2: eth0    inet {ip}/24 scope global eth0\n" \
                if ip else "1: lo    inet 127.0.0.1/8 scope host lo\n"
        if argv[0] == "iptables":
            return self._iptables(space, [a for a in argv[1:] if a != "-w"])
        if argv[0] == "tc":
            return self._tc(space, argv[1:])
        return 127, f"{argv[0]}: not found"

    def _shell(self, cluster: str, holder: str, ip: str | None, space: Namespace, text: str) -> tuple[int, str]:
        """The inline shell snippets of rmqlab.runtime.netns, by what they do; anything else is a script."""
        if text == netns.DELAY_PROBE:
            return 0, netns.NETEM if self.netem else netns.USER_SPACE if self.python else "none"
        if text.startswith("setsid " + netns.DELAYER):
            if not self.python:
                return 127, "setsid: failed to execute: No such file or directory"
            space.delayer = text.split(" > ")[0].removeprefix("setsid ")
            space.delay = f"{float(space.delayer.split()[2]):g}ms"
            return 0, ""
        if text.startswith(f"iptables -w -S {netns.CHAIN_OUT}") and "-j NFQUEUE" in text:  # the delayer's old rules
            out = space.chains.get(netns.CHAIN_OUT, [])
            space.chains[netns.CHAIN_OUT] = [r for r in out if "NFQUEUE" not in r] if out else out
            return 0, ""
        return self._script(cluster, holder, ip, text)

    def _script(self, cluster: str, holder: str, ip: str | None, text: str) -> tuple[int, str]:
        """The few shapes rmqlab.runtime.netns.script writes: set -e, then `cmd`, or `cmd 2>/dev/null || other`."""
        for line in text.split("\n"):
            if line == "set -e":
                continue
            first, _, fallback = line.replace(" 2>/dev/null", "").partition(" || ")
            code, output = self.run(cluster, holder, ip, shlex.split(first))
            if code != 0 and fallback:
                code, output = (0, "") if fallback == "true" else self.run(cluster, holder, ip, shlex.split(fallback))
            if code != 0:
                return code, output
        return 0, ""

    def _inspection(self, cluster: str, holder: str, ip: str | None) -> str:
        parts = [self.run(cluster, holder, ip, ["ip", "-o", "-4", "addr", "show"])[1]]
        for chain in (netns.CHAIN_IN, netns.CHAIN_OUT):
            code, listing = self.run(cluster, holder, ip, ["iptables", "-w", "-S", chain])
            parts.append(listing if code == 0 else "")
        space = self.space(cluster, holder)
        lo = "qdisc noqueue 0: dev lo root refcnt 2\n"
        eth = (space.root.replace(" root", " dev eth0 root") if space.root else "qdisc noqueue 0: dev eth0 root "
               "refcnt 2") + "\n"
        parts.append(lo + (eth if ip else ""))
        parts.append(f"4242 {space.delayer}\n" if space.delayer else "")
        return (netns.SECTION + "\n").join(parts)

    def _iptables(self, space: Namespace, args: list[str]) -> tuple[int, str]:
        verb, chain, rest = args[0], args[1], args[2:]
        if verb == "-N":
            if chain in space.chains:
                return 1, "iptables: Chain already exists."
            space.chains[chain] = []
            return 0, ""
        if verb == "-S":
            if chain not in space.chains:
                return 1, f"iptables: No chain/target/match by that name ({chain})."
            lines = [f"-N {chain}"] + [f"-A {chain} " + " ".join(_quoted(rule)) for rule in space.chains[chain]]
            return 0, "\n".join(lines) + "\n"
        if verb in ("-C", "-I", "-D") and chain in space.hooks:
            target = rest[rest.index("-j") + 1]
            jumps = space.hooks[chain]
            if verb == "-C":
                return (0, "") if target in jumps else (1, "iptables: Bad rule.")
            if verb == "-I":
                jumps.insert(0, target)
                return 0, ""
            if target not in jumps:
                return 1, "iptables: Bad rule (does a matching rule exist in that chain?)."
            jumps.remove(target)
            return 0, ""
        if chain not in space.chains:
            return 1, f"iptables: No chain/target/match by that name ({chain})."
        if verb == "-A":
            space.chains[chain].append(rest)
        elif verb == "-F":
            space.chains[chain] = []
        elif verb == "-X":
            if any(chain in jumps for jumps in space.hooks.values()):
                return 1, "iptables: Too many links."
            del space.chains[chain]
        else:
            return 2, f"iptables: the fake does not play {verb}"
        return 0, ""

    def _tc(self, space: Namespace, args: list[str]) -> tuple[int, str]:
        what, verb = args[0], args[1]
        if what == "qdisc" and verb == "show":
            return 0, (space.root or "qdisc noqueue 0: root refcnt 2") + "\n"
        if "netem" in args and not self.netem:
            return 2, "Error: Specified qdisc kind is unknown."
        if what == "qdisc" and verb == "del":
            if space.root is None:
                return 2, "Error: Cannot delete qdisc with handle of zero."
            space.root, space.classes, space.delay, space.filters = None, {}, None, []
            return 0, ""
        if what == "qdisc" and "root" in args:
            handle = args[args.index("handle") + 1]
            space.root = f"qdisc {args[args.index(handle) + 1]} {handle} root refcnt 2"
            space.classes, space.delay, space.filters = {}, None, []
        elif what == "qdisc" and "netem" in args:
            space.delay = args[args.index("delay") + 1]
        elif what == "class":
            space.classes[args[args.index("classid") + 1]] = args[args.index("rate") + 1]
        elif what == "filter":
            dst = args[args.index("dst") + 1].split("/")[0] if "dst" in args else None
            sport = int(args[args.index("sport") + 1]) if "sport" in args else None
            space.filters.append((dst, sport))
        return 0, ""

    # -- what they mean ----------------------------------------------------------------------------
    def passes(self, cluster: str, sender: tuple[str, str], receiver: tuple[str, str], src: tuple[str, int],
               dst: tuple[str, int]) -> bool:
        """Whether a packet from src (ip, port) to dst passes the sender's OUTPUT and the receiver's INPUT.
        sender / receiver are (holder, ip); port 0 stands for a random client port."""
        for (holder, _), hook in ((sender, "OUTPUT"), (receiver, "INPUT")):
            space = self.spaces.get((cluster, holder))
            if space is None:
                continue
            for chain in space.hooks[hook]:
                if any(_drops(rule, src, dst) for rule in space.chains.get(chain, [])):
                    return False
        return True

    def shaped(self, cluster: str, holder: str, to_ip: str, sport: int) -> bool:
        """Whether what `holder` sends from `sport` to `to_ip` goes through rmqlab's shaping (limit or delay)."""
        space = self.spaces.get((cluster, holder))
        if space is None or space.root is None:
            return False
        return not space.filters or any(d in (None, to_ip) and p in (None, sport) for d, p in space.filters)


def _drops(rule: list[str], src: tuple[str, int], dst: tuple[str, int]) -> bool:
    if "statistic" in rule:
        return False  # random loss slows a connection; it does not cut it
    value = {rule[i]: rule[i + 1] for i in range(len(rule) - 1) if rule[i].startswith("-")}
    if "-s" in value and value["-s"].split("/")[0] != src[0]:
        return False
    if "-d" in value and value["-d"].split("/")[0] != dst[0]:
        return False
    if "--sports" in value and str(src[1]) not in value["--sports"].split(","):
        return False
    if "--dports" in value and str(dst[1]) not in value["--dports"].split(","):
        return False
    return value.get("-j") == "DROP"


def _quoted(rule: list[str]) -> list[str]:
    return [f'"{a}"' if " " in a else a for a in rule]
