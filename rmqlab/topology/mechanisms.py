"""Why a failover takes the time it takes: which RocketMQ mechanism decides each figure, the settings that
mechanism reads, and their values, per mode and version, in plain words.

Pure: no I/O. The dashboard's event feed builds its sentences here; experiment verdicts and a guided tour are
meant to read the same facts. Every default below was read in the real jars of 4.7.0, 4.9.7 and 5.5.0 (a
host-JVM test keeps them so: tests/test_mechanisms_jars.py) or in rmqlab/data/keys, which is extracted from
those jars.

`config` arguments are the keys a cluster's property files set (broker and name server files merged); a key
that is absent has RocketMQ's default. A key that no file can change (DLedger's timing, the name server's
broker expiry, a client's route refresh) always has its default, and the sentence says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rmqlab.topology.model import Mode
from rmqlab.topology.versions import is_5x, slave_wait

# Where a setting can be changed: in a broker's file, a name server's (or embedded controller's), or nowhere
# a cluster's files reach (the code's own constant, DLedger's config object, or each client's).
BROKER_FILE, NAMESRV_FILE, NOWHERE = "broker", "namesrv", None


@dataclass(frozen=True)
class Knob:
    key: str
    default_ms: int  # milliseconds (maxHeartBeatLeak: a count)
    owner: str  # the Java class that holds it
    file: str | None  # BROKER_FILE, NAMESRV_FILE or NOWHERE
    meaning: str


def _knobs(*knobs: Knob) -> dict[str, Knob]:
    return {k.key: k for k in knobs}


KNOBS = _knobs(
    Knob("heartBeatTimeIntervalMs", 2000, "DLedgerConfig", NOWHERE, "leader -> follower heartbeat period"),
    Knob("maxHeartBeatLeak", 3, "DLedgerConfig", NOWHERE, "heartbeats a follower may miss before it votes"),
    Knob("minVoteIntervalMs", 300, "DLedgerConfig", NOWHERE, "shortest random wait before a vote"),
    Knob("maxVoteIntervalMs", 1000, "DLedgerConfig", NOWHERE, "longest random wait before a vote"),
    Knob("brokerChannelExpiredTime", 120_000, "RouteInfoManager", NOWHERE,
         "how long the name server keeps a broker that stopped registering"),
    Knob("registerNameServerPeriod", 30_000, "BrokerConfig", BROKER_FILE, "broker -> name server registration"),
    Knob("pollNameServerInterval", 30_000, "ClientConfig", NOWHERE, "how often a client refreshes its routes"),
    Knob("controllerHeartBeatTimeoutMills", 10_000, "BrokerConfig", BROKER_FILE,
         "silence after which the controller counts a broker as gone"),
    Knob("brokerHeartbeatInterval", 1000, "BrokerConfig", BROKER_FILE, "broker -> controller heartbeat"),
    Knob("scanNotActiveBrokerInterval", 5000, "ControllerConfig", NAMESRV_FILE,
         "how often the controller (5.x: also the name server) looks for silent brokers"),
    Knob("haMaxTimeSlaveNotCatchup", 15_000, "MessageStoreConfig", BROKER_FILE,
         "how long an in-sync replica may lag before the master drops it from the in-sync set"),
)
# 4.x name servers scan for expired brokers every 10 s, a constant in NamesrvController (no key).
NAMESRV_SCAN_4X_MS = 10_000

# How a node went away, as far as the rest of the cluster can tell.
CLOSED = "closed"  # the process is gone: its sockets close, peers notice at once
SILENT = "silent"  # it is frozen or cut off: nothing closes, peers notice only by timeouts


@dataclass(frozen=True)
class Value:
    key: str
    ms: int
    configured: bool  # False: RocketMQ's default

    def text(self) -> str:
        if self.key == "maxHeartBeatLeak":
            return f"{self.key} {self.ms}"
        return f"{self.key} {seconds(self.ms)}"


def seconds(ms: float) -> str:
    """2000 -> '2 s', 1500 -> '1.5 s', 300 -> '300 ms'."""
    if ms < 1000:
        return f"{ms:g} ms"
    return f"{ms / 1000:g} s"


def value(key: str, config: Mapping[str, str] | None = None) -> Value:
    knob = KNOBS[key]
    raw = (config or {}).get(key) if knob.file is not NOWHERE else None
    if raw is not None:
        try:
            return Value(key, int(str(raw).strip()), True)
        except ValueError:
            pass  # RocketMQ would refuse to start with it; the default is the honest guess
    return Value(key, knob.default_ms, False)


def namesrv_scan(version: str, config: Mapping[str, str] | None = None) -> Value:
    if is_5x(version):
        return value("scanNotActiveBrokerInterval", config)
    return Value("the 4.x name server's fixed scan", NAMESRV_SCAN_4X_MS, False)


# -- words -------------------------------------------------------------------------------------------------


def role_word(mode: Mode, role: str) -> str:
    """What a role is called in a mode: DLedger says leader and follower."""
    if mode is Mode.DLEDGER:
        return {"master": "leader", "slave": "follower"}.get(role, role)
    return role


def dledger_timeout_ms() -> int:
    return value("heartBeatTimeIntervalMs").ms * value("maxHeartBeatLeak").ms


def expected_new_master_s(mode: Mode, how: str | None, config: Mapping[str, str] | None = None
                          ) -> tuple[float, float] | None:
    """Seconds from losing a master to a new one being chosen, by the mechanism alone (the new master's role
    change and registration come on top); None where nothing chooses one (2M2S)."""
    if mode.is_2m2s:
        return None
    if mode is Mode.DLEDGER:
        timeout = dledger_timeout_ms()
        return ((timeout + value("minVoteIntervalMs").ms) / 1000, (timeout + value("maxVoteIntervalMs").ms) / 1000)
    if how == CLOSED:
        return (0.0, 1.0)
    timeout = value("controllerHeartBeatTimeoutMills", config).ms
    scan = value("scanNotActiveBrokerInterval", config).ms
    return (timeout / 1000, (timeout + scan) / 1000)


def master_lost(mode: Mode, version: str, group: str, how: str | None, slaves: tuple[str, ...] = (),
                config: Mapping[str, str] | None = None) -> str:
    """A group has no master in the name server's answer: why, and what happens next."""
    if mode.is_2m2s:
        who = f"{slaves[0]} keeps brokerId 1" if slaves else "its slave keeps brokerId 1"
        return (f"{group} has no master; brokerId is fixed ({who}), so the slave never takes over. "
                f"{group} takes writes again only when its master is back; producers skip {group} once their "
                f"route refreshes ({value('pollNameServerInterval').text()}).")
    if mode is Mode.DLEDGER:
        return f"{group}: leader lost; " + dledger_election(group)
    return f"{group}: master lost; " + controller_switch(how, config)


