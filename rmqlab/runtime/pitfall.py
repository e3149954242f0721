"""Start a deliberately broken machine (lint bypassed), catch RocketMQ's own error, clean up."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from rmqlab.lint.pitfalls import Pitfall
from rmqlab.render.compose import HOLDER_COMMAND
from rmqlab.runtime.provider import ContainerRun, ContainerState, Provider
from rmqlab.runtime.workdir import rmqlab_home
from rmqlab.topology import naming
from rmqlab.topology.model import CONF_DIR, LOG_DIR, STORE_MOUNT

BOOT_WAIT = 60.0
FAIL_WAIT = 120.0
EXIT_WAIT = 20.0
MACHINE = naming.machine_service("a")


@dataclass(frozen=True)
class PitfallOutcome:
    victim: str
    state: str
    exit_code: int | None
    oom_killed: bool
    evidence: str | None  # RocketMQ's own line, or None if it never showed up


def pitfall_cluster(p: Pitfall) -> str:
    return f"pitfall-{p.name}"


def run_pitfall(provider: Provider, p: Pitfall, image: str, say: Callable[[str], None]) -> PitfallOutcome:
    cluster = pitfall_cluster(p)
    remove_pitfall(provider, cluster)
    folder = rmqlab_home() / "pitfalls" / p.name
    folder.mkdir(parents=True, exist_ok=True)
    try:
        provider.run_container(cluster, ContainerRun(
            name=naming.container_name(cluster, MACHINE), image=image, command=HOLDER_COMMAND, user="root",
            labels=_labels(cluster, MACHINE, "machine")))
        volume = naming.container_name(cluster, "store")
        provider.create_volume(cluster, volume, _labels(cluster, "store", "store"))
        for broker in p.brokers:
            conf = folder / f"{broker.name}.properties"
            conf.write_text(broker.properties())
            target = f"{CONF_DIR}/{broker.name}.properties"
            say(f"starting {broker.name} on {MACHINE}: {broker.properties().strip().splitlines()[-1]}")
            provider.run_container(cluster, ContainerRun(
                name=naming.container_name(cluster, broker.name), image=image, command=("sh", "mqbroker", "-c", target),
                labels=_labels(cluster, broker.name, "broker"), network_of=MACHINE,
                volumes={volume: STORE_MOUNT, str(conf): target}, read_only=frozenset({str(conf)}),
                environment={"JAVA_OPT_EXT": broker.java_opts}, memory_mb=broker.memory_limit_mb))
            if broker.name != p.victim:
                _wait_until_listening(provider, cluster, broker.name)
        return _outcome(provider, cluster, p)
    finally:
        remove_pitfall(provider, cluster)


def remove_pitfall(provider: Provider, cluster: str) -> None:
    for node in provider.containers(cluster):
        provider.remove(cluster, node)
    for volume in provider.volumes(cluster):
        provider.remove_volume(volume.name)


def _labels(cluster: str, node: str, role: str) -> dict[str, str]:
    return {naming.LABEL_CLUSTER: cluster, naming.LABEL_NODE: node, naming.LABEL_MACHINE: MACHINE,
            naming.LABEL_ROLE: role}


def _wait_until_listening(provider: Provider, cluster: str, node: str) -> None:
    """The first broker must hold its lock and ports before the second one tries."""
    deadline = time.monotonic() + BOOT_WAIT
    while time.monotonic() < deadline:
        if "boot success" in provider.logs(cluster, node, 200) or provider.read_file(
                cluster, node, f"{LOG_DIR}/broker.log"):
            time.sleep(2)
            return
        time.sleep(1)


def _outcome(provider: Provider, cluster: str, p: Pitfall) -> PitfallOutcome:
    deadline = time.monotonic() + FAIL_WAIT
    state = _state(provider, cluster, p.victim)
    evidence = None
    while time.monotonic() < deadline:
        state = _state(provider, cluster, p.victim)
        evidence = _find(provider, cluster, p, state)
        if evidence or state.status == "exited":
            state = _wait_for_exit(provider, cluster, p.victim, EXIT_WAIT)
            evidence = evidence or _find(provider, cluster, p, state)
            break
        time.sleep(1)
    return PitfallOutcome(p.victim, state.status, state.exit_code, state.oom_killed, evidence)


def _state(provider: Provider, cluster: str, node: str) -> ContainerState:
    return provider.containers(cluster)[node]


def _wait_for_exit(provider: Provider, cluster: str, node: str, seconds: float) -> ContainerState:
    deadline = time.monotonic() + seconds
    state = _state(provider, cluster, node)
    while state.status != "exited" and time.monotonic() < deadline:
        time.sleep(0.5)
        state = _state(provider, cluster, node)
    return state


def _find(provider: Provider, cluster: str, p: Pitfall, state: ContainerState) -> str | None:
    if p.evidence.oom_killed:
        return "OOMKilled: the kernel killed the JVM (exit 137)" if state.oom_killed else None
    text = provider.read_file(cluster, p.victim, f"{LOG_DIR}/{p.evidence.log_file}") if p.evidence.log_file else None
    text = text if text is not None else provider.logs(cluster, p.victim, 10_000)
    match = re.search(p.evidence.pattern, text)
    return match.group(0).strip() if match else None
