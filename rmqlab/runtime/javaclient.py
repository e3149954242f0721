"""RocketMQ's own Java producer (rmqlab/experiment/run/java) in a container of the cluster's own image on the
cluster's network, so the client jars are exactly the brokers' version. The classes are compiled once per
source and version with the host's javac against the cached jars the image was built from, copied into the
run's folder and mounted from there; the container carries the cluster's labels, so `rmqlab down` removes it."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml

from rmqlab.errors import RmqlabError
from rmqlab.runtime.provider import ContainerRun, Provider
from rmqlab.runtime.workdir import compose_file
from rmqlab.topology import naming
from rmqlab.topology.model import Cluster

NODE = "java-client"
ROLE = "client"
MOUNT = "/rmqlab-client"
CLASSES = "classes"


def _cached_classes(source: Path, version: str) -> Path:
    from rmqlab.image.jars import cache_root

    digest = hashlib.sha256(source.read_bytes() + version.encode()).hexdigest()[:16]
    return cache_root() / "java-client" / f"{version}-{digest}"


def check_can_compile(source: Path, version: str) -> None:
    """Before anything starts: the program is compiled already, or this host has javac to compile it."""
    if not _cached_classes(source, version).is_dir() and shutil.which("javac") is None:
        raise RmqlabError("--client java needs javac to compile its producer (the image has only a JRE).",
                          hint="Install a JDK (Debian: apt-get install openjdk-17-jdk-headless), "
                               "or use --client rmqlab.")


def compiled_classes(source: Path, version: str) -> Path:
    """The program compiled against RocketMQ `version`'s client, cached by the source's hash."""
    from rmqlab.image.jars import lib_dir

    final = _cached_classes(source, version)
    if final.is_dir():
        return final
    check_can_compile(source, version)
    lib = lib_dir(version)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="compile-", dir=final.parent))
    try:
        try:
            done = subprocess.run(["javac", "--release", "8", "-nowarn", "-cp", f"{lib}/*", "-d", str(tmp),
                                   str(source)], capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            raise RmqlabError(f"javac took over 300 s to compile {source.name}.",
                              hint="The machine may be overloaded: try again, or use --client rmqlab.") from None
        if done.returncode != 0:
            raise RmqlabError(f"javac failed for {source.name}:\n{done.stderr[-2000:]}", hint=f"Fix {source}.")
        try:
            tmp.rename(final)  # whole, or not at all: a half-compiled folder is never taken for the cache
        except OSError:
            if not final.is_dir():  # else another run compiled the same source meanwhile
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def cluster_image(cluster: Cluster) -> str:
    """The image the cluster's nodes run, from its compose file."""
    try:
        services = yaml.safe_load(compose_file(cluster.name).read_text(encoding="utf-8"))["services"]
        return next(s["image"] for s in services.values() if s.get("image"))
    except (OSError, yaml.YAMLError, KeyError, TypeError, StopIteration):
        raise RmqlabError(f"Cannot tell which image {cluster.name} runs (its compose file is missing or odd).",
                          hint=f"rmqlab up --name {cluster.name} writes it again.") from None


class JavaClientContainer:
    """Starts and removes the one client container of a cluster."""

    def __init__(self, provider: Provider, cluster: Cluster):
        self.provider = provider
        self.cluster = cluster

    def start(self, classes: Path, folder: Path, main_class: str, args: Sequence[str]) -> None:
        self.remove()  # one left by a run that was killed outright
        shutil.copytree(classes, folder / CLASSES, dirs_exist_ok=True)
        from rmqlab.image.context import jdk9_flags

        home = f"/home/rocketmq/rocketmq-{self.cluster.version}"
        # The image's JRE is 17: the client's Netty needs the module flags the brokers' launcher gives (4.7.0's
        # Netty 4.0 does not start without them).
        command = ["java", *jdk9_flags(self.cluster.version), "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC",
                   f"-Duser.home={MOUNT}",
                   f"-Drocketmq.client.logRoot={MOUNT}/logs", "-cp", f"{MOUNT}/{CLASSES}:{home}/lib/*",
                   main_class, MOUNT, *args]
        labels = {naming.LABEL_CLUSTER: self.cluster.name, naming.LABEL_NODE: NODE, naming.LABEL_ROLE: ROLE}
        self.provider.run_container(self.cluster.name, ContainerRun(
            name=naming.container_name(self.cluster.name, NODE), image=cluster_image(self.cluster), command=command,
            labels=labels, user=f"{os.getuid()}:{os.getgid()}", network=naming.network_name(self.cluster.name),
            volumes={str(folder.resolve()): MOUNT}, memory_mb=384))

    def running(self) -> bool:
        state = self.provider.containers(self.cluster.name).get(NODE)
        return state is not None and state.status == "running"

    def logs(self, tail: int = 20) -> str:
        try:
            return self.provider.logs(self.cluster.name, NODE, tail)
        except RmqlabError:
            return ""

    def remove(self) -> None:
        if NODE in self.provider.containers(self.cluster.name):
            self.provider.remove(self.cluster.name, NODE)
