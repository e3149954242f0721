"""RemotingClient operations answered with frames captured from real 4.9.7 / 5.5.0 servers."""

from __future__ import annotations

import socket

import pytest
from test_remoting_fakeserver import FakeServer, fixture_reply, response

from rmqlab.remoting import (
    RemotingClient,
    RemotingClosed,
    RemotingResponseError,
    TopicNotExist,
)
from rmqlab.remoting.codes import RequestCode as R

VERSIONS = ["4.9.7", "5.5.0"]


@pytest.fixture
def fake():
    """fake(version, {code: fixture name or callable}) -> (client, server)."""
    made = []

    def start(version, answers, **client_args):
        replies = {code: fixture_reply(version, a) if isinstance(a, str) else a
                   for code, a in answers.items()}
        server = FakeServer(lambda request, sock: sock.sendall(replies[request.code](request)))
        client = RemotingClient(**client_args)
        made.append((client, server))
        return client, server

    yield start
    for client, server in made:
        client.close()
        server.close()


@pytest.mark.parametrize("version", VERSIONS)
def test_cluster_info(fake, version):
    client, server = fake(version, {R.GET_BROKER_CLUSTER_INFO: "cluster_info"})
    info = client.cluster_info(server.addr)
    group = info.groups["broker-a"]
    assert group.cluster == "RmqlabCluster" and group.master == "127.0.0.1:29911"
    assert group.slaves == {1: "127.0.0.1:29921"}
    assert info.clusters == {"RmqlabCluster": ("broker-a",)}


@pytest.mark.parametrize("version", VERSIONS)
def test_cluster_info_from_binary_headers(fake, version):
    name = {"4.9.7": "cluster_info", "5.5.0": "cluster_info_rocketmq_type"}[version]
    client, server = fake(version, {R.GET_BROKER_CLUSTER_INFO: name})
    assert client.cluster_info(server.addr).groups["broker-a"].master == "127.0.0.1:29911"


@pytest.mark.parametrize("version", VERSIONS)
def test_topic_route_and_not_exist(fake, version):
    client, server = fake(version, {R.GET_ROUTEINFO_BY_TOPIC: "topic_route"})
    route = client.topic_route(server.addr, "RmqlabCapture")
    (queues,) = route.queues
    assert (queues.broker_name, queues.read_queues, queues.write_queues) == ("broker-a", 2, 2)
    assert queues.writable and queues.readable
    assert route.groups["broker-a"].addrs == {0: "127.0.0.1:29911", 1: "127.0.0.1:29921"}
    sent = server.requests[-1].ext
    assert sent == {"topic": "RmqlabCapture", "acceptStandardJsonOnly": "true"}

    client, server = fake(version, {R.GET_ROUTEINFO_BY_TOPIC: "topic_not_exist"})
    with pytest.raises(TopicNotExist) as info:
        client.topic_route(server.addr, "NoSuchTopic")
    assert info.value.code == 17 and "NoSuchTopic" in info.value.remark


@pytest.mark.parametrize("version,name,code,stored", [
    ("4.9.7", "send_ok", 0, True), ("5.5.0", "send_ok", 0, True),
    ("4.9.7", "send_slave_down", 11, True), ("5.5.0", "send_slave_down", 12, True),
    ("4.9.7", "send_to_slave", 14, False), ("5.5.0", "send_to_slave", 2, False),
])
def test_send_codes_are_results(fake, version, name, code, stored):
    client, server = fake(version, {R.SEND_MESSAGE_V2: name})
    result = client.send(server.addr, "RmqlabCapture", 0, b"hello", keys=("k1", "k2"), tags="t")
    assert result.code == code and result.stored is stored
    if stored:
        assert result.msg_id and len(result.msg_id) == 32 and result.queue_id == 0
        assert result.region == "DefaultRegion"
    else:
        assert result.msg_id is None and result.remark
    request = server.requests[-1]
    assert request.code == 310 and request.body == b"hello"
    assert (request.ext["b"], request.ext["e"], request.ext["f"]) == ("RmqlabCapture", "0", "0")
    assert "KEYS\x01k1 k2\x02" in request.ext["i"] and "TAGS\x01t\x02" in request.ext["i"]
    assert f"UNIQ_KEY\x01{result.uniq_key}\x02" in request.ext["i"]


