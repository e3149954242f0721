"""Which RocketMQ keys each node gets, and why. Version differences are decided here, once.

The renderer only formats these sections; it never decides a key or a value.
"""

from __future__ import annotations

from dataclasses import dataclass

from rmqlab.model import BrokerNode, BrokerRole, Cluster, Mode, NamesrvNode
from rmqlab.versions import is_5x

COMMITLOG_FILE_BYTES = 64 * 1024 * 1024
CONSUMEQUEUE_FILE_BYTES = 30_000 * 20
CONTROLLER_GROUP = "rocketmq-controller"


@dataclass(frozen=True)
class Setting:
    key: str
    value: str
    comment: str | None = None


@dataclass(frozen=True)
class Section:
    title: str
    settings: tuple[Setting, ...]


def broker_sections(cluster: Cluster, broker: BrokerNode) -> tuple[Section, ...]:
    sections = [_identity(cluster, broker), _network(cluster, broker)]
    if broker.dledger:
        sections.append(_dledger(cluster, broker))
    elif broker.controlled:
        sections.append(_controlled(cluster, broker))
    else:
        sections.append(_fixed_role_replication(cluster, broker))
    sections += [_storage(broker), _reads(cluster)]
    if is_5x(cluster.version):
        sections.append(_lab_defaults())
    return tuple(sections)


def namesrv_sections(cluster: Cluster, namesrv: NamesrvNode) -> tuple[Section, ...]:
    sections = [
        Section(
            "Name server: brokers register here every 30 s; clients ask it where topics live.",
            (Setting("listenPort", str(namesrv.port)),),
        )
    ]
    if namesrv.controller:
        peers = ";".join(
            f"{n.controller.self_id}-{cluster.machine(n.machine).ip}:{n.controller.port}"
            for n in cluster.namesrvs
            if n.controller
        )
        sections.append(
            Section(
                "Embedded controller: the controllers form their own Raft group and pick each "
                "broker group's master from its in-sync replicas.",
                (
                    Setting("enableControllerInNamesrv", "true"),
                    Setting("controllerType", "DLedger", "Raft implementation of the controller quorum."),
                    Setting("controllerDLegerGroup", CONTROLLER_GROUP),
                    Setting("controllerDLegerPeers", peers, "Same list on every controller."),
                    Setting("controllerDLegerSelfId", namesrv.controller.self_id),
                    Setting("controllerStorePath", namesrv.controller.store_path, "Controller Raft log."),
                ),
            )
        )
    return tuple(sections)


def _identity(cluster: Cluster, broker: BrokerNode) -> Section:
    settings = [
        Setting("brokerClusterName", cluster.rocketmq_cluster),
        Setting("brokerName", broker.group, "Every replica of one group shares this name."),
    ]
    if broker.role is not BrokerRole.REPLICA:
        note = "0 = master." if broker.broker_id == 0 else "Slaves need an id > 0."
        settings.append(Setting("brokerId", str(broker.broker_id), note))
    return Section("Identity.", tuple(settings))


def _network(cluster: Cluster, broker: BrokerNode) -> Section:
    ip = cluster.machine(broker.machine).ip
    bound = f"{broker.fast_port} (fast channel)"
    if not broker.dledger:
        bound += f" and {broker.ha_port} (HA replication)"
    return Section(
        "Network: where name servers, clients and replicas find this broker.",
        (
            Setting("namesrvAddr", cluster.namesrv_addr, "Registers with every name server."),
            Setting("brokerIP1", ip, "Address announced to clients."),
            Setting("brokerIP2", ip, "Address replicas use for HA replication traffic."),
            Setting("listenPort", str(broker.listen_port), f"Also binds {bound}."),
        ),
    )


def _fixed_role_replication(cluster: Cluster, broker: BrokerNode) -> Section:
    if broker.role is BrokerRole.SLAVE:
        return Section(
            "Replication: a slave copies its master and never becomes master by itself.",
            (
                Setting("brokerRole", "SLAVE"),
                *_ha_master_address(cluster, broker),
                Setting("flushDiskType", "ASYNC_FLUSH"),
            ),
        )
    sync = cluster.mode is Mode.SYNC_2M2S
    settings = [
        Setting(
            "brokerRole",
            "SYNC_MASTER" if sync else "ASYNC_MASTER",
            "A send is acknowledged once the slave has it too."
            if sync
            else "A send is acknowledged before the slave has it.",
        )
    ]
    if sync and is_5x(cluster.version):
        settings += [
            Setting(
                "totalReplicas",
                "2",
                "RocketMQ 5 waits for the slave only when 2 replicas must ack; "
                "with its default of 1, SYNC_MASTER would not wait.",
            ),
            Setting("inSyncReplicas", "2", "Master + slave must both have a message before SEND_OK."),
        ]
    settings.append(Setting("flushDiskType", "SYNC_FLUSH", "Acknowledge only after fsync."))
    return Section("Replication and flushing.", tuple(settings))


