"""What the lab layouts add to RocketMQ's defaults, per version: the timer wheel off on 5.x, and a
fixed HA master address for 4.9.x slaves only (a 5.x slave that has one never replicates)."""

from __future__ import annotations

import pytest

from rmqlab.lint.keys import key_set
from rmqlab.render.settings import broker_sections
from rmqlab.topology.layouts import build_cluster
from rmqlab.topology.model import ClusterSpec, LayoutRole, Mode


def keys_of(cluster, broker) -> dict[str, str]:
    return {s.key: s.value for section in broker_sections(cluster, broker) for s in section.settings}


@pytest.mark.parametrize("mode", [Mode.SYNC_2M2S, Mode.ASYNC_2M2S])
def test_4x_slaves_dial_their_own_masters_ha_port(mode):
    cluster = build_cluster(ClusterSpec(mode=mode, version="4.9.7", name="lab"))
    slaves = [b for b in cluster.brokers if b.role is LayoutRole.SLAVE]
    assert slaves
    for slave in slaves:
        (master,) = [b for b in cluster.group_members(slave.group) if b.role is LayoutRole.MASTER]
        assert master.machine != slave.machine
        assert keys_of(cluster, slave)["haMasterAddress"] == f"{cluster.machine(master.machine).ip}:{master.ha_port}"
    for broker in cluster.brokers:
        if broker.role is not LayoutRole.SLAVE:
            assert "haMasterAddress" not in keys_of(cluster, broker)


@pytest.mark.parametrize("mode", list(Mode))
def test_5x_brokers_learn_the_ha_address_from_registration_and_keep_the_timer_wheel_off(mode):
    cluster = build_cluster(ClusterSpec(mode=mode, version="5.5.0", name="lab"))
    for broker in cluster.brokers:
        keys = keys_of(cluster, broker)
        assert "haMasterAddress" not in keys
        assert keys["timerWheelEnable"] == "false"


def test_4x_has_no_timer_wheel_key_and_5x_reads_it():
    cluster = build_cluster(ClusterSpec(version="4.9.7", name="lab"))
    assert all("timerWheelEnable" not in keys_of(cluster, b) for b in cluster.brokers)
    assert "timerWheelEnable" in key_set("5.5.0", "broker")
    assert "haMasterAddress" in key_set("4.9.7", "broker")
