"""Frames, headers, bodies and stored messages, decoded from bytes real brokers sent."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from rmqlab.remoting import codec
from rmqlab.remoting.errors import RemotingProtocolError
from rmqlab.remoting.jsonbody import loads, quote_bare_keys
from rmqlab.remoting.message import (
    MAGIC_V2,
    decode_messages,
    decode_properties,
    encode_properties,
    offset_msg_id,
    parse_offset_msg_id,
)

FIXTURES = Path(__file__).parent / "fixtures" / "remoting"
VERSIONS = ["4.9.7", "5.5.0"]


def frame(version: str, name: str) -> codec.Command:
    raw = (FIXTURES / version / f"{name}.bin").read_bytes()
    (length,) = struct.unpack(">i", raw[:4])
    assert length == len(raw) - 4
    return codec.decode(raw[4:])


# -- frames and headers ------------------------------------------------------------------------

def test_worked_example_cluster_info_request_is_107_bytes():
    raw = codec.encode(codec.Command(code=106, opaque=1))
    assert raw[:8] == bytes.fromhex("00000067 00000063")
    assert len(raw) == 107


def test_json_roundtrip_keeps_every_field():
    cmd = codec.Command(code=30, ext={"topic": "T", "queueId": "0"}, body=b"\x00\x01",
                        opaque=7, flag=1, remark="r\u00e9")
    back = codec.decode(codec.encode(cmd)[4:])
    assert back == cmd


def test_rocketmq_binary_roundtrip():
    cmd = codec.Command(code=310, ext={"a": "g", "b": "T\u00fc"}, body=b"xyz", opaque=99,
                        flag=3, remark="hello", serialize_type=codec.ROCKETMQ)
    raw = codec.encode(cmd)
    assert raw[4] == codec.ROCKETMQ
    assert codec.decode(raw[4:]) == cmd


@pytest.mark.parametrize("version", VERSIONS)
def test_real_json_responses_have_server_version(version):
    cmd = frame(version, "cluster_info")
    assert (cmd.code, cmd.flag, cmd.opaque, cmd.language) == (0, 1, 42, "JAVA")
    assert cmd.version == {"4.9.7": 407, "5.5.0": 513}[version]


def test_real_rocketmq_binary_header_from_497_copying_request_type():
    cmd = frame("4.9.7", "max_offset_rocketmq_type")
    assert cmd.serialize_type == codec.ROCKETMQ
    assert (cmd.code, cmd.opaque, cmd.ext, cmd.version) == (0, 42, {"offset": "1"}, 407)


def test_550_answers_json_to_a_rocketmq_request():
    assert frame("5.5.0", "max_offset_rocketmq_type").serialize_type == codec.JSON


def test_real_rocketmq_binary_header_from_550_server_default():
    cmd = frame("5.5.0", "cluster_info_rocketmq_type")
    assert cmd.serialize_type == codec.ROCKETMQ and cmd.remark is None
    assert "broker-a" in loads(cmd.body)["brokerAddrTable"]


@pytest.mark.parametrize("payload", [
    b"", b"\x00\x00", b"\x00\x00\x00\x50{}", b"\x05\x00\x00\x02{}", b"\x00\x00\x00\x03abc",
    b"\x00\x00\x00\x02[]", b"\x01\x00\x00\x04\x00\x01\x02\x03",
])
def test_garbage_and_truncated_frames_raise_protocol_error(payload):
    with pytest.raises(RemotingProtocolError):
        codec.decode(payload)


def test_truncated_real_frame_raises_protocol_error():
    raw = (FIXTURES / "4.9.7" / "max_offset_rocketmq_type.bin").read_bytes()
    with pytest.raises(RemotingProtocolError):
        codec.decode(raw[4:-3])


def test_oversize_request_is_refused():
    with pytest.raises(RemotingProtocolError):
        codec.encode(codec.Command(code=310, body=b"x" * codec.MAX_FRAME))


# -- fastjson bodies ----------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_cluster_info_body_has_bare_integer_keys_and_parses(version):
    body = frame(version, "cluster_info").body
    assert b'{0:"127.0.0.1:29911",1:"127.0.0.1:29921"}' in body
    doc = loads(body)
    assert doc["brokerAddrTable"]["broker-a"]["brokerAddrs"] == {
        "0": "127.0.0.1:29911", "1": "127.0.0.1:29921"}


@pytest.mark.parametrize("version", VERSIONS)
def test_route_is_standard_json_with_our_version_and_not_with_version_0(version):
    assert b'{"0":"127.0.0.1:29911"' in frame(version, "topic_route").body
    assert b"{0:" in frame(version, "topic_route_version0").body
    assert loads(frame(version, "topic_route_version0").body) == loads(
        frame(version, "topic_route").body)


def test_bare_key_quoting_leaves_strings_alone():
    text = '{"a,1:x":{0:"v{2:3}",  -1 :"\\"{4:5}"},"b":[{7:true}]}'
    assert quote_bare_keys(text) == '{"a,1:x":{"0":"v{2:3}",  "-1" :"\\"{4:5}"},"b":[{"7":true}]}'


def test_unparseable_body_raises_protocol_error():
    with pytest.raises(RemotingProtocolError):
        loads(b"{not json")


# -- stored messages ----------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_pull_body_decodes_with_crc_check(version):
    pulled = frame(version, "pull_master")
    (msg,) = decode_messages(pulled.body, check_crc=True)
    sent = frame(version, "send_ok")
    assert msg.body == b"hello rmqlab"
    assert (msg.topic, msg.queue_id, msg.queue_offset) == ("RmqlabCapture", 0, 0)
    assert msg.msg_id == sent.ext["msgId"]
    assert msg.store_host == "127.0.0.1:29911"
    assert msg.keys == ("k1", "k2") and msg.tags == "tagA"
    assert msg.uniq_key == "RMQLABCAPTURE00000000"
    assert msg.properties["CLUSTER"] == "RmqlabCluster"
    assert msg.born_timestamp <= msg.store_timestamp


@pytest.mark.parametrize("version", VERSIONS)
def test_slave_serves_the_same_bytes_as_the_master(version):
    assert frame(version, "pull_slave").body == frame(version, "pull_master").body


@pytest.mark.parametrize("version", VERSIONS)
def test_zlib_compressed_body_is_inflated(version):
    (msg,) = decode_messages(frame(version, "pull_master_compressed").body, check_crc=True)
    assert msg.sys_flag & 1 and msg.body == b"compressed body " * 20


@pytest.mark.parametrize("version", VERSIONS)
def test_ipv6_born_host(version):
    (msg,) = decode_messages(frame(version, "pull_ipv6_born").body, check_crc=True)
    assert msg.sys_flag & 0x10
    assert msg.born_host.startswith("[::1]:") and msg.store_host == "127.0.0.1:29911"
    assert msg.body == b"v6"


def test_crc_mismatch_detected_only_when_asked():
    good = frame("4.9.7", "pull_master").body
    at = good.index(b"hello rmqlab")
    bad = good[:at] + b"J" + good[at + 1:]
    assert decode_messages(bad)[0].body == b"Jello rmqlab"
    with pytest.raises(RemotingProtocolError, match="CRC"):
        decode_messages(bad, check_crc=True)


def test_records_advance_by_total_size_and_v2_magic():
    one = frame("5.5.0", "pull_master").body
    # Grow the record by 3 unknown trailing bytes, and rewrite it as v2 (2-byte topic length).
    (total,) = struct.unpack_from(">i", one)
    topic_at = one.index(b"RmqlabCapture") - 1
    v2 = bytearray(one[:topic_at] + struct.pack(">h", 13) + one[topic_at + 1:] + b"???")
    struct.pack_into(">ii", v2, 0, len(v2), MAGIC_V2)
    messages = decode_messages(bytes(v2) + one)
    assert [m.topic for m in messages] == ["RmqlabCapture", "RmqlabCapture"]


@pytest.mark.parametrize("cut", [1, 3, 10, 100])
def test_truncated_pull_body_raises(cut):
    body = frame("4.9.7", "pull_master").body
    with pytest.raises(RemotingProtocolError):
        decode_messages(body[:-cut])


def test_unknown_magic_raises():
    body = bytearray(frame("4.9.7", "pull_master").body)
    body[4:8] = b"\xcb\xd4\x31\x94"
    with pytest.raises(RemotingProtocolError, match="magic"):
        decode_messages(bytes(body))


def test_lz4_flagged_body_is_refused_clearly():
    body = bytearray(frame("4.9.7", "pull_master_compressed").body)
    struct.pack_into(">i", body, 36, 1 | (1 << 8))
    with pytest.raises(RemotingProtocolError, match="LZ4"):
        decode_messages(bytes(body))


def test_properties_roundtrip_and_java_skip_rules():
    props = {"KEYS": "a b", "TAGS": "t", "UNIQ_KEY": "X"}
    text = encode_properties(props)
    assert text == "KEYS\x01a b\x02TAGS\x01t\x02UNIQ_KEY\x01X\x02"
    assert decode_properties(text) == props
    assert decode_properties("A\x01\x02B\x01v\x02junk\x02") == {"B": "v"}
    with pytest.raises(ValueError):
        encode_properties({"K": "bad\x02value"})


def test_offset_msg_id_roundtrip():
    assert offset_msg_id("192.168.0.10:10911", 0x1234) == "C0A8000A00002A9F0000000000001234"
    assert parse_offset_msg_id("C0A8000A00002A9F0000000000001234") == ("192.168.0.10:10911", 0x1234)
    v6 = offset_msg_id("[::1]:29911", 7)
    assert len(v6) == 56 and parse_offset_msg_id(v6) == ("[::1]:29911", 7)


def test_zlib_is_31_bit_crc():
    assert zlib.crc32(b"hello rmqlab") & 0x7FFFFFFF == struct.unpack_from(
        ">i", frame("4.9.7", "pull_master").body, 8)[0]
