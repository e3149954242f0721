"""The broker launcher jar (DLedger timing) is built from the committed source, and the image ships it."""

from __future__ import annotations

import zipfile
from io import BytesIO

from rmqlab.image import context, launcher


def test_the_committed_jar_was_built_from_the_committed_source():
    assert launcher.recorded_digest() == launcher.source_digest(), (
        "files/launch/ changed: rebuild the jar with python -m rmqlab.image.launcher")
    names = zipfile.ZipFile(BytesIO(launcher.jar_bytes())).namelist()
    assert "rmqlab/launch/DLedgerTimings.class" in names


def test_every_image_ships_it_and_mqbroker_uses_it_only_when_asked():
    for version in ("4.7.0", "4.9.7", "5.5.0"):
        files = context.render_context(version, "debian:bookworm")
        assert files["lib/rmqlab-launch.jar"].data == launcher.jar_bytes()
        script = files["bin/mqbroker"].data.decode()
        assert '*" -Drmqlab.dledger."*) rmq_exec broker rmqlab.launch.DLedgerTimings' in script
        assert "*) rmq_exec broker org.apache.rocketmq.broker.BrokerStartup" in script
