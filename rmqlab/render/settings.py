"""Which RocketMQ keys each node gets, and why. Version differences are decided here, once.

The renderer only formats these sections; it never decides a key or a value.
"""

from __future__ import annotations

from dataclasses import dataclass

from rmqlab.topology.knobs import DLEDGER_PROPERTY, DLEDGER_TIMING, Knob
from rmqlab.topology.model import BrokerNode, Cluster, LayoutRole, Mode, NamesrvNode
from rmqlab.topology.versions import (
    applies_ha_master_address,
    has_timer_wheel,
    honours_ha_listen_port,
    needs_total_replicas,
    parse_version,
    slave_read_needed_for_slave_pulls,
    slave_wait,
)

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
    sections += [_storage(broker, cluster.version), _reads(cluster)]
    if has_timer_wheel(cluster.version) and not cluster.on_real_hosts:  # real hosts get RocketMQ's own
        sections.append(_lab_defaults(bool(cluster.proxies)))
    return _with_knobs(cluster, broker, sections)


# Measured on 5.5.0: with the timer wheel on, a broker's direct buffers hold ~130 MB before any read, so the
# lab's 128 MB cap made every POP read (the proxy's gRPC receive) fail with "Cannot reserve ... direct buffer
# memory" and the consumer time out.
TIMER_WHEEL_DIRECT_MB = 128


def timer_wheel_on(cluster: Cluster, broker: BrokerNode) -> bool:
    """Whether this broker runs RocketMQ 5's timer wheel, as rendered (RocketMQ's default, or a knob)."""
    if not has_timer_wheel(cluster.version):
        return False
    value = next((s.value for section in broker_sections(cluster, broker) for s in section.settings
                  if s.key == "timerWheelEnable"), "true")
    return value.strip().lower() == "true"


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
    return _with_knobs(cluster, namesrv, sections)


def _identity(cluster: Cluster, broker: BrokerNode) -> Section:
    settings = [
        Setting("brokerClusterName", cluster.rocketmq_cluster),
        Setting("brokerName", broker.group, "Every replica of one group shares this name."),
    ]
    if broker.role is not LayoutRole.REPLICA:
        note = "0 = master." if broker.broker_id == 0 else "Slaves need an id > 0."
        settings.append(Setting("brokerId", str(broker.broker_id), note))
    return Section("Identity.", tuple(settings))


def _network(cluster: Cluster, broker: BrokerNode) -> Section:
    ip = cluster.machine(broker.machine).ip
    bound = f"{broker.fast_port} (fast channel)"
    if not broker.dledger:
        bound += f" and {broker.ha_port} (HA replication"
        # BrokerStartup of 4.x and 5.0.0-5.1.0 sets haListenPort = listenPort + 1 after reading the file.
        bound += ", always listenPort+1 here)" if not honours_ha_listen_port(cluster.version) else ")"
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
    if broker.role is LayoutRole.SLAVE:
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
            _sync_note(cluster.version) if sync else "A send is acknowledged before the slave has it.",
        )
    ]
    if sync and needs_total_replicas(cluster.version):
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


def _sync_note(version: str) -> str:
    note = "A send is acknowledged once the slave has it too."
    key, seconds = slave_wait(version)
    if key != "slaveTimeout":
        # 4.7.0 HAService.GroupTransferService bounds the wait with syncFlushTimeout.
        note += (f" {version} waits up to {key} ({seconds:.0f} s) for it, then answers FLUSH_SLAVE_TIMEOUT; "
                 "it has no slaveTimeout key.")
    return note


def _ha_master_address(cluster: Cluster, slave: BrokerNode) -> tuple[Setting, ...]:
    """4.x only: see versions.applies_ha_master_address (a 5.x slave given one never replicates)."""
    if not applies_ha_master_address(cluster.version):
        return ()
    master = next(b for b in cluster.group_members(slave.group) if b.role is LayoutRole.MASTER)
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
            Setting("sendMessageThreadPoolNums", "16", _send_threads_note(cluster.version)),
        ),
    )


def _send_threads_note(version: str) -> str:
    note = "Send threads wait for the Raft quorum."
    if parse_version(version)[:2] == (4, 7):
        # 4.7.0 BrokerConfig: sendMessageThreadPoolNums = 1; DLedgerCommitLog.putMessage blocks its
        # thread on the append future for up to 3 s.
        note += " 4.7.0's default is 1 thread, which would serialise every send behind one quorum wait."
    return note


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


def _commitlog_size_note(version: str) -> str:
    note = "64 MiB files instead of 1 GiB."
    if parse_version(version)[0] == 4:
        # MessageStoreConfig.setMappedFileSizeCommitLog since 4.5.2 (setMapedFileSizeCommitLog before).
        note += " Spelled with pp: the mapedFileSizeCommitLog of older guides is ignored since 4.5.2."
    return note


