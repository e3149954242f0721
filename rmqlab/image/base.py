"""The base image (a Linux with a Java 17 runtime) the RocketMQ image is built on.

`base="auto"` takes, in this order: a JRE 17 image already here (eclipse-temurin), the local
debootstrap base if it was built before, a pull of eclipse-temurin:17-jre (bounded: a machine
without Docker Hub fails in seconds), and last a Debian base built here with debootstrap from
the mirror this machine's apt uses. `base="debootstrap"` forces the local one; any other
string is an image reference used as given.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rmqlab.errors import RmqlabError
from rmqlab.image import aptsources
from rmqlab.runtime.docker import docker, docker_streaming, image_id, pull_image

TEMURIN = "eclipse-temurin:17-jre"
# Local images that already are a JRE/JDK 17 (checked before any network access).
LOCAL_JRE_CANDIDATES = (TEMURIN, "eclipse-temurin:17-jre-jammy", "eclipse-temurin:17-jre-noble",
                        "eclipse-temurin:17-jdk", "eclipse-temurin:17")
BASE_REPO = "rmqlab/base"
SUITE = "bookworm"
# coreutils and passwd (useradd) are in minbase already; the rest serve the launchers and faults.
PACKAGES = ("openjdk-17-jre-headless", "iproute2", "iptables", "procps", "python3-minimal")  # python3: bin/rmq-delay
ROOTFS_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Trimmed from the root file system before import: nothing at run time reads these.
TRIM = ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/lintian",
        "var/lib/apt/lists", "var/cache/apt", "var/cache/debconf/templates.dat-old", "var/log")


def recipe(arch: str) -> dict:
    """Everything that decides the debootstrap base's content (its tag is a hash of this)."""
    return {"suite": SUITE, "variant": "minbase", "arch": arch, "packages": list(PACKAGES),
            "trim": list(TRIM), "path": ROOTFS_PATH, "recipe": 1}


def base_tag(arch: str) -> str:
    digest = hashlib.sha256(json.dumps(recipe(arch), sort_keys=True).encode()).hexdigest()[:12]
    return f"{BASE_REPO}:{SUITE}-jre17-{digest}"


def resolve_base(base: str, progress: Callable[[str], None]) -> tuple[str, str]:
    """(image reference, image ID) of the base to build on, building or pulling it if needed."""
    if base == "debootstrap":
        return _debootstrap_base(progress)
    if base != "auto":
        found = image_id(base) or _pull(base, progress)
        if not found:
            raise RmqlabError(f"Base image {base} is neither here nor pullable.",
                              hint="Pass an image that has Java 17 (e.g. eclipse-temurin:17-jre), or base='auto'.")
        return base, found
    for candidate in LOCAL_JRE_CANDIDATES:
        found = image_id(candidate)
        if found:
            return candidate, found
    tag = base_tag(_arch())
    found = image_id(tag)
    if found:
        return tag, found
    found = _pull(TEMURIN, progress)
    if found:
        return TEMURIN, found
    progress(f"{TEMURIN} cannot be pulled here; building a Debian {SUITE} base with debootstrap (once)")
    return _debootstrap_base(progress)


def _pull(reference: str, progress: Callable[[str], None]) -> str | None:
    return pull_image(reference, progress)


def _arch() -> str:
    if shutil.which("dpkg"):
        done = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)


def _debootstrap_base(progress: Callable[[str], None]) -> tuple[str, str]:
    from rmqlab.image.locks import file_lock

    with file_lock("debootstrap-base"):  # two versions built at once share one base
        return _debootstrap_base_locked(progress)


def _debootstrap_base_locked(progress: Callable[[str], None]) -> tuple[str, str]:
    arch = _arch()
    tag = base_tag(arch)
    found = image_id(tag)
    if found:
        return tag, found
    _require_debootstrap()
    source = aptsources.debian_mirror(aptsources.read_sources(), SUITE)
    if source is None:
        raise RmqlabError("No Debian mirror is configured in /etc/apt, so debootstrap has nowhere to fetch from.",
                          hint=f"Add a `deb <mirror> {SUITE} main` line to /etc/apt/sources.list, "
                               "or pass base=<an image with Java 17>.")
    work_parent = Path(os.environ.get("RMQLAB_CACHE", Path.home() / ".cache" / "rmqlab"))
    work_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="debootstrap-", dir=work_parent) as tmp:
        rootfs = Path(tmp) / "rootfs"
        argv = ["debootstrap", "--variant=minbase", f"--arch={arch}", f"--include={','.join(PACKAGES)}"]
        if source.signed_by and Path(source.signed_by).is_file():
            argv.append(f"--keyring={source.signed_by}")
        argv += [SUITE, str(rootfs), source.uri]
        progress(f"debootstrap {SUITE} ({arch}) with {', '.join(PACKAGES)}: a few minutes, once")
        started = time.monotonic()
        done = subprocess.run(argv, capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            log = rootfs / "debootstrap" / "debootstrap.log"
            detail = log.read_text(errors="replace")[-1500:] if log.is_file() else (done.stdout + done.stderr)[-1500:]
            raise RmqlabError(f"debootstrap failed (exit {done.returncode}):\n{detail}",
                              hint="Check that apt can reach its mirror (apt-get update), "
                                   "or pass base=<an image with Java 17>.")
        progress(f"debootstrap done in {time.monotonic() - started:.0f} s; importing as {tag}")
        _trim(rootfs)
        _import(rootfs, tag, progress)
    found = image_id(tag)
    if not found:
        raise RmqlabError(f"docker import did not leave {tag} behind.", hint="See `docker images rmqlab/base`.")
    return tag, found


def _require_debootstrap() -> None:
    if os.geteuid() != 0:
        raise RmqlabError("Building the local base image needs root (debootstrap), and no Java 17 image is here.",
                          hint="Run as root, or `docker pull eclipse-temurin:17-jre` and retry.")
    if shutil.which("debootstrap"):
        return
    if shutil.which("apt-get") is None:
        raise RmqlabError("No Java 17 base image is available and debootstrap cannot be installed here.",
                          hint="`docker pull eclipse-temurin:17-jre` (or pass base=<an image with Java 17>).")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], capture_output=True, text=True, env=env, timeout=900)
    done = subprocess.run(["apt-get", "install", "-y", "-q", "debootstrap"], capture_output=True, text=True,
                          env=env, timeout=900)
    if done.returncode != 0 or not shutil.which("debootstrap"):
        raise RmqlabError("Could not install debootstrap.", hint="apt-get update && apt-get install -y debootstrap")


def _trim(rootfs: Path) -> None:
    for relative in TRIM:
        path = rootfs / relative
        if path.is_dir():
            for child in path.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        elif path.exists():
            path.unlink()


def _import(rootfs: Path, tag: str, progress: Callable[[str], None]) -> None:
    """`tar -C rootfs -c . | docker import`: import keeps no ENV, so PATH is set with --change."""
    with subprocess.Popen(["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE) as tar:
        docker_streaming("import", "--change", f"ENV PATH={ROOTFS_PATH}", "--change", "LABEL rmqlab.image=base",
                         "-", tag, progress=lambda _line: None, stdin=tar.stdout, timeout=1800)
        tar.stdout.close()
    if tar.returncode != 0:
        docker("image", "rm", tag, check=False)
        raise RmqlabError("tar of the debootstrap root file system failed.", hint="Check free disk space (df -h).")