def _ha_master_address(cluster: Cluster, slave: BrokerNode) -> tuple[Setting, ...]:
    """4.9.x only. A 5.x broker applies a configured haMasterAddress before its HA client exists
    (DefaultHAService creates it in start(), after initialize() set the address), so the address is
    dropped, and because it was configured the slave stops taking it from registration replies: it
    never replicates (seen on 5.5.0: "HAClient connect to master null failed" every 5 s)."""
    if is_5x(cluster.version):
        return ()
    master = next(b for b in cluster.group_members(slave.group) if b.role is BrokerRole.MASTER)
    return (
        Setting(
            "haMasterAddress",
            f"{cluster.machine(master.machine).ip}:{master.ha_port}",
            "The master's brokerIP2:HA port, the address its registration would hand out. Unset, "
            "the slave learns it only from a name server's reply to its own registration, 10 s "
            "late (its next one) when it registered before its master.",
        ),
    )


def _dledger(cluster: Cluster, broker: BrokerNode) -> Section:
    peers = ";".join(
        f"{b.dledger.self_id}-{cluster.machine(b.machine).ip}:{b.dledger.port}"
        for b in cluster.group_members(broker.group)
        if b.dledger
    )
    return Section(
        "DLedger: the commit log is a Raft group; brokerId and brokerRole follow the elected leader.",
        (
            Setting("enableDLegerCommitLog", "true"),
            Setting("dLegerGroup", broker.group, "Same on every node of the group; equal to brokerName."),
            Setting("dLegerPeers", peers, "Same list on every node of the group."),
            Setting("dLegerSelfId", broker.dledger.self_id, "This node's entry in dLegerPeers."),
            Setting("sendMessageThreadPoolNums", "16", "Send threads wait for the Raft quorum."),
        ),
    )


def _controlled(cluster: Cluster, broker: BrokerNode) -> Section:
    return Section(
        "Controller mode: the controller elects the master and assigns broker ids.",
        (
            Setting("enableControllerMode", "true"),
            Setting("controllerAddr", cluster.controller_addr, "Every controller."),
            Setting("brokerId", "-1", "Assigned by the controller."),
            Setting("brokerRole", "SLAVE", "Every replica starts as a slave until elected."),
            Setting("allAckInSyncStateSet", "true", "A send waits for every in-sync replica."),
            Setting("flushDiskType", "ASYNC_FLUSH"),
        ),
    )


def _storage(broker: BrokerNode) -> Section:
    return Section(
        "Storage: one root per broker (it holds the lock file); consume queues, index and "
        "checkpoint always live under it.",
        (
            Setting("storePathRootDir", broker.store_root),
            Setting("storePathCommitLog", broker.commitlog_path),
            Setting("mappedFileSizeCommitLog", str(COMMITLOG_FILE_BYTES), "64 MiB files instead of 1 GiB."),
            Setting("mappedFileSizeConsumeQueue", str(CONSUMEQUEUE_FILE_BYTES), "30000 entries per file."),
        ),
    )


def _reads(cluster: Cluster) -> Section:
    if is_5x(cluster.version):
        note = "RocketMQ 5 slaves refuse pulls without it."
    else:
        note = "Lets consumers read from slaves."
    return Section(
        "Reads.",
        (
            Setting("slaveReadEnable", "true", note),
            Setting("autoCreateTopicEnable", "true", "rmqlab creates its topics on every group anyway."),
        ),
    )


def _lab_defaults() -> Section:
    return Section(
        "Lab defaults: what a laptop cluster can do without.",
        (
            Setting(
                "timerWheelEnable",
                "false",
                "The 7-day timer wheel holds 604,800 slots twice (a direct buffer and a mapped file), "
                "~110 MB per broker. Off, timer messages and POP consumers are refused; "
                "`--set timerWheelEnable=true` brings them back. Delay levels still work.",
            ),
        ),
    )
