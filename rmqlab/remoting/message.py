"""Stored-message records (pull/query/view bodies), message properties and offset message ids."""

from __future__ import annotations

import ipaddress
import struct
import zlib
from dataclasses import dataclass, field

from rmqlab.remoting.errors import RemotingProtocolError

MAGIC_V1 = -626843481  # 0xDAA320A7: 1-byte topic length
MAGIC_V2 = -626843477  # 0xDAA320AB: 2-byte topic length (5.x, topics > 127 chars)

FLAG_COMPRESSED = 0x1
FLAG_BORNHOST_V6 = 0x10
FLAG_STOREHOST_V6 = 0x20
COMPRESSION_MASK = 0x7 << 8
COMPRESSION_ZLIB = 3 << 8

NAME_VALUE_SEP = "\x01"
PROPERTY_SEP = "\x02"

_HEAD = struct.Struct(">iiiiiqqiq")  # totalSize .. bornTimestamp


@dataclass(frozen=True)
class Message:
    topic: str
    queue_id: int
    queue_offset: int
    physical_offset: int
    body: bytes
    properties: dict[str, str] = field(default_factory=dict)
    born_timestamp: int = 0
    store_timestamp: int = 0
    born_host: str = ""
    store_host: str = ""
    sys_flag: int = 0
    flag: int = 0
    reconsume_times: int = 0
    msg_id: str = ""  # offset message id: store host + physical offset, as the broker returns it

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.properties.get("KEYS", "").split())

    @property
    def tags(self) -> str | None:
        return self.properties.get("TAGS")

    @property
    def uniq_key(self) -> str | None:
        return self.properties.get("UNIQ_KEY")


def encode_properties(props: dict[str, str]) -> str:
    for key, value in props.items():
        if any(sep in key or sep in value for sep in (NAME_VALUE_SEP, PROPERTY_SEP)):
            raise ValueError(f"property {key!r} contains a \\x01 or \\x02 separator")
    return "".join(f"{k}{NAME_VALUE_SEP}{v}{PROPERTY_SEP}" for k, v in props.items())


def decode_properties(text: str) -> dict[str, str]:
    props = {}
    for item in text.split(PROPERTY_SEP):
        name, sep, value = item.partition(NAME_VALUE_SEP)
        if sep and len(item) >= 3:
            props[name] = value
    return props


def offset_msg_id(store_host: str, physical_offset: int) -> str:
    host, _, port = store_host.rpartition(":")
    ip = ipaddress.ip_address(host.strip("[]"))
    return (ip.packed + struct.pack(">iq", int(port), physical_offset)).hex().upper()


def parse_offset_msg_id(msg_id: str) -> tuple[str, int]:
    """(store host "ip:port", commitlog offset) from an offset message id."""
    raw = bytes.fromhex(msg_id)
    if len(raw) not in (16, 28):
        raise ValueError(f"{msg_id!r} is not an offset message id")
    ip = ipaddress.ip_address(raw[:-12])
    port, offset = struct.unpack(">iq", raw[-12:])
    host = f"[{ip}]" if ip.version == 6 else str(ip)
    return f"{host}:{port}", offset


def decode_messages(body: bytes, check_crc: bool = False) -> list[Message]:
    """Decode concatenated stored-message records, advancing by each record's TOTALSIZE."""
    messages, pos = [], 0
    while pos < len(body):
        if len(body) - pos < 4:
            raise RemotingProtocolError(f"{len(body) - pos} trailing bytes at offset {pos}")
        (total,) = struct.unpack_from(">i", body, pos)
        if total < _HEAD.size or pos + total > len(body):
            raise RemotingProtocolError(
                f"record at offset {pos} claims {total} bytes, {len(body) - pos} remain")
        try:
            messages.append(_decode_record(memoryview(body)[pos:pos + total], check_crc))
        except (struct.error, UnicodeDecodeError, ValueError, zlib.error) as exc:
            raise RemotingProtocolError(f"bad message record at offset {pos}: {exc}") from exc
        pos += total
    return messages


def _decode_record(rec: memoryview, check_crc: bool) -> Message:
    (_, magic, body_crc, queue_id, flag, queue_offset, physical_offset, sys_flag,
     born_ts) = _HEAD.unpack_from(rec)
    if magic not in (MAGIC_V1, MAGIC_V2):
        raise ValueError(f"unknown magic code {magic & 0xFFFFFFFF:#010x}")
    pos = _HEAD.size
    born_host, pos = _host(rec, pos, bool(sys_flag & FLAG_BORNHOST_V6))
    (store_ts,) = struct.unpack_from(">q", rec, pos)
    store_host, pos = _host(rec, pos + 8, bool(sys_flag & FLAG_STOREHOST_V6))
    reconsume_times, _prepared, body_len = struct.unpack_from(">iqi", rec, pos)
    pos += 16
    body = bytes(rec[pos:pos + body_len])
    if len(body) != body_len:
        raise ValueError(f"body of {body_len} bytes runs past the record")
    pos += body_len
    if check_crc and zlib.crc32(body) & 0x7FFFFFFF != body_crc:
        raise ValueError(f"body CRC mismatch at queue offset {queue_offset}")
    if sys_flag & FLAG_COMPRESSED:
        body = _decompress(body, sys_flag)
    topic_fmt = ">b" if magic == MAGIC_V1 else ">h"
    (topic_len,) = struct.unpack_from(topic_fmt, rec, pos)
    pos += struct.calcsize(topic_fmt)
    topic = bytes(rec[pos:pos + topic_len]).decode()
    pos += topic_len
    (props_len,) = struct.unpack_from(">h", rec, pos)
    props = decode_properties(bytes(rec[pos + 2:pos + 2 + props_len]).decode())
    return Message(
        topic=topic, queue_id=queue_id, queue_offset=queue_offset,
        physical_offset=physical_offset, body=body, properties=props, born_timestamp=born_ts,
        store_timestamp=store_ts, born_host=born_host, store_host=store_host, sys_flag=sys_flag,
        flag=flag, reconsume_times=reconsume_times,
        msg_id=offset_msg_id(store_host, physical_offset))


def _host(rec: memoryview, pos: int, v6: bool) -> tuple[str, int]:
    width = 16 if v6 else 4
    ip = ipaddress.ip_address(bytes(rec[pos:pos + width]))
    (port,) = struct.unpack_from(">i", rec, pos + width)
    host = f"[{ip}]" if v6 else str(ip)
    return f"{host}:{port}", pos + width + 4


def _decompress(body: bytes, sys_flag: int) -> bytes:
    kind = sys_flag & COMPRESSION_MASK
    if kind not in (0, COMPRESSION_ZLIB):
        raise ValueError(f"compression type {kind >> 8} (LZ4/ZSTD) needs a non-stdlib codec")
    return zlib.decompress(body)
