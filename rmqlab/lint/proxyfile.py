"""A 5.x proxy's JSON config as lint sees it: the ports it binds on its host."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# ProxyConfig's defaults, taken when the file leaves a port out.
DEFAULT_PORTS = {"remotingListenPort": 8080, "grpcServerPort": 8081}
SUFFIX = ".json"


@dataclass(frozen=True)
class ProxyFile:
    path: str
    values: dict
    error: str | None = None  # why the JSON does not parse: the proxy does not start

    @property
    def label(self) -> str:
        return Path(self.path).name

    def ports(self) -> list[tuple[int, str]]:
        found = []
        for key, default in DEFAULT_PORTS.items():
            value = self.values.get(key, default)
            if isinstance(value, int) and not isinstance(value, bool):
                found.append((value, f"proxy {key}"))
        return found


def proxy_from_text(path: str, text: str) -> ProxyFile:
    try:
        values = json.loads(text)
    except ValueError as error:
        return ProxyFile(path, {}, f"not JSON ({error})")
    if not isinstance(values, dict):
        return ProxyFile(path, {}, "not a JSON object")
    return ProxyFile(path, values)


def proxy_files_in(folder: Path) -> tuple[ProxyFile, ...]:
    return tuple(proxy_from_text(str(p), p.read_text(errors="replace"))
                 for p in sorted(folder.glob(f"*{SUFFIX}")) if p.is_file())
