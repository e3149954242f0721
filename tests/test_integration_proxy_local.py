"""Real RocketMQ 5 with `--proxy local` (a proxy in each DLedger replica's JVM) and the official Python gRPC
client: `experiment run --client grpc` sends the workload through the proxies while the leader is killed, the
checker sees the sends resume after the election with nothing acknowledged lost, and a gRPC consumer then
receives every acknowledged message. One cluster for the module, of the very spec the experiment runs on."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from grpcclient import receive_keys
from realcluster import LAB, image_for_tests, running_cluster

from rmqlab.api import experiments
from rmqlab.experiment.check.history import OK, read_history
from rmqlab.experiment.run.grpcproducer import PROCESS
from rmqlab.experiment.run.scenario import scenario_from_dict
from rmqlab.topology.model import Mode, ProxyMode
from rmqlab.topology.versions import DEFAULT_VERSION

pytestmark = pytest.mark.integration
NAME = "hp-it-pxlocal"
KILL_AT = 20  # a fresh DLedger group answered the client's first sends only after 9 s once
SCENARIO = scenario_from_dict({
    "name": "kill-leader-grpc-ci",
    # Measured: through local proxies the client's sends failed for 52 to 62 s after the kill (it kept dialing
    # the dead leader's proxy, and its route, refreshed every 30 s, came back without a master for a while).
    "duration": 110,
    "faults": [{"at": KILL_AT, "action": "kill", "target": "broker-a-master"}, {"at": 40, "action": "undo", "undo": 1}],
})
SENT: dict[str, object] = {}  # what the experiment got acknowledged, and on which topic, for the receive test


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    pytest.importorskip("rocketmq", reason="pip install rocketmq-python-client (the dev extras)")
    (planned,) = experiments.prepare([Mode.DLEDGER.value], SCENARIO, DEFAULT_VERSION,
                                     tmp_path_factory.mktemp("grpc"), client="grpc", proxy=ProxyMode.LOCAL)
    planned = replace(planned, spec=replace(planned.spec, name=NAME))
    with running_cluster(planned.spec, timeout=300):
        yield planned


def test_status_lists_each_proxy_at_a_local_address(plan):
    status = LAB.status(NAME)
    assert [p.name for p in status.proxies] == [f"broker-a-n{i}-proxy" for i in range(3)]
    for proxy in status.proxies:
        assert proxy.state == "running" and proxy.runs_in == proxy.name.removesuffix("-proxy")
        assert proxy.grpc.startswith("127.0.0.1:") and proxy.remoting.startswith("127.0.0.1:")
    assert status.to_dict()["proxies"][0]["grpc"] == status.proxies[0].grpc


def test_grpc_sends_resume_after_the_election_with_nothing_acknowledged_lost(plan, tmp_path):
    done = experiments.run(LAB, plan, tmp_path, image_for_tests(), keep=True, on_event=print, reuse=True)
    report = json.loads((done.run_dir / "report.json").read_text())
    meta = json.loads((done.run_dir / "run.json").read_text())
    assert meta["client"]["name"] == "grpc" and meta["cluster"] == NAME, "the run reused the module's cluster"
    a = report["groups"]["broker-a"]
    assert a["time_to_new_master_seconds"] is not None and a["master_at_end"] != a["master_at_start"]
    sends = [e for e in read_history(done.run_dir / "history.jsonl") if e.process.startswith(PROCESS)]
    acked = [e for e in sends if e.type == OK]
    assert any(e.t < KILL_AT for e in acked) and any(e.t > KILL_AT + a["time_to_new_master_seconds"] for e in acked)
    assert all(e.group == "broker-a" for e in acked)  # the receipt names the group
    assert report["totals"]["acknowledged_lost"] == 0, report["lost_keys"]
    misclassified = [k for k in report["anomalies"].get("failed_but_read_keys", []) if k.startswith("k-")]
    assert not misclassified, f"gRPC sends recorded as failed were stored: {misclassified}"
    producers = next((c for c in report["causes"] if c["figure"] == "producers"), None)
    assert producers, report["causes"]  # its sends failed for a while after the kill (52-62 s, measured)
    assert producers["mechanism"] == "proxy and client route refresh", producers  # not a remoting client's
    print("grpc", report["faults"][0]["producers"], report["totals"])
    SENT.update(topic=meta["topic"], keys={e.value["key"] for e in acked})


def test_a_grpc_consumer_receives_every_acknowledged_message(plan):
    if not SENT.get("keys"):
        pytest.fail("the experiment acknowledged nothing, so there is nothing to receive")
    status = LAB.status(NAME)
    endpoint = next(p.grpc for p in status.proxies if p.state == "running")
    # A 5.x proxy refuses a consumer whose group does not exist ("group not found"), and then fails its
    # receives with a NullPointerException: create the group first, as an operator would. Each local proxy asks
    # its own broker, and `-c` reaches only the leader (a follower copies groups later), so create it on every
    # node: a refused telemetry stream left the client without settings on that proxy for good.
    group = "hp-local-readers"
    cluster = LAB.cluster(NAME)
    for broker in cluster.brokers:
        code, output = LAB.admin(NAME, ["updateSubGroup", "-b", cluster.advertised_addr(broker), "-g", group])
        assert code == 0 and "success" in output.lower(), (broker.name, output[-400:])
    wanted = set(SENT["keys"])
    received = receive_keys(endpoint, SENT["topic"], group, wanted)
    assert wanted <= received, f"{len(wanted - received)} acknowledged keys never received by gRPC"
