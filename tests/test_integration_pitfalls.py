"""Each seeded pitfall produces RocketMQ's real error, and the lint rule that predicts it."""

import pytest
from clirunner import run
from realcluster import LAB, image_for_tests

from rmqlab.lint.pitfalls import PITFALLS

pytestmark = pytest.mark.integration

EXPECTED = {
    "lock-failed": "Lock failed",
    "store-subpaths": "length not matched message store config value",
    "address-in-use": "10912",
    "heap": "exit code 137",
}


@pytest.mark.parametrize("name", sorted(PITFALLS))
def test_pitfall_shows_the_real_error_and_the_lint_rule(name):
    result = run("pitfall", name, "--image", image_for_tests())
    assert result.exit_code == 0, result.output
    assert EXPECTED[name] in result.output
    assert f"rmqlab lint would have stopped it ({PITFALLS[name].rule})" in result.output
    assert not LAB.provider.containers(f"pitfall-{name}") and not LAB.provider.volumes(f"pitfall-{name}")


def test_unknown_pitfall_is_bad_input():
    result = run("pitfall", "split-brain")
    assert result.exit_code == 2 and "lock-failed" in result.output
