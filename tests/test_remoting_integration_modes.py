"""Role and replication questions in DLedger and 5.x controller mode, against real brokers.

One-node groups are enough to check the wire answers (who is master, which ids, what 907 says).
"""

from __future__ import annotations

import pytest

from rmqlab.remoting import RemotingClient, RemotingResponseError
from testkit.hostjvm import VERSIONS, HostCluster, HostJvmUnavailable, wait_for

pytestmark = pytest.mark.integration

CONTROLLER = "127.0.0.1:29878"
CONTROLLED, DLEDGER = "127.0.0.1:29941", "127.0.0.1:29951"


def pytest_generate_tests(metafunc):
    """Every version for each test, but controller mode exists in 5.x only: its test runs there alone (not
    skipped on 4.x, which would read as a check that did not happen)."""
    if "rmq" in metafunc.fixturenames:
        controller = metafunc.function.__name__.startswith("test_controller")
        versions = [v for v in VERSIONS if v.startswith("5.")] if controller else list(VERSIONS)
        metafunc.parametrize("rmq", versions, indirect=True, scope="module")


@pytest.fixture(scope="module")
def rmq(request):
    version = request.param
    try:
        cluster = HostCluster(version)
    except HostJvmUnavailable as exc:
        pytest.skip(f"real RocketMQ {version} unavailable: {exc}")
    client = RemotingClient()
    is_5x = version.startswith("5.")
    try:
        controller = dict(
            enableControllerInNamesrv=True, controllerDLegerGroup="rmqlabctl",
            controllerDLegerPeers=f"n0-{CONTROLLER}", controllerDLegerSelfId="n0",
            controllerStorePath=cluster.workdir / "controller") if is_5x else {}
        cluster.start_namesrv(**controller)
        cluster.start_broker("dledger", 29951, broker_name="broker-d", enableDLegerCommitLog=True,
                             dLegerGroup="broker-d", dLegerPeers="n0-127.0.0.1:29955",
                             dLegerSelfId="n0")
        if is_5x:
            cluster.start_broker("controlled", 29941, broker_name="broker-c", role="SLAVE",
                                 broker_id=-1, enableControllerMode=True,
                                 controllerAddr=CONTROLLER, allAckInSyncStateSet=True)
        yield version, cluster, client
    finally:
        client.close()
        cluster.close()


def test_dledger_leader_role_and_no_ha_status(rmq):
    version, cluster, client = rmq
    role = wait_for(lambda: (r := client.broker_role(DLEDGER)).broker_id == 0 and r)
    assert (role.role, role.mode, role.broker_name) == ("SYNC_MASTER", "dledger", "broker-d")
    assert client.ha_status(DLEDGER) is None  # 4.9: code 3; 5.x: code 1 "Can not get HARuntimeInfo"
    wait_for(lambda: client.cluster_info(cluster.namesrv_addr).groups["broker-d"].master)


def test_dledger_physical_offsets_start_after_the_entry_header(rmq):
    version, cluster, client = rmq
    wait_for(lambda: client.broker_role(DLEDGER).broker_id == 0)
    client.create_topic(DLEDGER, "RmqlabDl", 1, 1)
    sent = client.send(DLEDGER, "RmqlabDl", 0, b"raft")
    assert sent.code == 0
    pulled = wait_for(lambda: (p := client.pull(DLEDGER, "RmqlabDl", 0, 0)).found and p)
    (msg,) = pulled.messages
    assert msg.msg_id == sent.msg_id and msg.physical_offset == 48


def test_controller_metadata_and_replica_info(rmq):
    version, cluster, client = rmq
    meta = wait_for(lambda: client.controller_metadata(CONTROLLER))
    assert meta.is_leader and meta.leader_addr == CONTROLLER and meta.peers == {"n0": CONTROLLER}
    # The embedded controller has its own port; the name server port does not answer 1005.
    with pytest.raises(RemotingResponseError) as info:
        client.controller_metadata(cluster.namesrv_addr)
    assert info.value.code == 3
    role = wait_for(lambda: (r := client.broker_role(CONTROLLED)).broker_id == 0 and r)
    assert (role.role, role.mode) == ("SYNC_MASTER", "controller")
    replicas = wait_for(lambda: client.replica_info(CONTROLLER, "broker-c"))
    # The controller numbers replicas itself: its master id is not the 0 the broker reports.
    assert replicas.master_addr == CONTROLLED and replicas.master_broker_id == 1
    assert replicas.sync_state_set == {1} and replicas.master_epoch >= 1
    with pytest.raises(RemotingResponseError) as info:
        client.replica_info(CONTROLLER, "broker-none")
    assert info.value.code == 2008
