"""Which base image `auto` picks, in which order, without an engine (docker calls are faked)."""

from __future__ import annotations

import pytest

from rmqlab.errors import RmqlabError
from rmqlab.image import base


@pytest.fixture
def engine(monkeypatch):
    """A fake engine: `images` maps reference -> ID; pulls and debootstraps are recorded."""
    state = {"images": {}, "pullable": set(), "pulls": [], "debootstraps": 0}

    def image_id(ref):
        return state["images"].get(ref)

    def pull(ref, _progress):
        state["pulls"].append(ref)
        if ref in state["pullable"]:
            state["images"][ref] = f"sha256:{ref}"
            return state["images"][ref]
        return None

    def debootstrap(_progress):
        state["debootstraps"] += 1
        tag = base.base_tag("amd64")
        state["images"][tag] = "sha256:local"
        return tag, "sha256:local"

    monkeypatch.setattr(base, "image_id", image_id)
    monkeypatch.setattr(base, "_pull", pull)
    monkeypatch.setattr(base, "_debootstrap_base", debootstrap)
    monkeypatch.setattr(base, "_arch", lambda: "amd64")
    return state


def test_local_temurin_wins_without_network(engine):
    engine["images"]["eclipse-temurin:17-jre"] = "sha256:t"
    engine["images"][base.base_tag("amd64")] = "sha256:local"
    assert base.resolve_base("auto", print) == ("eclipse-temurin:17-jre", "sha256:t")
    assert engine["pulls"] == [] and engine["debootstraps"] == 0


def test_cached_debootstrap_base_is_used_before_any_pull(engine):
    engine["images"][base.base_tag("amd64")] = "sha256:local"
    assert base.resolve_base("auto", print) == (base.base_tag("amd64"), "sha256:local")
    assert engine["pulls"] == [] and engine["debootstraps"] == 0


def test_pull_then_debootstrap(engine):
    engine["pullable"].add("eclipse-temurin:17-jre")
    assert base.resolve_base("auto", print)[0] == "eclipse-temurin:17-jre"
    engine["images"].clear()
    engine["pullable"].clear()
    lines = []
    assert base.resolve_base("auto", lines.append)[0] == base.base_tag("amd64")
    assert engine["debootstraps"] == 1 and "debootstrap" in lines[-1]


def test_forced_debootstrap_and_explicit_reference(engine):
    assert base.resolve_base("debootstrap", print)[0] == base.base_tag("amd64")
    engine["images"]["my/jre:17"] = "sha256:mine"
    assert base.resolve_base("my/jre:17", print) == ("my/jre:17", "sha256:mine")
    with pytest.raises(RmqlabError, match="neither here nor pullable"):
        base.resolve_base("nowhere/jre:17", print)


def test_base_tag_follows_the_recipe(monkeypatch):
    first = base.base_tag("amd64")
    assert first.startswith("rmqlab/base:bookworm-jre17-") and first == base.base_tag("amd64")
    assert base.base_tag("arm64") != first
    monkeypatch.setattr(base, "PACKAGES", base.PACKAGES + ("curl",))
    assert base.base_tag("amd64") != first


def test_pull_gives_up_quickly_when_the_registry_is_silent(monkeypatch, tmp_path):
    """A `docker pull` that prints nothing is abandoned after PULL_FIRST_OUTPUT_S."""
    fake = tmp_path / "docker"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    from rmqlab.runtime import docker

    monkeypatch.setattr(docker, "PULL_FIRST_OUTPUT_S", 1)
    import time

    started = time.monotonic()
    assert base._pull("eclipse-temurin:17-jre", print) is None
    assert time.monotonic() - started < 5