def dledger_election(group: str) -> str:
    beat, leak = value("heartBeatTimeIntervalMs"), value("maxHeartBeatLeak")
    low, high = value("minVoteIntervalMs"), value("maxVoteIntervalMs")
    return (f"a new one is elected after heartBeatTimeIntervalMs × maxHeartBeatLeak = {beat.ms} ms × {leak.ms} = "
            f"{seconds(beat.ms * leak.ms)} without a heartbeat, plus a vote delay of {low.ms}–{high.ms} ms "
            f"(minVoteIntervalMs–maxVoteIntervalMs; DLedger's own defaults, which no broker file changes). "
            f"It needs a majority of {group}'s nodes up.")


def controller_switch(how: str | None, config: Mapping[str, str] | None) -> str:
    timeout = value("controllerHeartBeatTimeoutMills", config)
    scan = value("scanNotActiveBrokerInterval", config)
    closed = "the controller switches to an in-sync replica at once, because the master's connection closed"
    silent = (f"the controller counts a silent master as gone after {timeout.text()}, checked every {scan.text()}, "
              "then switches to an in-sync replica")
    if how == CLOSED:
        return closed + "."
    if how == SILENT:
        return silent + "."
    return f"{closed} (a kill or stop); {silent} (a pause or a cut)."


def master_frozen(mode: Mode, version: str, node: str, group: str, config: Mapping[str, str] | None = None) -> str:
    """The master is paused or cut off: it stays registered, and what decides how long."""
    if mode is Mode.DLEDGER:
        return (f"{node} is frozen: its followers stop hearing heartbeats, and " + dledger_election(group)
                + " The new leader's registration replaces the old entry, so the 120 s expiry plays no part.")
    if mode is Mode.CONTROLLER:
        return f"{node} is frozen: its connections stay open, so " + controller_switch(SILENT, config)
    expiry = value("brokerChannelExpiredTime")
    return (f"{node} is frozen: its connections stay open, so the name server keeps it as master until its "
            f"registration expires, {seconds(expiry.ms)} after the last one (brokerChannelExpiredTime, fixed in "
            f"the name server; brokers register every {seconds(value('registerNameServerPeriod', config).ms)}), "
            f"checked every {seconds(namesrv_scan(version, config).ms)}. Writes to {group} hang meanwhile.")


