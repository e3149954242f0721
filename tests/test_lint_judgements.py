"""Lint judgements that used to be wrong: each test failed before its fix."""

from pathlib import Path

import pytest

from rmqlab.lint import INFO, LintReport, lint_hosts
from rmqlab.lint.collect import collect_hosts
from rmqlab.lint.inputs import Host, config_from_text
from rmqlab.lint.propfile import MALFORMED_U

CASES = Path(__file__).parent / "lint_cases"
HEADER = "brokerClusterName=DefaultCluster\nnamesrvAddr=10.0.0.1:9876\n"


def master(name="broker-a", port=None, root=None, extra=""):
    root = root or f"/data/{name}"
    text = f"{HEADER}brokerName={name}\nbrokerId=0\nbrokerRole=ASYNC_MASTER\nstorePathRootDir={root}\n"
    return text + (f"listenPort={port}\n" if port is not None else "") + extra


def as_read(text: str) -> str:
    """The text as lint reads a UTF-8 file from disk: byte by byte, ISO-8859-1, like Java."""
    return text.encode("utf-8").decode("latin-1")


def lint_one_host(*texts: str, version="5.5.0", name="10.0.0.1") -> LintReport:
    files = tuple(config_from_text(f"b{i}.properties", as_read(t)) for i, t in enumerate(texts))
    return lint_hosts([Host(name, files)], version)


def rules(report: LintReport) -> set[tuple[str, str]]:
    return {(f.severity, f.rule) for f in report.findings}


# --- files Java refuses, and comments -------------------------------------------------------


def test_a_file_java_refuses_is_an_error_quoting_java_and_the_line():
    report = lint_one_host(master(extra="storePathCommitLog=C:\\users\\rocketmq\\commitlog\n"))
    (refused,) = [f for f in report.errors if f.rule == "refused-file"]
    assert MALFORMED_U in refused.message
    assert "b0.properties:7" in refused.message and "C:\\users\\rocketmq\\commitlog" in refused.message
    assert report.exit_code == 1


def test_nothing_is_reported_from_inside_a_comment():
    text = (
        "# 主节点配置：storePathRootDir=C:\\users\\rocketmq\\store\n"
        "#brokerRole=SLAVE\n! listenPort=10912 #old\n" + master()
    )
    assert lint_one_host(text).findings == ()


def test_chinese_comments_give_no_bogus_keys_and_lines_stay_right():
    text = "# 主节点配置\n# 刷盘方式配置\n" + master() + "# 端口配置\nlistenPort=10911\nmapedFileSizeCommitLog=1g\n"
    (unknown,) = lint_one_host(text).findings
    assert unknown.rule == "unknown-key" and unknown.key == "mapedFileSizeCommitLog"
    assert "b0.properties:11:" in unknown.message


def test_a_line_holding_only_a_backslash_does_not_make_the_next_comment_a_key():
    report = lint_one_host(master() + "\\\n#brokerRole=SLAVE\n")
    assert report.findings == ()


# --- one host of a correct layout ------------------------------------------------------------


def test_one_host_of_the_seed_layout_is_info_not_an_error():
    report = lint_hosts(collect_hosts([CASES / "seed-one-host"], [], [], []), "5.5.0")
    (note,) = report.findings
    assert (note.severity, note.rule) == (INFO, "slave-without-master")
    assert "lint all hosts together" in note.message.lower() and "did you mean" not in note.message
    assert report.exit_code == 0
    assert report.to_dict()["infos"] == 1 and report.to_dict()["errors"] == 0


def test_the_whole_cluster_keeps_the_error_for_a_slave_without_master():
    slave = f"{HEADER}brokerName=broker-b\nbrokerId=1\nbrokerRole=SLAVE\nstorePathRootDir=/data/b-s\n"
    hosts = [
        Host("10.0.0.1", (config_from_text("a.properties", master()),)),
        Host("10.0.0.2", (config_from_text("b-s.properties", slave),)),
    ]
    report = lint_hosts(hosts, "5.5.0")
    assert ("error", "slave-without-master") in rules(report)


def test_to_dict_keeps_its_keys_and_adds_infos():
    assert list(lint_one_host(master()).to_dict()) == ["version", "files", "errors", "warnings", "infos", "findings"]


# --- ports the broker cannot bind -------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["65535", "65534 ", "70000", "2", "1", "0", "-10911", "4294977207", "10911 ", "1 0911", "1_0911", "0x2a9f", "+"],
)
def test_a_listen_port_the_broker_cannot_use_is_an_error(value):
    report = lint_one_host(master(port=value))
    assert ("error", "bad-port") in rules(report), [f.message for f in report.findings]


