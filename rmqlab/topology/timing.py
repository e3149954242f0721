"""The settings that decide how long a failover takes: each key with RocketMQ's default, where it can be set,
and the values one cluster (or one experiment run) has for them.

Pure data, no I/O. rmqlab.topology.bounds turns these values into the range each failover figure should fall
in; rmqlab.topology.mechanisms into the dashboard feed's sentences. Every default was read in the real jars of
4.7.0, 4.9.7 and 5.5.0 (tests/test_mechanisms_jars.py keeps them so) or in rmqlab/data/keys, which is extracted
from those jars.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from rmqlab.topology.versions import is_5x

# Where a setting can be changed: in a broker's file, a name server's (or embedded controller's), or nowhere
# a cluster's files reach (the code's own constant, DLedger's config object, or each client's).
BROKER_FILE, NAMESRV_FILE, NOWHERE = "broker", "namesrv", None
MS, COUNT = "ms", "count"


@dataclass(frozen=True)
class Knob:
    key: str
    default_ms: int  # milliseconds, or a count when unit is COUNT
    owner: str  # the Java class that holds it
    file: str | None  # BROKER_FILE, NAMESRV_FILE or NOWHERE
    meaning: str
    unit: str = MS


def _knobs(*knobs: Knob) -> dict[str, Knob]:
    return {k.key: k for k in knobs}


KNOBS = _knobs(
    Knob("heartBeatTimeIntervalMs", 2000, "DLedgerConfig", NOWHERE, "leader -> follower heartbeat period"),
    Knob("maxHeartBeatLeak", 3, "DLedgerConfig", NOWHERE, "heartbeats a follower may miss before it votes", COUNT),
    Knob("minVoteIntervalMs", 300, "DLedgerConfig", NOWHERE, "shortest random wait before a vote"),
    Knob("maxVoteIntervalMs", 1000, "DLedgerConfig", NOWHERE, "longest random wait before a vote"),
    Knob("brokerChannelExpiredTime", 120_000, "RouteInfoManager", NOWHERE,
         "how long the name server keeps a broker that stopped registering"),
    Knob("registerNameServerPeriod", 30_000, "BrokerConfig", BROKER_FILE, "broker -> name server registration"),
    Knob("pollNameServerInterval", 30_000, "ClientConfig", NOWHERE, "how often a client refreshes its routes"),
    Knob("sendMsgTimeout", 3000, "DefaultMQProducer", NOWHERE, "how long a producer waits for a send's answer"),
    Knob("retryTimesWhenSendFailed", 2, "DefaultMQProducer", NOWHERE,
         "resends of a failed send, each to another broker group", COUNT),
    Knob("controllerHeartBeatTimeoutMills", 10_000, "BrokerConfig", BROKER_FILE,
         "silence after which the controller counts a broker as gone"),
    Knob("brokerHeartbeatInterval", 1000, "BrokerConfig", BROKER_FILE, "broker -> controller heartbeat"),
    Knob("scanNotActiveBrokerInterval", 5000, "ControllerConfig", NAMESRV_FILE,
         "how often the controller (5.x: also the name server) looks for silent brokers"),
    Knob("haMaxTimeSlaveNotCatchup", 15_000, "MessageStoreConfig", BROKER_FILE,
         "how long an in-sync replica may lag before the master drops it from the in-sync set"),
)
# Settings of the clients (rmqlab's producers in an experiment), not of the cluster.
CLIENT_KEYS = ("pollNameServerInterval", "sendMsgTimeout", "retryTimesWhenSendFailed")
# 4.x name servers scan for expired brokers every 10 s, a constant in NamesrvController (no key).
NAMESRV_SCAN_4X_MS = 10_000

# How a node went away, as far as the rest of the cluster can tell.
CLOSED = "closed"  # the process is gone: its sockets close, peers notice at once
SILENT = "silent"  # it is frozen or cut off: nothing closes, peers notice only by timeouts


@dataclass(frozen=True)
class Value:
    key: str
    ms: int  # milliseconds, or a count
    configured: bool  # False: RocketMQ's default
    differs: tuple[tuple[str, int], ...] = ()  # (node, its value) for nodes whose files say otherwise

    def text(self) -> str:
        """'heartBeatTimeIntervalMs 2 s', 'maxHeartBeatLeak 3'."""
        knob = KNOBS.get(self.key)
        if knob is not None and knob.unit == COUNT:
            return f"{self.key} {self.ms}"
        return f"{self.key} {seconds(self.ms)}"


def seconds(ms: float) -> str:
    """2000 -> '2 s', 1500 -> '1.5 s', 300 -> '300 ms'."""
    if ms < 1000:
        return f"{ms:g} ms"
    return f"{ms / 1000:g} s"


def value(key: str, config: Mapping[str, str] | None = None) -> Value:
    """A key's value in a cluster's property files (merged), or RocketMQ's default. Keys no file reaches always
    have their default here; a run's recorded Settings can still hold other values for them."""
    knob = KNOBS[key]
    raw = (config or {}).get(key) if knob.file is not NOWHERE else None
    if raw is not None:
        parsed = _whole(raw)
        if parsed is not None:
            return Value(key, parsed, True)
        # RocketMQ would refuse to start with it; the default is the honest guess
    return Value(key, knob.default_ms, False)


