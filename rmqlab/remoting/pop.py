"""POP consumption (RocketMQ 5.x): POP_MESSAGE, ACK_MESSAGE and CHANGE_MESSAGE_INVISIBLETIME.

A POP consumer keeps no offsets: it asks a broker for messages of a group, the broker hands them out and
hides them for `invisible_ms`; an ack within that time consumes them, otherwise the broker's revive service
puts them on the group's retry topic (%RETRY%{group}_{topic}) and they come again. The broker writes those
checkpoints as timer messages, so POP needs `timerWheelEnable=true`.

To ack, a consumer names the message by its "extra info": the checkpoint it belongs to (the queue's start
offset in that pop, the pop time, the invisible time, the revive queue), the topic kind (0 normal, 1 retry),
the broker name, the queue and the message's own offset, separated by spaces. The Java client builds it from
the pop response's header and keeps it in the message's POP_CK property; here it is PoppedMessage.extra_info.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

from rmqlab.remoting.codes import ResponseCode
from rmqlab.remoting.errors import RemotingProtocolError, RemotingResponseError
from rmqlab.remoting.message import Message, decode_messages

POP_MESSAGE, ACK_MESSAGE, CHANGE_MESSAGE_INVISIBLETIME = 200050, 200051, 200053
POLLING_FULL, POLLING_TIMEOUT = 209, 210
RETRY_PREFIX = "%RETRY%"
NORMAL, RETRY, RETRY_V2 = "0", "1", "2"  # the topic kind in extra info
ALL_QUEUES = -1  # pop from any queue of the topic (and its retry topic): the broker chooses
POP_CK = "POP_CK"
NOTHING_CODES = frozenset({ResponseCode.PULL_NOT_FOUND, POLLING_TIMEOUT, POLLING_FULL})


@dataclass(frozen=True)
class PoppedMessage:
    message: Message  # a re-delivered one carries its original topic; queue and offset are the retry topic's
    extra_info: str

    @property
    def kind(self) -> str:
        return self.extra_info.split(" ")[4]

    @property
    def retry(self) -> bool:
        """It comes from the group's retry topic: a re-delivery after its invisible time ran out."""
        return self.kind != NORMAL

    def real_topic(self, group: str) -> str:
        """The topic it is stored in, which its ack names: the original, or the group's retry topic."""
        topic = self.message.topic
        if self.kind == NORMAL or topic.startswith(RETRY_PREFIX):
            return topic
        return f"{RETRY_PREFIX}{group}{'+' if self.kind == RETRY_V2 else '_'}{topic}"


@dataclass(frozen=True)
class PopResult:
    code: int
    remark: str | None
    pop_time: int | None = None
    invisible_ms: int | None = None
    messages: tuple[PoppedMessage, ...] = ()

    @property
    def found(self) -> bool:
        return self.code == ResponseCode.SUCCESS


def topic_kind(topic: str) -> str:
    if not topic.startswith(RETRY_PREFIX):
        return NORMAL
    return RETRY_V2 if "+" in topic else RETRY


def parse_offset_info(text: str | None) -> dict[tuple[str, int], str]:
    """startOffsetInfo / msgOffsetInfo: `kind queue value` entries joined by ';' -> {(kind, queue): value}."""
    found: dict[tuple[str, int], str] = {}
    for entry in (text or "").split(";"):
        if not entry.strip():
            continue
        kind, queue, value = entry.split(" ", 2)
        found[(kind, int(queue))] = value
    return found


def extra_info(start_offset: int, pop_time: int, invisible_ms: int, revive_qid: int, topic: str, broker: str,
               queue: int, offset: int) -> str:
    return " ".join(str(part) for part in (start_offset, pop_time, invisible_ms, revive_qid, topic_kind(topic),
                                           broker, queue, offset))


