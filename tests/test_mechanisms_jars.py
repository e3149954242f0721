"""The defaults rmqlab.topology.timing states, checked against each version's own jars on the host JVM
(the fields are read by reflection), and against the key tables extracted from the same jars."""

from __future__ import annotations

import subprocess
from importlib import resources
from pathlib import Path

import pytest

from rmqlab.topology.timing import CLIENT_KEYS, KNOBS, NOWHERE
from testkit.hostjvm import HostJvmUnavailable, lib_dir

PROBE = Path(__file__).parent / "jvm" / "MechanismDefaults.java"
VERSIONS = ("4.7.0", "4.9.7", "5.5.0")
IN_CODE = {"heartBeatTimeIntervalMs", "maxHeartBeatLeak", "minVoteIntervalMs", "maxVoteIntervalMs",
           "pollNameServerInterval", "sendMsgTimeout", "retryTimesWhenSendFailed", "brokerChannelExpiredTime"}


@pytest.mark.integration
@pytest.mark.parametrize("version", VERSIONS)
def test_defaults_read_in_the_jars(version):
    try:
        lib = lib_dir(version)
    except HostJvmUnavailable as error:
        pytest.skip(f"RocketMQ {version} jars unavailable: {error}")
    done = subprocess.run(["java", "-cp", f"{lib}/*", str(PROBE)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    found = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert set(found) == IN_CODE, done.stdout
    for key, text in found.items():
        assert KNOBS[key].default_ms == int(text), f"{version}: {key} is {text} in the jars"


def _table(version: str, kind: str) -> dict[str, tuple[str, str]]:
    path = resources.files("rmqlab") / "data" / "keys" / version / f"{kind}.tsv"
    rows = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            key, _type, default, owners = line.split("\t")
            rows[key] = (default, owners)
    return rows


def test_file_keys_match_the_tables_extracted_from_the_jars():
    broker, namesrv = _table("5.5.0", "broker"), _table("5.5.0", "namesrv")
    for knob in KNOBS.values():
        if knob.key in IN_CODE:
            assert knob.file is NOWHERE, f"{knob.key} is not set by any file"
            continue
        table = broker if knob.file == "broker" else namesrv
        assert knob.key in table, f"{knob.key} is no {knob.file} key of 5.5.0"
        default, owners = table[knob.key]
        assert int(default) == knob.default_ms and knob.owner in owners.split(","), (knob, table[knob.key])


def test_client_settings_are_no_cluster_file_key():
    assert set(CLIENT_KEYS) <= IN_CODE


def test_4x_name_servers_have_no_scan_key():
    for version in ("4.7.0", "4.9.7"):
        assert "scanNotActiveBrokerInterval" not in _table(version, "namesrv")
