"""How this host reaches a cluster's nodes: straight to the addresses brokers advertise (Linux can route to
container addresses), or through the 127.0.0.1 ports rmqlab publishes (Docker Desktop cannot)."""

from __future__ import annotations

import ipaddress
import socket

from rmqlab.topology.model import Cluster


def address_map(cluster: Cluster, host: str = "127.0.0.1"):
    """Advertised ip:port -> the 127.0.0.1 port rmqlab published for it (unchanged if none)."""
    table = {}
    for port in cluster.published:
        if port.machine:
            table[f"{cluster.machine(port.machine).ip}:{port.container_port}"] = f"{host}:{port.host_port}"

    def mapped(addr: str) -> str:
        return table.get(addr, addr)

    return mapped


def reaches_directly(cluster: Cluster, timeout: float = 0.5) -> bool:
    """Whether this host can dial the containers' own addresses (Linux can; Docker Desktop cannot).

    A refused connection proves a route as well as an accepted one. When the first name server is down,
    the network's gateway answers instead: on Linux it is an address of this very host."""
    host, port = cluster.advertised_addr(cluster.namesrvs[0]).rsplit(":", 1)
    gateway = str(ipaddress.IPv4Network(cluster.subnet).network_address + 1) if cluster.subnet else None
    return _routable(host, int(port), timeout) or (gateway is not None and _routable(gateway, 9, timeout))


def _routable(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


def client_address_map(cluster: Cluster, direct: bool):
    """Direct: dial what brokers advertise, as a real client on their network would, so a dead broker
    refuses the connection. Otherwise go through the 127.0.0.1 ports, where Docker's port proxy accepts
    the connection and then closes it, which a client can only record as an unknown outcome."""
    return (lambda addr: addr) if direct else address_map(cluster)
