"""rmqlab image build: a RocketMQ image from Maven Central jars, cached by content hash."""

from __future__ import annotations

from typing import Annotated

import typer

from rmqlab.cli import app
from rmqlab.cli.options import DEFAULT_VERSION_TEXT, Version, lab
from rmqlab.cli.output import out, say, show_event

image_app = typer.Typer(help="Build the RocketMQ image rmqlab runs where apache/rocketmq is not pullable.",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(image_app, name="image")


@image_app.command("build")
def build(
    version: Version = DEFAULT_VERSION_TEXT,
    base: Annotated[
        str, typer.Option("--base", help="auto, debootstrap, or an image with a JRE 17 (eclipse-temurin:17-jre).")
    ] = "auto",
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if this content was built before.")] = False,
) -> None:
    """Assemble RocketMQ from Maven Central jars into an image tagged by the hash of its inputs."""
    built = lab().build_image(version, base, force, on_event=show_event)
    how = "reused (same content hash)" if built.reused else f"built in {built.seconds:.1f} s"
    out().print(built.tag, markup=False)
    say(f"{built.version_tag} -> {built.tag}: {how}, on {built.base}")
