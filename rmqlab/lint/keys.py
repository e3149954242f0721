"""Which keys a RocketMQ version really reads, with their Java types.

The key lists under rmqlab/data/keys/<version>/ are extracted from the real jars (see
rmqlab.image.keys): a key counts only if the broker has a setter that properties2Object uses.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from rmqlab.topology.versions import is_5x, parse_version

# Types of the keys the rules read, for when a key list is missing a type column.
CORE_TYPES = {
    "listenPort": "int",
    "haListenPort": "int",
    "brokerId": "long",
    "brokerRole": "BrokerRole",
    "flushDiskType": "FlushDiskType",
    "inSyncReplicas": "int",
    "totalReplicas": "int",
    "enableDLegerCommitLog": "boolean",
    "enableControllerMode": "boolean",
    "enableControllerInNamesrv": "boolean",
}
ENUM_VALUES = {
    "BrokerRole": ("ASYNC_MASTER", "SYNC_MASTER", "SLAVE"),
    "FlushDiskType": ("SYNC_FLUSH", "ASYNC_FLUSH"),
}
# The 5.x BrokerContainer (mqbrokercontainer -c FILE) feeds its file to BrokerContainerConfig
# (these setters, read with javap from rocketmq-container 5.5.0) and to NettyServerConfig and
# NettyClientConfig (their keys come from the broker list's classes column).
CONTAINER_OWN_KEYS = {
    "rocketmqHome": "String",
    "namesrvAddr": "String",
    "fetchNameSrvAddrByDnsLookup": "boolean",
    "fetchNamesrvAddrByAddressServer": "boolean",
    "brokerConfigPaths": "String",
    "fetchNamesrvAddrInterval": "long",
    "updateNamesrvAddrInterval": "long",
    "configBlackList": "String",
}
COMPONENTS = {"broker": "broker", "namesrv": "name server", "controller": "controller", "container": "BrokerContainer"}
# difflib on long keys is slow and a key that long is no typo of a real one.
MAX_SUGGESTED_KEY_LENGTH = 80
# Keys people write that look real but have no setter: the path always derives from the root.
DERIVED_STORE_PATHS = {
    "storePathConsumeQueue": "consumequeue",
    "storePathConsumerQueue": "consumequeue",
    "storePathIndex": "index",
    "storeCheckpoint": "checkpoint",
    "storePathCheckpoint": "checkpoint",
    "abortFile": "abort",
    "storePathAbort": "abort",
}


@dataclass(frozen=True)
class KeySet:
    version: str
    types: dict[str, str]
    classes: dict[str, str] = field(default_factory=dict)

    def __contains__(self, key: str) -> bool:
        return key in self.types

    def type_of(self, key: str) -> str | None:
        return self.types.get(key) or CORE_TYPES.get(key)

    def suggest(self, key: str) -> str | None:
        if len(key) > MAX_SUGGESTED_KEY_LENGTH:
            return None
        by_lower = {k.lower(): k for k in self.types}
        if key.lower() in by_lower:
            return by_lower[key.lower()]
        close = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.85)
        return by_lower[close[0]] if close else None


def available_versions() -> list[str]:
    root = resources.files("rmqlab") / "data" / "keys"
    if not root.is_dir():
        return []
    return sorted((p.name for p in root.iterdir() if p.is_dir()), key=parse_version)


def nearest_version(version: str) -> str | None:
    """The extracted version closest to `version` within its major line (4.9.8 -> 4.9.7)."""
    wanted = parse_version(version)
    same_line = [v for v in available_versions() if parse_version(v)[0] == wanted[0]]
    if not same_line:
        return None
    return min(same_line, key=lambda v: _distance(parse_version(v), wanted))


def _distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[int, int, int]:
    return tuple(abs(x - y) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


@lru_cache(maxsize=None)
def key_set(version: str, kind: str) -> KeySet | None:
    if kind == "container":
        return _container_key_set(version)
    found = nearest_version(version)
    if not found:
        return None
    path = resources.files("rmqlab") / "data" / "keys" / found / f"{kind}.tsv"
    if not path.is_file():
        return None
    types, classes = {}, {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            columns = line.split("\t")
            types[columns[0]] = columns[1] if len(columns) > 1 else ""
            classes[columns[0]] = columns[3] if len(columns) > 3 else ""
    return KeySet(found, types, classes)


def _container_key_set(version: str) -> KeySet | None:
    broker = key_set(version, "broker")
    if broker is None or not is_5x(version):
        return None  # 4.9.x has no BrokerContainer
    netty = {k: t for k, t in broker.types.items() if "Netty" in broker.classes.get(k, "")}
    return KeySet(broker.version, {**netty, **CONTAINER_OWN_KEYS})


def components_reading(key: str, version: str) -> list[str]:
    """Which components of `version` read `key` (broker, namesrv, controller, container)."""
    return [kind for kind in COMPONENTS if (keys := key_set(version, kind)) is not None and key in keys]
