"""A 5.x proxy's JSON config (what `mqproxy -pc` and `mqbroker --enable-proxy -pc` read)."""

from __future__ import annotations

import json

from rmqlab.topology.model import Cluster, ProxyNode


def proxy_config(cluster: Cluster, proxy: ProxyNode) -> dict[str, object]:
    """The keys rmqlab sets; every other key keeps the proxy's default."""
    return {
        # The broker cluster the proxy serves: the brokers' brokerClusterName.
        "rocketMQClusterName": cluster.rocketmq_cluster,
        "namesrvAddr": cluster.namesrv_addr,
        "remotingListenPort": proxy.remoting_port,
        "grpcServerPort": proxy.grpc_port,
    }


def render_proxy_json(cluster: Cluster, proxy: ProxyNode) -> str:
    return json.dumps(proxy_config(cluster, proxy), indent=2) + "\n"
