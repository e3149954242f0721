"""Remoting frames: length, type + header length, JSON or ROCKETMQ binary header, body."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field

from rmqlab.remoting.errors import RemotingProtocolError

JSON = 0
ROCKETMQ = 1
# MQVersion.Version.V4_9_8: >= 401 gets standard route JSON; <= 441 never gets GO_AWAY from 5.x.
CLIENT_VERSION = 409
MAX_FRAME = 16 * 1024 * 1024  # the server's default frameMaxLength

FLAG_RESPONSE = 1
FLAG_ONEWAY = 2

LANGUAGES = ("JAVA", "CPP", "DOTNET", "PYTHON", "DELPHI", "ERLANG", "RUBY", "OTHER", "HTTP",
             "GO", "PHP", "OMS", "RUST")

_INT = struct.Struct(">i")
_PREFIX = struct.Struct(">iI")
_BIN_FIXED = struct.Struct(">hBhii")


@dataclass
class Command:
    code: int
    ext: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    opaque: int = 0
    flag: int = 0
    remark: str | None = None
    version: int = CLIENT_VERSION
    language: str = "PYTHON"
    serialize_type: int = JSON

    @property
    def is_response(self) -> bool:
        return bool(self.flag & FLAG_RESPONSE)

    @property
    def is_oneway(self) -> bool:
        return bool(self.flag & FLAG_ONEWAY)


def encode(cmd: Command) -> bytes:
    """The whole frame, length prefix included."""
    header = _json_header(cmd) if cmd.serialize_type == JSON else _binary_header(cmd)
    if len(header) >= 1 << 24:
        raise RemotingProtocolError(f"header of {len(header)} bytes does not fit 24 bits")
    total = 4 + len(header) + len(cmd.body)
    if total + 4 > MAX_FRAME:
        raise RemotingProtocolError(f"frame of {total + 4} bytes exceeds {MAX_FRAME}")
    return _PREFIX.pack(total, (cmd.serialize_type << 24) | len(header)) + header + cmd.body


def decode(payload: bytes | memoryview) -> Command:
    """Decode a frame without its 4-byte length prefix."""
    if len(payload) < 4:
        raise RemotingProtocolError(f"frame of {len(payload)} bytes has no header length")
    (type_and_len,) = struct.unpack_from(">I", payload)
    serialize_type, header_len = type_and_len >> 24, type_and_len & 0xFFFFFF
    if header_len > len(payload) - 4:
        raise RemotingProtocolError(
            f"header length {header_len} exceeds frame ({len(payload) - 4} bytes after prefix)")
    header = bytes(payload[4:4 + header_len])
    body = bytes(payload[4 + header_len:])
    if serialize_type == JSON:
        return _parse_json_header(header, body)
    if serialize_type == ROCKETMQ:
        return _parse_binary_header(header, body)
    raise RemotingProtocolError(f"unknown serialize type {serialize_type}")


def _json_header(cmd: Command) -> bytes:
    doc = {"code": cmd.code, "flag": cmd.flag, "language": cmd.language, "opaque": cmd.opaque,
           "serializeTypeCurrentRPC": "JSON", "version": cmd.version}
    if cmd.remark is not None:
        doc["remark"] = cmd.remark
    if cmd.ext:
        doc["extFields"] = cmd.ext
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def _parse_json_header(header: bytes, body: bytes) -> Command:
    try:
        doc = json.loads(header)
        ext = doc.get("extFields") or {}
        return Command(
            code=int(doc["code"]), ext={str(k): _ext_str(v) for k, v in ext.items()}, body=body,
            opaque=int(doc.get("opaque", 0)), flag=int(doc.get("flag", 0)),
            remark=doc.get("remark"), version=int(doc.get("version", 0)),
            language=str(doc.get("language", "JAVA")), serialize_type=JSON)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RemotingProtocolError(f"bad JSON header: {exc}: {header[:200]!r}") from exc


def _ext_str(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _binary_header(cmd: Command) -> bytes:
    remark = (cmd.remark or "").encode()
    ext = bytearray()
    for key, value in cmd.ext.items():
        k, v = key.encode(), value.encode()
        ext += struct.pack(">h", len(k)) + k + _INT.pack(len(v)) + v
    return (_BIN_FIXED.pack(cmd.code, LANGUAGES.index(cmd.language), cmd.version, cmd.opaque,
                            cmd.flag)
            + _INT.pack(len(remark)) + remark + _INT.pack(len(ext)) + bytes(ext))


def _parse_binary_header(header: bytes, body: bytes) -> Command:
    try:
        code, lang, version, opaque, flag = _BIN_FIXED.unpack_from(header)
        pos = _BIN_FIXED.size
        remark, pos = _take(header, pos, 4)
        ext_bytes, pos = _take(header, pos, 4)
        ext: dict[str, str] = {}
        at = 0
        while at < len(ext_bytes):
            key, at = _take(ext_bytes, at, 2)
            value, at = _take(ext_bytes, at, 4)
            ext[key.decode()] = value.decode()
    except (struct.error, UnicodeDecodeError, ValueError) as exc:
        raise RemotingProtocolError(f"bad ROCKETMQ header: {exc}: {header[:200]!r}") from exc
    language = LANGUAGES[lang] if lang < len(LANGUAGES) else "OTHER"
    return Command(code=code, ext=ext, body=body, opaque=opaque, flag=flag,
                   remark=remark.decode() if remark else None, version=version,
                   language=language, serialize_type=ROCKETMQ)


def _take(buf: bytes, pos: int, width: int) -> tuple[bytes, int]:
    (n,) = struct.unpack_from(">h" if width == 2 else ">i", buf, pos)
    pos += width
    if n < 0 or pos + n > len(buf):
        raise ValueError(f"length {n} at offset {pos - width} runs past {len(buf)} bytes")
    return buf[pos:pos + n], pos + n
