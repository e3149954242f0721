"""Effective settings of each broker / name server, as RocketMQ would compute them at start."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from rmqlab.lint.inputs import ConfigFile, Host
from rmqlab.lint.keys import CORE_TYPES, key_set
from rmqlab.lint.text import shown
from rmqlab.lint.values import Reading, read_value
from rmqlab.topology.versions import honours_ha_listen_port, is_5x, trims_string_values

DEFAULT_ROOT = "~/store"


@dataclass(frozen=True)
class Peer:
    self_id: str
    host: str
    port: int


@dataclass(frozen=True)
class BrokerView:
    file: ConfigFile
    host: Host
    cluster: str
    name: str
    name_set: bool
    broker_id: int
    role: str
    listen_port: int
    ha_port: int
    ha_label: str  # how RocketMQ arrives at ha_port, for messages
    root: str
    commitlog: str
    dledger: bool
    dledger_group: str | None
    dledger_peers: str | None
    dledger_self_id: str | None
    controller_mode: bool
    namesrv_addr: str | None
    in_sync_replicas: int

    @property
    def is_master(self) -> bool:
        return not self.dledger and not self.controller_mode and self.role != "SLAVE"

    @property
    def is_slave(self) -> bool:
        return not self.dledger and not self.controller_mode and self.role == "SLAVE"


@dataclass(frozen=True)
class NamesrvView:
    file: ConfigFile
    host: Host
    listen_port: int | None
    controller_peers: str | None
    controller_self_id: str | None


class Reader:
    """Reads one file's keys with the version's types and string trimming rules."""

    def __init__(self, file: ConfigFile, version: str):
        self.file = file
        self.keys = key_set(version, file.kind)
        self.trims = trims_string_values(version)

    def read(self, key: str, default: object, java_type: str | None = None) -> Reading:
        if java_type is None:
            known = self.keys.type_of(key) if self.keys else None
            java_type = known or CORE_TYPES.get(key, "String")
        return read_value(self.file.raw(key), java_type, default, self.trims)

    def get(self, key: str, default: object = None, java_type: str | None = None):
        return self.read(key, default, java_type).value


def broker_view(file: ConfigFile, host: Host, version: str) -> BrokerView:
    r = Reader(file, version)
    listen = r.get("listenPort", 10911)
    root = _norm(r.get("storePathRootDir", DEFAULT_ROOT)) or DEFAULT_ROOT
    dledger = bool(r.get("enableDLegerCommitLog", False))
    controller = bool(r.get("enableControllerMode", False)) and is_5x(version)
    role = r.get("brokerRole", "ASYNC_MASTER")
    broker_id = r.get("brokerId", 0)
    if role in ("ASYNC_MASTER", "SYNC_MASTER") and not dledger and not controller:
        broker_id = 0  # BrokerStartup forces masters to id 0
    name = r.get("brokerName")
    ha_port, ha_label = _ha_port(r, listen, version)
    return BrokerView(
        file=file,
        host=host,
        cluster=r.get("brokerClusterName", "DefaultCluster"),
        name=name if name is not None else f"<hostname of {host.name}>",
        name_set=name is not None,
        broker_id=broker_id,
        role=role,
        listen_port=listen,
        ha_port=ha_port,
        ha_label=ha_label,
        root=root,
        commitlog=_norm(r.get("storePathCommitLog", "")) or posixpath.join(root, "commitlog"),
        dledger=dledger,
        dledger_group=r.get("dLegerGroup"),
        dledger_peers=r.get("dLegerPeers"),
        dledger_self_id=r.get("dLegerSelfId"),
        controller_mode=controller,
        namesrv_addr=r.get("namesrvAddr"),
        in_sync_replicas=r.get("inSyncReplicas", 1, "int"),
    )


def _ha_port(r: Reader, listen: int, version: str) -> tuple[int, str]:
    """4.9.x and 5.0.0-5.1.0 overwrite haListenPort with listenPort+1; 5.1.1+ honour a positive value."""
    configured = r.get("haListenPort", 0, "int")
    if honours_ha_listen_port(version):
        if configured > 0:
            return configured, "HA port (haListenPort)"
        return listen + 1, "HA port (listenPort+1)"
    written = (r.file.raw("haListenPort") or "").strip()
    if written:
        return listen + 1, f"HA port (listenPort+1; haListenPort={shown(written, 12)} is ignored before 5.1.1)"
    return listen + 1, "HA port (listenPort+1)"


def namesrv_view(file: ConfigFile, host: Host, version: str) -> NamesrvView:
    r = Reader(file, version)
    embedded = bool(r.get("enableControllerInNamesrv", False))
    return NamesrvView(
        file=file,
        host=host,
        listen_port=r.get("listenPort", 9876) if file.kind == "namesrv" else None,
        controller_peers=r.get("controllerDLegerPeers") if embedded or file.kind == "controller" else None,
        controller_self_id=r.get("controllerDLegerSelfId") if embedded or file.kind == "controller" else None,
    )


def parse_peers(text: str | None) -> tuple[list[Peer], list[str]]:
    """'n0-host:40911;n1-host:40912' -> peers, plus the entries that do not parse."""
    peers, bad = [], []
    for item in (text or "").split(";"):
        item = item.strip()
        if not item:
            continue
        self_id, dash, address = item.partition("-")
        host, colon, port = address.rpartition(":")
        if not dash or not colon or not host or not port.isdigit() or not self_id:
            bad.append(item)
            continue
        peers.append(Peer(self_id, host, int(port)))
    return peers, bad


def _norm(path: object) -> str:
    if not isinstance(path, str) or not path.strip():
        return ""
    return posixpath.normpath(path.strip())