def test_send_without_answer_is_maybe_sent_with_uniq_key(fake):
    client, server = fake("5.5.0", {R.SEND_MESSAGE_V2: lambda request: b""})
    with pytest.raises(Exception) as info:
        client.send(server.addr, "T", 0, b"x", timeout=0.2)
    assert info.value.maybe_sent is True
    assert info.value.uniq_key in server.requests[-1].ext["i"]


def test_send_is_never_retried_after_a_close():
    def hang_up(request, sock):
        sock.shutdown(socket.SHUT_RDWR)

    server = FakeServer(hang_up)
    with RemotingClient() as client:
        with pytest.raises(RemotingClosed) as info:
            client.send(server.addr, "T", 0, b"x")
        assert info.value.maybe_sent is True
        assert len(server.requests) == 1
        with pytest.raises(RemotingClosed):
            client.max_offset(server.addr, "T", 0)
        assert len(server.requests) == 3  # read-only requests are retried once
    server.close()


@pytest.mark.parametrize("version", VERSIONS)
def test_pull_found_from_master_and_slave(fake, version):
    for name in ("pull_master", "pull_slave"):
        client, server = fake(version, {R.PULL_MESSAGE: name})
        result = client.pull(server.addr, "RmqlabCapture", 0, 0, check_crc=True)
        assert result.found and result.remark == "FOUND"
        assert (result.next_begin_offset, result.min_offset, result.max_offset) == (1, 0, 1)
        assert result.suggest_broker_id == 0
        (msg,) = result.messages
        assert msg.body == b"hello rmqlab" and msg.queue_offset == 0
        ext = server.requests[-1].ext
        assert (ext["sysFlag"], ext["subscription"], ext["queueOffset"]) == ("4", "*", "0")


@pytest.mark.parametrize("version,name,code", [
    ("4.9.7", "pull_master_not_found", 19), ("5.5.0", "pull_master_not_found", 19),
    ("4.9.7", "pull_slave_not_found", 19), ("5.5.0", "pull_slave_not_found", 19),
    ("4.9.7", "pull_master_offset_moved", 21), ("5.5.0", "pull_master_offset_moved", 21),
])
def test_pull_not_found_codes_are_results(fake, version, name, code):
    client, server = fake(version, {R.PULL_MESSAGE: name})
    result = client.pull(server.addr, "RmqlabCapture", 0, 1)
    assert result.code == code and result.messages == () and result.next_begin_offset == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_offsets(fake, version):
    client, server = fake(version, {
        R.GET_MAX_OFFSET: lambda request: response(request, ext={"offset": "12"}),
        R.GET_MIN_OFFSET: lambda request: response(request, ext={"offset": "3"}),
    })
    assert client.max_offset(server.addr, "T", 1) == 12
    assert client.min_offset(server.addr, "T", 1) == 3
    assert server.requests[-1].ext == {"topic": "T", "queueId": "1"}


@pytest.mark.parametrize("version", VERSIONS)
def test_broker_config_and_role_of_a_slave(fake, version):
    client, server = fake(version, {R.GET_BROKER_CONFIG: "broker_config"})
    config = client.broker_config(server.addr)
    assert config["brokerRole"] == "SLAVE" and config["listenPort"] == "29921"
    role = client.broker_role(server.addr)
    assert (role.role, role.broker_id, role.broker_name, role.cluster, role.mode) == (
        "SLAVE", 1, "broker-a", "RmqlabCluster", "classic")
    assert not role.is_master


