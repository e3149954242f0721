"""Start a deliberately broken machine (lint bypassed), catch RocketMQ's own error, clean up."""

from __future__ import annotations

import io
import re
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass

from rmqlab.lint.pitfalls import Pitfall
from rmqlab.render.compose import HOLDER_COMMAND
from rmqlab.runtime.engine import api
from rmqlab.runtime.workdir import rmqlab_home
from rmqlab.topology import naming
from rmqlab.topology.model import CONF_DIR

LOG_DIR = "/home/rocketmq/logs/rocketmqlogs"
BOOT_WAIT = 60.0
FAIL_WAIT = 120.0
EXIT_WAIT = 20.0


@dataclass(frozen=True)
class PitfallOutcome:
    victim: str
    state: str
    exit_code: int | None
    oom_killed: bool
    evidence: str | None  # RocketMQ's own line, or None if it never showed up


def run_pitfall(p: Pitfall, image: str, say: Callable[[str], None]) -> PitfallOutcome:
    cluster = f"pitfall-{p.name}"
    remove_pitfall(cluster)
    folder = rmqlab_home() / "pitfalls" / p.name
    folder.mkdir(parents=True, exist_ok=True)
    try:
        holder = api().containers.run(
            image, HOLDER_COMMAND, detach=True, user="root", name=f"rmqlab-{cluster}-machine-a",
            labels=_labels(cluster, "machine-a", "machine"),
        )
        volume = api().volumes.create(f"rmqlab-{cluster}-store", labels=_labels(cluster, "store", "store"))
        containers = {}
        for broker in p.brokers:
            conf = folder / f"{broker.name}.properties"
            conf.write_text(broker.properties())
            say(f"starting {broker.name} on machine-a: {broker.properties().strip().splitlines()[-1]}")
            containers[broker.name] = api().containers.run(
                image, ["sh", "mqbroker", "-c", f"{CONF_DIR}/{broker.name}.properties"], detach=True,
                name=f"rmqlab-{cluster}-{broker.name}", network_mode=f"container:{holder.id}",
                volumes={volume.name: {"bind": "/home/rocketmq/store", "mode": "rw"},
                         str(conf): {"bind": f"{CONF_DIR}/{broker.name}.properties", "mode": "ro"}},
                environment={"JAVA_OPT_EXT": broker.java_opts},
                mem_limit=f"{broker.memory_limit_mb}m" if broker.memory_limit_mb else None,
                labels=_labels(cluster, broker.name, "broker"),
            )
            if broker.name != p.victim:
                _wait_until_listening(containers[broker.name])
        return _outcome(p, containers[p.victim])
    finally:
        remove_pitfall(cluster)


def remove_pitfall(cluster: str) -> None:
    label = {"label": [f"{naming.LABEL_CLUSTER}={cluster}"]}
    for container in api().containers.list(all=True, filters=label):
        container.remove(force=True)
    for volume in api().volumes.list(filters=label):
        volume.remove(force=True)


def _labels(cluster: str, node: str, role: str) -> dict[str, str]:
    return {naming.LABEL_CLUSTER: cluster, naming.LABEL_NODE: node, naming.LABEL_MACHINE: "machine-a",
            naming.LABEL_ROLE: role}


def _wait_until_listening(container) -> None:
    """The first broker must hold its lock and ports before the second one tries."""
    deadline = time.monotonic() + BOOT_WAIT
    while time.monotonic() < deadline:
        if b"boot success" in container.logs() or _read_file(container, f"{LOG_DIR}/broker.log"):
            time.sleep(2)
            return
        time.sleep(1)


def _outcome(p: Pitfall, victim) -> PitfallOutcome:
    deadline = time.monotonic() + FAIL_WAIT
    evidence = None
    while time.monotonic() < deadline:
        victim.reload()
        state = victim.attrs["State"]
        evidence = _find(p, victim)
        if evidence or victim.status == "exited":
            _wait_for_exit(victim, EXIT_WAIT)
            evidence = evidence or _find(p, victim)
            break
        time.sleep(1)
    state = victim.attrs["State"]
    exited = victim.status == "exited"
    return PitfallOutcome(p.victim, victim.status, state.get("ExitCode") if exited else None,
                          bool(state.get("OOMKilled")), evidence)


def _wait_for_exit(container, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while container.status != "exited" and time.monotonic() < deadline:
        time.sleep(0.5)
        container.reload()


def _find(p: Pitfall, container) -> str | None:
    if p.evidence.oom_killed:
        return "OOMKilled: the kernel killed the JVM (exit 137)" if container.attrs["State"].get("OOMKilled") else None
    text = _read_file(container, f"{LOG_DIR}/{p.evidence.log_file}") if p.evidence.log_file else None
    text = text if text is not None else container.logs().decode(errors="replace")
    match = re.search(p.evidence.pattern, text)
    return match.group(0).strip() if match else None


def _read_file(container, path: str) -> str | None:
    """A file from a container, running or exited (docker cp)."""
    from docker.errors import NotFound

    try:
        stream, _ = container.get_archive(path)
    except NotFound:
        return None
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
        member = archive.next()
        handle = archive.extractfile(member) if member else None
        return handle.read().decode(errors="replace") if handle else None
