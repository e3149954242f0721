"""Which image a cluster runs: the one asked for, the official one if it is here or can be pulled, else
one built from Maven Central jars."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rmqlab.errors import RmqlabError
from rmqlab.runtime.provider import Provider

OFFICIAL = "apache/rocketmq"


@dataclass(frozen=True)
class ChosenImage:
    reference: str
    why: str


def choose_image(provider: Provider, version: str, requested: str | None,
                 say: Callable[[str], None]) -> ChosenImage:
    if requested:
        if not provider.image_present(requested) and not provider.pull(requested, say):
            raise RmqlabError(
                f"Image {requested} is neither here nor pullable.",
                hint=f"Build one with `rmqlab image build --version {version}`, or drop --image.",
            )
        return ChosenImage(requested, "asked for with --image")
    official = f"{OFFICIAL}:{version}"
    if provider.image_present(official):
        return ChosenImage(official, "the official image, found locally")
    if provider.pull(official, say):
        return ChosenImage(official, "the official image, pulled")
    from rmqlab.image import build_image

    built = build_image(version, progress=say)
    why = "built from Maven Central jars" + (" (cached)" if built.reused else "")
    return ChosenImage(built.tag, f"{why}; {official} is not available here")
