"""Where clusters run, as an interface: containers found by label, their states, the few things done to
them, and how to dial their nodes. `rmqlab.runtime.docker` implements it on a Docker engine;
`rmqlab.runtime.fake` in memory, for tests that need no engine.

Everything above this interface names containers by the node they hold (`broker-a-master`,
`machine-a`), never by engine-specific names or objects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rmqlab.errors import RmqlabError
from rmqlab.topology.model import BROKER_STOP_GRACE_S, Cluster

ENGINE_HINT = "Start Docker, or run `rmqlab doctor --fix` (installs and starts an engine on Debian and Ubuntu)."
STOP_GRACE_SECONDS = BROKER_STOP_GRACE_S


class EngineError(RmqlabError):
    """A call to the engine failed: what was asked, the command's exit code (or the API's HTTP status) and the
    end of what it said. (`exit_code`, as on every RmqlabError, is what rmqlab itself exits with.)"""

    def __init__(self, command: str, returncode: int | None, stderr: str, hint: str | None = None):
        lines = [line for line in (stderr or "").strip().splitlines() if line.strip()]
        super().__init__("", hint=hint)
        self.command = command
        self.returncode = returncode
        self.stderr_tail = "\n".join(lines[-8:])
        code = f" (exit {returncode})" if returncode is not None else ""
        detail = f": {self.stderr_tail}" if self.stderr_tail else ""
        self.message = f"`{command}` failed{code}{detail}"
        self.args = (self.message,)


class EngineUnavailable(RmqlabError):
    """No engine answers; nothing was started or changed."""

    def __init__(self, detail: str):
        super().__init__(f"No Docker engine answers ({detail}).", hint=ENGINE_HINT)


@dataclass(frozen=True)
class ContainerState:
    node: str  # the node or machine it holds: broker-a-master, machine-a
    name: str  # the engine's own name for it
    role: str  # machine | namesrv | broker | dashboard | ...
    status: str  # created | running | paused | exited | restarting | dead
    exit_code: int | None = None
    oom_killed: bool = False
    networks: frozenset[str] = frozenset()
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def up(self) -> bool:
        return self.status in ("running", "paused")

    def describe(self) -> str:
        """running / paused / exited(137) / created …"""
        return f"exited({self.exit_code})" if self.status == "exited" else self.status


@dataclass(frozen=True)
class VolumeState:
    name: str
    node: str | None


@dataclass(frozen=True)
class ContainerRun:
    """A one-off container outside compose (the pitfall machines)."""

    name: str
    image: str
    command: Sequence[str]
    labels: dict[str, str]
    user: str | None = None
    network_of: str | None = None  # join this container's network namespace
    network: str | None = None  # or join this engine network (a cluster's own)
    volumes: dict[str, str] = field(default_factory=dict)  # volume name or host path -> mount point
    read_only: frozenset[str] = frozenset()  # which of `volumes` are mounted read-only
    environment: dict[str, str] = field(default_factory=dict)
    memory_mb: int | None = None


class Provider(Protocol):
    """The one door to where clusters run. Every method raises EngineUnavailable or EngineError on failure."""

    def ping(self) -> None: ...

    # -- finding things, by label ---------------------------------------------------------------
    def containers(self, cluster: str) -> dict[str, ContainerState]: ...
    def clusters(self) -> dict[str, str]: ...  # cluster name -> the spec JSON its machines carry
    def networks(self, cluster: str) -> list[str]: ...
    def subnets_in_use(self) -> dict[str, str]: ...  # every engine network's IPv4 subnet -> its name
    def ports_in_use(self, ports: Sequence[int]) -> set[int]: ...  # those of `ports` held on 127.0.0.1
    def volumes(self, cluster: str) -> list[VolumeState]: ...

    # -- acting on one container (named by its node) ---------------------------------------------
    def kill(self, cluster: str, node: str, signal: str) -> None: ...
    def stop(self, cluster: str, node: str, timeout: float = STOP_GRACE_SECONDS) -> None: ...
    def start(self, cluster: str, node: str) -> None: ...
    def restart(self, cluster: str, node: str, timeout: float = STOP_GRACE_SECONDS) -> None: ...
    def pause(self, cluster: str, node: str) -> None: ...
    def unpause(self, cluster: str, node: str) -> None: ...
    def remove(self, cluster: str, node: str) -> None: ...
    def connect(self, cluster: str, node: str, network: str, ip: str, aliases: Sequence[str]) -> None: ...
    def disconnect(self, cluster: str, node: str, network: str) -> None: ...
    def exec(self, cluster: str, node: str, argv: Sequence[str], timeout: float,
             user: str | None = None) -> tuple[int, str]: ...
    def logs(self, cluster: str, node: str, tail: int) -> str: ...
    def stream_logs(self, cluster: str, node: str, tail: int, follow: bool, path: str | None) -> int: ...
    def read_file(self, cluster: str, node: str, path: str) -> str | None: ...

    # -- whole clusters ---------------------------------------------------------------------------
    def compose_up(self, cluster: Cluster, compose_file: str, services: Sequence[str] = ()) -> None: ...
    def remove_network(self, name: str) -> None: ...
    def remove_volume(self, name: str) -> None: ...
    def run_container(self, cluster: str, run: ContainerRun) -> None: ...
    def create_volume(self, cluster: str, name: str, labels: dict[str, str]) -> None: ...

    # -- images -----------------------------------------------------------------------------------
    def image_present(self, reference: str) -> bool: ...
    def pull(self, reference: str, progress: Callable[[str], None] | None = None) -> bool: ...

    # -- talking to the nodes ---------------------------------------------------------------------
    def client(self, cluster: Cluster, timeout: float = 3.0, send_timeout: float | None = None): ...
    def direct(self, cluster: Cluster) -> bool: ...
