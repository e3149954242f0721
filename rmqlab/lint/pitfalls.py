"""The mistakes people make by hand, reproduced on purpose: two brokers on one machine, a broken
setting, and the RocketMQ error each one really produces (seen on 5.5.0)."""

from __future__ import annotations

from dataclasses import dataclass

from rmqlab.errors import BadInput
from rmqlab.topology import naming

STORE = naming.STORE_MOUNT

NAMESRV = "127.0.0.1:9876"  # nothing listens there: these brokers fail long before they register


@dataclass(frozen=True)
class PitfallBroker:
    name: str
    listen_port: int
    store_root: str
    commitlog: str | None = None
    java_opts: str = "-Xms256m -Xmx256m"
    memory_limit_mb: int | None = None

    def properties(self) -> str:
        lines = [
            "brokerClusterName=pitfall",
            f"brokerName={self.name}",
            "brokerId=0",
            "brokerRole=ASYNC_MASTER",
            f"namesrvAddr={NAMESRV}",
            f"listenPort={self.listen_port}",
            f"storePathRootDir={self.store_root}",
        ]
        if self.commitlog:
            lines.append(f"storePathCommitLog={self.commitlog}")
        return "\n".join(lines) + "\n"

    @property
    def heap_mb(self) -> int:
        for opt in self.java_opts.split():
            if opt.startswith("-Xmx"):
                size = opt[4:].lower()
                return int(size[:-1]) * (1024 if size.endswith("g") else 1)
        return 0


@dataclass(frozen=True)
class Evidence:
    """Where RocketMQ's own words show up: the container output, or a log file inside it."""

    pattern: str
    log_file: str | None = None
    oom_killed: bool = False


@dataclass(frozen=True)
class Pitfall:
    name: str
    title: str
    brokers: tuple[PitfallBroker, ...]
    victim: str  # the broker that fails
    evidence: Evidence
    rule: str  # lint rule that catches it before anything starts
    machine_memory_mb: int | None = None


PITFALLS = {
    p.name: p
    for p in (
        Pitfall(
            "lock-failed",
            "Two brokers on one machine share storePathRootDir",
            (PitfallBroker("broker-a", 10911, f"{STORE}/shared"), PitfallBroker("broker-b", 11911, f"{STORE}/shared")),
            victim="broker-b",
            evidence=Evidence(r"Lock failed, ?MQ already started[^\n]*"),
            rule="store-lock",
        ),
        Pitfall(
            "store-subpaths",
            "Every store path set to one folder (storePathCommitLog = storePathRootDir)",
            (PitfallBroker("broker-a", 10911, f"{STORE}/a", commitlog=f"{STORE}/a"),),
            victim="broker-a",
            evidence=Evidence(r"[^\n]*length not matched message store config value[^\n]*", "store.log"),
            rule="store-overlap",
        ),
        Pitfall(
            "address-in-use",
            "Second broker's listenPort is the first one's HA port (10911 + 1)",
            (PitfallBroker("broker-a", 10911, f"{STORE}/a"), PitfallBroker("broker-b", 10912, f"{STORE}/b")),
            victim="broker-b",
            evidence=Evidence(r"Failed to bind to [^\n]*|Address already in use[^\n]*"),
            rule="port-clash",
        ),
        Pitfall(
            "heap",
            "runbroker.sh's default 8 GiB pre-touched heap on a 1 GiB machine",
            (
                PitfallBroker(
                    "broker-a", 10911, f"{STORE}/a", java_opts="-Xms8g -Xmx8g -XX:+AlwaysPreTouch", memory_limit_mb=1024
                ),
            ),
            victim="broker-a",
            evidence=Evidence("", oom_killed=True),
            rule="heap",
            machine_memory_mb=1024,
        ),
    )
}


def pitfall(name: str) -> Pitfall:
    if name not in PITFALLS:
        raise BadInput(f"No pitfall '{name}'.", hint=f"Choose one of: {', '.join(PITFALLS)}.")
    return PITFALLS[name]


def lint_pitfall(p: Pitfall):
    """What rmqlab lint says about the very files the pitfall starts."""
    from rmqlab.lint import Host, lint_hosts
    from rmqlab.lint.inputs import config_from_text
    from rmqlab.topology.versions import DEFAULT_VERSION

    files = tuple(config_from_text(f"{b.name}.properties", b.properties(), b.heap_mb, "broker") for b in p.brokers)
    return lint_hosts([Host(naming.machine_service("a"), files, p.machine_memory_mb)], DEFAULT_VERSION)
