"""A new cluster's subnet and ports: its name's own first, the next free ones on a clash, the user's
own choice refused (exit 2, nothing started) when something else holds it."""

from __future__ import annotations

import pytest

from rmqlab.api import Lab
from rmqlab.errors import BadInput
from rmqlab.runtime.fake import FakeProvider
from rmqlab.runtime.placement import place
from rmqlab.topology.layouts import build_cluster, default_port_base, default_subnet
from rmqlab.topology.model import ClusterSpec, Mode


def _names_with_same_subnet() -> tuple[str, str]:
    seen: dict[str, str] = {}
    for i in range(2000):
        name = f"c{i}"
        other = seen.setdefault(default_subnet(name), name)
        if other != name:
            return other, name
    raise AssertionError("no two names share a subnet")


def test_a_lone_cluster_gets_its_names_own_subnet_and_ports():
    spec = place(FakeProvider(), ClusterSpec(name="lone"))
    assert spec.subnet == default_subnet("lone")
    assert spec.port_base == default_port_base("lone")


def test_two_names_that_hash_alike_both_come_up_on_different_subnets(tmp_path, monkeypatch):
    monkeypatch.setenv("RMQLAB_HOME", str(tmp_path))
    first, second = _names_with_same_subnet()
    lab = Lab(FakeProvider())
    a = lab.up(ClusterSpec(name=first), image="img", timeout=30).cluster
    b = lab.up(ClusterSpec(name=second), image="img", timeout=30).cluster
    assert a.subnet == default_subnet(first)
    assert b.subnet != a.subnet
    assert {m.ip for m in a.machines}.isdisjoint(m.ip for m in b.machines)


def test_ports_something_else_holds_move_the_cluster_to_the_next_free_block():
    provider = FakeProvider()
    own = build_cluster(ClusterSpec(name="busy", port_base=default_port_base("busy")))
    provider.held_ports = {own.published[0].host_port}
    spec = place(provider, ClusterSpec(name="busy"))
    assert spec.port_base != default_port_base("busy")
    assert not {p.host_port for p in build_cluster(spec).published} & provider.held_ports


def test_a_running_cluster_keeps_its_own_placement_on_a_second_up(tmp_path, monkeypatch):
    monkeypatch.setenv("RMQLAB_HOME", str(tmp_path))
    provider = FakeProvider()
    lab = Lab(provider)
    first = lab.up(ClusterSpec(name="again"), image="img", timeout=30)
    second = lab.up(ClusterSpec(name="again"), image="img", timeout=30)
    assert second.already_running
    assert second.cluster.subnet == first.cluster.subnet
    assert second.cluster.port_base == first.cluster.port_base


def test_an_explicit_subnet_that_overlaps_another_network_is_bad_input(tmp_path, monkeypatch):
    monkeypatch.setenv("RMQLAB_HOME", str(tmp_path))
    provider = FakeProvider()
    lab = Lab(provider)
    taken = lab.up(ClusterSpec(name="first"), image="img", timeout=30).cluster.subnet
    calls = len(provider.calls)
    with pytest.raises(BadInput, match="overlaps"):
        lab.up(ClusterSpec(name="second", subnet=taken), image="img", timeout=30)
    assert len(provider.calls) == calls
    assert not (tmp_path / "clusters" / "second").exists()


def test_an_explicit_port_base_in_use_is_bad_input():
    provider = FakeProvider()
    wanted = ClusterSpec(name="p", mode=Mode.DLEDGER, port_base=23000)
    provider.held_ports = {p.host_port for p in build_cluster(wanted).published}
    with pytest.raises(BadInput, match="already in use"):
        place(provider, wanted)
