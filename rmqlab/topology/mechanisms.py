"""Why a failover takes the time it takes, in plain words for the dashboard's feed: which RocketMQ mechanism
decides each change, the settings that mechanism reads, and their values, per mode and version.

Pure: no I/O. The facts (keys, defaults, a cluster's or a run's values) live in rmqlab.topology.timing; the
range each figure should fall in, and the sentence that says why, in rmqlab.topology.bounds, which experiment
verdicts read too, so the feed and the reports say the same thing.

`config` arguments are the keys a cluster's property files set (broker and name server files merged), or
Settings; a key that is absent has RocketMQ's default. A key that no file can change (DLedger's timing, the
name server's broker expiry, a client's route refresh) has its default unless Settings say otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

from rmqlab.topology import bounds
from rmqlab.topology.model import Mode
from rmqlab.topology.timing import (  # noqa: F401  (re-exported: the feed and tests read them here)
    BROKER_FILE,
    CLOSED,
    KNOBS,
    NAMESRV_FILE,
    NAMESRV_SCAN_4X_MS,
    NOWHERE,
    SILENT,
    Knob,
    Settings,
    Value,
    namesrv_scan,
    seconds,
    settings_of,
    value,
)
from rmqlab.topology.versions import DEFAULT_VERSION, is_5x, slave_wait

Config = Mapping[str, str] | Settings | None


# -- words -------------------------------------------------------------------------------------------------


def role_word(mode: Mode, role: str) -> str:
    """What a role is called in a mode: DLedger says leader and follower."""
    if mode is Mode.DLEDGER:
        return {"master": "leader", "slave": "follower"}.get(role, role)
    return role


def dledger_timeout_ms(config: Config = None) -> int:
    settings = settings_of(config)
    return settings["heartBeatTimeIntervalMs"].ms * settings["maxHeartBeatLeak"].ms


def expected_new_master_s(mode: Mode, how: str | None, config: Config = None, version: str = DEFAULT_VERSION
                          ) -> tuple[float, float] | None:
    """Seconds from losing a master to a new one being chosen, by the mechanism alone (the new master's role
    change and registration come on top); None where nothing chooses one (2M2S)."""
    bound = bounds.new_master(mode, version, how, settings_of(config))
    return None if bound.never else (bound.low, bound.high)


def master_lost(mode: Mode, version: str, group: str, how: str | None, slaves: tuple[str, ...] = (),
                config: Config = None) -> str:
    """A group has no master in the name server's answer: why, and what happens next."""
    if mode.is_2m2s:
        who = f"{slaves[0]} keeps brokerId 1" if slaves else "its slave keeps brokerId 1"
        return (f"{group} has no master; brokerId is fixed ({who}), so the slave never takes over. "
                f"{group} takes writes again only when its master is back; producers skip {group} once their "
                f"route refreshes ({settings_of(config)['pollNameServerInterval'].text()}).")
    if mode is Mode.DLEDGER:
        return f"{group}: leader lost; " + dledger_election(group, version, how, config)
    return f"{group}: master lost; " + controller_switch(how, config)


def dledger_election(group: str, version: str = DEFAULT_VERSION, how: str | None = CLOSED,
                     config: Config = None) -> str:
    bound = bounds.dledger_election(version, how, settings_of(config))
    whose = ("set for this cluster" if any(v.configured for v in bound.uses)
             else "DLedger's own defaults, which no broker file changes")
    return (f"a new one is elected {bound.span()} after it went: {bound.why} ({whose}); then "
            f"{bound.then.partition(': ')[2]}. "
            f"It needs a majority of {group}'s nodes up.")


def controller_switch(how: str | None, config: Config) -> str:
    settings = settings_of(config)
    closed = bounds.controller_switch(CLOSED, settings)
    silent = bounds.controller_switch(SILENT, settings)
    if how == CLOSED:
        return closed.why + "."
    if how == SILENT:
        return f"{silent.why}, then switches to an in-sync replica ({silent.span()} after it went)."
    return f"{closed.why} (a kill or stop); {silent.why}, then switches (a pause or a cut)."


