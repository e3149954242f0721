"""Target resolution and role mapping, from hand-built name server answers (no Docker)."""

import pytest

from rmqlab.errors import BadInput, RmqlabError
from rmqlab.live.dialing import address_map
from rmqlab.live.roles import expected_layout_ready, group_roles
from rmqlab.live.targets import resolve_target
from rmqlab.topology.layouts import build_cluster
from rmqlab.topology.model import ClusterSpec, Mode
from rmqlab.topology.specio import spec_from_json, spec_to_json

SYNC = build_cluster(ClusterSpec(mode=Mode.SYNC_2M2S, name="t"))
RAFT = build_cluster(ClusterSpec(mode=Mode.DLEDGER, name="t"))


def addr(cluster, node):
    return cluster.advertised_addr(cluster.node(node))


def raft_roles(master, *slaves):
    ids = {addr(RAFT, master): 0} if master else {}
    for i, node in enumerate(slaves, start=1):
        ids[addr(RAFT, node)] = i
    return group_roles(RAFT, {"broker-a": {v: k for k, v in ids.items()}})


def test_2m2s_role_names_are_fixed_nodes_even_without_a_live_view():
    target = resolve_target(SYNC, "broker-a-master", lambda: pytest.fail("must not ask the name server"))
    assert target.nodes == ("broker-a-master",) and target.alias_of is None


def test_dledger_master_alias_follows_the_name_server():
    roles = raft_roles("broker-a-n2", "broker-a-n0", "broker-a-n1")
    target = resolve_target(RAFT, "broker-a-master", lambda: roles)
    assert target.nodes == ("broker-a-n2",) and target.alias_of == "master of broker-a"
    assert resolve_target(RAFT, "broker-a-slave", lambda: roles).nodes == ("broker-a-n0",)


def test_alias_with_no_master_is_an_error_not_a_guess():
    with pytest.raises(RmqlabError, match="no master right now"):
        resolve_target(RAFT, "broker-a-master", lambda: raft_roles(None, "broker-a-n0", "broker-a-n1"))


def test_machine_target_takes_all_its_nodes():
    target = resolve_target(SYNC, "machine-b", dict)
    assert target.kind == "machine" and target.machine == "machine-b"
    assert set(target.nodes) == {"namesrv-b", "broker-b-master", "broker-a-slave"}


def test_unknown_target_lists_valid_ones_and_is_bad_input():
    with pytest.raises(BadInput) as error:
        resolve_target(SYNC, "broker-z-master", dict)
    assert "broker-a-master" in error.value.hint and "machine-a" in error.value.hint


def test_readiness_waits_for_the_expected_roles():
    master, slave = addr(SYNC, "broker-a-master"), addr(SYNC, "broker-a-slave")
    b_master, b_slave = addr(SYNC, "broker-b-master"), addr(SYNC, "broker-b-slave")
    partial = group_roles(SYNC, {"broker-a": {0: master}, "broker-b": {0: b_master, 1: b_slave}})
    assert expected_layout_ready(SYNC, partial) == {"broker-a-slave": "not registered in the name server yet"}
    full = group_roles(SYNC, {"broker-a": {0: master, 1: slave}, "broker-b": {0: b_master, 1: b_slave}})
    assert expected_layout_ready(SYNC, full) == {}
    swapped = group_roles(SYNC, {"broker-a": {1: master, 0: slave}, "broker-b": {0: b_master, 1: b_slave}})
    assert "broker-a-master" in expected_layout_ready(SYNC, swapped)


def test_elected_group_without_master_is_not_ready():
    waiting = expected_layout_ready(RAFT, raft_roles(None, "broker-a-n0", "broker-a-n1", "broker-a-n2"))
    assert set(waiting) == {"broker-a-n0", "broker-a-n1", "broker-a-n2"}
    assert expected_layout_ready(RAFT, raft_roles("broker-a-n1", "broker-a-n0", "broker-a-n2")) == {}


def test_address_map_points_advertised_addresses_at_published_loopback_ports():
    mapped = address_map(SYNC)
    local = mapped(addr(SYNC, "broker-b-slave"))
    assert local.startswith("127.0.0.1:")
    port = int(local.split(":")[1])
    assert any(p.host_port == port and p.node == "broker-b-slave" for p in SYNC.published)
    assert mapped("198.51.100.1:1") == "198.51.100.1:1"


def test_spec_round_trips_through_its_label():
    spec = ClusterSpec(mode=Mode.CONTROLLER, name="x", groups=3, port_base=31000)
    assert spec_from_json(spec_to_json(spec)) == spec
