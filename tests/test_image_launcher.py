"""The image's launchers run for real under sh, with a stand-in `java` that records its arguments
and environment: which options each JVM profile gives each role, in which order."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from rmqlab.image import context

BASE = "rmqlab/base:bookworm-jre17-0123456789ab"
FAKE_JAVA = """#!/bin/sh
printf '%s\\n' "$@" > "$RECORD.args"
printf 'MALLOC_ARENA_MAX=%s\\n' "${MALLOC_ARENA_MAX:-}" > "$RECORD.env"
"""
LAB_ONLY = ("-Dtls.server.mode=disabled", "-Xss256k")
C1_ONLY = "-XX:TieredStopAtLevel=1"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A ROCKETMQ_HOME with the rendered 5.5.0 launchers and a fake JAVA_HOME next to it."""
    root = tmp_path / "rocketmq"
    for path, item in context.render_context("5.5.0", BASE).items():
        if path.startswith("bin/"):
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(item.data)
    (root / "conf").mkdir()
    (root / "conf" / "java.version").write_text("17\n")
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(FAKE_JAVA)
    java.chmod(0o755)
    return root


def launch(home: Path, launcher: str, *args: str, **env: str) -> tuple[list[str], str, subprocess.CompletedProcess]:
    record = home.parent / "record"
    environ = {"PATH": os.environ["PATH"], "ROCKETMQ_HOME": str(home), "JAVA_HOME": str(home.parent / "jdk"),
               "RECORD": str(record), **env}
    done = subprocess.run(["sh", str(home / "bin" / launcher), *args], env=environ, capture_output=True, text=True)
    if done.returncode != 0:
        return [], "", done
    return Path(f"{record}.args").read_text().splitlines(), Path(f"{record}.env").read_text(), done


def test_lab_is_the_default_and_turns_tls_off(home):
    argv, env, _ = launch(home, "mqbroker", "-c", "b.properties")
    for flag in LAB_ONLY:
        assert flag in argv
    assert "MALLOC_ARENA_MAX=2" in env
    assert argv[-3:] == ["org.apache.rocketmq.broker.BrokerStartup", "-c", "b.properties"]


def test_only_the_broker_keeps_c2(home):
    argv, _, _ = launch(home, "mqbroker")
    assert C1_ONLY not in argv and "-XX:ReservedCodeCacheSize=64m" in argv
    for launcher in ("mqnamesrv", "mqcontroller"):
        argv, _, _ = launch(home, launcher)
        assert C1_ONLY in argv and "-XX:ReservedCodeCacheSize=32m" in argv


def test_stock_has_none_of_the_lab_options(home):
    (home / "conf" / "broker.jsa").write_bytes(b"archive")
    argv, env, _ = launch(home, "mqbroker", RMQLAB_JVM_PROFILE="stock")
    assert not [flag for flag in argv if flag in LAB_ONLY or "tls." in flag or "SharedArchiveFile" in flag
                or "CodeCache" in flag or flag == C1_ONLY]
    assert env.strip() == "MALLOC_ARENA_MAX="
    assert "-XX:+UseG1GC" in argv  # the collector rmqlab's launcher picked before, when none is given


@pytest.mark.parametrize("launcher,role", [("mqbroker", "broker"), ("mqnamesrv", "namesrv"),
                                           ("mqcontroller", "controller"), ("mqadmin", "tools")])
def test_each_role_maps_its_own_archive_when_the_image_has_one(home, launcher, role):
    argv, _, _ = launch(home, launcher)
    assert not [flag for flag in argv if "SharedArchiveFile" in flag]  # none dumped: boots without
    (home / "conf" / f"{role}.jsa").write_bytes(b"archive")
    argv, _, _ = launch(home, launcher)
    assert f"-XX:SharedArchiveFile={home}/conf/{role}.jsa" in argv and "-Xshare:auto" in argv


def test_dump_mode_writes_the_archive_the_runtime_reads(home):
    argv, _, _ = launch(home, "mqnamesrv", RMQLAB_CDS_DUMP="1")
    assert f"-XX:ArchiveClassesAtExit={home}/conf/namesrv.jsa" in argv
    assert not [flag for flag in argv if "SharedArchiveFile" in flag]


def test_java_opt_ext_still_comes_last_so_it_can_undo_a_lab_option(home):
    argv, _, _ = launch(home, "mqnamesrv", JAVA_OPT_EXT="-Xmx96m -XX:TieredStopAtLevel=4")
    cp = argv.index("-cp")
    assert argv[cp - 2: cp] == ["-Xmx96m", "-XX:TieredStopAtLevel=4"]
    assert argv.index(C1_ONLY) < argv.index("-XX:TieredStopAtLevel=4")


def test_a_set_malloc_arena_max_is_kept(home):
    _, env, _ = launch(home, "mqbroker", MALLOC_ARENA_MAX="4")
    assert "MALLOC_ARENA_MAX=4" in env


def test_an_unknown_profile_is_refused_before_java_starts(home):
    _, _, done = launch(home, "mqnamesrv", RMQLAB_JVM_PROFILE="fast")
    assert done.returncode == 2
    assert "RMQLAB_JVM_PROFILE" in done.stderr and "lab" in done.stderr and "stock" in done.stderr
    assert not (home.parent / "record.args").exists()


def test_the_training_run_is_in_the_context_and_the_dockerfile_runs_it():
    files = context.render_context("5.5.0", BASE)
    assert files["bin/rmq-cds-train.sh"].mode == 0o755
    dockerfile = files["Dockerfile"].data.decode()
    train = dockerfile.index('RUN sh "$ROCKETMQ_HOME/bin/rmq-cds-train.sh"')
    # After the jars and the launchers are in place and the Java version is recorded; as the image user.
    assert dockerfile.index("COPY --chown=3000:3000 lib/") < train
    assert dockerfile.index("conf/java.version") < train
    assert dockerfile.rindex("USER 3000:3000", 0, train) > dockerfile.index("conf/java.version")


def test_training_skips_java_without_dynamic_archives(home):
    (home / "conf" / "java.version").write_text("11\n")
    done = subprocess.run(["sh", str(home / "bin" / "rmq-cds-train.sh")], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], "ROCKETMQ_HOME": str(home)})
    assert done.returncode == 0 and "boots without them" in done.stdout
    assert not list((home / "conf").glob("*.jsa"))
