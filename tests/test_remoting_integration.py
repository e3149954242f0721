"""The remoting client against real RocketMQ 4.9.7 and 5.5.0 on the host JVM (127.0.0.1 only).

Needs java and mvn (jars are resolved once into ~/.cache); skips with the reason otherwise.
"""

from __future__ import annotations

import threading
import time

import pytest

from rmqlab.remoting import RemotingClient, RemotingConnectError, RemotingError, TopicNotExist
from testkit.hostjvm import (
    VERSIONS,
    HostCluster,
    HostJvmUnavailable,
    wait_for,
    wait_replicating,
)

pytestmark = pytest.mark.integration

MASTER, SLAVE = "127.0.0.1:29911", "127.0.0.1:29921"
TOPIC = "RmqlabIt"


@pytest.fixture(scope="module", params=VERSIONS)
def rmq(request):
    """(version, cluster, client): namesrv + SYNC_MASTER + SLAVE of broker-a, topic created."""
    version = request.param
    try:
        cluster = HostCluster(version)
    except HostJvmUnavailable as exc:
        pytest.skip(f"real RocketMQ {version} unavailable: {exc}")
    client = RemotingClient()
    try:
        repl = {} if version.startswith("4.") else {"totalReplicas": 2, "inSyncReplicas": 2}
        cluster.start_namesrv()
        cluster.start_broker("master", 29911, role="SYNC_MASTER", **repl)
        cluster.start_broker("slave", 29921, role="SLAVE", broker_id=1, slaveReadEnable=True,
                             **repl)
        wait_for(lambda: len(client.cluster_info(cluster.namesrv_addr).groups["broker-a"].addrs)
                 == 2, what="both brokers registered")
        client.create_topic(MASTER, TOPIC, 4, 4)
        if not version.startswith("4."):  # a 4.x slave refuses it; a 5.x one copies topics only on its periodic sync
            client.create_topic(SLAVE, TOPIC, 4, 4)
        wait_replicating(client, MASTER)
        yield version, cluster, client
    finally:
        client.close()
        cluster.close()


def test_cluster_info_and_live_roles(rmq):
    version, cluster, client = rmq
    group = client.cluster_info(cluster.namesrv_addr).groups["broker-a"]
    assert group.addrs == {0: MASTER, 1: SLAVE}
    master, slave = client.broker_role(MASTER), client.broker_role(SLAVE)
    assert (master.role, master.broker_id, master.mode) == ("SYNC_MASTER", 0, "classic")
    assert (slave.role, slave.broker_id) == ("SLAVE", 1)


def test_route_and_missing_topic(rmq):
    version, cluster, client = rmq
    route = wait_for(lambda: client.topic_route(cluster.namesrv_addr, TOPIC), what="route")
    assert [(q.broker_name, q.write_queues, q.writable) for q in route.queues] == [
        ("broker-a", 4, True)]
    with pytest.raises(TopicNotExist):
        client.topic_route(cluster.namesrv_addr, "RmqlabNoSuchTopic")


def test_send_then_pull_same_messages_from_master_and_slave(rmq):
    version, cluster, client = rmq
    start = client.max_offset(MASTER, TOPIC, 1)
    sent = [client.send(MASTER, TOPIC, 1, f"m{i}".encode(), keys=(f"k{i}",), tags="it")
            for i in range(20)]
    assert [r.code for r in sent] == [0] * 20
    assert [r.queue_offset for r in sent] == list(range(start, start + 20))
    assert client.max_offset(MASTER, TOPIC, 1) == start + 20
    from_master = client.pull(MASTER, TOPIC, 1, start, check_crc=True)
    # Sync replication acked every send, but the slave dispatches its consume queue a little later.
    from_slave = wait_for(lambda: (r := client.pull(SLAVE, TOPIC, 1, start, check_crc=True))
                          .found and len(r.messages) == 20 and r, what="slave pull")
    assert [m.msg_id for m in from_master.messages] == [r.msg_id for r in sent]
    assert [m.body for m in from_slave.messages] == [f"m{i}".encode() for i in range(20)]
    assert [m.msg_id for m in from_slave.messages] == [r.msg_id for r in sent]
    assert [m.uniq_key for m in from_master.messages] == [r.uniq_key for r in sent]
    assert from_master.messages[3].keys == ("k3",) and from_master.messages[3].tags == "it"
    nothing = client.pull(SLAVE, TOPIC, 1, start + 20)
    assert nothing.code == 19 and nothing.messages == ()


def test_send_to_slave_is_refused_with_version_specific_code(rmq):
    version, cluster, client = rmq
    result = client.send(SLAVE, TOPIC, 0, b"to slave")
    assert not result.stored
    assert result.code == (14 if version.startswith("4.") else 2), result


def test_concurrent_sends_share_one_connection(rmq):
    version, cluster, client = rmq
    results, errors = [], []

    def worker(n):
        try:
            for i in range(40):
                results.append(client.send(MASTER, TOPIC, 2, f"{n}-{i}".encode()))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {r.code for r in results} == {0}
    assert len({r.queue_offset for r in results}) == 160


def test_ha_status(rmq):
    version, cluster, client = rmq
    status = client.ha_status(MASTER)
    if version.startswith("4."):
        assert status is None
        return
    assert status.master and status.in_sync_slave_nums == 1
    slave = client.ha_status(SLAVE)
    assert not slave.master and slave.master_addr == "127.0.0.1:29912"


def test_slave_down_then_master_down(rmq):
    """Last: kills processes. 4.9 answers 11 at once, 5.x 12 after slaveTimeout (3 s)."""
    version, cluster, client = rmq
    cluster.kill("slave")
    time.sleep(0.5)
    started = time.monotonic()
    result = client.send(MASTER, TOPIC, 0, b"alone")
    took = time.monotonic() - started
    if version.startswith("4."):
        assert result.code == 11 and took < 1.0
    else:
        assert result.code == 12 and 2.5 < took < 4.5
    assert result.stored and result.msg_id
    cluster.kill("master")
    with pytest.raises(RemotingError) as info:
        client.send(MASTER, TOPIC, 0, b"nobody home")
    # Either the dead socket is noticed first (closed after write) or the redial is refused.
    if isinstance(info.value, RemotingConnectError):
        assert info.value.maybe_sent is False
    with pytest.raises(RemotingConnectError) as info:
        client.send(MASTER, TOPIC, 0, b"nobody home")
    assert info.value.maybe_sent is False