def new_master(mode: Mode, group: str, node: str, previous: str | None, after_s: float | None) -> str:
    """A group has a master again."""
    took = f" after {after_s:.1f} s without one" if after_s is not None else ""
    if mode.is_2m2s:
        return f"{node} is master of {group} again{took}: it came back, nothing switched."
    if mode is Mode.DLEDGER:
        span = expected_new_master_s(mode, None)
        expect = f" (the mechanism alone: {span[0]:g}–{span[1]:g} s, then the role change)" if span else ""
        return f"{node} was elected leader of {group}{took}{expect}."
    if node == previous:
        return f"{node} is master of {group} again{took}."
    return f"The controller switched {group} to {node}, an in-sync replica{took}."


def master_changed(mode: Mode, group: str, old: str, new: str) -> str:
    if mode is Mode.DLEDGER:
        return f"{group}'s leader moved from {old} to {new}."
    return f"{group}'s master moved from {old} to {new}."


def replica_lost(mode: Mode, version: str, node: str, group: str, master: str | None,
                 config: Mapping[str, str] | None = None) -> str:
    """A slave or follower left the name server's answer."""
    if mode is Mode.SYNC_2M2S:
        if is_5x(version):
            key, wait = slave_wait(version)
            return (f"{node} is gone: {master or 'the master'} is SYNC_MASTER with inSyncReplicas 2, so each send "
                    f"waits {key} ({wait:g} s) and answers FLUSH_SLAVE_TIMEOUT: stored on the master only.")
        return (f"{node} is gone: {master or 'the master'} (SYNC_MASTER) answers SLAVE_NOT_AVAILABLE: the message is "
                "stored on the master only.")
    if mode is Mode.ASYNC_2M2S:
        return (f"{node} is gone: ASYNC_MASTER does not wait for it, so writes go on; what it has not copied "
                f"lives on {master or 'the master'} alone.")
    if mode is Mode.DLEDGER:
        return f"{node} is gone: {group} takes writes while a majority of its nodes are up."
    catchup = value("haMaxTimeSlaveNotCatchup", config)
    return (f"{node} is gone: sends wait for every in-sync replica until the master drops it from the in-sync "
            f"set ({catchup.text()}).")


def replica_back(mode: Mode, node: str, group: str, broker_id: int) -> str:
    word = role_word(mode, "slave")
    return f"{node} is registered again, as a {word} of {group} (brokerId {broker_id})."


def machine_isolated(machine: str, nodes: tuple[str, ...]) -> str:
    return (f"{machine} is cut off: {', '.join(nodes)} still run, but nobody reaches them and they reach "
            "nobody; to the rest of the cluster they fall silent, as if paused.")


def namesrv_silent(node: str, answering: tuple[str, ...]) -> str:
    if answering:
        return (f"{node} does not answer; brokers and clients still have {', '.join(answering)} (every broker "
                "registers with every name server).")
    return ("No name server answers: nobody can learn a route, and brokers cannot register; clients keep the "
            "routes they already have.")


def group_unwritable(mode: Mode, group: str, master: str | None, reason: str | None) -> str:
    why = f" ({reason})" if reason else ""
    if master is None:
        return f"{group} cannot take writes: it has no {role_word(mode, 'master')}."
    word = role_word(mode, "master")
    return f"{group} cannot take writes: its {word} {master} does not store them{why}."


def group_writable(group: str, after_s: float) -> str:
    return f"{group} takes writes again, after {after_s:.1f} s."


def clients_follow(config: Mapping[str, str] | None = None) -> str:
    return (f"Clients learn of it on their next route refresh ({value('pollNameServerInterval').text()}; a "
            "client setting, not the cluster's).")


def how_failover_works(mode: Mode, config: Mapping[str, str] | None = None) -> str:
    """One paragraph per mode: what happens when a master goes."""
    if mode.is_2m2s:
        return ("Roles are fixed by brokerId (0 is master): when a master goes, its group stops taking writes until "
                "it is back. " + clients_follow(config))
    if mode is Mode.DLEDGER:
        return "Each group is a Raft group: when its leader goes, " + dledger_election("the group")
    return ("A controller quorum in the name servers picks each group's master from its in-sync replicas: "
            + controller_switch(None, config))