@pytest.mark.parametrize("version", VERSIONS)
def test_runtime_info(fake, version):
    client, server = fake(version, {R.GET_BROKER_RUNTIME_INFO: "runtime_info"})
    info = client.broker_runtime_info(server.addr)
    assert int(info["commitLogMaxOffset"]) > 0
    assert info["brokerVersionDesc"] == {"4.9.7": "V4_9_7", "5.5.0": "V5_5_0"}[version]
    assert ("brokerActive" in info) is (version == "5.5.0")


def test_ha_status_none_on_497(fake):
    client, server = fake("4.9.7", {R.GET_BROKER_HA_STATUS: "ha_status_master"})
    assert client.ha_status(server.addr) is None


def test_ha_status_on_550_master_and_slave(fake):
    client, server = fake("5.5.0", {R.GET_BROKER_HA_STATUS: "ha_status_master"})
    status = client.ha_status(server.addr)
    assert status.master and status.in_sync_slave_nums == 1
    (conn,) = status.connections
    assert conn.in_sync and conn.diff == 0 and conn.slave_ack_offset == 899
    assert status.master_addr is None and status.slave_max_offset is None

    client, server = fake("5.5.0", {R.GET_BROKER_HA_STATUS: "ha_status_slave"})
    status = client.ha_status(server.addr)
    assert not status.master and status.connections == ()
    assert status.master_addr == "127.0.0.1:29912" and status.slave_max_offset == 899


def test_ha_status_none_for_dledger_error(fake):
    remark = "Can not get HARuntimeInfo, may be duplicationEnable is true"
    client, server = fake("5.5.0", {
        R.GET_BROKER_HA_STATUS: lambda request: response(request, code=1, remark=remark)})
    assert client.ha_status(server.addr) is None


def test_create_topic_header_and_error(fake):
    client, server = fake("4.9.7", {R.UPDATE_AND_CREATE_TOPIC: lambda request: response(
        request, code=1, remark="Can't modify topic or subscription group from slave broker")})
    with pytest.raises(RemotingResponseError) as info:
        client.create_topic(server.addr, "T", 2, 3)
    assert info.value.code == 1 and "SYSTEM_ERROR" in str(info.value)
    assert server.requests[-1].ext == {
        "topic": "T", "defaultTopic": "TBW102", "readQueueNums": "2", "writeQueueNums": "3",
        "perm": "6", "topicFilterType": "SINGLE_TAG", "topicSysFlag": "0", "order": "false"}


def test_controller_metadata_and_replica_info(fake):
    client, server = fake("5.5.0", {
        R.CONTROLLER_GET_METADATA_INFO: lambda request: response(request, ext={
            "group": "g", "controllerLeaderId": "n0", "controllerLeaderAddress": "127.0.0.1:29878",
            "isLeader": "true", "peers": "n0:127.0.0.1:29878;n1:127.0.0.1:29868"}),
        R.CONTROLLER_GET_REPLICA_INFO: lambda request: response(
            request, ext={"masterBrokerId": "2", "masterAddress": "127.0.0.1:29921",
                          "masterEpoch": "3"},
            body=b'{"syncStateSet":[1,2],"syncStateSetEpoch":4}'),
    })
    meta = client.controller_metadata(server.addr)
    assert meta.is_leader and meta.leader_addr == "127.0.0.1:29878"
    assert meta.peers == {"n0": "127.0.0.1:29878", "n1": "127.0.0.1:29868"}
    info = client.replica_info(server.addr, "broker-a")
    assert (info.master_broker_id, info.master_addr, info.master_epoch) == (2, "127.0.0.1:29921", 3)
    assert info.sync_state_set == {1, 2} and info.sync_state_set_epoch == 4
    assert server.requests[-1].ext == {"brokerName": "broker-a"}


def test_address_map_dials_the_mapped_address():
    server = FakeServer(lambda request, sock: sock.sendall(
        fixture_reply("4.9.7", "cluster_info")(request)))
    dial = {"172.28.5.11:10911": server.addr}
    with RemotingClient(address_map=lambda addr: dial.get(addr, addr)) as client:
        assert client.cluster_info("172.28.5.11:10911").groups
    assert server.connections == 1
    server.close()
