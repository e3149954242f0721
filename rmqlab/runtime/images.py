"""Which image a cluster runs: the one asked for, the official one if it is here or can be
pulled, else one built from Maven Central jars."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rmqlab.errors import RmqlabError
from rmqlab.runtime.engine import api

OFFICIAL = "apache/rocketmq"


@dataclass(frozen=True)
class ChosenImage:
    reference: str
    why: str


def choose_image(version: str, requested: str | None, say: Callable[[str], None]) -> ChosenImage:
    if requested:
        if not _present(requested) and not _pull(requested):
            raise RmqlabError(
                f"Image {requested} is neither here nor pullable.",
                hint=f"Build one with `rmqlab image build --version {version}`, or drop --image.",
            )
        return ChosenImage(requested, "asked for with --image")
    official = f"{OFFICIAL}:{version}"
    if _present(official):
        return ChosenImage(official, "the official image, found locally")
    if _pull(official):
        return ChosenImage(official, "the official image, pulled")
    from rmqlab.image import build_image

    built = build_image(version, progress=say)
    why = "built from Maven Central jars" + (" (cached)" if built.reused else "")
    return ChosenImage(built.tag, f"{why}; {official} is not available here")


def _present(reference: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        api().images.get(reference)
        return True
    except ImageNotFound:
        return False


def _pull(reference: str) -> bool:
    from docker.errors import DockerException

    repository, _, tag = reference.rpartition(":")
    try:
        api().images.pull(repository or reference, tag=tag or None)
        return True
    except DockerException:
        return False


def require_dashboard_image(say: Callable[[str], None]) -> str:
    """The RocketMQ dashboard ships only as an image (it is not on Maven Central), so it must be here or pullable."""
    from rmqlab.render.compose import DASHBOARD_IMAGE

    if _present(DASHBOARD_IMAGE) or _pull(DASHBOARD_IMAGE):
        say(f"Dashboard: {DASHBOARD_IMAGE}")
        return DASHBOARD_IMAGE
    raise RmqlabError(
        f"--dashboard needs the image {DASHBOARD_IMAGE}, which is neither here nor pullable; the RocketMQ "
        "dashboard is not published on Maven Central, so rmqlab cannot build it. Nothing was started.",
        hint="Pull it where Docker Hub is reachable (docker pull / docker load), or run without --dashboard.",
        exit_code=2,
    )
