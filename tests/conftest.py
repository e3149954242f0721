import os

import pytest


def pytest_collection_modifyitems(config, items):
    """Under CI=true an integration test may never be skipped for lack of an engine."""
    if os.environ.get("CI") != "true":
        return
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(pytest.mark.usefixtures("require_engine_in_ci"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skipped integration test fails: a missing engine, JVM, jar or browser is never hidden."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and "integration" in item.keywords \
            and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome, report.longrepr = "failed", f"skipped under CI=true, which must run it: {reason}"


@pytest.fixture(scope="session")
def require_engine_in_ci():
    import subprocess

    result = subprocess.run(["docker", "info"], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"CI=true but no Docker engine answers: {result.stderr.strip()}")


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A Lab on the fake provider behind both the library and the CLI: no engine, RMQLAB_HOME in a temp folder."""
    from rmqlab.api import Lab
    from rmqlab.cli import options
    from rmqlab.runtime.fake import FakeProvider

    monkeypatch.setenv("RMQLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    provider = FakeProvider(election_seconds=0.3)
    options.use_lab(Lab(provider))
    yield provider
    options.use_lab(None)


def pytest_sessionfinish(session, exitstatus):
    """The clusters integration modules shared (tests/realcluster.py) go when the session ends, checked."""
    import sys

    realcluster = sys.modules.get("realcluster")
    if realcluster is not None:
        left = realcluster.remove_shared_clusters()
        if left:
            session.exitstatus = 1
            print(f"\nshared clusters left containers, networks or volumes behind: {', '.join(left)}")
