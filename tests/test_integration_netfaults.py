"""Network faults on real RocketMQ (5.x, SYNC_MASTER): a partition of master from slave, a bandwidth limit on
the replication link, packet loss and delay, each measured and each followed by heal.

The measures are RocketMQ's own behaviour (a SYNC_MASTER waits for its slave; TCP resends what was
dropped) and the kernel's own counters."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from realcluster import LAB, addr, cluster_list, shared_cluster

from rmqlab.runtime import netns
from rmqlab.topology.model import Mode

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cluster():
    with shared_cluster(Mode.SYNC_2M2S) as cluster:  # the session's 2m2s-sync cluster, restored
        yield cluster


@pytest.fixture(autouse=True)
def healed(cluster):
    yield
    LAB.heal(cluster.name)
    for machine in cluster.machines:
        assert _holder(cluster, machine.name, ["iptables", "-w", "-S"]).count("RMQLAB") == 0
        assert "4d51:" not in _holder(cluster, machine.name, ["tc", "qdisc", "show"])


def _holder(cluster, machine: str, argv: list[str]) -> str:
    code, output = LAB.provider.exec(cluster.name, machine, argv, 20)
    assert code == 0, output
    return output


def _send(cluster, count: int, size: int = 256):
    return list(LAB.produce(cluster.name, "it-net", count, to="broker-a", size=size))


def test_partition_of_master_from_slave_degrades_acks_while_name_servers_and_clients_still_reach_it(cluster):
    assert {s.code_name for s in _send(cluster, 3)} == {"SUCCESS"}
    result = LAB.fault(cluster.name, "partition", "broker-a-master", "broker-a-slave")
    assert "broker-a-master <-> broker-a-slave" in " ".join(result.done)
    sent = _send(cluster, 3)
    # 5.x SYNC_MASTER stores the message, waits syncFlushTimeout/slaveTimeout (3 s) for the slave, then answers
    # FLUSH_SLAVE_TIMEOUT (or SLAVE_NOT_AVAILABLE once it has given the slave up): stored on the master only.
    assert {s.code_name for s in sent} <= {"FLUSH_SLAVE_TIMEOUT", "SLAVE_NOT_AVAILABLE"}, sent
    assert all(s.millis >= 2500 for s in sent if s.code_name == "FLUSH_SLAVE_TIMEOUT")
    # mqadmin runs in namesrv-a, on machine-a: it still reaches the master, but not the slave, because anything
    # else on machine-a dialing broker-a-slave's ports is cut too, as the fault's result said.
    assert "anything else on machine-a (namesrv-a, broker-b-slave) dialing broker-a-slave" in " ".join(result.done)
    groups = cluster_list(cluster)
    assert groups["broker-a"].get(0) == addr(cluster, "broker-a-master") and 1 not in groups["broker-a"], groups
    group = LAB.status(cluster.name).groups["broker-a"]  # asked from the host, the name servers list both
    assert group.master == "broker-a-master" and group.slaves == ("broker-a-slave",)
    healed = LAB.heal(cluster.name)
    assert any("rmqlab partition broker-a-master -> broker-a-slave" in line for line in healed.done)
    assert _eventually_success(cluster)


def test_a_one_way_cut_from_master_to_slave_is_enough_to_stop_replication(cluster):
    LAB.fault(cluster.name, "partition", "broker-a-master", "broker-a-slave", one_way="true")
    rules = _holder(cluster, "machine-a", ["iptables", "-w", "-S", netns.CHAIN_IN])
    assert "-A RMQLAB-IN" not in rules  # nothing dropped on the way in
    assert {s.code_name for s in _send(cluster, 2)} <= {"FLUSH_SLAVE_TIMEOUT", "SLAVE_NOT_AVAILABLE"}
    LAB.heal(cluster.name)
    assert _eventually_success(cluster)


def test_a_bandwidth_limit_on_the_replication_link_is_what_a_sync_send_waits_for(cluster):
    size = 64 * 1024
    before = _median([s.millis for s in _send(cluster, 4, size)])
    LAB.fault(cluster.name, "limit", "machine-a", to="broker-a-slave", rate="1mbit")
    sent = _send(cluster, 4, size)
    assert {s.code_name for s in sent} == {"SUCCESS"}
    after = _median([s.millis for s in sent])
    wire_ms = size * 8 / 1_000_000 * 1000  # 64 KiB at 1 Mbit/s: 524 ms
    print(f"64 KiB sync send: {before:.0f} ms stock, {after:.0f} ms with 1 mbit/s to the slave")
    assert after >= 0.8 * wire_ms and after >= before + 300, (before, after)
    LAB.heal(cluster.name)
    assert _median([s.millis for s in _send(cluster, 4, size)]) < 0.5 * wire_ms


def test_packet_loss_drops_that_share_and_tcp_still_delivers(cluster):
    tx = Path("/sys/class/net/eth0/statistics/tx_packets")
    LAB.fault(cluster.name, "loss", "machine-a", loss="10%")
    before = int(_holder(cluster, "machine-a", ["cat", str(tx)]))
    sent = _send(cluster, 60, 4096)
    after = int(_holder(cluster, "machine-a", ["cat", str(tx)]))
    counters = _holder(cluster, "machine-a", ["iptables", "-w", "-L", netns.CHAIN_OUT, "-v", "-x", "-n"])
    dropped = int(re.search(r"^\s*(\d+)\s+\d+\s+DROP", counters, re.M).group(1))
    share = dropped / (dropped + after - before)
    print(f"10% loss: {dropped} of {dropped + after - before} packets dropped ({share:.1%})")
    assert 0.05 <= share <= 0.16 and dropped + after - before >= 200, (dropped, after - before)
    assert {s.code_name for s in sent} == {"SUCCESS"}  # TCP resent what was dropped


def test_delay_is_measured_with_netem_or_the_user_space_delayer_and_heal_ends_it(cluster):
    before = _median([s.millis for s in _send(cluster, 6)])
    done = LAB.fault(cluster.name, "delay", "machine-a", delay="200ms")
    mechanism = "tc netem" if _kernel_has_netem() else "user-space delayer"
    assert mechanism in " ".join(done.done), done.done
    during = _median([s.millis for s in _send(cluster, 6)])
    print(f"200ms delay ({mechanism}): median send {before:.1f} ms -> {during:.1f} ms")
    assert during >= before + 180, (before, during)  # the reply leaves machine-a, and so does the HA stream
    LAB.heal(cluster.name)
    running = _holder(cluster, "machine-a", ["sh", "-c", f"pgrep -af '{netns.DELAYER_PATTERN}' || true"])
    assert "rmq-delay" not in running
    after = _median([s.millis for s in _send(cluster, 6)])
    assert after < before + 100, (before, after)


def _kernel_has_netem() -> bool:
    config = Path("/proc/config.gz")
    if config.is_file():
        return "CONFIG_NET_SCH_NETEM=" in gzip.decompress(config.read_bytes()).decode()
    return True  # no kernel config to read: expect netem, and let the other mechanism fail the test


def _eventually_success(cluster, tries: int = 20) -> bool:
    import time

    for _ in range(tries):
        if {s.code_name for s in _send(cluster, 1)} == {"SUCCESS"}:
            return True
        time.sleep(1)
    return False


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]
