"""Ports bound on one host, including the ones nobody writes down (listenPort-2 and +1)."""

from __future__ import annotations

from collections import defaultdict

from rmqlab.lint.findings import ERROR, Context, finding
from rmqlab.lint.views import parse_peers


def _bindings(ctx: Context, host):
    """(port, file, what) for every socket a node on `host` listens on."""
    for b in ctx.brokers_on(host):
        yield b.listen_port - 2, b.file, "fast-channel port (listenPort-2)"
        yield b.listen_port, b.file, "listenPort"
        if not b.dledger:
            yield b.ha_port, b.file, "HA port (listenPort+1)"
        else:
            for peer in parse_peers(b.dledger_peers)[0]:
                if peer.self_id == b.dledger_self_id:
                    yield peer.port, b.file, "DLedger peer port"
    for n in ctx.namesrvs:
        if n.host is not host:
            continue
        if n.listen_port is not None:
            yield n.listen_port, n.file, "name server listenPort"
        for peer in parse_peers(n.controller_peers)[0]:
            if peer.self_id == n.controller_self_id:
                yield peer.port, n.file, "controller port"


def port_clash(ctx: Context):
    """One finding per set of colliding files, listing every port they fight over."""
    for host in ctx.hosts:
        users = defaultdict(list)
        for port, file, what in _bindings(ctx, host):
            users[port].append((file, what))
        clashes = defaultdict(list)
        for port, owners in sorted(users.items()):
            if len(owners) > 1:
                files = tuple(dict.fromkeys(f.path for f, _ in owners))
                clashes[files].append((port, owners))
        for pairs in clashes.values():
            files = list({f.path: f for _, owners in pairs for f, _ in owners}.values())
            described = "; ".join(
                f"{port} is " + " and ".join(f"{f.label}'s {what}" for f, what in owners) for port, owners in pairs
            )
            yield finding(
                "port-clash",
                ERROR,
                host,
                files,
                "listenPort",
                f"On {host.name}: {described}. The broker that starts later fails with "
                "'Address already in use'.",
                "Space brokers on one host at least 3 apart (they bind listenPort-2, listenPort and "
                "listenPort+1); the usual choice is steps of 1000: 10911, 11911, 12911.",
            )
