"""The one door to Docker. Nothing else in rmqlab imports a Docker library or runs the docker CLI.

Per call, the cheapest tool that does the job: the SDK for container and network calls inside a fault
schedule (no process start), the CLI for compose and image builds (it streams its own progress). Every
failure becomes an EngineError carrying the command, the exit code and the end of what the engine said.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from functools import lru_cache

from rmqlab.runtime.provider import (
    ENGINE_HINT,
    STOP_GRACE_SECONDS,
    ContainerRun,
    ContainerState,
    EngineError,
    EngineUnavailable,
    VolumeState,
)
from rmqlab.topology import naming
from rmqlab.topology.model import Cluster

PULL_FIRST_OUTPUT_S = 20  # a pull that says nothing for this long is not going to work (no registry)
PULL_TOTAL_S = 900
COMPOSE_TIMEOUT_S = 600

# -- the CLI ---------------------------------------------------------------------------------------


def docker(*args: str, input: bytes | None = None, timeout: float | None = 120, check: bool = True,
           hint: str | None = None) -> subprocess.CompletedProcess:
    """Run `docker *args`, capturing output as text."""
    if shutil.which("docker") is None:
        raise EngineUnavailable("the `docker` command is not installed")
    argv = ["docker", *args]
    try:
        done = subprocess.run(argv, input=input, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise EngineError(_shown(argv), None, f"did not finish within {timeout:.0f} s", hint=hint) from None
    stderr = done.stderr.decode(errors="replace")
    if check and done.returncode != 0:
        _raise_unavailable(stderr)
        raise EngineError(_shown(argv), done.returncode, stderr, hint=hint)
    return subprocess.CompletedProcess(argv, done.returncode, done.stdout.decode(errors="replace"), stderr)


def docker_streaming(*args: str, progress: Callable[[str], None], timeout: float = 3600, hint: str | None = None,
                     stdin: int | None = None) -> None:
    """Run a long docker command (build, import), passing each output line to `progress`."""
    if shutil.which("docker") is None:
        raise EngineUnavailable("the `docker` command is not installed")
    argv = ["docker", *args]
    tail: list[str] = []
    with subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace") as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            tail = (tail + [line])[-30:]
            progress(line)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise EngineError(_shown(argv), None, f"did not finish within {timeout:.0f} s", hint=hint) from None
    if code != 0:
        _raise_unavailable("\n".join(tail))
        raise EngineError(_shown(argv), code, "\n".join(tail), hint=hint)


def image_id(reference: str) -> str | None:
    """The local image ID of `reference`, or None when the engine does not have it."""
    done = docker("image", "inspect", "--format", "{{.Id}}", reference, check=False, timeout=30)
    if done.returncode == 0:
        return done.stdout.strip()
    if "No such image" in done.stderr or "No such object" in done.stderr:
        return None
    _raise_unavailable(done.stderr)
    raise EngineError(f"docker image inspect {reference}", done.returncode, done.stderr)


def pull_image(reference: str, progress: Callable[[str], None] | None = None) -> str | None:
    """Pull `reference`; its image ID, or None when no registry serves it. Never hangs: a pull that prints
    nothing within PULL_FIRST_OUTPUT_S is abandoned, and any pull within PULL_TOTAL_S."""
    if shutil.which("docker") is None:
        return None
    proc = subprocess.Popen(["docker", "pull", reference], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    started = time.monotonic()
    output = b""
    try:
        assert proc.stdout is not None
        while proc.poll() is None:
            limit = PULL_TOTAL_S if output else PULL_FIRST_OUTPUT_S
            if time.monotonic() - started > limit:
                proc.kill()
                return None
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                output += os.read(proc.stdout.fileno(), 4096)
        output += proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    if proc.returncode != 0:
        return None
    if progress:
        progress(f"Pulled {reference}")
    return image_id(reference)


def _raise_unavailable(stderr: str) -> None:
    if "Cannot connect to the Docker daemon" in stderr or "Is the docker daemon running" in stderr:
        raise EngineUnavailable("the engine does not answer its socket")


def _shown(argv: Sequence[str]) -> str:
    shown = " ".join(argv[:4])
    return shown + (" …" if len(argv) > 4 else "")


# -- the SDK ---------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _sdk():
    import docker as sdk
    from docker.errors import DockerException

    try:
        client = sdk.from_env(timeout=60)
        client.ping()
    except DockerException as error:
        raise EngineUnavailable(str(error).splitlines()[0] if str(error) else type(error).__name__) from None
    return client


@contextmanager
def _call(what: str):
    """SDK errors as EngineError: `what` names the call, the API status is the exit code."""
    from docker.errors import APIError, DockerException

    try:
        yield
    except APIError as error:
        raise EngineError(what, error.status_code, str(error.explanation or error)) from None
    except DockerException as error:
        raise EngineError(what, None, str(error)) from None


def _labels_filter(cluster: str, **labels: str) -> dict:
    wanted = [f"{naming.LABEL_CLUSTER}={cluster}"] + [f"{naming.LABEL_PREFIX}.{k}={v}" for k, v in labels.items()]
    return {"label": wanted}


def _state(container) -> ContainerState:
    attrs = container.attrs
    state = attrs.get("State") or {}
    labels = container.labels or {}
    networks = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
    return ContainerState(
        node=labels.get(naming.LABEL_NODE, container.name), name=container.name,
        role=labels.get(naming.LABEL_ROLE, ""), status=container.status,
        exit_code=state.get("ExitCode") if container.status == "exited" else None,
        oom_killed=bool(state.get("OOMKilled")), networks=frozenset(networks), labels=dict(labels),
    )


class DockerProvider:
    """Provider on the local Docker engine (or whatever DOCKER_HOST names)."""

    def __init__(self) -> None:
        self._direct: dict[str, bool] = {}
        self._lock = threading.Lock()

    def ping(self) -> None:
        _sdk()

    def _container(self, cluster: str, node: str):
        with _call(f"docker ps (cluster {cluster}, node {node})"):
            found = _sdk().containers.list(all=True, filters=_labels_filter(cluster, node=node))
        if not found:
            raise EngineError(f"find {node} of {cluster}", None, f"no container holds {node}",
                              hint="rmqlab status shows what exists; rmqlab up recreates it.")
        return found[0]

    def containers(self, cluster: str) -> dict[str, ContainerState]:
        with _call(f"docker ps (cluster {cluster})"):
            found = _sdk().containers.list(all=True, filters=_labels_filter(cluster))
            return {state.node: state for state in map(_state, found)}

    def clusters(self) -> dict[str, str]:
        from rmqlab.topology.specio import SPEC_LABEL

        with _call("docker ps (rmqlab machines)"):
            machines = _sdk().containers.list(all=True, filters={"label": [f"{naming.LABEL_ROLE}=machine"]})
        return {c.labels[naming.LABEL_CLUSTER]: c.labels.get(SPEC_LABEL, "") for c in machines
                if naming.LABEL_CLUSTER in c.labels}

    def networks(self, cluster: str) -> list[str]:
        with _call(f"docker network ls (cluster {cluster})"):
            return [n.name for n in _sdk().networks.list(filters=_labels_filter(cluster))]

    def subnets_in_use(self) -> dict[str, str]:
        with _call("docker network ls"):
            found = _sdk().networks.list(greedy=False)
        return {config["Subnet"]: network.name for network in found
                for config in ((network.attrs.get("IPAM") or {}).get("Config") or [])
                if "." in config.get("Subnet", "")}

    def ports_in_use(self, ports: Sequence[int]) -> set[int]:
        return {port for port in ports if not _bindable(port)}

    def volumes(self, cluster: str) -> list[VolumeState]:
        with _call(f"docker volume ls (cluster {cluster})"):
            found = _sdk().volumes.list(filters=_labels_filter(cluster))
        return [VolumeState(v.name, (v.attrs.get("Labels") or {}).get(naming.LABEL_NODE)) for v in found]

    def kill(self, cluster: str, node: str, signal: str) -> None:
        container = self._container(cluster, node)
        with _call(f"docker kill --signal {signal} {container.name}"):
            container.kill(signal=signal)

    def stop(self, cluster: str, node: str, timeout: float = STOP_GRACE_SECONDS) -> None:
        container = self._container(cluster, node)
        with _call(f"docker stop {container.name}"):
            container.stop(timeout=int(timeout))

    def start(self, cluster: str, node: str) -> None:
        container = self._container(cluster, node)
        with _call(f"docker start {container.name}"):
            container.start()

    def restart(self, cluster: str, node: str, timeout: float = STOP_GRACE_SECONDS) -> None:
        container = self._container(cluster, node)
        with _call(f"docker restart {container.name}"):
            container.restart(timeout=int(timeout))

    def pause(self, cluster: str, node: str) -> None:
        container = self._container(cluster, node)
        with _call(f"docker pause {container.name}"):
            container.pause()

    def unpause(self, cluster: str, node: str) -> None:
        container = self._container(cluster, node)
        with _call(f"docker unpause {container.name}"):
            container.unpause()

    def remove(self, cluster: str, node: str) -> None:
        container = self._container(cluster, node)
        with _call(f"docker rm -f {container.name}"):
            container.remove(force=True, v=False)

    def connect(self, cluster: str, node: str, network: str, ip: str, aliases: Sequence[str]) -> None:
        container = self._container(cluster, node)
        with _call(f"docker network connect {network} {container.name}"):
            _sdk().networks.get(network).connect(container, ipv4_address=ip, aliases=list(aliases))

    def disconnect(self, cluster: str, node: str, network: str) -> None:
        container = self._container(cluster, node)
        with _call(f"docker network disconnect {network} {container.name}"):
            _sdk().networks.get(network).disconnect(container, force=True)

    def exec(self, cluster: str, node: str, argv: Sequence[str], timeout: float,
             user: str | None = None) -> tuple[int, str]:
        container = self._container(cluster, node)
        shown = f"docker exec {container.name} {' '.join(argv[:3])}"
        bounded = ["timeout", "-s", "KILL", str(int(timeout)), *argv]  # a hung tool must not hang rmqlab
        with _call(shown):
            result = container.exec_run(bounded, demux=False, user=user or "")
        output = (result.output or b"").decode(errors="replace")
        if result.exit_code == 137 and "timeout" not in output:
            output += f"\n(stopped after {timeout:.0f} s)\n"
        return result.exit_code, output

    def logs(self, cluster: str, node: str, tail: int) -> str:
        container = self._container(cluster, node)
        with _call(f"docker logs {container.name}"):
            return container.logs(tail=tail, stdout=True, stderr=True).decode(errors="replace")

    def stream_logs(self, cluster: str, node: str, tail: int, follow: bool, path: str | None) -> int:
        container = self._container(cluster, node)
        if path:
            argv = ["docker", "exec", container.name, "tail", "-n", str(tail), *(["-F"] if follow else []), path]
        else:
            argv = ["docker", "logs", "--tail", str(tail), *(["-f"] if follow else []), container.name]
        try:
            return subprocess.call(argv)
        except KeyboardInterrupt:
            return 0

    def read_file(self, cluster: str, node: str, path: str) -> str | None:
        """A file from a container, running or exited (docker cp)."""
        import io
        import tarfile

        from docker.errors import NotFound

        container = self._container(cluster, node)
        try:
            with _call(f"docker cp {container.name}:{path}"):
                stream, _ = container.get_archive(path)
        except EngineError as error:
            if error.returncode == 404:
                return None
            raise
        except NotFound:
            return None
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
            member = archive.next()
            handle = archive.extractfile(member) if member else None
            return handle.read().decode(errors="replace") if handle else None

    def compose_up(self, cluster: Cluster, compose_file: str, services: Sequence[str] = ()) -> None:
        args = ["compose", "-f", compose_file, "-p", naming.compose_project(cluster.name), "up", "-d",
                "--quiet-pull"]
        if services:
            args += ["--no-deps", *services]
        docker(*args, timeout=COMPOSE_TIMEOUT_S)

    def remove_network(self, name: str) -> None:
        with _call(f"docker network rm {name}"):
            _sdk().networks.get(name).remove()

    def remove_volume(self, name: str) -> None:
        with _call(f"docker volume rm {name}"):
            _sdk().volumes.get(name).remove(force=True)

    def run_container(self, cluster: str, run: ContainerRun) -> None:
        volumes = {source: {"bind": target, "mode": "ro" if source in run.read_only else "rw"}
                   for source, target in run.volumes.items()}
        network = f"container:{self._container(cluster, run.network_of).id}" if run.network_of else None
        with _call(f"docker run {run.name}"):
            _sdk().containers.run(
                run.image, list(run.command), detach=True, name=run.name, labels=run.labels, user=run.user or None,
                network_mode=network, network=None if network else run.network, volumes=volumes or None,
                environment=run.environment or None,
                mem_limit=f"{run.memory_mb}m" if run.memory_mb else None,
            )

    def create_volume(self, cluster: str, name: str, labels: dict[str, str]) -> None:
        with _call(f"docker volume create {name}"):
            _sdk().volumes.create(name, labels=labels)

    def image_present(self, reference: str) -> bool:
        return image_id(reference) is not None

    def pull(self, reference: str, progress: Callable[[str], None] | None = None) -> bool:
        return pull_image(reference, progress) is not None

    def direct(self, cluster: Cluster) -> bool:
        """Whether this host dials the containers' own addresses (Linux) or the published ports (Docker Desktop)."""
        from rmqlab.live.dialing import reaches_directly

        with self._lock:
            if cluster.name not in self._direct:
                self._direct[cluster.name] = reaches_directly(cluster)
            return self._direct[cluster.name]

    def client(self, cluster: Cluster, timeout: float = 3.0, send_timeout: float | None = None):
        from rmqlab.live.dialing import client_address_map
        from rmqlab.remoting import RemotingClient

        extra = {"send_timeout": send_timeout} if send_timeout is not None else {}
        return RemotingClient(address_map=client_address_map(cluster, self.direct(cluster)), timeout=timeout,
                              connect_timeout=timeout, **extra)


