"""Maven resolution helpers: the pom, error sentences, the SLF4J-binding check, the manifest."""

from __future__ import annotations

import zipfile

import pytest

from rmqlab.errors import RmqlabError
from rmqlab.image import jars

MVN_MISSING_NAMESRV = """\
[ERROR] Failed to execute goal on project rocketmq-jars: Could not resolve dependencies for project \
rmqlab:rocketmq-jars:pom:1: Could not find artifact org.apache.rocketmq:rocketmq-namesrv:jar:4.9.8 in central
"""
MVN_FAILURE_TO_FIND = "[ERROR] Failure to find org.apache.rocketmq:rocketmq-tools:pom:5.5.1 in central was cached"


def test_pom_lists_the_role_artifacts_per_line():
    four, five = jars.pom_text("4.9.7"), jars.pom_text("5.5.0")
    for artifact in ("rocketmq-namesrv", "rocketmq-broker", "rocketmq-tools"):
        assert f"<artifactId>{artifact}</artifactId><version>4.9.7</version>" in four
    assert "rocketmq-controller" in five and "rocketmq-controller" not in four
    assert "rocketmq-proxy" not in five


def test_not_on_maven_central_suggests_4_9_7():
    error = jars.maven_error("4.9.8", MVN_MISSING_NAMESRV, anything_published=False)
    assert "RocketMQ 4.9.8 is not on Maven Central" in error.message
    assert "rocketmq-namesrv:4.9.8" in error.message
    assert "4.9.7" in error.hint


def test_partly_published_suggests_the_default():
    error = jars.maven_error("5.5.1", MVN_FAILURE_TO_FIND, anything_published=True)
    assert "only partly on Maven Central" in error.message and "rocketmq-tools:5.5.1" in error.message
    from rmqlab.topology.versions import DEFAULT_VERSION

    assert DEFAULT_VERSION in error.hint


MVN_CACHED_LIST = (
    "[ERROR] Failed to execute goal on project rocketmq-jars: Could not resolve dependencies for project "
    "rmqlab:rocketmq-jars:pom:1: The following artifacts could not be resolved: "
    "org.apache.rocketmq:rocketmq-namesrv:jar:5.5.1, org.apache.rocketmq:rocketmq-client:jar:5.5.1, "
    "org.apache.rocketmq:rocketmq-tools:jar:5.5.1: org.apache.rocketmq:rocketmq-namesrv:jar:5.5.1 was not found "
    "in central during a previous attempt."
)


def test_cached_failures_list_every_missing_artifact():
    error = jars.maven_error("5.5.1", MVN_CACHED_LIST, anything_published=True)
    assert "rocketmq-client:5.5.1, rocketmq-namesrv:5.5.1, rocketmq-tools:5.5.1 not found" in error.message


def test_other_maven_failures_show_the_tail():
    error = jars.maven_error("5.5.0", "line1\n[ERROR] Network is unreachable\n")
    assert "Network is unreachable" in error.message and "mvn -v" in error.hint


def _jar(path, *names):
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, b"x")


def test_exactly_one_slf4j_binding(tmp_path):
    _jar(tmp_path / "logback-classic-1.2.10.jar", "org/slf4j/impl/StaticLoggerBinder.class")
    _jar(tmp_path / "slf4j-api-1.7.7.jar", "org/slf4j/Logger.class")
    jars.check_logging("4.9.7", tmp_path)
    _jar(tmp_path / "slf4j-log4j12-1.7.7.jar", "org/slf4j/impl/StaticLoggerBinder.class")
    with pytest.raises(RmqlabError, match="2 SLF4J bindings"):
        jars.check_logging("4.9.7", tmp_path)


def test_slf4j2_provider_counts_as_a_binding(tmp_path):
    _jar(tmp_path / "bridge.jar", "META-INF/services/org.slf4j.spi.SLF4JServiceProvider")
    jars.check_logging("5.5.0", tmp_path)
    (tmp_path / "bridge.jar").unlink()
    with pytest.raises(RmqlabError, match="none"):
        jars.check_logging("5.5.0", tmp_path)


def test_manifest_round_trip(tmp_path):
    _jar(tmp_path / "b.jar", "b")
    _jar(tmp_path / "a.jar", "a")
    jars.write_manifest(tmp_path)
    listed = jars.read_manifest(tmp_path)
    assert [j.name for j in listed] == ["a.jar", "b.jar"]
    assert listed[0].size == (tmp_path / "a.jar").stat().st_size and len(listed[0].sha256) == 64


def test_cached_lib_is_used_without_maven(tmp_path, monkeypatch):
    monkeypatch.setenv("RMQLAB_CACHE", str(tmp_path))
    lib = tmp_path / "jars" / "5.5.0" / "lib"
    lib.mkdir(parents=True)
    (lib / jars.MANIFEST).write_text("")
    monkeypatch.setattr(jars.shutil, "which", lambda _name: None)  # no mvn: must not be needed
    assert jars.lib_dir("5.5.0") == lib


def test_missing_maven_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("RMQLAB_CACHE", str(tmp_path))
    monkeypatch.setattr(jars.shutil, "which", lambda _name: None)
    with pytest.raises(RmqlabError) as caught:
        jars.lib_dir("5.5.0")
    assert "mvn" in caught.value.message and "maven" in caught.value.hint
