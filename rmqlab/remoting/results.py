"""What the remoting operations return: small frozen dataclasses built from server answers."""

from __future__ import annotations

from dataclasses import dataclass, field

from rmqlab.remoting.codes import STORED_CODES, ResponseCode, response_name
from rmqlab.remoting.message import Message

PERM_WRITE = 2
PERM_READ = 4


@dataclass(frozen=True)
class BrokerGroup:
    """A broker name with its members as the name server sees them (id 0 = master)."""

    name: str
    cluster: str
    addrs: dict[int, str]

    @property
    def master(self) -> str | None:
        return self.addrs.get(0)

    @property
    def slaves(self) -> dict[int, str]:
        return {i: a for i, a in sorted(self.addrs.items()) if i != 0}


@dataclass(frozen=True)
class ClusterInfo:
    groups: dict[str, BrokerGroup]
    clusters: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class QueueData:
    broker_name: str
    read_queues: int
    write_queues: int
    perm: int
    sys_flag: int = 0

    @property
    def writable(self) -> bool:
        return bool(self.perm & PERM_WRITE)

    @property
    def readable(self) -> bool:
        return bool(self.perm & PERM_READ)


@dataclass(frozen=True)
class TopicRoute:
    topic: str
    groups: dict[str, BrokerGroup]
    queues: tuple[QueueData, ...]


@dataclass(frozen=True)
class SendResult:
    """The broker's answer to one send. `code` is kept exactly as the broker sent it."""

    code: int
    remark: str | None
    msg_id: str | None = None
    queue_id: int | None = None
    queue_offset: int | None = None
    region: str | None = None
    transaction_id: str | None = None
    uniq_key: str | None = None
    broker: str = ""

    @property
    def ok(self) -> bool:
        return self.code == ResponseCode.SUCCESS

    @property
    def stored(self) -> bool:
        """The broker stored it (10/11/12 mean stored, but sync flush/replication unconfirmed)."""
        return self.code in STORED_CODES

    @property
    def code_name(self) -> str:
        return response_name(self.code)


@dataclass(frozen=True)
class PullResult:
    code: int
    remark: str | None
    next_begin_offset: int | None
    min_offset: int | None
    max_offset: int | None
    suggest_broker_id: int | None
    messages: tuple[Message, ...] = ()

    @property
    def found(self) -> bool:
        return self.code == ResponseCode.SUCCESS

    @property
    def code_name(self) -> str:
        return response_name(self.code)


@dataclass(frozen=True)
class BrokerRole:
    """A broker's live role from its own config (still right after DLedger/controller switches)."""

    role: str  # ASYNC_MASTER, SYNC_MASTER or SLAVE
    broker_id: int
    broker_name: str
    cluster: str
    mode: str  # classic, dledger or controller

    @property
    def is_master(self) -> bool:
        return self.role != "SLAVE"


@dataclass(frozen=True)
class HaConnection:
    """A slave as its master sees it (5.x GET_BROKER_HA_STATUS)."""

    addr: str
    slave_ack_offset: int
    diff: int
    in_sync: bool


@dataclass(frozen=True)
class HaStatus:
    master: bool
    master_commit_log_max_offset: int
    in_sync_slave_nums: int
    connections: tuple[HaConnection, ...] = ()
    master_addr: str | None = None  # slave side: the master it replicates from
    slave_max_offset: int | None = None  # slave side: its own commitlog max offset
    raw: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ControllerMetadata:
    group: str | None
    leader_id: str | None
    leader_addr: str | None
    is_leader: bool
    peers: dict[str, str]


@dataclass(frozen=True)
class ReplicaInfo:
    broker_name: str
    master_broker_id: int | None
    master_addr: str | None
    master_epoch: int | None
    sync_state_set: frozenset[int]
    sync_state_set_epoch: int | None
