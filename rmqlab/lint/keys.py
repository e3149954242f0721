"""Which keys a RocketMQ version really reads, with their Java types.

The key lists under rmqlab/data/keys/<version>/ are extracted from the real jars (see
rmqlab.image.keys): a key counts only if the broker has a setter that properties2Object uses.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rmqlab.topology.versions import parse_version

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

    def __contains__(self, key: str) -> bool:
        return key in self.types

    def type_of(self, key: str) -> str | None:
        return self.types.get(key) or CORE_TYPES.get(key)

    def suggest(self, key: str) -> str | None:
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
    found = nearest_version(version)
    if not found:
        return None
    path = resources.files("rmqlab") / "data" / "keys" / found / f"{kind}.tsv"
    if not path.is_file():
        return None
    types = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            columns = line.split("\t")
            types[columns[0]] = columns[1] if len(columns) > 1 else ""
    return KeySet(found, types)
