"""DLedger election timing is a knob (--set dledger:...), set by rmqlab's launcher, and RocketMQ's own DLedger
log proves it took effect: with 500 ms heartbeats and 3 missed, a follower gives up on a dead leader after
1.5 s, where the stock 2000 ms x 3 takes 6 s."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest
from realcluster import LAB, running_cluster, wait_for

from rmqlab.topology.knobs import parse_knobs
from rmqlab.topology.model import LOG_DIR, ClusterSpec, Mode

pytestmark = pytest.mark.integration
NAME = "it-net-dledger"
KNOBS = parse_knobs(["dledger:heartBeatTimeIntervalMs=500", "dledger:maxHeartBeatLeak=3"])
_TIMEOUT = re.compile(r"^(\S+ \S+) .*\[HeartBeatTimeOut\] lastLeaderHeartBeatTime: (\S+ \S+) "
                      r"heartBeatTimeIntervalMs: (\d+)")


@pytest.fixture(scope="module")
def cluster():
    with running_cluster(ClusterSpec(mode=Mode.DLEDGER, name=NAME, knobs=KNOBS)) as cluster:
        yield cluster


def test_the_launcher_sets_the_timing_and_reads_it_back(cluster):
    for broker in cluster.brokers:
        output = LAB.provider.logs(cluster.name, broker.name, tail=400)
        assert ("rmqlab: DLedger timing {heartBeatTimeIntervalMs=500, maxHeartBeatLeak=3, minVoteIntervalMs=300, "
                "maxVoteIntervalMs=1000} (set by rmqlab's launcher)") in output, output[-2000:]


def test_followers_give_up_on_a_dead_leader_after_3_missed_500_ms_heartbeats(cluster):
    roles = LAB.status(cluster.name).groups["broker-a"]
    leader = roles.master
    assert leader is not None
    began = time.monotonic()
    LAB.fault(cluster.name, "kill", leader)
    new = wait_for(lambda: (m := LAB.status(cluster.name).groups["broker-a"].master) not in (None, leader) and m,
                   timeout=30, what="a new leader in the name servers", poll=0.2)
    seconds = time.monotonic() - began
    print(f"new leader {new} in the name servers {seconds:.1f} s after kill -9 of {leader}")
    gaps = []
    for follower in (b.name for b in cluster.brokers if b.name != leader):
        _, log = LAB.provider.exec(cluster.name, follower, ["grep", "-h", "HeartBeatTimeOut",
                                                            f"{LOG_DIR}/broker_default.log"], 20)
        for line in log.splitlines():
            match = _TIMEOUT.match(line)
            if match and match.group(3) == "500":
                gaps.append(_seconds(match.group(1)) - _seconds(match.group(2)))
    assert gaps, "no follower logged DLedger's HeartBeatTimeOut with heartBeatTimeIntervalMs: 500"
    # DLedger declares the leader gone after maxHeartBeatLeak x heartBeatTimeIntervalMs = 1.5 s (stock: 6 s).
    assert 1.4 <= gaps[-1] <= 3.0, gaps
    assert seconds < 20, seconds
    LAB.fault(cluster.name, "start", leader)


def _seconds(stamp: str) -> float:
    return datetime.strptime(stamp[:23], "%Y-%m-%d %H:%M:%S.%f").timestamp()