def popped(messages: list[Message], ext: dict[str, str], broker: str) -> tuple[PoppedMessage, ...]:
    """Each message with the extra info that acks it: the broker's own POP_CK property when it set one (5.x
    sets it, and gives a re-delivered message its original topic back), else built from the response header."""
    starts = {key: int(value) for key, value in parse_offset_info(ext.get("startOffsetInfo")).items()}
    pop_time, invisible, revive = int(ext["popTime"]), int(ext["invisibleTime"]), int(ext["reviveQid"])
    out = []
    for m in messages:
        if m.properties.get(POP_CK):
            out.append(PoppedMessage(m, m.properties[POP_CK]))
            continue
        start = starts.get((topic_kind(m.topic), m.queue_id), m.queue_offset)
        out.append(PoppedMessage(m, extra_info(start, pop_time, invisible, revive, m.topic, broker, m.queue_id,
                                               m.queue_offset)))
    return tuple(out)


def pop(client, addr: str, broker: str, group: str, topic: str, queue: int = ALL_QUEUES, max_nums: int = 32,
        invisible_ms: int = 30_000, poll_ms: int = 0, timeout: float | None = None) -> PopResult:
    """One POP_MESSAGE. `broker` is the broker name (the group the address belongs to), part of each ack's
    extra info. No message is a result (PULL_NOT_FOUND, POLLING_TIMEOUT), not an error."""
    now = int(time.time() * 1000)
    response = client.request(addr, POP_MESSAGE, {
        "consumerGroup": group, "topic": topic, "queueId": str(queue), "maxMsgNums": str(max_nums),
        "invisibleTime": str(invisible_ms), "pollTime": str(poll_ms), "bornTime": str(now), "initMode": "0",
        "expType": "TAG", "exp": "*"}, timeout=timeout, retry_closed=False)
    ext = response.ext
    if response.code != ResponseCode.SUCCESS:
        return PopResult(response.code, response.remark)
    with _readable(addr, "POP_MESSAGE"):  # the broker has handed these out: what it said must be read
        messages = decode_messages(response.body) if response.body else []
        return PopResult(response.code, response.remark, int(ext["popTime"]), int(ext["invisibleTime"]),
                         popped(messages, ext, broker))


def ack(client, addr: str, group: str, one: PoppedMessage, timeout: float | None = None) -> None:
    """ACK_MESSAGE: consumed. Raises RemotingResponseError when the broker refuses it."""
    m = one.message
    response = client.request(addr, ACK_MESSAGE, {
        "consumerGroup": group, "topic": one.real_topic(group), "queueId": str(m.queue_id),
        "extraInfo": one.extra_info, "offset": str(m.queue_offset)}, timeout=timeout, retry_closed=False)
    _ok(response, addr, "ACK_MESSAGE")


def change_invisible(client, addr: str, group: str, one: PoppedMessage, invisible_ms: int,
                     timeout: float | None = None) -> PoppedMessage:
    """CHANGE_MESSAGE_INVISIBLETIME: hide it `invisible_ms` longer from now. Its new extra info acks it."""
    m = one.message
    response = client.request(addr, CHANGE_MESSAGE_INVISIBLETIME, {
        "consumerGroup": group, "topic": one.real_topic(group), "queueId": str(m.queue_id),
        "extraInfo": one.extra_info, "offset": str(m.queue_offset), "invisibleTime": str(invisible_ms)},
        timeout=timeout, retry_closed=False)
    _ok(response, addr, "CHANGE_MESSAGE_INVISIBLETIME")
    parts = one.extra_info.split(" ")
    ext = response.ext
    with _readable(addr, "CHANGE_MESSAGE_INVISIBLETIME"):
        parts[0:4] = [str(m.queue_offset), ext["popTime"], ext["invisibleTime"], ext["reviveQid"]]
    return PoppedMessage(m, " ".join(parts))


@contextmanager
def _readable(addr: str, what: str):
    """A success answer missing its fields is a protocol error the broker acted on: maybe_sent, so it is info."""
    try:
        yield
    except RemotingProtocolError as error:
        error.maybe_sent = True
        raise
    except (KeyError, ValueError, IndexError) as error:
        raise RemotingProtocolError(f"{addr} answered {what} with a success that cannot be read: "
                                    f"{type(error).__name__}: {error}", addr=addr, maybe_sent=True) from None


def _ok(response, addr: str, what: str) -> None:
    if response.code != ResponseCode.SUCCESS:
        raise RemotingResponseError(f"{addr} answered {what} with code {response.code}: "
                                    f"{response.remark or 'no remark'}", response.code, response.remark, addr=addr)
