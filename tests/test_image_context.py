"""The image build context as pure data: deterministic bytes, a hash that moves with its inputs,
launchers that differ by RocketMQ line, and logging configs that logback accepts without a warning."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from rmqlab.image import context, logconf
from rmqlab.image.jars import Jar

BASE = "rmqlab/base:bookworm-jre17-0123456789ab"
JARS = [Jar("rocketmq-broker-5.5.0.jar", 1000, "aa" * 32), Jar("netty-all-4.1.130.Final.jar", 2000, "bb" * 32)]


def test_same_inputs_same_bytes_and_hash():
    first = context.render_context("5.5.0", BASE)
    second = context.render_context("5.5.0", BASE)
    assert first == second
    assert context.content_hash(first, JARS, "sha256:1") == context.content_hash(second, list(reversed(JARS)),
                                                                                 "sha256:1")


@pytest.mark.parametrize("change", ["base_id", "jar", "file", "mode"])
def test_hash_moves_with_every_input(change):
    files = context.render_context("5.5.0", BASE)
    jars, base_id = list(JARS), "sha256:1"
    before = context.content_hash(files, jars, base_id)
    if change == "base_id":
        base_id = "sha256:2"
    elif change == "jar":
        jars[0] = Jar(jars[0].name, jars[0].size, "cc" * 32)
    elif change == "file":
        files = {**files, "bin/mqbroker": context.ContextFile(files["bin/mqbroker"].data + b"\n")}
    else:
        files = {**files, "bin/rmq-java.sh": context.ContextFile(files["bin/rmq-java.sh"].data, 0o755)}
    assert context.content_hash(files, jars, base_id) != before


def test_layout_per_line():
    five = context.render_context("5.5.0", BASE)
    four = context.render_context("4.9.7", BASE)
    assert "bin/mqcontroller" in five and "bin/mqcontroller" not in four
    for name in ("mqnamesrv", "mqbroker", "mqadmin", "mqshutdown"):
        assert five[f"bin/{name}"].mode == 0o755 and f"bin/{name}" in four
    assert {p for p in four if p.startswith("conf/")} == {
        "conf/logback_namesrv.xml", "conf/logback_broker.xml", "conf/logback_tools.xml"}
    assert {p for p in five if p.startswith("conf/")} == {
        "conf/rmq.namesrv.logback.xml", "conf/rmq.broker.logback.xml", "conf/rmq.controller.logback.xml",
        "conf/rmq.tools.logback.xml", "conf/rmq.proxy.logback.xml", "conf/rmq-proxy.json"}
    assert "bin/mqproxy" in five and "bin/mqproxy" not in four
    assert "rmq-cds-train-proxy.sh" in context.dockerfile("5.5.0", BASE)
    assert "rmq-cds-train-proxy.sh" not in context.dockerfile("4.9.7", BASE)


def test_proxy_jars_are_hashed_apart_from_lib():
    files = context.render_context("5.5.0", BASE)
    proxy = [Jar("grpc-services-1.53.0.jar", 10, "dd" * 32)]
    without = context.content_hash(files, JARS, "sha256:1")
    with_proxy = context.content_hash(files, JARS + context.proxy_jars(proxy), "sha256:1")
    assert with_proxy != without
    assert with_proxy == context.content_hash(files, JARS + context.proxy_jars(list(proxy)), "sha256:1")
    # the same jar in lib/ and in lib/proxy/ are two different inputs
    assert context.content_hash(files, JARS + proxy, "sha256:1") != with_proxy


def test_unmap_opens_only_for_4x_and_logging_switch_only_for_5x():
    four = context.launcher_common("4.9.7")
    five = context.launcher_common("5.5.0")
    for flag in ("--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED"):
        assert flag in four and flag not in five
    assert "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED" in four and "--add-exports" in five
    # Hessian in the 5.x controller reflects into java.lang; 4.9.x has no controller.
    assert "--add-opens=java.base/java.lang=ALL-UNNAMED" in five and "java.base/java.lang=" not in four
    assert "rmq.logback.configurationFile" in five and "rmq.logback.configurationFile" not in four
    for text in (four, five):
        assert "-XX:+IgnoreUnrecognizedVMOptions" in text
        assert "-Drocketmq.namesrv.domain=127.0.0.1:9" in text  # never ask jmenv.tbsite.net
        assert 'exec "$JAVA" $rmq_opts $rmq_ext' in text  # JAVA_OPT_EXT last, and exec


def test_dockerfile_lays_out_like_the_official_image():
    text = context.dockerfile("4.9.7", BASE)
    assert text.startswith("# RocketMQ 4.9.7") and f"FROM {BASE}\n" in text
    assert "ROCKETMQ_HOME=/home/rocketmq/rocketmq-4.9.7" in text
    assert "WORKDIR ${ROCKETMQ_HOME}/bin" in text
    assert "useradd -u 3000 -g 3000 -d /home/rocketmq" in text
    assert "mkdir -p /home/rocketmq/store /home/rocketmq/logs/rocketmqlogs" in text
    assert "USER 3000:3000" in text


def test_unknown_placeholders_are_refused():
    with pytest.raises(ValueError):
        context._fill("a @NOPE@ b", {})


@pytest.mark.parametrize("role", sorted(logconf.ROUTES))
def test_logback_configs_parse_and_reference_every_appender(role):
    root = ET.fromstring(logconf.logback_xml(role))
    declared = {a.get("name") for a in root.iter("appender")}
    referenced = {r.get("ref") for r in root.iter("appender-ref")}
    # An unreferenced appender makes logback print its whole status on stdout, which
    # would corrupt mqadmin's output.
    assert declared == referenced
    files = [f.text for f in root.iter("file")]
    assert len(files) == len(set(files))
    assert all(f.startswith("${user.home}/logs/rocketmqlogs/") for f in files)
    assert len(root.findall("root")) == 1


def test_tools_logging_keeps_stdout_clean():
    root = ET.fromstring(logconf.logback_xml("tools"))
    targets = {t.text for t in root.iter("target")}
    assert targets == {"System.err"}
    assert not list(root.iter("key"))  # no INFO line reaches the console


def test_console_filter_is_the_shipped_class_with_phrases():
    root = ET.fromstring(logconf.logback_xml("broker"))
    (console,) = [a for a in root.iter("appender") if a.get("name") == "CONSOLE"]
    (flt,) = console.iter("filter")
    assert flt.get("class") == "rmqlab.logback.KeyLines"
    keys = [k.text for k in flt.iter("key")]
    assert "role change" in keys and "ChangeRoleTo" in keys
    assert "Load default" in [n.text for n in flt.iter("noise")]


def test_filter_jar_is_in_the_context_per_logback_flavour():
    four = context.render_context("4.9.7", BASE)["lib/rmqlab-keylines.jar"].data
    five = context.render_context("5.5.0", BASE)["lib/rmqlab-keylines.jar"].data
    assert four != five
    import io
    import zipfile

    for data in (four, five):
        assert "rmqlab/logback/KeyLines.class" in zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_filter_jars_were_rebuilt_after_the_last_source_change():
    from rmqlab.image import logfilter

    assert logfilter.recorded_digest() == logfilter.template_digest(), (
        "KeyLines.java.in changed: run `python -m rmqlab.image.logfilter` and commit the jars")


@pytest.mark.parametrize("version", ["4.7.0", "4.9.7", "5.5.0"])
def test_launchers_parse_as_posix_sh_or_python(version, tmp_path):
    files = context.render_context(version, BASE)
    for path, item in files.items():
        if path.startswith("bin/"):
            script = tmp_path / path.replace("/", "_")
            script.write_bytes(item.data)
            python = item.data.startswith(b"#!/usr/bin/python3")  # bin/rmq-delay: python3-minimal's stdlib only
            check = [sys.executable, "-m", "py_compile", str(script)] if python else ["sh", "-n", str(script)]
            done = subprocess.run(check, capture_output=True, text=True)
            assert done.returncode == 0, f"{path}: {done.stderr}"