def _storage(broker: BrokerNode, version: str) -> Section:
    return Section(
        "Storage: one root per broker (it holds the lock file); consume queues, index and "
        "checkpoint always live under it.",
        (
            Setting("storePathRootDir", broker.store_root),
            Setting("storePathCommitLog", broker.commitlog_path),
            Setting("mappedFileSizeCommitLog", str(COMMITLOG_FILE_BYTES), _commitlog_size_note(version)),
            Setting("mappedFileSizeConsumeQueue", str(CONSUMEQUEUE_FILE_BYTES), "30000 entries per file."),
        ),
    )


def _reads(cluster: Cluster) -> Section:
    if slave_read_needed_for_slave_pulls(cluster.version):
        note = "RocketMQ 5 slaves refuse pulls without it."
    else:
        # 4.x PullMessageProcessor: the slave's PULL_RETRY_IMMEDIATELY is overwritten by FOUND.
        note = "4.x slaves serve pulls without it too; with it a master may send a slow consumer to its slave."
    return Section(
        "Reads.",
        (
            Setting("slaveReadEnable", "true", note),
            Setting("autoCreateTopicEnable", "true", "rmqlab creates its topics on every group anyway."),
        ),
    )


def _lab_defaults(proxied: bool = False) -> Section:
    if proxied:
        return Section(
            "Lab defaults: what a laptop cluster can do without.",
            (
                Setting(
                    "timerWheelEnable",
                    "true",
                    "On (RocketMQ's default) because this cluster has a proxy: its gRPC consumers receive with POP, "
                    "which a broker refuses while the timer wheel is off (~110 MB per broker; its direct-memory cap is "
                    "raised by 128 MB for it).",
                ),
            ),
        )
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


# -- knobs (--set) ----------------------------------------------------------------------------------------


def knobs_for(cluster: Cluster, node: BrokerNode | NamesrvNode) -> list[Knob]:
    """The resolved --set knobs that reach this node's .properties (rmqlab.lint.knobs resolved their scopes)."""
    knobs = cluster.spec.knobs if cluster.spec else ()
    broker = isinstance(node, BrokerNode)
    found = []
    for knob in knobs:
        reaches = (
            knob.scope == node.name
            or (knob.scope == "broker" and broker)
            or (knob.scope == "namesrv" and not broker)
            or (knob.scope == "controller" and not broker and node.controller is not None)
            or (knob.scope in ("master", "slave") and broker and node.role.value == knob.scope)
        )
        if reaches:
            found.append(knob)
    return found


def _with_knobs(cluster: Cluster, node, sections: list[Section]) -> tuple[Section, ...]:
    """Override rmqlab's value where it sets the key, add the others in a section of their own; each commented."""
    knobs = {k.key: k for k in knobs_for(cluster, node)}  # a later --set of the same key wins
    out = []
    for section in sections:
        settings = []
        for setting in section.settings:
            knob = knobs.pop(setting.key, None)
            if knob is None:
                settings.append(setting)
            else:
                settings.append(Setting(setting.key, knob.value,
                                        f"--set {knob.text} (rmqlab writes {setting.value} here otherwise)."))
        out.append(Section(section.title, tuple(settings)))
    if knobs:
        out.append(Section("Knobs turned with --set (RocketMQ's default otherwise).",
                           tuple(Setting(k.key, k.value, f"--set {k.text}") for k in knobs.values())))
    timing = dledger_timing(cluster) if isinstance(node, BrokerNode) and node.dledger else {}
    if timing:
        fields = ", ".join(f"{k}={v}" for k, v in timing.items())
        out.append(Section(f"DLedger election timing, --set dledger: {fields}. No .properties key reaches these "
                           "DLedgerConfig fields: rmqlab's launcher sets them "
                           f"(-D{DLEDGER_PROPERTY}* in JAVA_OPT_EXT).", ()))
    return tuple(out)


def dledger_timing(cluster: Cluster) -> dict[str, str]:
    """--set dledger:<field>=<value>, in DLedgerConfig's field order."""
    knobs = {k.key: k.value for k in (cluster.spec.knobs if cluster.spec else ()) if k.scope == "dledger"}
    return {key: knobs[key] for key in DLEDGER_TIMING if key in knobs}


def launcher_java_opts(cluster: Cluster, node: BrokerNode | NamesrvNode) -> str:
    """System properties for rmqlab's broker launcher (empty: RocketMQ's own BrokerStartup, untouched)."""
    if not isinstance(node, BrokerNode) or not node.dledger:
        return ""
    return " ".join(f"-D{DLEDGER_PROPERTY}{k}={v}" for k, v in dledger_timing(cluster).items())