__all__ = ["DockerProvider", "ENGINE_HINT", "docker", "docker_streaming", "image_id", "pull_image"]


# -- the engine itself (rmqlab doctor) -----------------------------------------------------------------


def engine_answers() -> str | None:
    """The engine's version when `docker info` answers, else None."""
    if shutil.which("docker") is None:
        return None
    done = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                          timeout=30)
    return (done.stdout.strip() or "unknown version") if done.returncode == 0 else None


def compose_version() -> str | None:
    """`docker compose version` (v2), or None when the plugin is missing."""
    if shutil.which("docker") is None:
        return None
    done = subprocess.run(["docker", "compose", "version", "--short"], capture_output=True, text=True, timeout=30)
    return (done.stdout.strip() or "unknown version") if done.returncode == 0 else None


def start_dockerd(log_path: str, wait_seconds: float) -> float:
    """Start dockerd in the background (as root) and wait until it answers; seconds it took."""
    started = time.monotonic()
    with open(log_path, "ab") as log:
        subprocess.Popen(["dockerd"], stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    while engine_answers() is None:
        if time.monotonic() - started > wait_seconds:
            with open(log_path, errors="replace") as log:
                tail = "".join(log.readlines()[-6:]).rstrip()
            raise EngineError("dockerd", None, f"did not answer within {wait_seconds:.0f}s; last lines of "
                              f"{log_path}:\n{tail}", hint="Fix what the log says, then run rmqlab doctor --fix again.")
        time.sleep(0.5)
    return time.monotonic() - started


def _bindable(port: int) -> bool:
    """Whether 127.0.0.1:port is free; the engine's proxy holds a published port, so this sees those too."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