def _whole(raw: object) -> int | None:
    try:
        return int(str(raw).strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class Settings:
    """The values of every KNOBS key for one cluster or one run; a key without one has RocketMQ's default."""

    values: Mapping[str, Value] = field(default_factory=dict)
    recorded: bool = True  # False: a run that recorded none (an older run.json): every value is a default

    def __getitem__(self, key: str) -> Value:
        found = self.values.get(key)
        return found if found is not None else Value(key, KNOBS[key].default_ms, False)

    @classmethod
    def of_config(cls, config: Mapping[str, str] | None) -> Settings:
        """From a cluster's property files, merged: the keys a file can set."""
        return cls({key: value(key, config) for key in KNOBS})

    @classmethod
    def of_files(cls, brokers: Mapping[str, Mapping[str, str]], namesrvs: Mapping[str, Mapping[str, str]]
                 ) -> Settings:
        """From each node's property keys (node -> key -> value): a key's value is the one most of the nodes
        that read it have (a node whose file lacks it has the default), and `differs` names the others."""
        values = {}
        for key, knob in KNOBS.items():
            nodes = brokers if knob.file == BROKER_FILE else namesrvs if knob.file == NAMESRV_FILE else {}
            each = {node: value(key, keys) for node, keys in nodes.items()}
            if not each:
                continue
            common = Counter(v.ms for v in each.values()).most_common(1)[0][0]
            chosen = next(v for v in each.values() if v.ms == common)
            values[key] = replace(chosen, differs=tuple((n, v.ms) for n, v in each.items() if v.ms != common))
        return cls(values)

    def with_values(self, values: Mapping[str, int]) -> Settings:
        """These values on top, e.g. the workload's client settings; one equal to the default counts as unset."""
        extra = {k: Value(k, int(v), int(v) != KNOBS[k].default_ms) for k, v in values.items() if k in KNOBS}
        return Settings({**self.values, **extra}, self.recorded)

    def to_record(self) -> dict[str, dict[str, Any]]:
        """run.json's `settings`: every key, its value and whether this run set it (and which nodes differ)."""
        record = {}
        for key in KNOBS:
            found = self[key]
            record[key] = {"value": found.ms, "set": found.configured}
            if found.differs:
                record[key]["by_node"] = dict(found.differs)
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> Settings:
        """run.json's `settings`; none at all (an older run) -> RocketMQ's defaults, marked as not recorded.
        A key the record lacks, or cannot be read, has its default."""
        if not record:
            return cls({}, recorded=False)
        values = {}
        for key, entry in record.items():
            number = _whole(entry.get("value")) if isinstance(entry, Mapping) and key in KNOBS else None
            if number is not None:
                nodes = entry.get("by_node") if isinstance(entry.get("by_node"), Mapping) else {}
                differs = tuple((str(n), v) for n, raw in nodes.items() if (v := _whole(raw)) is not None)
                values[key] = Value(key, number, bool(entry.get("set")), differs)
        return cls(values)


def settings_of(config: Mapping[str, str] | Settings | None) -> Settings:
    """Settings as they are, or a cluster's merged property keys read as Settings."""
    return config if isinstance(config, Settings) else Settings.of_config(config)


def namesrv_scan(version: str, config: Mapping[str, str] | Settings | None = None) -> Value:
    if is_5x(version):
        return settings_of(config)["scanNotActiveBrokerInterval"]
    return Value("the 4.x name server's fixed scan", NAMESRV_SCAN_4X_MS, False)
