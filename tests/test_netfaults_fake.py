"""delay, loss, limit and partition through the command line on the fake provider: which rules land in which
namespace, what the result says, and that heal removes everything with no memory of what was done."""

from __future__ import annotations

from clirunner import run

from rmqlab.runtime import netns
from rmqlab.runtime.fake_netns import FakeNetworks


def _space(fake, cluster: str, holder: str):
    return fake.net.space(cluster, holder)


def _rules(fake, cluster: str, holder: str) -> list[str]:
    space = _space(fake, cluster, holder)
    return [" ".join(rule) for chain in (netns.CHAIN_IN, netns.CHAIN_OUT) for rule in space.chains.get(chain, [])]


def test_partition_cuts_master_from_slave_by_ports_and_says_what_else_it_cuts(fake):
    assert run("up", "--name", "nf1").exit_code == 0
    result = run("partition", "broker-a-master", "broker-a-slave", "--name", "nf1")
    assert result.exit_code == 0, result.output
    assert "broker-a-master <-> broker-a-slave" in result.output
    assert "anything else on machine-b (namesrv-b, broker-b-master) dialing broker-a-master" in result.output
    rules = _rules(fake, "nf1", "machine-a")
    master_ports = "10909,10911,10912"
    assert any(f"--sports {master_ports}" in r and "-d 10." in r for r in rules)
    assert any(f"--dports {master_ports}" in r and "-s 10." in r for r in rules)
    assert _space(fake, "nf1", "machine-a").hooks == {"INPUT": [netns.CHAIN_IN], "OUTPUT": [netns.CHAIN_OUT]}
    assert not _rules(fake, "nf1", "machine-b")  # all of it in A's namespace


def test_a_one_way_partition_only_drops_what_the_target_sends(fake):
    assert run("up", "--name", "nf2").exit_code == 0
    assert run("partition", "broker-a-master", "machine-b", "--one-way", "--name", "nf2").exit_code == 0
    space = _space(fake, "nf2", "machine-a")
    assert space.chains[netns.CHAIN_OUT] and not space.chains[netns.CHAIN_IN]


def test_heal_removes_every_rule_and_qdisc_without_remembering_them(fake):
    assert run("up", "--name", "nf3").exit_code == 0
    assert run("loss", "machine-b", "10%", "--name", "nf3").exit_code == 0
    assert run("limit", "broker-a-master", "64kbit", "--to", "broker-a-slave", "--name", "nf3").exit_code == 0
    assert run("partition", "machine-a", "machine-b", "--name", "nf3").exit_code == 0
    assert _space(fake, "nf3", "machine-a").root and _rules(fake, "nf3", "machine-b")
    fake.net = _copy(fake.net)  # heal has no memory: only what the namespaces hold
    result = run("heal", "--name", "nf3")
    assert result.exit_code == 0, result.output
    assert "removed rmqlab loss 10% on machine-b" in result.output
    assert "removed traffic shaping on eth0" in result.output
    assert "removed rmqlab partition machine-a -> machine-b on machine-a" in result.output
    for holder in ("machine-a", "machine-b"):
        space = _space(fake, "nf3", holder)
        assert space.chains == {} and space.root is None and space.hooks == {"INPUT": [], "OUTPUT": []}
    again = run("heal", "--name", "nf3")
    assert "Nothing was paused or isolated, and no network fault was in force." in again.output


def test_delay_is_refused_before_acting_with_neither_netem_nor_python3(fake):
    assert run("up", "--name", "nf4").exit_code == 0
    fake.net.netem, fake.net.python = False, False
    result = run("delay", "machine-a", "200ms", "--name", "nf4")
    assert result.exit_code == 1
    assert "cannot delay packets" in result.output and "CONFIG_NET_SCH_NETEM" in result.output
    space = _space(fake, "nf4", "machine-a")
    assert space.root is None and space.delayer is None and not space.chains
    fake.net.netem, fake.net.python = True, True
    result = run("delay", "broker-a-master", "200ms", "--jitter", "50ms", "--name", "nf4")
    assert result.exit_code == 0, result.output
    assert "every packet from broker-a-master's ports (10909,10911,10912) leaving machine-a waits 200ms ± 50ms" \
        in result.output
    assert any("match ip sport 10912 0xffff" in " ".join(c) for c in fake.calls)
    assert _space(fake, "nf4", "machine-a").delay == "200ms"


def test_a_shaped_link_leaves_an_async_slave_behind_until_heal(fake):
    assert run("up", "--mode", "2m2s-async", "--name", "nf5").exit_code == 0
    assert run("limit", "machine-a", "64kbit", "--to", "broker-a-slave", "--name", "nf5").exit_code == 0
    assert run("produce", "--name", "nf5", "-t", "tp", "-c", "8", "--to", "broker-a").exit_code == 0
    slave_reads = run("consume", "--name", "nf5", "-t", "tp", "--from-slave", "--json")
    assert '"group": "broker-a"' not in slave_reads.stdout
    assert run("heal", "--name", "nf5").exit_code == 0
    slave_reads = run("consume", "--name", "nf5", "-t", "tp", "--from-slave", "--json")
    assert slave_reads.stdout.count('"group": "broker-a"') == 8


def test_partitioning_two_nodes_of_one_machine_is_refused(fake):
    assert run("up", "--name", "nf6").exit_code == 0
    result = run("partition", "broker-a-master", "broker-b-slave", "--name", "nf6")
    assert result.exit_code == 2 and "share one machine" in result.output


def _copy(net: FakeNetworks) -> FakeNetworks:
    """The same namespaces in a fresh object: nothing of the injector's survives but the kernel's state."""
    fresh = FakeNetworks(net.netem)
    fresh.spaces = net.spaces
    return fresh


def test_without_netem_the_user_space_delayer_queues_only_the_nodes_packets_and_heal_stops_it(fake):
    assert run("up", "--name", "nf7").exit_code == 0
    fake.net.netem = False
    assert run("loss", "machine-a", "5%", "--name", "nf7").exit_code == 0
    result = run("delay", "broker-a-master", "150ms", "--jitter", "20ms", "--name", "nf7")
    assert result.exit_code == 0, result.output
    assert "user-space delayer" in result.output and "this kernel has no netem" in result.output
    space = _space(fake, "nf7", "machine-a")
    assert space.delayer.split()[1:] == [str(0x4D51), "150", "20"]
    queued = [r for r in space.chains["RMQLAB-OUT"] if "NFQUEUE" in r]
    assert len(queued) == 1 and "--queue-bypass" in queued[0] and "10909,10911,10912" in queued[0]
    assert any("statistic" in r for r in space.chains["RMQLAB-OUT"]), "the loss rule stays"
    assert space.root is None  # no qdisc: the delay is the queue's
    again = run("delay", "broker-a-master", "300ms", "--name", "nf7")
    assert again.exit_code == 0, again.output
    assert len([r for r in space.chains["RMQLAB-OUT"] if "NFQUEUE" in r]) == 1  # replaced, not stacked
    healed = run("heal", "--name", "nf7")
    assert "the user-space packet delayer" in healed.output, healed.output
    assert space.delayer is None and "RMQLAB-OUT" not in space.chains
