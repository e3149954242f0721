"""Master/slave groups, DLedger groups and controller mode: who replicates whom."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict

from rmqlab.lint.findings import ERROR, INFO, WARNING, Context, finding
from rmqlab.lint.views import parse_peers
from rmqlab.topology.versions import needs_total_replicas

_SELF_ID = re.compile(r"^[A-Za-z]\d+$")
_LOOPBACK = {"127.0.0.1", "localhost"}


def master_slave_groups(ctx: Context):
    classic = [b for b in ctx.brokers if not b.dledger and not b.controller_mode]
    masters = defaultdict(list)
    for b in classic:
        if b.is_master:
            masters[(b.cluster, b.name)].append(b)
    for (cluster, name), group in masters.items():
        if len(group) > 1:
            yield _one_slot(
                "two-masters", group, "brokerName",
                f"are all masters of {name} in {cluster}: the name server keeps one address per brokerId, "
                "so they replace each other's route.",
                "Make one of them brokerRole=SLAVE with brokerId=1, or give it another brokerName.",
            )
    yield from _slaves(ctx, classic, masters)


def _one_slot(rule: str, group: list, key: str, what: str, fix: str):
    """Several brokers claiming one (brokerName, brokerId) slot in the name server."""
    names = " and ".join(b.file.label for b in group)
    return finding(rule, ERROR, group[0].host, [b.file for b in group], key, f"{names} {what}", fix)


def _slaves(ctx: Context, classic, masters):
    seen_ids = defaultdict(list)
    for b in classic:
        if not b.is_slave:
            continue
        seen_ids[(b.cluster, b.name, b.broker_id)].append(b)
        if b.broker_id <= 0:
            yield finding(
                "slave-id",
                ERROR,
                b.host,
                [b.file],
                "brokerId",
                f"{b.file.label} is a SLAVE with brokerId {b.broker_id}: the broker exits at start "
                "(\"Slave's brokerId must be > 0\").",
                "Set brokerId=1 (2, 3 … for more slaves of the same group).",
            )
        if (b.cluster, b.name) not in masters:
            yield _slave_without_master(b, masters, whole_cluster=len(ctx.hosts) > 1)
    for (_, name, broker_id), group in seen_ids.items():
        if len(group) > 1:
            yield _one_slot(
                "duplicate-broker-id", group, "brokerId",
                f"are slaves of {name} with the same brokerId {broker_id}: the name server keeps only one of them.",
                "Number the slaves of one group 1, 2, 3 ….",
            )


def _slave_without_master(slave, masters, whole_cluster: bool):
    same_name = [m for (cluster, name), ms in masters.items() for m in ms if name == slave.name]
    if not same_name and not whole_cluster:
        # One host of a 2m2s layout holds the slave of a group whose master runs on the other host.
        return finding(
            "slave-without-master",
            INFO,
            slave.host,
            [slave.file],
            "brokerName",
            f"{slave.file.label} is a slave of {slave.name!r}; its master is not among these files, which is "
            "normal when it runs on another host. Lint all hosts together to check the pair.",
            "rmqlab lint FOLDER (one sub-folder per host), or one --host HOST=FILE,... per host.",
        )
    if same_name:
        other = same_name[0]
        message = (
            f"{slave.file.label} is a slave of {slave.name} in cluster '{slave.cluster}', but its master "
            f"{other.file.label} is in cluster '{other.cluster}': they disagree on brokerClusterName."
        )
        fix = "Use the same brokerClusterName on master and slave."
    else:
        names = sorted({name for _, name in masters})
        close = difflib.get_close_matches(slave.name, names, n=1, cutoff=0.6)
        message = f"{slave.file.label} is a slave of {slave.name!r} but no master has that brokerName"
        message += f" (did you mean {close[0]!r}?)." if close else "."
        message += " It will never replicate anything."
        fix = "Give the slave exactly its master's brokerName (watch trailing spaces), or add the master."
    return finding("slave-without-master", ERROR, slave.host, [slave.file], "brokerName", message, fix)


def dledger_groups(ctx: Context):
    groups = defaultdict(list)
    for b in ctx.brokers:
        if b.dledger:
            groups[b.dledger_group or b.name].append(b)
    for group, nodes in groups.items():
        yield from _dledger_group(group, nodes)


def _dledger_group(group, nodes):
    files = [n.file for n in nodes]
    host = nodes[0].host
    peer_lists = {tuple(sorted(p.strip() for p in (n.dledger_peers or "").split(";") if p.strip())) for n in nodes}
    if len(peer_lists) > 1:
        yield finding(
            "dledger-peers",
            ERROR,
            host,
            files,
            "dLegerPeers",
            f"The nodes of DLedger group {group} disagree on dLegerPeers: "
            + "; ".join(f"{n.file.label}: {n.dledger_peers}" for n in nodes),
            "Copy one dLegerPeers line to every node of the group.",
        )
    names = {n.name for n in nodes}
    if len(names) > 1:
        yield finding(
            "dledger-peers",
            ERROR,
            host,
            files,
            "brokerName",
            f"DLedger group {group} spans brokerNames {sorted(names)}: each name becomes its own group "
            "in the name server, so clients never see one group with one master.",
            f"Use one brokerName for the group (conventionally brokerName=dLegerGroup={group}).",
        )
    for node in nodes:
        yield from _dledger_node(node, nodes)


def _dledger_node(node, nodes):
    peers, bad = parse_peers(node.dledger_peers)
    label = node.file.label
    if bad or not peers:
        yield finding(
            "dledger-peers",
            ERROR,
            node.host,
            [node.file],
            "dLegerPeers",
            f"{label}: dLegerPeers entries must look like n0-host:port, not {bad or [node.dledger_peers]}; "
            "the broker fails at start (ArrayIndexOutOfBoundsException).",
            "Write dLegerPeers=n0-host0:40911;n1-host1:40911;n2-host2:40911.",
        )
        return
    self_id = node.dledger_self_id
    if not self_id or not _SELF_ID.match(self_id):
        yield finding(
            "dledger-peers", ERROR, node.host, [node.file], "dLegerSelfId",
            f"{label}: dLegerSelfId {self_id!r} must be one letter and digits (n0, n1, …): RocketMQ "
            "derives the follower brokerId from the digits.",
            "Use n0, n1, n2 as in dLegerPeers.",
        )
    mine = [p for p in peers if p.self_id == self_id]
    if self_id and not mine:
        yield finding(
            "dledger-peers", ERROR, node.host, [node.file], "dLegerSelfId",
            f"{label}: dLegerSelfId {self_id} is not in dLegerPeers; the broker exits with "
            "'fail to init self address'.",
            f"Use one of {', '.join(p.self_id for p in peers)}, or add {self_id} to dLegerPeers on every node.",
        )
    if len(peers) < 3:
        yield finding(
            "dledger-size", WARNING, node.host, [node.file], "dLegerPeers",
            f"{label}: DLedger group of {len(peers)} node(s): Raft needs a majority, so losing any "
            "one node stops writes.",
            "Use 3 peers to survive one failure.",
        )
    if mine:
        yield from _peer_address(node, mine[0], nodes)
    if node.dledger_group and node.dledger_group != node.name:
        yield finding(
            "dledger-peers", WARNING, node.host, [node.file], "dLegerGroup",
            f"{label}: dLegerGroup {node.dledger_group} differs from brokerName {node.name}.",
            "Keep dLegerGroup equal to brokerName, as the RocketMQ docs recommend.",
        )


def _peer_address(node, peer, nodes):
    known = set(node.host.addresses)
    if peer.host in _LOOPBACK:
        if all(n.host is node.host for n in nodes):
            return
        message = (
            f"{node.file.label}: its own dLegerPeers entry is {peer.host}:{peer.port}, but the group's "
            "nodes run on different hosts, so the other nodes dial their own loopback."
        )
    elif known and peer.host not in known:
        message = (
            f"{node.file.label} runs on {node.host.name} ({', '.join(sorted(known))}) but its own "
            f"dLegerPeers entry says {peer.host}:{peer.port}: the other nodes dial the wrong host."
        )
    else:
        return
    yield finding(
        "dledger-peers", ERROR, node.host, [node.file], "dLegerPeers", message,
        "Give each peer the address of the host it runs on.",
    )


def mixed_modes(ctx: Context):
    for b in ctx.brokers:
        if b.dledger and b.file.raw("enableControllerMode") and b.file.raw("enableControllerMode").strip() == "true":
            yield finding(
                "mixed-mode", ERROR, b.host, [b.file], "enableControllerMode",
                f"{b.file.label} enables both DLedger and controller mode; RocketMQ 5 exits at start (-4).",
                "Choose one: enableDLegerCommitLog for Raft replicas, or enableControllerMode.",
            )
    kinds = defaultdict(set)
    for b in ctx.brokers:
        kinds[(b.cluster, b.name)].add(_replication_kind(b))
    for (cluster, name), found in kinds.items():
        if len(found) > 1:
            files = [b.file for b in ctx.brokers if (b.cluster, b.name) == (cluster, name)]
            yield finding(
                "mixed-mode", ERROR, ctx.brokers[0].host, files, "brokerName",
                f"Group {name} mixes {' and '.join(sorted(found))} replicas; they cannot replicate each other.",
                "Use one replication mode for all replicas of a group.",
            )
    for b in ctx.brokers:
        if b.controller_mode and not (b.file.raw("controllerAddr") or "").strip():
            yield finding(
                "controller-addr", ERROR, b.host, [b.file], "controllerAddr",
                f"{b.file.label} is in controller mode without controllerAddr: no controller will ever "
                "elect it.",
                "Set controllerAddr to every controller, e.g. host1:9878;host2:9878;host3:9878.",
            )


def _replication_kind(broker) -> str:
    if broker.dledger:
        return "DLedger"
    return "controller" if broker.controller_mode else "master/slave"


def replication_semantics(ctx: Context):
    for b in ctx.brokers:
        if b.is_master and b.role == "SYNC_MASTER" and needs_total_replicas(ctx.version) and b.in_sync_replicas < 2:
            yield finding(
                "sync-master-5x", WARNING, b.host, [b.file], "inSyncReplicas",
                f"{b.file.label}: SYNC_MASTER on RocketMQ {ctx.version} does not wait for the slave unless "
                "inSyncReplicas is 2 (5.x changed the default to 1); sends are acknowledged asynchronously.",
                "Add totalReplicas=2 and inSyncReplicas=2 for real synchronous double writes.",
            )
        if not b.name_set:
            yield finding(
                "broker-name", WARNING, b.host, [b.file], "brokerName",
                f"{b.file.label} has no brokerName: it defaults to the hostname (a random container id in "
                "Docker), so master and slave never form a group.",
                "Set brokerName; the master and its slaves share it.",
            )
        if not (b.namesrv_addr or "").strip():
            yield finding(
                "namesrv-addr", WARNING, b.host, [b.file], "namesrvAddr",
                f"{b.file.label} has no namesrvAddr: unless NAMESRV_ADDR is set in its environment it "
                "registers nowhere and no client finds it.",
                "Set namesrvAddr to every name server, e.g. host1:9876;host2:9876.",
            )
