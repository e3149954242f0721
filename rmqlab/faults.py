"""The fault vocabulary, as one table. Each entry is a fault (or the action that undoes one): its name,
its undo, what it needs, how the checker reads it, and how reports say it. The CLI commands, the scenario
actions, the nemesis, the checker and the report wording all iterate over this table (pure data).
"""

from __future__ import annotations

from dataclasses import dataclass

# How the checker reads a fault while it is in force.
DOWN = "down"  # the nodes' processes are gone; sockets close, so the name server notices at once
FROZEN = "frozen"  # the processes exist but do nothing; sockets stay open
CUT = "cut"  # the nodes run but cannot reach, or be reached by, some peers
SLOWED = "slowed"  # the nodes run and are reached, but late, lossily or through a narrow link
DISK_GONE = "disk-gone"  # the process and its store are gone for good: only replicas keep its data
UNDO = "undo"  # ends other faults; never a fault itself


@dataclass(frozen=True)
class FaultOption:
    name: str  # keyword passed to the injector
    flag: str  # CLI flag
    help: str
    default: str
    short: str | None = None
    choices: tuple[str, ...] = ()  # the values it takes (any, when empty)
    is_flag: bool = False  # a switch on the command line ("true" when given)


@dataclass(frozen=True)
class FaultKind:
    name: str  # CLI command and scenario action
    summary: str  # one line for --help and listings
    effect: str  # DOWN | FROZEN | CUT | SLOWED | DISK_GONE | UNDO
    undo: str | None = None  # the entry that ends this fault
    needs: tuple[str, ...] = ()  # container capabilities the fault needs (NET_ADMIN)
    wording: str = "{action} of {target}"  # how a report says it happened
    marker: str | None = None  # the timeline's short label (default: the name)
    options: tuple[FaultOption, ...] = ()
    targets: int = 1  # 0: the whole cluster (heal); 2: a target and a peer (partition A B)
    value: FaultOption | None = None  # a positional value after the target(s): 200ms, 10%, 1mbit
    in_scenarios: bool = True  # usable as a scenario action
    idle: str = "Nothing to do."  # what to say when it changed nothing

    @property
    def takes_target(self) -> bool:
        return self.targets > 0

    @property
    def takes_peer(self) -> bool:
        return self.targets > 1

    @property
    def disruptive(self) -> bool:
        return self.effect != UNDO

    def say(self, target: str, peer: str | None = None, value: str | None = None) -> str:
        return self.wording.format(action=self.name, target=target, peer=peer or "?", value=value or "?")


NET = ("NET_ADMIN",)
DELAY = FaultOption("delay", "DELAY", "Added latency each packet waits, e.g. 200ms or 1s.", "")
JITTER = FaultOption("jitter", "--jitter", "Spread around the delay, e.g. 50ms (default none).", "0ms")
LOSS = FaultOption("loss", "PERCENT", "Share of packets dropped, e.g. 10% (0-100).", "")
RATE = FaultOption("rate", "RATE", "Bandwidth, e.g. 1mbit, 256kbit, 100kbps.", "")
TO = FaultOption("to", "--to", "Only traffic to this node or machine (default: all traffic leaving the machine).",
                 "")
ONE_WAY = FaultOption("one_way", "--one-way", "Cut only what TARGET sends to PEER; PEER's packets still arrive.",
                      "false", choices=("TRUE", "FALSE"), is_flag=True)

SIGNAL = FaultOption("signal", "--signal", "KILL (kill -9) or TERM (graceful shutdown).", "KILL", short="-s",
                     choices=("KILL", "TERM", "SIGKILL", "SIGTERM"))

FAULTS: dict[str, FaultKind] = {
    kind.name: kind
    for kind in (
        FaultKind("kill", "Kill a node or a whole machine (default kill -9).", DOWN, undo="start",
                  wording="kill -9 of {target}", marker="kill -9", options=(SIGNAL,)),
        FaultKind("stop", "Stop gracefully (SIGTERM; SIGKILL only after 30 s).", DOWN, undo="start"),
        FaultKind("pause", "Freeze a node or machine (a 'zombie': sockets stay open, nothing answers).", FROZEN,
                  undo="unpause"),
        FaultKind("isolate", "Cut a machine off the cluster network in both directions.", CUT, undo="heal",
                  wording="isolation of {target}"),
        FaultKind("delay", "Delay every packet a machine sends (tc netem, or a user-space delayer), optionally with "
                  "jitter.", SLOWED,
                  undo="heal", needs=NET, wording="a {value} delay on {target}", marker="delay", value=DELAY,
                  options=(JITTER, TO)),
        FaultKind("loss", "Drop a share of the packets a machine sends (iptables statistic).", SLOWED, undo="heal",
                  needs=NET, wording="{value} packet loss on {target}", marker="loss", value=LOSS, options=(TO,)),
        FaultKind("limit", "Limit the bandwidth of what a machine sends (tc htb), e.g. its replication link.",
                  SLOWED, undo="heal", needs=NET, wording="a {value} bandwidth limit on {target}", marker="limit",
                  value=RATE, options=(TO,)),
        FaultKind("partition", "Cut TARGET from PEER only (iptables by their ports); others still reach both.",
                  CUT, undo="heal", needs=NET, wording="a partition of {target} from {peer}", marker="cut",
                  targets=2, options=(ONE_WAY,)),
        FaultKind("destroy-store", "Kill a node and delete its store, as when a disk is gone for good.", DISK_GONE,
                  undo="start", wording="destroying the store of {target}"),
        FaultKind("start", "Start a stopped node or machine (a machine's holder before its nodes).", UNDO),
        FaultKind("restart", "Stop then start.", UNDO, in_scenarios=False),
        FaultKind("unpause", "Thaw a paused node or machine.", UNDO),
        FaultKind("heal", "Undo every pause and network fault of the cluster (isolation, delay, loss, limit, "
                  "partition); killed nodes stay down (use start).",
                  UNDO, targets=0, idle="Nothing was paused or isolated, and no network fault was in force."),
    )
}


def fault_kind(name: str) -> FaultKind | None:
    return FAULTS.get(name)


def disruptive() -> tuple[str, ...]:
    """The faults a scenario may inject (each has an undo)."""
    return tuple(k.name for k in FAULTS.values() if k.disruptive and k.in_scenarios)


def undo_of(name: str) -> str | None:
    kind = FAULTS.get(name)
    return kind.undo if kind else None
