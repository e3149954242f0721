"""RemotingClient: the questions rmqlab asks name servers, brokers and controllers."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable

from rmqlab.remoting import codec
from rmqlab.remoting.codes import RequestCode, ResponseCode, response_name
from rmqlab.remoting.connection import Connection
from rmqlab.remoting.errors import (
    RemotingClosed,
    RemotingError,
    RemotingProtocolError,
    RemotingResponseError,
    TopicNotExist,
)
from rmqlab.remoting.jsonbody import loads
from rmqlab.remoting.message import decode_messages, encode_properties
from rmqlab.remoting.results import (
    BrokerGroup,
    BrokerRole,
    ClusterInfo,
    ControllerMetadata,
    HaConnection,
    HaStatus,
    PullResult,
    QueueData,
    ReplicaInfo,
    SendResult,
    TopicRoute,
)

PULL_FLAG_SUBSCRIPTION = 0x4


class RemotingClient:
    """Talks RocketMQ remoting to any number of addresses over one pooled connection each.

    `address_map` turns an address a server advertises (e.g. a container IP) into the address to
    dial (e.g. a port published on 127.0.0.1). Thread-safe.
    """

    def __init__(self, address_map: Callable[[str], str] | None = None, timeout: float = 3.0,
                 send_timeout: float = 5.0, connect_timeout: float = 3.0,
                 serialize_type: int = codec.JSON,
                 producer_group: str = "rmqlab_producer", consumer_group: str = "rmqlab_reader"):
        self.address_map = address_map or (lambda addr: addr)
        self.timeout = timeout
        # Above the broker's slaveTimeout (3 s) so FLUSH_SLAVE_TIMEOUT arrives as a result.
        self.send_timeout = send_timeout
        self.connect_timeout = connect_timeout
        self.serialize_type = serialize_type
        self.producer_group = producer_group
        self.consumer_group = consumer_group
        self._conns: dict[str, Connection] = {}
        self._lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------------

    def request(self, addr: str, code: int, ext: dict[str, str] | None = None,
                body: bytes = b"", timeout: float | None = None,
                retry_closed: bool = True) -> codec.Command:
        """One raw request. `retry_closed` resends once if the connection had died under it,
        which is only safe for requests that change nothing."""
        cmd = codec.Command(code=int(code), ext=dict(ext or {}), body=body)
        conn = self._connection(addr)
        try:
            return conn.request(cmd, self.timeout if timeout is None else timeout)
        except RemotingClosed:
            if not retry_closed:
                raise
            return conn.request(cmd, self.timeout if timeout is None else timeout)

    def close(self) -> None:
        with self._lock:
            conns, self._conns = list(self._conns.values()), {}
        for conn in conns:
            conn.close()

    def __enter__(self) -> RemotingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connection(self, addr: str) -> Connection:
        with self._lock:
            conn = self._conns.get(addr)
            if conn is None:
                conn = Connection(addr, self.address_map(addr), self.connect_timeout,
                                  self.serialize_type)
                self._conns[addr] = conn
            return conn

    def _ok(self, addr: str, code: int, ext: dict[str, str] | None = None,
            timeout: float | None = None, body: bytes = b"") -> codec.Command:
        response = self.request(addr, code, ext, body, timeout)
        if response.code != ResponseCode.SUCCESS:
            raise _response_error(addr, code, response)
        return response

    # -- name server --------------------------------------------------------------------------

    def cluster_info(self, namesrv: str, timeout: float | None = None) -> ClusterInfo:
        doc = _json(self._ok(namesrv, RequestCode.GET_BROKER_CLUSTER_INFO, timeout=timeout))
        groups = {name: _group(data) for name, data in (doc.get("brokerAddrTable") or {}).items()}
        clusters = {name: tuple(sorted(members))
                    for name, members in (doc.get("clusterAddrTable") or {}).items()}
        return ClusterInfo(groups=groups, clusters=clusters)

    def topic_route(self, namesrv: str, topic: str, timeout: float | None = None) -> TopicRoute:
        response = self.request(namesrv, RequestCode.GET_ROUTEINFO_BY_TOPIC,
                                {"topic": topic, "acceptStandardJsonOnly": "true"}, timeout=timeout)
        if response.code == ResponseCode.TOPIC_NOT_EXIST:
            raise TopicNotExist(f"name server {namesrv} has no route for topic {topic!r}",
                                response.code, response.remark, addr=namesrv,
                                hint="Create the topic on the brokers first (create_topic).")
        if response.code != ResponseCode.SUCCESS:
            raise _response_error(namesrv, RequestCode.GET_ROUTEINFO_BY_TOPIC, response)
        doc = _json(response)
        groups = {data["brokerName"]: _group(data) for data in doc.get("brokerDatas") or []}
        queues = tuple(
            QueueData(broker_name=q["brokerName"], read_queues=int(q["readQueueNums"]),
                      write_queues=int(q["writeQueueNums"]), perm=int(q["perm"]),
                      sys_flag=int(q.get("topicSysFlag", q.get("topicSynFlag", 0))))
            for q in doc.get("queueDatas") or [])
        return TopicRoute(topic=topic, groups=groups, queues=queues)

    # -- broker: topics, send, offsets, pull --------------------------------------------------

    def create_topic(self, broker: str, topic: str, read_queues: int = 4, write_queues: int = 4,
                     perm: int = 6, timeout: float | None = None) -> None:
        self._ok(broker, RequestCode.UPDATE_AND_CREATE_TOPIC, {
            "topic": topic, "defaultTopic": "TBW102", "readQueueNums": str(read_queues),
            "writeQueueNums": str(write_queues), "perm": str(perm),
            "topicFilterType": "SINGLE_TAG", "topicSysFlag": "0", "order": "false",
        }, timeout)

    def send(self, broker: str, topic: str, queue_id: int, body: bytes,
             keys: Iterable[str] = (), tags: str | None = None,
             properties: dict[str, str] | None = None, timeout: float | None = None) -> SendResult:
        """Send one message to one queue with SEND_MESSAGE_V2.

        Every broker answer is a SendResult with the code kept as sent (11, 12, 14, 2 … are
        results). A RemotingError means no answer: `maybe_sent` tells whether the broker may
        have stored it (record that as unknown outcome) and `uniq_key` names the message.
        """
        props = dict(properties or {})
        props.setdefault("UNIQ_KEY", new_uniq_key())
        keys = tuple(keys)
        if keys:
            props["KEYS"] = " ".join(keys)
        if tags is not None:
            props["TAGS"] = tags
        ext = {
            "a": self.producer_group, "b": topic, "c": "TBW102", "d": "4", "e": str(queue_id),
            "f": "0", "g": str(int(time.time() * 1000)), "h": "0", "i": encode_properties(props),
            "j": "0", "k": "false", "m": "false",
        }
        try:
            response = self.request(broker, RequestCode.SEND_MESSAGE_V2, ext, body,
                                    self.send_timeout if timeout is None else timeout,
                                    retry_closed=False)
        except RemotingError as exc:
            exc.uniq_key = props["UNIQ_KEY"]
            raise
        got = response.ext
        return SendResult(
            code=response.code, remark=response.remark, msg_id=got.get("msgId"),
            queue_id=_int(got.get("queueId")), queue_offset=_int(got.get("queueOffset")),
            region=got.get("MSG_REGION"), transaction_id=got.get("transactionId"),
            uniq_key=props["UNIQ_KEY"], broker=broker)

    def min_offset(self, broker: str, topic: str, queue_id: int,
                   timeout: float | None = None) -> int:
        return self._offset(broker, RequestCode.GET_MIN_OFFSET, topic, queue_id, timeout)

    def max_offset(self, broker: str, topic: str, queue_id: int,
                   timeout: float | None = None) -> int:
        """The next logical offset to be written (an empty queue gives 0)."""
        return self._offset(broker, RequestCode.GET_MAX_OFFSET, topic, queue_id, timeout)

    def _offset(self, broker: str, code: int, topic: str, queue_id: int,
                timeout: float | None) -> int:
        response = self._ok(broker, code, {"topic": topic, "queueId": str(queue_id)}, timeout)
        return int(response.ext["offset"])

    def pull(self, broker: str, topic: str, queue_id: int, offset: int, max_nums: int = 32,
             timeout: float | None = None, check_crc: bool = False) -> PullResult:
        """Read by offset, without heartbeat or consumer registration, from a master or slave.

        Non-success codes are results: 19 nothing new, 20 retry (a slave's "nothing now"),
        21 offset moved (`next_begin_offset` holds the fix), 2 refused (a 5.x slave without
        slaveReadEnable).
        """
        response = self.request(broker, RequestCode.PULL_MESSAGE, {
            "consumerGroup": self.consumer_group, "topic": topic, "queueId": str(queue_id),
            "queueOffset": str(offset), "maxMsgNums": str(max_nums),
            "sysFlag": str(PULL_FLAG_SUBSCRIPTION), "commitOffset": "0",
            "suspendTimeoutMillis": "0", "subscription": "*", "subVersion": "0",
            "expressionType": "TAG",
        }, timeout=timeout)
        got = response.ext
        messages = ()
        if response.code == ResponseCode.SUCCESS and response.body:
            messages = tuple(decode_messages(response.body, check_crc=check_crc))
        return PullResult(
            code=response.code, remark=response.remark,
            next_begin_offset=_int(got.get("nextBeginOffset")),
            min_offset=_int(got.get("minOffset")), max_offset=_int(got.get("maxOffset")),
            suggest_broker_id=_int(got.get("suggestWhichBrokerId")), messages=messages)

    def query_consumer_offset(self, broker: str, group: str, topic: str, queue_id: int,
                              timeout: float | None = None) -> int | None:
        """The offset `group` last committed for one queue on this broker; None when it has none (4.x answers
        QUERY_NOT_FOUND; 5.x answers 0 for a queue whose first message is still in memory)."""
        code = RequestCode.QUERY_CONSUMER_OFFSET
        response = self.request(broker, code, {"consumerGroup": group, "topic": topic, "queueId": str(queue_id)},
                                timeout=timeout)
        if response.code == ResponseCode.QUERY_NOT_FOUND:
            return None
        if response.code != ResponseCode.SUCCESS:
            raise _response_error(broker, code, response)
        return int(response.ext["offset"])

    def update_consumer_offset(self, broker: str, group: str, topic: str, queue_id: int, offset: int,
                               timeout: float | None = None) -> None:
        """Commit `group`'s progress in one queue: the next offset it will consume."""
        self._ok(broker, RequestCode.UPDATE_CONSUMER_OFFSET, {
            "consumerGroup": group, "topic": topic, "queueId": str(queue_id), "commitOffset": str(offset)}, timeout)

    # -- broker: role and replication -------------------------------------------------------

    def broker_runtime_info(self, broker: str, timeout: float | None = None) -> dict[str, str]:
        doc = _json(self._ok(broker, RequestCode.GET_BROKER_RUNTIME_INFO, timeout=timeout))
        return {str(k): str(v) for k, v in (doc.get("table") or {}).items()}

    def broker_config(self, broker: str, timeout: float | None = None) -> dict[str, str]:
        response = self._ok(broker, RequestCode.GET_BROKER_CONFIG, timeout=timeout)
        return parse_properties(response.body.decode("utf-8", errors="replace"))

    def broker_role(self, broker: str, timeout: float | None = None) -> BrokerRole:
        config = self.broker_config(broker, timeout)
        if config.get("enableDLegerCommitLog") == "true":
            mode = "dledger"
        elif config.get("enableControllerMode") == "true":
            mode = "controller"
        else:
            mode = "classic"
        return BrokerRole(role=config.get("brokerRole", ""),
                          broker_id=int(config.get("brokerId", "-1")),
                          broker_name=config.get("brokerName", ""),
                          cluster=config.get("brokerClusterName", ""), mode=mode)

    def ha_status(self, broker: str, timeout: float | None = None) -> HaStatus | None:
        """5.x replication state; None where the broker has none (4.9.x, DLedger). A 4.7.0 broker
        never answers this code (RemotingTimeout): check versions.reports_ha_status first."""
        response = self.request(broker, RequestCode.GET_BROKER_HA_STATUS, timeout=timeout)
        if response.code == ResponseCode.REQUEST_CODE_NOT_SUPPORTED:
            return None
        remark = response.remark or ""
        if response.code == ResponseCode.SYSTEM_ERROR and "HARuntimeInfo" in remark:
            return None
        if response.code != ResponseCode.SUCCESS:
            raise _response_error(broker, RequestCode.GET_BROKER_HA_STATUS, response)
        doc = _json(response)
        master = bool(doc.get("master"))
        client = {} if master else doc.get("haClientRuntimeInfo") or {}
        return HaStatus(
            master=master,
            master_commit_log_max_offset=int(doc.get("masterCommitLogMaxOffset") or 0),
            in_sync_slave_nums=int(doc.get("inSyncSlaveNums") or 0),
            connections=tuple(
                HaConnection(addr=c.get("addr", ""),
                             slave_ack_offset=int(c.get("slaveAckOffset", 0)),
                             diff=int(c.get("diff", 0)), in_sync=bool(c.get("inSync")))
                for c in doc.get("haConnectionInfo") or []),
            master_addr=client.get("masterAddr") or None,
            slave_max_offset=_int(client.get("maxOffset")) if client else None, raw=doc)

    # -- 5.x controller -----------------------------------------------------------------------

    def controller_metadata(self, addr: str, timeout: float | None = None) -> ControllerMetadata:
        got = self._ok(addr, RequestCode.CONTROLLER_GET_METADATA_INFO, timeout=timeout).ext
        peers = {}
        for item in (got.get("peers") or "").split(";"):
            peer_id, sep, peer_addr = item.partition(":")
            if sep:
                peers[peer_id] = peer_addr
        return ControllerMetadata(
            group=got.get("group"), leader_id=got.get("controllerLeaderId"),
            leader_addr=got.get("controllerLeaderAddress"),
            is_leader=got.get("isLeader") == "true", peers=peers)

    def replica_info(self, addr: str, broker_name: str,
                     timeout: float | None = None) -> ReplicaInfo:
        """The controller's view of one broker group (ask the leader controller)."""
        response = self._ok(addr, RequestCode.CONTROLLER_GET_REPLICA_INFO,
                            {"brokerName": broker_name}, timeout)
        doc = _json(response) if response.body else {}
        return ReplicaInfo(
            broker_name=broker_name, master_broker_id=_int(response.ext.get("masterBrokerId")),
            master_addr=response.ext.get("masterAddress") or None,
            master_epoch=_int(response.ext.get("masterEpoch")),
            sync_state_set=frozenset(int(i) for i in doc.get("syncStateSet") or ()),
            sync_state_set_epoch=_int(doc.get("syncStateSetEpoch")))


def new_uniq_key() -> str:
    """A client message id (32 upper-case hex chars, like the Java client's UNIQ_KEY)."""
    return uuid.uuid4().hex.upper()


def parse_properties(text: str) -> dict[str, str]:
    props = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith(("#", "!")):
            props[key.strip()] = value
    return props


def _group(data: dict) -> BrokerGroup:
    return BrokerGroup(name=data.get("brokerName", ""), cluster=data.get("cluster", ""),
                       addrs={int(k): v for k, v in (data.get("brokerAddrs") or {}).items()})


def _json(response: codec.Command) -> dict:
    doc = loads(response.body)
    if not isinstance(doc, dict):
        raise RemotingProtocolError(f"expected a JSON object body, got {type(doc).__name__}")
    return doc


def _int(value: object) -> int | None:
    return None if value is None or value == "" else int(value)


def _response_error(addr: str, code: int, response: codec.Command) -> RemotingResponseError:
    name = RequestCode(code).name if code in RequestCode._value2member_map_ else str(code)
    return RemotingResponseError(
        f"{addr} answered {name} with {response_name(response.code)} ({response.code}): "
        f"{response.remark or 'no remark'}", response.code, response.remark, addr=addr)
