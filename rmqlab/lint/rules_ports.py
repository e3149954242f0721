"""Ports bound on one host, including the ones nobody writes down (listenPort-2 and the HA port)."""

from __future__ import annotations

from collections import defaultdict

from rmqlab.lint.findings import ERROR, Context, finding
from rmqlab.lint.values import end_of_line_comment
from rmqlab.lint.views import Reader, honours_ha_listen_port, parse_peers

MIN_PORT, MAX_PORT = 1, 65535


def _bindings(ctx: Context, host):
    """(port, file, what) for every socket a node on `host` listens on."""
    for b in ctx.brokers_on(host):
        yield b.listen_port - 2, b.file, "fast-channel port (listenPort-2)"
        yield b.listen_port, b.file, "listenPort"
        if not b.dledger:
            yield b.ha_port, b.file, b.ha_label
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
    for proxy in host.proxies:
        for port, what in proxy.ports():
            yield port, proxy, what


def proxy_unreadable(ctx: Context):
    """A proxy config that is not a JSON object: mqproxy (or mqbroker --enable-proxy) does not start."""
    for host in ctx.hosts:
        for proxy in host.proxies:
            if proxy.error:
                yield finding("proxy-unreadable", ERROR, host, [proxy], None,
                              f"{proxy.label} is {proxy.error}, so the proxy reading it does not start.",
                              "Write the proxy config as one JSON object, e.g. {\"rocketMQClusterName\": \"...\"}.")


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
                _spacing_hint(ctx.version),
            )


def _spacing_hint(version: str) -> str:
    hint = (
        "Give brokers on one host listenPorts at least 4 apart: each binds listenPort-2, listenPort and "
        "(outside DLedger) the HA port listenPort+1, so 10911 and 10914 still collide on 10912. "
        "The usual choice is steps of 1000: 10911, 11911, 12911."
    )
    if not version.startswith("4."):
        hint += " From 5.1.1 an explicit haListenPort replaces listenPort+1; keep it off every other port too."
    return hint


def bad_ports(ctx: Context):
    """Port values the broker cannot bind, or that Java cannot parse (it then silently uses the default)."""
    for b in ctx.brokers:
        yield from _unparsable(b.file, b.host, ctx.version, "listenPort", 10911)
        yield from _unparsable(b.file, b.host, ctx.version, "haListenPort", "listenPort+1", only_if_honoured=True)
        bound = [(b.listen_port - 2, "its fast-channel port listenPort-2"), (b.listen_port, "listenPort")]
        if not b.dledger:
            bound.append((b.ha_port, f"its {b.ha_label}"))
        fix = (
            f"Use a listenPort from 3 to {MAX_PORT - 1} (the broker also binds listenPort-2 and listenPort+1), "
            "e.g. 10911; an explicit haListenPort must be at most 65535 too."
        )
        yield from _out_of_range(b.file, b.host, bound, fix)
    for n in ctx.namesrvs:
        if n.listen_port is not None:
            yield from _unparsable(n.file, n.host, ctx.version, "listenPort", 9876)
            fix = f"Use a listenPort from {MIN_PORT} to {MAX_PORT}, e.g. 9876."
            yield from _out_of_range(n.file, n.host, [(n.listen_port, "listenPort")], fix)


def _unparsable(file, host, version: str, key: str, default, only_if_honoured: bool = False):
    if file.raw(key) is None or (only_if_honoured and not honours_ha_listen_port(version)):
        return
    reading = Reader(file, version).read(key, default, "int")
    if reading.problem and end_of_line_comment(file.raw(key)) is None:  # inline-comment explains that one
        yield finding(
            "bad-port",
            ERROR,
            host,
            [file],
            key,
            f"{file.label}:{file.line(key)}: {key} {reading.problem}, silently.",
            f"Write {key}=<a whole number from {MIN_PORT} to {MAX_PORT}> with nothing around it.",
        )


def _out_of_range(file, host, bound: list[tuple[int, str]], fix: str):
    wrong = [(port, what) for port, what in bound if not MIN_PORT <= port <= MAX_PORT]
    if not wrong:
        return
    described = ", ".join(f"{what} would be {port}" for port, what in wrong)
    yield finding(
        "bad-port",
        ERROR,
        host,
        [file],
        "listenPort",
        f"{file.label}: {described}, outside {MIN_PORT}-{MAX_PORT}: it cannot bind that port and does not start.",
        fix,
    )
