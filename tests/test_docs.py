"""Docs that cannot drift: the CLI reference, and the README's commands."""

import re
from pathlib import Path

from clirunner import run

from rmqlab.clidoc import reference

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_matches_the_cli():
    assert (ROOT / "docs/cli.md").read_text() == reference(), "Regenerate: python -m rmqlab.clidoc > docs/cli.md"


def test_readme_starts_with_the_demo_and_test_commands_and_they_exist():
    lines = (ROOT / "README.md").read_text().splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```sh") + 3]
    assert block[0].startswith("./scripts/demo.sh") and block[1].startswith("./scripts/test.sh")
    for script in ("scripts/demo.sh", "scripts/test.sh", ".ci/run"):
        assert (ROOT / script).stat().st_mode & 0o111, f"{script} must be executable"
    assert "./scripts/test.sh" in (ROOT / ".ci/run").read_text()


def test_every_rmqlab_command_in_the_readme_exists():
    text = (ROOT / "README.md").read_text()
    blocks = "\n".join(re.findall(r"```sh\n(.*?)```", text, flags=re.S))
    used = set(re.findall(r"^rmqlab ([a-z-]+(?: [a-z]+)?)", blocks, flags=re.M))
    assert len(used) > 5
    for command in used:
        words = command.split()
        result = run(*words, "--help")
        if result.exit_code != 0:  # "rmqlab kill broker-a-master": the second word is an argument
            result = run(words[0], "--help")
        assert result.exit_code == 0, f"README mentions `rmqlab {command}`, which does not exist"


def test_the_readme_experiment_table_gives_the_causes_the_reports_give():
    """The README's cause column is what a report says for a kill -9 with RocketMQ's defaults."""
    from rmqlab.topology import bounds
    from rmqlab.topology.model import Mode
    from rmqlab.topology.timing import CLOSED, SILENT, Settings
    from rmqlab.topology.versions import DEFAULT_VERSION

    text = (ROOT / "README.md").read_text()
    table = text[text.index("| | broker-a could not take writes for |"):]
    for mode in (Mode.SYNC_2M2S, Mode.DLEDGER, Mode.CONTROLLER):
        cell = bounds.new_master(mode, DEFAULT_VERSION, CLOSED, Settings()).explain()
        assert f"| {mode.value} |" in table and f"| {cell} |" in table, f"{mode.value}: {cell}"
    frozen = bounds.frozen_listing(DEFAULT_VERSION, Settings()).explain()
    assert " ".join(frozen.split()).rstrip(".") in " ".join(text.split())
    silent = [bounds.new_master(m, DEFAULT_VERSION, SILENT, Settings()).span() for m in (Mode.DLEDGER, Mode.CONTROLLER)]
    assert f"({silent[0]} and {silent[1]}: a silent master is noticed only by timeouts)" in " ".join(text.split())
    recorded = Settings().with_values({"sendMsgTimeout": 5000})  # the workload's send timeout, as runs record it
    for value in bounds.producers(recorded, "x", 0.3, still_listed=False).uses:
        assert value.text() in text, value
