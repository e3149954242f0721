"""RocketMQ images built from Maven Central jars, for engines that cannot pull apache/rocketmq.

    from rmqlab.image import build_image
    built = build_image("5.5.0", progress=print)   # rmqlab/rocketmq:5.5.0-<hash12>, also :5.5.0

The image is laid out like the official one (user rocketmq 3000:3000, ROCKETMQ_HOME=
/home/rocketmq/rocketmq-<version>, WORKDIR bin/, `sh mqbroker -c file`), so one compose file
runs on both. Its tag carries a hash of everything that went into it; when that tag exists the
build is skipped, so a warm `build_image` takes about a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rmqlab.errors import RmqlabError
from rmqlab.topology.versions import DEFAULT_VERSION, is_5x, parse_version

REPOSITORY = "rmqlab/rocketmq"
LABEL_IMAGE = "rmqlab.image"
LABEL_VERSION = "rmqlab.version"
LABEL_HASH = "rmqlab.content-hash"

__all__ = ["BuiltImage", "build_image", "find_image", "image_exists", "REPOSITORY", "DEFAULT_VERSION"]


@dataclass(frozen=True)
class BuiltImage:
    tag: str  # rmqlab/rocketmq:<version>-<hash12>: names exactly this content
    version: str
    content_hash: str
    base: str  # the base image reference it was built on
    reused: bool  # True when the tag existed and nothing was built
    seconds: float

    @property
    def version_tag(self) -> str:
        """rmqlab/rocketmq:<version>, moved to this image by every build_image call."""
        return f"{REPOSITORY}:{self.version}"


def build_image(
    version: str = DEFAULT_VERSION,
    base: str = "auto",
    progress: Callable[[str], None] | None = None,
    force: bool = False,
) -> BuiltImage:
    """Build (or reuse) the RocketMQ `version` image and tag it `rmqlab/rocketmq:<version>`.

    base: "auto" (a local JRE 17 image, else the cached debootstrap base, else a pull of
    eclipse-temurin:17-jre, else debootstrap), "debootstrap" (always the local Debian base),
    or any image reference that has Java on its PATH or in JAVA_HOME.
    progress: called with one human-readable line per step (Maven, debootstrap, docker build).
    force: rebuild even when an image with the same content hash exists.
    Raises RmqlabError (with a hint) when the version is not on Maven Central, Maven, the
    engine or debootstrap is missing, or the build fails.
    """
    started = time.monotonic()
    say = progress or (lambda _line: None)
    parse_version(version)
    from rmqlab.image.locks import file_lock

    with file_lock(f"image-{version}"):  # a second caller waits, then reuses
        return _build_locked(version, base, say, force, started)


def _build_locked(version: str, base: str, say: Callable[[str], None], force: bool, started: float) -> BuiltImage:
    from rmqlab.image import base as bases
    from rmqlab.image import context, jars, proxyjars
    from rmqlab.runtime.docker import docker, image_id

    lib = jars.lib_dir(version, say)
    proxy_lib = proxyjars.proxy_lib_dir(version, say) if is_5x(version) else None
    base_ref, base_id = bases.resolve_base(base, say)
    files = context.render_context(version, base_ref)
    listed = jars.read_manifest(lib) + (context.proxy_jars(jars.read_manifest(proxy_lib)) if proxy_lib else [])
    digest = context.content_hash(files, listed, base_id)
    tag = f"{REPOSITORY}:{version}-{digest[:12]}"
    version_tag = f"{REPOSITORY}:{version}"
    if not force and image_id(tag):
        if image_id(version_tag) != image_id(tag):
            docker("tag", tag, version_tag)
        return BuiltImage(tag, version, digest, base_ref, True, time.monotonic() - started)
    target = jars.cache_root() / "contexts" / f"{version}-{digest[:12]}"
    context.write_context(target, files, lib, proxy_lib)
    say(f"Building {tag} on {base_ref}")
    _docker_build(target, [tag, version_tag], {
        LABEL_IMAGE: "rocketmq", LABEL_VERSION: version, LABEL_HASH: digest, "rmqlab.base": base_ref,
    }, say)
    _prune_older(version, tag)
    _prune_contexts(target)
    return BuiltImage(tag, version, digest, base_ref, False, time.monotonic() - started)


def _log_path(context_dir: Path) -> Path:
    return context_dir.parent / f"{context_dir.name}.build.log"


def _prune_contexts(built: Path) -> None:
    """The context of a successful build is not needed again (its jars are hard links to the
    cache); build logs of older contexts of the same version go too."""
    import shutil

    shutil.rmtree(built, ignore_errors=True)
    version = built.name.rsplit("-", 1)[0]
    for log in built.parent.glob(f"{version}-*.build.log"):
        if log != _log_path(built):
            log.unlink(missing_ok=True)


def _prune_older(version: str, keep: str) -> None:
    """Untag images of `version` built from older contexts; ones a container still uses stay."""
    from rmqlab.runtime.docker import docker

    listed = docker("image", "ls", REPOSITORY, "--format", "{{.Repository}}:{{.Tag}}", check=False).stdout.split()
    stale = [ref for ref in listed if ref.startswith(f"{REPOSITORY}:{version}-") and ref != keep]
    for ref in stale:
        # `image rm` of one tag among several only untags, even under a container; a cluster's compose file
        # names its tag, so a tag some container (running or stopped) was made from stays.
        if not docker("ps", "-a", "-q", "--filter", f"ancestor={ref}", check=False).stdout.strip():
            docker("image", "rm", ref, check=False)


def _docker_build(target: Path, tags: list[str], labels: dict[str, str], say: Callable[[str], None]) -> None:
    from rmqlab.runtime.docker import docker_streaming
    from rmqlab.runtime.provider import EngineError

    args = ["build", "--force-rm"]
    for tag in tags:
        args += ["-t", tag]
    for key, value in sorted(labels.items()):
        args += ["--label", f"{key}={value}"]
    log = _log_path(target)
    with log.open("w") as sink:
        def forward(line: str) -> None:
            sink.write(line + "\n")
            if line.startswith("Step ") or "error" in line.lower():
                say(line if len(line) <= 100 else line[:97] + "...")

        try:
            docker_streaming(*args, str(target), progress=forward, timeout=3600)
        except EngineError as failed:
            raise RmqlabError(f"docker build of {tags[0]} failed:\n{failed.stderr_tail}",
                              hint=f"The full build log is in {log}.") from None


def image_exists(reference: str) -> bool:
    """Whether the local engine has `reference` (a tag or an image ID)."""
    from rmqlab.runtime.docker import image_id

    return image_id(reference) is not None


def find_image(version: str = DEFAULT_VERSION) -> str | None:
    """The local rmqlab image of `version`: rmqlab/rocketmq:<version> if present, else the newest
    image labelled for that version (by its hash tag), else None. Never builds or pulls."""
    from rmqlab.runtime.docker import docker

    parse_version(version)
    version_tag = f"{REPOSITORY}:{version}"
    if image_exists(version_tag):
        return version_tag
    listed = docker("image", "ls", "--filter", f"label={LABEL_IMAGE}=rocketmq",
                    "--filter", f"label={LABEL_VERSION}={version}",
                    "--format", "{{.Repository}}:{{.Tag}}", check=True, timeout=30).stdout.split()
    tagged = [ref for ref in listed if not ref.endswith(":<none>")]
    return tagged[0] if tagged else None

