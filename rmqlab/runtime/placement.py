"""Where a new cluster goes on this engine: a /24 no other network holds and 127.0.0.1 ports nothing
listens on. A name picks its own subnet and ports first; a clash (another cluster whose name hashes
alike, a network someone else made) moves it to the next free ones instead of failing `up`."""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from rmqlab.errors import BadInput
from rmqlab.runtime.provider import Provider
from rmqlab.topology import naming
from rmqlab.topology.layouts import build_cluster, port_base_candidates, subnet_candidates
from rmqlab.topology.model import ClusterSpec
from rmqlab.topology.specio import spec_from_json


def place(provider: Provider, spec: ClusterSpec) -> ClusterSpec:
    """The spec with its subnet and port base filled in. A cluster that already runs keeps its own."""
    if spec.hosts:
        return spec
    existing = provider.clusters().get(spec.name)
    if existing:
        old = spec_from_json(existing)
        return replace(spec, subnet=spec.subnet or old.subnet,
                       port_base=spec.port_base if spec.port_base is not None else old.port_base)
    return replace(spec, subnet=_subnet(provider, spec), port_base=_port_base(provider, spec))


def _subnet(provider: Provider, spec: ClusterSpec) -> str:
    own = naming.network_name(spec.name)  # left over by a half-finished down: compose reuses it
    used = {ipaddress.IPv4Network(subnet, strict=False): name
            for subnet, name in provider.subnets_in_use().items() if name != own}

    def clash(subnet: str) -> str | None:
        wanted = ipaddress.IPv4Network(subnet)
        return next((name for network, name in used.items() if network.overlaps(wanted)), None)

    if spec.subnet:
        holder = clash(spec.subnet)
        if holder:
            raise BadInput(f"--subnet {spec.subnet} overlaps the engine's network '{holder}', so nothing was started.",
                           hint="Pick another --subnet, or leave it out and rmqlab picks a free one.")
        return spec.subnet
    free = next((s for s in subnet_candidates(spec.name) if clash(s) is None), None)
    if free is None:
        raise BadInput("Every 10.213.x.0/24 subnet rmqlab uses is held by another network.",
                       hint="Remove clusters you no longer need (rmqlab list, rmqlab down), or give --subnet.")
    return free


def _port_base(provider: Provider, spec: ClusterSpec) -> int:
    def busy(base: int) -> set[int]:
        ports = [p.host_port for p in build_cluster(replace(spec, port_base=base)).published]
        return provider.ports_in_use(ports)

    if spec.port_base is not None:
        held = busy(spec.port_base)
        if held:
            raise BadInput(f"--port-base {spec.port_base}: 127.0.0.1 port(s) {_listed(held)} are already in use, "
                           "so nothing was started.",
                           hint="Pick another --port-base, or leave it out and rmqlab picks free ports.")
        return spec.port_base
    free = next((base for base in port_base_candidates(spec.name) if not busy(base)), None)
    if free is None:
        raise BadInput("No block of 127.0.0.1 ports from 20000 to 28999 is free for this cluster.",
                       hint="Remove clusters you no longer need, or give --port-base.")
    return free


def _listed(ports: set[int]) -> str:
    return ", ".join(str(p) for p in sorted(ports)[:5]) + (" …" if len(ports) > 5 else "")
