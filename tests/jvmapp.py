"""A Java application on RocketMQ's own remoting client (tests/jvmapps/RemotingApp.java), compiled and run on the
host JVM against the very jars the image carries."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from testkit.hostjvm import HostJvmUnavailable, lib_dir

SOURCE = Path(__file__).parent / "jvmapps" / "RemotingApp.java"


@dataclass(frozen=True)
class AppRun:
    sent: dict[str, tuple[str, str]]  # key -> (SendStatus, broker name)
    received: set[str]
    output: str


def classpath(version: str, workdir: Path) -> str:
    """Compiled classes plus the version's jars; fails (never skips) under CI=true when no JDK is here."""
    try:
        lib = lib_dir(version)
        if shutil.which("javac") is None:
            raise HostJvmUnavailable("no `javac` on PATH")
    except HostJvmUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the Java client cannot run: {error}")
        pytest.skip(f"RocketMQ's Java client cannot run here: {error}")
    classes = workdir / "classes"
    classes.mkdir(parents=True, exist_ok=True)
    subprocess.run(["javac", "-nowarn", "-cp", f"{lib}/*", "-d", str(classes), str(SOURCE)], check=True,
                   capture_output=True, text=True)
    return f"{classes}:{lib}/*"


def run_app(cp: str, workdir: Path, namesrv_addr: str, topic: str, group: str, count: int,
            timeout: int = 60) -> AppRun:
    done = subprocess.run(
        ["java", "-Xmx128m", f"-Duser.home={workdir}", "-cp", cp, "RemotingApp", namesrv_addr, topic, group,
         str(count), str(timeout)], capture_output=True, text=True, timeout=timeout + 120)
    assert done.returncode == 0, (done.stdout[-1500:], done.stderr[-1500:])
    sent, received = {}, set()
    for line in done.stdout.splitlines():
        words = line.split()
        if words[:1] == ["SENT"]:
            sent[words[1]] = (words[2], words[3])
        elif words[:1] == ["GOT"]:
            received.add(words[1])
    return AppRun(sent, received, done.stdout)