def master_frozen(mode: Mode, version: str, node: str, group: str, config: Config = None) -> str:
    """The master is paused or cut off: it stays registered, and what decides how long."""
    if mode is Mode.DLEDGER:
        return (f"{node} is frozen: its followers stop hearing heartbeats, and " + dledger_election(group, version,
                                                                                                   SILENT, config)
                + " The new leader's registration replaces the old entry, so the 120 s expiry plays no part.")
    if mode is Mode.CONTROLLER:
        return f"{node} is frozen: its connections stay open, so " + controller_switch(SILENT, config)
    bound = bounds.frozen_listing(version, settings_of(config))
    return (f"{node} is frozen and stays listed as master for {bound.span()}: {bound.why}. "
            f"Writes to {group} hang meanwhile.")


def new_master(mode: Mode, group: str, node: str, previous: str | None, after_s: float | None,
               version: str = DEFAULT_VERSION, how: str | None = None, config: Config = None) -> str:
    """A group has a master again."""
    took = f" after {after_s:.1f} s without one" if after_s is not None else ""
    if mode.is_2m2s:
        return f"{node} is master of {group} again{took}: it came back, nothing switched."
    if mode is Mode.DLEDGER:
        bound = bounds.dledger_election(version, how or CLOSED, settings_of(config))
        return f"{node} was elected leader of {group}{took} (the election alone: {bound.span()}, then the role change)."
    if node == previous:
        return f"{node} is master of {group} again{took}."
    return f"The controller switched {group} to {node}, an in-sync replica{took}."


def master_changed(mode: Mode, group: str, old: str, new: str) -> str:
    if mode is Mode.DLEDGER:
        return f"{group}'s leader moved from {old} to {new}."
    return f"{group}'s master moved from {old} to {new}."


def replica_lost(mode: Mode, version: str, node: str, group: str, master: str | None,
                 config: Config = None) -> str:
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
    catchup = settings_of(config)["haMaxTimeSlaveNotCatchup"]
    return (f"{node} is gone: sends wait for every in-sync replica until the master drops it from the in-sync "
            f"set ({catchup.text()}).")


def replica_back(mode: Mode, node: str, group: str, broker_id: int) -> str:
    word = role_word(mode, "slave")
    return f"{node} is registered again, as a {word} of {group} (brokerId {broker_id})."


def node_back(mode: Mode, node: str, group: str, broker_id: int | None, config: Config = None) -> str:
    """Why a node that was started again has the role it has (the guided tour's comeback question)."""
    period = settings_of(config)["registerNameServerPeriod"].text()
    registers = f"a broker registers with every name server as it boots, then every {period}"
    if mode.is_2m2s:
        role = "master" if broker_id == 0 else "slave"
        return (f"Fixed roles: {node}'s file says brokerId {broker_id}, so it is {role} again as soon as it "
                f"registers ({registers}); nothing was elected, nothing switched back.")
    if mode is Mode.DLEDGER:
        return (f"Raft keeps the leader it elected: a node that comes back starts as a follower and catches up from "
                f"the leader's log; DLedger hands leadership back only to a preferredLeaderId, which {group} does "
                f"not set ({registers}).")
    catchup = settings_of(config)["haMaxTimeSlaveNotCatchup"].text()
    return (f"The controller keeps the master it elected: {node} registers as a slave, copies what it missed and "
            f"rejoins the in-sync set once caught up ({catchup}); the controller switches back only if the new "
            f"master goes ({registers}).")


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


def clients_follow(config: Config = None) -> str:
    poll = settings_of(config)["pollNameServerInterval"]
    return (f"Clients learn of it on their next route refresh ({poll.text()}; a "
            "client setting, not the cluster's).")


def how_failover_works(mode: Mode, config: Config = None) -> str:
    """One paragraph per mode: what happens when a master goes."""
    if mode.is_2m2s:
        return ("Roles are fixed by brokerId (0 is master): when a master goes, its group stops taking writes until "
                "it is back. " + clients_follow(config))
    if mode is Mode.DLEDGER:
        return "Each group is a Raft group: when its leader goes, " + dledger_election("the group")
    return ("A controller quorum in the name servers picks each group's master from its in-sync replicas: "
            + controller_switch(None, config))
