"""Run every pitfall rule over a set of hosts: the LintReport."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from rmqlab.lint.findings import ERROR, INFO, SEVERITIES, WARNING, Context, Finding
from rmqlab.lint.inputs import Host
from rmqlab.lint.rules_groups import (
    dledger_groups,
    master_slave_groups,
    mixed_modes,
    replication_semantics,
)
from rmqlab.lint.rules_keys import (
    broker_containers,
    ignored_ha_port,
    inline_comments,
    refused_files,
    unknown_keys,
    unparsable_values,
)
from rmqlab.lint.rules_memory import heap_too_big
from rmqlab.lint.rules_ports import bad_ports, port_clash, proxy_unreadable
from rmqlab.lint.rules_store import overlapping_store_paths, shared_store_root
from rmqlab.lint.views import broker_view, namesrv_view

RULES = (
    refused_files,
    shared_store_root,
    overlapping_store_paths,
    port_clash,
    proxy_unreadable,
    bad_ports,
    master_slave_groups,
    dledger_groups,
    mixed_modes,
    heap_too_big,
    unknown_keys,
    unparsable_values,
    inline_comments,
    ignored_ha_port,
    replication_semantics,
    broker_containers,
)


@dataclass(frozen=True)
class LintReport:
    version: str
    findings: tuple[Finding, ...]
    files: int
    hosts: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def infos(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == INFO]

    @property
    def exit_code(self) -> int:
        """1 on errors; warnings and infos never change it."""
        return 1 if self.errors else 0

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "files": self.files,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "infos": len(self.infos),
            "findings": [f.to_dict() for f in self.findings],
        }


def lint_hosts(hosts: list[Host], version: str) -> LintReport:
    hosts = tuple(_with_addresses(h, version) for h in _merged(hosts))
    brokers = tuple(broker_view(f, h, version) for h in hosts for f in h.files if f.kind == "broker")
    namesrvs = tuple(
        namesrv_view(f, h, version) for h in hosts for f in h.files if f.kind in ("namesrv", "controller")
    )
    ctx = Context(version=version, hosts=hosts, brokers=brokers, namesrvs=namesrvs)
    findings = [f for rule in RULES for f in rule(ctx)]
    findings.sort(key=lambda f: (SEVERITIES.index(f.severity), f.host, f.rule))
    return LintReport(version, tuple(findings), sum(len(h.files) for h in hosts), len(hosts))


def _merged(hosts: list[Host]) -> list[Host]:
    """A host named twice is one machine: its files share ports, store roots and memory."""
    by_name: dict[str, Host] = {}
    for host in hosts:
        seen = by_name.get(host.name)
        if seen is None:
            by_name[host.name] = host
            continue
        by_name[host.name] = replace(
            seen,
            files=seen.files + host.files,
            proxies=seen.proxies + host.proxies,
            memory_mb=seen.memory_mb if seen.memory_mb is not None else host.memory_mb,
            addresses=seen.addresses | host.addresses,
        )
    return list(by_name.values())


def _with_addresses(host: Host, version: str) -> Host:
    """A host is known by its name when that is an address, and by the brokerIP1 its brokers announce."""
    addresses = set(host.addresses)
    if _is_ip(host.name):
        addresses.add(host.name)
    for file in host.files:
        if file.kind == "broker" and (file.raw("brokerIP1") or "").strip():
            addresses.add(file.raw("brokerIP1").strip())
    return replace(host, addresses=frozenset(addresses))


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False
