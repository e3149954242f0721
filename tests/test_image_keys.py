"""Config-key extraction: the pure merging, the checked-in data, and ListKeys.java's rules run on
a hand-written config class (javac and java on the host; skipped without a JDK)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from rmqlab.image import keys

DATA = Path(keys.DATA)


def test_machine_dependent_defaults_are_marked():
    one = keys.parse_rows("a\tint\t1\tX\nb\tString\tq\tX\n")
    many = keys.parse_rows("a\tint\t4\tX\nb\tString\tq\tX\n")
    merged = keys.merge_machines([one, many])
    assert merged[0].default == "<machine: 1 (1 CPU/256m) / 4 (16 CPUs/2g)>"
    assert merged[1].default == "q"


def test_startup_values_replace_class_defaults_per_line():
    rows = [keys.KeyRow("haListenPort", "int", "10912", "MessageStoreConfig"),
            keys.KeyRow("listenPort", "int", "8888", "NettyServerConfig")]
    four = keys.apply_startup("4.9.7", "broker", rows)
    five = keys.apply_startup("5.5.0", "broker", rows)
    seed = keys.apply_startup("4.7.0", "broker", rows)
    assert four[0].default.startswith("listenPort+1 (forced") and seed == four
    assert keys.apply_startup("5.0.0", "broker", rows)[0].default.startswith("listenPort+1 (forced")
    assert five[0].default.startswith("listenPort+1 (set by BrokerStartup when not configured")
    assert four[1].default == five[1].default == "10911 (set by BrokerStartup)"


def test_tsv_round_trip_with_header():
    rows = [keys.KeyRow("brokerRole", "BrokerRole", "ASYNC_MASTER", "MessageStoreConfig")]
    text = keys.render_tsv("5.5.0", "broker", rows, note="a note")
    assert text.splitlines()[0].startswith("# RocketMQ 5.5.0 broker")
    assert "# a note" in text
    assert keys.parse_rows(text) == rows
    assert keys.render_txt(rows) == "brokerRole\n"


def test_kinds_per_line():
    assert set(keys.kinds("4.9.7")) == {"broker", "namesrv"}
    assert set(keys.kinds("5.5.0")) == {"broker", "namesrv", "controller"}
    assert any("AuthConfig" in c for c in keys.kinds("5.5.0")["broker"])
    assert not any("NettyClientConfig" in c for c in keys.kinds("4.9.7")["namesrv"])


def _table(version: str, kind: str) -> dict[str, keys.KeyRow]:
    return {row.key: row for row in keys.parse_rows((DATA / version / f"{kind}.tsv").read_text())}


@pytest.mark.parametrize("version", ["4.7.0", "4.9.7", "4.9.8", "5.5.0", "5.5.1"])
def test_checked_in_data_facts(version):
    broker = _table(version, "broker")
    txt = (DATA / version / "broker.txt").read_text().split()
    assert txt == sorted(broker) and len(txt) > 150
    for derived in ("storePathConsumeQueue", "storeCheckpoint", "abortFile", "storePathIndex",
                    "mapedFileSizeCommitLog"):
        assert derived not in broker, derived
    assert broker["mappedFileSizeCommitLog"].type == "int"
    assert broker["haListenPort"].type == "int"
    assert broker["slaveReadEnable"].type == "boolean"
    assert broker["brokerRole"].type == "BrokerRole" and broker["flushDiskType"].type == "FlushDiskType"
    assert broker["brokerId"].type == "long"
    assert broker["enableDLegerCommitLog"].type == "boolean"
    five = version.startswith("5.")
    assert ("totalReplicas" in broker) == five and ("inSyncReplicas" in broker) == five
    assert ("enableControllerMode" in broker) == five
    if five:
        assert _table(version, "controller")["controllerType"].default == "DLedger"
        assert _table(version, "namesrv")["enableControllerInNamesrv"].type == "boolean"
    for row in broker.values():
        assert "\t" not in row.default and row.default != "<unknown>"


@pytest.fixture(scope="module")
def listkeys(tmp_path_factory):
    if not (shutil.which("javac") and shutil.which("java")):
        pytest.skip("no JDK on this machine")
    root = tmp_path_factory.mktemp("listkeys")
    source = root / "src" / "demo" / "DemoConfig.java"
    source.parent.mkdir(parents=True)
    source.write_text("""
package demo;
public class DemoConfig {
    public enum Role { LEADER, FOLLOWER }
    private int listenPort = 8888;
    private Long maxBytes = 7L;
    private Role role = Role.FOLLOWER;
    private String dLegerPeers;
    private boolean fast = true;
    private double ratio = 0.5;
    private String hidden = "from-field";
    public int getListenPort() { return listenPort; }
    public void setListenPort(int v) { listenPort = v; }
    public Long getMaxBytes() { return maxBytes; }
    public void setMaxBytes(Long v) { maxBytes = v; }
    public Role getRole() { return role; }
    public void setRole(Role v) { role = v; }
    public void setRole(String v) { role = Role.valueOf(v); }
    public String getdLegerPeers() { return dLegerPeers; }
    public void setdLegerPeers(String v) { dLegerPeers = v; }
    public boolean isFast() { return fast; }
    public void setFast(boolean v) { fast = v; }
    public void setRatio(double v) { ratio = v; }
    public void setHidden(String v) { hidden = v; }
    public void setPair(int a, int b) { }
    public void setList(java.util.List<String> v) { }
    public void set(String v) { }
}
""")
    classes = root / "classes"
    done = subprocess.run(["javac", "--release", "11", "-d", str(classes), str(source), str(keys.TOOL)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return classes


def test_listkeys_applies_properties2object_rules(listkeys):
    done = subprocess.run(["java", "-cp", str(listkeys), "ListKeys", "demo.DemoConfig", "?demo.Absent"],
                          capture_output=True, text=True, check=True)
    rows = {r.key: r for r in keys.parse_rows(done.stdout)}
    assert list(rows) == sorted(rows)
    assert set(rows) == {"listenPort", "maxBytes", "role", "dLegerPeers", "fast", "ratio", "hidden"}
    assert (rows["listenPort"].type, rows["listenPort"].default) == ("int", "8888")
    assert (rows["maxBytes"].type, rows["maxBytes"].default) == ("long", "7")
    assert (rows["role"].type, rows["role"].default) == ("Role", "FOLLOWER")
    assert rows["dLegerPeers"].default == "<null>"
    assert rows["fast"].default == "true" and rows["ratio"].default == "0.5"
    assert rows["hidden"].default == "from-field"
    assert all(r.classes == "DemoConfig" for r in rows.values())


def test_listkeys_fails_on_a_missing_required_class(listkeys):
    done = subprocess.run(["java", "-cp", str(listkeys), "ListKeys", "demo.Absent"], capture_output=True, text=True)
    assert done.returncode != 0 and "ClassNotFoundException" in done.stderr
