"""A small RocketMQ TCP remoting client (standard library only) for 4.9.x and 5.x."""

from rmqlab.remoting.client import RemotingClient, new_uniq_key
from rmqlab.remoting.codes import RequestCode, ResponseCode
from rmqlab.remoting.errors import (
    RemotingClosed,
    RemotingConnectError,
    RemotingError,
    RemotingProtocolError,
    RemotingResponseError,
    RemotingTimeout,
    TopicNotExist,
)
from rmqlab.remoting.message import Message
from rmqlab.remoting.results import (
    BrokerGroup,
    BrokerRole,
    ClusterInfo,
    ControllerMetadata,
    HaStatus,
    PullResult,
    QueueData,
    ReplicaInfo,
    SendResult,
    TopicRoute,
)

__all__ = [
    "BrokerGroup", "BrokerRole", "ClusterInfo", "ControllerMetadata", "HaStatus", "Message",
    "PullResult", "QueueData", "RemotingClient", "RemotingClosed", "RemotingConnectError",
    "RemotingError", "RemotingProtocolError", "RemotingResponseError", "RemotingTimeout",
    "ReplicaInfo", "RequestCode", "ResponseCode", "SendResult", "TopicNotExist", "TopicRoute",
    "new_uniq_key",
]
