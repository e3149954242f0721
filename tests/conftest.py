import os

import pytest


def pytest_collection_modifyitems(config, items):
    """Under CI=true an integration test may never be skipped for lack of an engine."""
    if os.environ.get("CI") != "true":
        return
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(pytest.mark.usefixtures("require_engine_in_ci"))


@pytest.fixture(scope="session")
def require_engine_in_ci():
    import subprocess

    result = subprocess.run(["docker", "info"], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"CI=true but no Docker engine answers: {result.stderr.strip()}")
