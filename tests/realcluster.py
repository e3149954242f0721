"""Helpers for the integration tests: a real cluster per test module, removed even on failure."""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager

from rmqlab.api import DEFAULT_VERSION, ClusterSpec, Lab
from rmqlab.runtime.docker import DockerProvider
from rmqlab.topology import naming

LAB = Lab(DockerProvider())


def image_for_tests(version: str = DEFAULT_VERSION) -> str:
    """The image the tests run: $RMQLAB_TEST_IMAGE, else the one `rmqlab image build` made (built if missing)."""
    if os.environ.get("RMQLAB_TEST_IMAGE") and version == DEFAULT_VERSION:
        return os.environ["RMQLAB_TEST_IMAGE"]
    from rmqlab.image import build_image

    return build_image(version).tag


@contextmanager
def running_cluster(spec: ClusterSpec, timeout: float = 240):
    down_quietly(spec.name)
    try:
        yield LAB.up(spec, image_for_tests(spec.version), timeout).cluster
    finally:
        LAB.down(spec.name, volumes=True)
        assert_nothing_left(spec.name)


_SHARED: dict[str, object] = {}


@contextmanager
def shared_cluster(mode, version: str = DEFAULT_VERSION, timeout: float = 240):
    """The session's one cluster of a layout, shared by every module that needs no special spec. It has the
    name and spec experiments run on, so `experiment(..., reuse=True)` runs on it too. The first module to ask
    starts it; every later one gets it restored (every fault undone, every node running, ready again). It is
    removed when the session ends (conftest.pytest_sessionfinish)."""
    from rmqlab.api.experiments import experiment_spec

    spec = experiment_spec(mode, version)
    if spec.name in _SHARED:
        yield LAB.restore(spec.name, timeout)
        return
    down_quietly(spec.name)
    _SHARED[spec.name] = LAB.up(spec, image_for_tests(version), timeout).cluster
    yield _SHARED[spec.name]


def remove_shared_clusters() -> list[str]:
    """Remove every shared cluster; the names of those that left something behind."""
    left = []
    for name in list(_SHARED):
        down_quietly(name)
        _SHARED.pop(name)
        provider = LAB.provider
        if provider.containers(name) or provider.networks(name) or provider.volumes(name):
            left.append(name)
    return left


def down_quietly(name: str) -> None:
    try:
        LAB.down(name, volumes=True)
    except Exception:  # noqa: BLE001 - nothing to remove is fine here
        pass


def assert_nothing_left(name: str) -> None:
    provider = LAB.provider
    assert not provider.containers(name), f"containers of {name} left behind"
    assert not provider.networks(name), f"networks of {name} left behind"
    assert not provider.volumes(name), f"volumes of {name} left behind"


def run_mqadmin(cluster, args: list[str]) -> tuple[int, str]:
    return LAB.admin(cluster.name, args)


_ROW = re.compile(r"^(\S+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(V\S+)")


def cluster_list(cluster) -> dict[str, dict[int, str]]:
    """RocketMQ's own view, from `mqadmin clusterList`: brokerName -> {BID: address}."""
    _, output = run_mqadmin(cluster, ["clusterList"])
    groups: dict[str, dict[int, str]] = {}
    for line in output.splitlines():
        match = _ROW.match(line.strip())
        if match:
            _, broker, bid, addr, _ = match.groups()
            groups.setdefault(broker, {})[int(bid)] = addr
    return groups


def wait_for(predicate, timeout: float, what: str, poll: float = 1.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; last: {last!r}")


def addr(cluster, node: str) -> str:
    return cluster.advertised_addr(cluster.node(node))


def states(cluster) -> dict[str, str]:
    return {name: c.status for name, c in LAB.provider.containers(cluster.name).items()}


def label_filter(cluster) -> dict:
    return {"label": [f"{naming.LABEL_CLUSTER}={cluster.name}"]}


def produce_keys(cluster, topic: str, count: int) -> list[str]:
    """Send through rmqlab's own client (`rmqlab produce --json`); the keys it acknowledged."""
    import json

    from clirunner import run

    result = run("produce", "--name", cluster.name, "-t", topic, "-c", str(count), "--json")
    assert result.exit_code == 0, result.output
    sent = [json.loads(chunk) for chunk in _json_objects(result.stdout)]
    return [s["key"] for s in sent if s["code"] == 0]


def consume_keys(cluster, topic: str, *args: str) -> list[tuple[str, int, int, str]]:
    """(group, queue, offset, key) read back through `rmqlab consume --json`."""
    import json

    from clirunner import run

    result = run("consume", "--name", cluster.name, "-t", topic, "--json", *args)
    assert result.exit_code == 0, result.output
    reads = [json.loads(chunk) for chunk in _json_objects(result.stdout)]
    return sorted((r["group"], r["queue"], r["offset"], r["key"]) for r in reads)


def _json_objects(text: str) -> list[str]:
    """print_json writes one indented object after another."""
    chunks, current = [], []
    for line in text.splitlines():
        current.append(line)
        if line == "}":
            chunks.append("\n".join(current))
            current = []
    return chunks
