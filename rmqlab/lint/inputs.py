"""What the lint reads: property files grouped by the host they run on."""

from __future__ import annotations

import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from rmqlab.errors import BadInput
from rmqlab.lint.propfile import Entry, Refusal, load_properties

BROKER_ONLY_KEYS = {
    "brokerName",
    "brokerId",
    "brokerRole",
    "brokerClusterName",
    "storePathRootDir",
    "storePathCommitLog",
    "namesrvAddr",
    "enableDLegerCommitLog",
    "dLegerPeers",
    "enableControllerMode",
    "flushDiskType",
}
# The 5.x BrokerContainer's own file names the broker files it starts; no broker reads this key.
CONTAINER_KEY = "brokerConfigPaths"
SUFFIXES = (".properties", ".conf")
MAX_FILE_BYTES = 64 * 1024 * 1024  # broker configs are a few KiB; this only stops runaway inputs
_NOT_REGULAR = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


@dataclass(frozen=True)
class ConfigFile:
    path: str
    entries: dict[str, Entry]
    kind: str  # broker | namesrv | controller | container
    heap_mb: int | None = None
    repeated: tuple[str, ...] = ()
    refusal: Refusal | None = None  # Java refuses to load the file: the process does not start

    def raw(self, key: str) -> str | None:
        entry = self.entries.get(key)
        return entry.value if entry else None

    def line(self, key: str) -> int | None:
        entry = self.entries.get(key)
        return entry.line if entry else None

    @property
    def label(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class Host:
    name: str
    files: tuple[ConfigFile, ...]
    memory_mb: int | None = None
    addresses: frozenset[str] = field(default_factory=frozenset)
    proxies: tuple = ()  # rmqlab.lint.proxyfile.ProxyFile: the 5.x proxies' JSON configs on this host


def classify(path: str, keys) -> str:
    """broker | namesrv | controller | container, from the keys present (any container with `in`)."""
    name = Path(path).name.lower()
    broker_keys = any(k in keys for k in BROKER_ONLY_KEYS)
    if CONTAINER_KEY in keys and not any(k in keys for k in BROKER_ONLY_KEYS - {"namesrvAddr"}):
        return "container"
    if broker_keys:
        return "broker"
    if "enableControllerInNamesrv" in keys or "namesrv" in name or "nameserver" in name:
        return "namesrv"
    if "controllerDLegerPeers" in keys or "controller" in name:
        return "controller"
    return "broker"


def config_from_text(path: str, text: str, heap_mb: int | None = None, kind: str | None = None) -> ConfigFile:
    loaded = load_properties(text)
    keys = list(map(itemgetter(0), loaded.entries))
    entries = dict(zip(keys, loaded.entries, strict=True))  # java.util.Properties: the last one wins
    repeated = []
    if len(entries) < len(keys):
        counts = Counter(keys)
        repeated = [key for key, count in counts.items() if count > 1]
    return ConfigFile(
        path=path,
        entries=entries,
        kind=kind or classify(path, entries),
        heap_mb=heap_mb,
        repeated=tuple(repeated),
        refusal=loaded.refusal,
    )


def load_file(path: Path, heap_mb: int | None = None) -> ConfigFile:
    return config_from_text(str(path), read_config_text(path), heap_mb)


def read_config_text(path: Path) -> str:
    """The file as Properties.load(InputStream) sees it (ISO-8859-1); devices and pipes are refused unread."""
    try:
        mode = os.stat(path).st_mode
        for test, what in _NOT_REGULAR:
            if test(mode):
                raise BadInput(f"{path} is {what}, not a property file; lint reads regular files only.")
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise BadInput(f"Cannot read {path}: {error.strerror or error}.") from None
    if len(data) > MAX_FILE_BYTES:
        raise BadInput(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; that is no broker config.")
    return data.decode("latin-1")


def _property_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES)


def hosts_from_folder(folder: Path) -> list[tuple[str, list[Path]]]:
    """A folder of sub-folders is one host per sub-folder (rmqlab render's layout); else one host."""
    if not folder.is_dir():
        raise BadInput(f"{folder} is not a folder.")
    subfolders = [d for d in sorted(folder.iterdir()) if d.is_dir() and _property_files(d)]
    if subfolders:
        return [(d.name, _property_files(d)) for d in subfolders]
    files = _property_files(folder)
    if not files:
        raise BadInput(
            f"No .properties or .conf files in {folder}.",
            hint="Point rmqlab lint at a folder of broker configs, or use --host HOST=FILE,FILE.",
        )
    return [(folder.name or "host", files)]


def parse_size_mb(text: str) -> int:
    """'8g', '512m', '1024' (MiB) -> MiB."""
    value = text.strip().lower()
    units = {"g": 1024, "m": 1, "k": 1 / 1024}
    factor = units.get(value[-1:], None)
    number = value[:-1] if factor else value
    try:
        size = int(float(number) * (factor or 1))
    except (ValueError, OverflowError):
        size = 0
    if size <= 0:
        raise BadInput(f"'{text}' is not a size.", hint="Write sizes like 8g, 512m or 2048 (MiB).")
    return size
