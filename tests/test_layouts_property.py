"""Any valid topology renders with no port or path clash, and passes lint with nothing to say."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from rmqlab.lint.cluster import lint_cluster
from rmqlab.topology.layouts import ClusterSpec, build_cluster
from rmqlab.topology.model import BrokerNode, Mode

names = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)
versions = st.sampled_from(["5.5.1", "5.3.2", "4.9.8", "4.9.7", "4.7.0"])


@st.composite
def specs(draw):
    mode = draw(st.sampled_from(list(Mode)))
    version = draw(versions)
    if mode is Mode.CONTROLLER:
        version = draw(st.sampled_from(["5.5.1", "5.3.2", "5.1.1"]))
    return ClusterSpec(mode=mode, name=draw(names), version=version, groups=draw(st.integers(1, 9)))


@settings(max_examples=150, deadline=None)
@given(specs())
def test_no_port_or_store_path_is_shared_on_a_machine(spec):
    cluster = build_cluster(spec)
    for machine in cluster.machines:
        bound = Counter()
        roots = Counter()
        for node in cluster.nodes_on(machine.letter):
            bound.update(node.ports.values())
            if isinstance(node, BrokerNode):
                roots[node.store_root] += 1
            elif node.controller:
                roots[node.controller.store_path] += 1
        assert max(bound.values()) == 1, bound
        assert max(roots.values(), default=1) == 1
    host_ports = [p.host_port for p in cluster.published]
    assert len(host_ports) == len(set(host_ports))


@settings(max_examples=150, deadline=None)
@given(specs())
def test_every_rendered_layout_passes_lint_cleanly(spec):
    cluster = build_cluster(spec)
    report = lint_cluster(cluster)
    assert not [f for f in report.findings if f.rule != "heap"], [f.message for f in report.findings]
    overfull = {
        m.name for m in cluster.machines if sum(n.heap.heap_mb for n in cluster.nodes_on(m.letter)) > m.memory_mb
    }
    assert {f.host for f in report.findings if f.rule == "heap"} == overfull


def test_heaps_that_do_not_fit_the_machine_are_reported():
    spec = ClusterSpec(mode=Mode.SYNC_2M2S, groups=9, machine_memory_mb=1024)  # 9 x 128 MB brokers + 64 MB
    report = lint_cluster(build_cluster(spec))
    assert {f.host for f in report.errors if f.rule == "heap"} == {"machine-a", "machine-b"}


@given(specs())
def test_every_group_has_one_master_or_an_elected_one(spec):
    cluster = build_cluster(spec)
    for group in cluster.groups:
        members = cluster.group_members(group)
        fixed_masters = [b for b in members if b.broker_id == 0]
        assert len(fixed_masters) == (1 if spec.mode.is_2m2s else 0)
        assert len({b.machine for b in members}) == len(members), "replicas of a group share a machine"
