"""Real hand-made mistakes, one folder each: the lint must report exactly the expected rules."""

from pathlib import Path

import pytest

from rmqlab.lint import lint_hosts
from rmqlab.lint.collect import collect_hosts
from rmqlab.topology.versions import DEFAULT_VERSION

CASES = Path(__file__).parent / "lint_cases"


def _expected(case: Path) -> set[tuple[str, str]]:
    lines = (case / "expect").read_text().split("\n")
    return {tuple(line.split()) for line in lines if line.strip()}


def _optional(case: Path, name: str) -> str | None:
    path = case / name
    return path.read_text().strip() if path.exists() else None


@pytest.mark.parametrize("name", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_lint_reports_exactly_the_expected_rules(name):
    case = CASES / name
    memory = _optional(case, "memory")
    hosts = collect_hosts([case], [], [memory] if memory else [], [])
    report = lint_hosts(hosts, _optional(case, "version") or DEFAULT_VERSION)
    found = {(f.severity, f.rule) for f in report.findings}
    assert found == _expected(case), "\n".join(f"{f.severity} {f.rule}: {f.message}" for f in report.findings)
    assert report.exit_code == (1 if any(sev == "error" for sev, _ in found) else 0)


def test_every_finding_says_what_to_do():
    for case in CASES.iterdir():
        if case.is_dir():
            for f in lint_hosts(collect_hosts([case], [], ["8g"], []), DEFAULT_VERSION).findings:
                assert f.fix and f.message and f.files
