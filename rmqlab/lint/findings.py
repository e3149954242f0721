"""A lint finding, and the context every rule reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from rmqlab.lint.inputs import ConfigFile, Host
from rmqlab.lint.views import BrokerView, NamesrvView

ERROR = "error"
WARNING = "warning"
INFO = "info"  # worth knowing, never a reason to fail: the exit code ignores it
SEVERITIES = (ERROR, WARNING, INFO)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    host: str
    files: tuple[str, ...]
    key: str | None
    message: str
    fix: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Context:
    version: str
    hosts: tuple[Host, ...]
    brokers: tuple[BrokerView, ...]
    namesrvs: tuple[NamesrvView, ...]

    def brokers_on(self, host: Host) -> list[BrokerView]:
        return [b for b in self.brokers if b.host is host]


def finding(
    rule: str, severity: str, host: Host, files: list[ConfigFile], key: str | None, message: str, fix: str
) -> Finding:
    return Finding(rule, severity, host.name, tuple(f.path for f in files), key, message, fix)
