"""modes / render / lint through the command line."""

import json
from pathlib import Path

from clirunner import run

CASES = Path(__file__).parent / "lint_cases"


def test_modes_json_lists_four_layouts_with_their_machines():
    result = run("modes", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["mode"] for r in rows] == ["2m2s-sync", "2m2s-async", "dledger", "controller"]
    assert rows[0]["machines"]["machine-a"] == ["namesrv-a", "broker-a-master", "broker-b-slave"]


def test_render_writes_compose_and_configs_that_pass_lint(tmp_path):
    result = run("render", "--mode", "dledger", "--groups", "2", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "docker-compose.yaml").exists()
    assert len(list(tmp_path.glob("configs/machine-*/*.properties"))) == 9
    lint = run("lint", str(tmp_path / "configs"))
    assert lint.exit_code == 0, lint.output
    assert "0 errors, 0 warnings" in lint.output


def test_render_for_real_hosts_writes_no_compose_file(tmp_path):
    result = run("render", "--mode", "2m2s-sync", "--hosts", "192.0.2.7,192.0.2.8", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "docker-compose.yaml").exists()
    text = (tmp_path / "configs/192.0.2.7/broker-a-master.properties").read_text()
    assert "namesrvAddr=192.0.2.7:9876;192.0.2.8:9876" in text
    assert "brokerIP1=192.0.2.7" in text


def test_bad_mode_is_one_clear_line_and_exit_2(tmp_path):
    result = run("render", "--mode", "3m3s", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "Unknown mode '3m3s'" in result.output and "Hint:" in result.output
    assert not any(tmp_path.iterdir())


def test_wrong_number_of_hosts_is_bad_input(tmp_path):
    result = run("render", "--mode", "dledger", "--hosts", "192.0.2.1,192.0.2.2", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "3 machines" in result.output


def test_controller_mode_on_4x_is_refused():
    result = run("render", "--mode", "controller", "--version", "4.9.8", "--out", "/nonexistent")
    assert result.exit_code == 2
    assert "5.1.1" in result.output


def test_lint_exit_code_1_on_errors_and_json_output():
    result = run("lint", str(CASES / "lock-failed"), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["errors"] == 1 and report["findings"][0]["rule"] == "store-lock"


def test_lint_unreadable_input_is_exit_2():
    result = run("lint", "/nonexistent/broker.properties")
    assert result.exit_code == 2
    assert "Cannot read" in result.output


def test_lint_host_option_groups_files_on_one_host():
    a = CASES / "lock-failed/host1/broker-a.properties"
    b = CASES / "lock-failed/host1/broker-b.properties"
    apart = run("lint", "--host", f"10.0.0.1={a}", "--host", f"10.0.0.2={b}")
    together = run("lint", "--host", f"10.0.0.1={a},{b}")
    assert apart.exit_code == 0, apart.output
    assert together.exit_code == 1 and "store-lock" in together.output


def test_lint_heap_against_memory():
    a = CASES / "lock-failed/host1/broker-a.properties"
    assert run("lint", "--host", f"h={a}", "--memory", "4g").exit_code == 1
    assert run("lint", "--host", f"h={a}", "--memory", "4g", "--heap", "broker-a=1g").exit_code == 0