@pytest.mark.parametrize("value", ["+10911", "10911", "65533", "3", "\\u0661\\u0660\\u0669\\u0661\\u0661"])
def test_ports_java_parses_and_the_broker_can_bind_pass(value):
    report = lint_one_host(master(port=value))
    assert not report.findings, [f.message for f in report.findings]


def test_dledger_binds_no_ha_port_so_65535_is_fine():
    dledger = master(port="65535", extra="enableDLegerCommitLog=true\ndLegerGroup=broker-a\n"
                     "dLegerPeers=n0-10.0.0.1:40911\ndLegerSelfId=n0\n")
    assert "bad-port" not in {f.rule for f in lint_one_host(dledger).findings}


def test_an_explicit_ha_port_out_of_range_is_an_error_where_it_is_honoured():
    text = master(extra="haListenPort=70000\n")
    assert ("error", "bad-port") in rules(lint_one_host(text, version="5.5.0"))
    assert ("error", "bad-port") not in rules(lint_one_host(text, version="4.9.7"))


def test_a_name_server_port_java_cannot_parse_is_an_error():
    namesrv = config_from_text("namesrv.properties", "listenPort=9876 \n")
    report = lint_hosts([Host("10.0.0.1", (namesrv,))], "5.5.0")
    assert ("error", "bad-port") in rules(report)


# --- port hints -----------------------------------------------------------------------------------


def test_brokers_three_apart_clash_and_the_hint_states_the_real_minimum():
    report = lint_one_host(master("broker-a", 10911), master("broker-b", 10914))
    (clash,) = [f for f in report.errors if f.rule == "port-clash"]
    assert "at least 4 apart" in clash.fix and "3 apart" not in clash.fix
    assert not lint_one_host(master("broker-a", 10911), master("broker-b", 10915)).errors


def test_an_explicit_ha_port_is_labelled_as_such_where_it_is_honoured():
    a = master("broker-a", 10911, extra="haListenPort=20000\n")
    b = master("broker-b", 20000)
    (clash,) = [f for f in lint_one_host(a, b, version="5.5.0").errors if f.rule == "port-clash"]
    assert "HA port (haListenPort)" in clash.message and "listenPort+1" not in clash.message


def test_before_5_1_1_haListenPort_is_ignored_and_the_label_says_so():
    a = master("broker-a", 10911, extra="haListenPort=20000\n")
    b = master("broker-b", 10912)
    report = lint_one_host(a, b, version="4.9.7")
    (clash,) = [f for f in report.errors if f.rule == "port-clash"]
    assert "HA port (listenPort+1" in clash.message and "ignored" in clash.message
    assert not [f for f in lint_one_host(a, master("broker-b", 20000), version="4.9.7").errors]


# --- end-of-line comments -------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["brokerIP1=10.0.0.1 #this machine", "brokerIP1=10.0.0.1\t# this machine"])
def test_an_end_of_line_comment_on_a_key_the_broker_reads_is_an_error(line):
    report = lint_one_host(master() + line + "\n")
    (found,) = [f for f in report.errors if f.rule == "inline-comment"]
    assert "brokerIP1" in found.message and "a line of its own" in found.fix
    assert "'brokerIP1=10.0.0.1'" in found.fix


def test_an_end_of_line_comment_on_a_port_is_one_error_not_two():
    report = lint_one_host(master(port="10911 # main port"))
    assert {f.rule for f in report.findings} == {"inline-comment"}


# --- the 5.x BrokerContainer's file ---------------------------------------------------------------


def test_a_broker_container_file_is_not_linted_as_a_broker():
    container = config_from_text(
        "broker-container.conf",
        "namesrvAddr=10.0.0.1:9876\nbrokerConfigPaths=/opt/a.conf:/opt/b.conf\nupdateNamesrvAddrInterval=60000\n",
    )
    report = lint_hosts([Host("10.0.0.1", (container, config_from_text("a.conf", master())))], "5.5.0")
    assert [(f.severity, f.rule) for f in report.findings] == [(INFO, "broker-container")]
    assert "/opt/a.conf" in report.findings[0].message


def test_did_you_mean_is_never_about_a_key_the_version_reads():
    report = lint_one_host(master(extra="brokerConfigPaths=/opt/a.conf\n"), master("broker-b", 11911,
                           extra="defaultThreadPoolQueueCapacity=10000\n"))
    unknown = {f.key: f.message for f in report.findings if f.rule == "unknown-key"}
    assert set(unknown) == {"brokerConfigPaths", "defaultThreadPoolQueueCapacity"}
    assert "BrokerContainer" in unknown["brokerConfigPaths"]
    assert "name server" in unknown["defaultThreadPoolQueueCapacity"]
    for finding in report.findings:
        assert "did you mean" not in finding.message, finding.message
