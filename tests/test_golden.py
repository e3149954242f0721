"""Rendered output per mode, pinned byte for byte (RMQLAB_UPDATE_GOLDEN=1 to regenerate)."""

from pathlib import Path

import pytest
from goldens import compare_tree

from rmqlab.render.files import render_cluster_files
from rmqlab.topology.layouts import ClusterSpec, build_cluster
from rmqlab.topology.model import Mode

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "2m2s-sync-4.9.8": ClusterSpec(mode=Mode.SYNC_2M2S, name="golden", version="4.9.8"),
    "2m2s-sync-4.7.0": ClusterSpec(mode=Mode.SYNC_2M2S, name="golden", version="4.7.0"),
    "dledger-4.7.0": ClusterSpec(mode=Mode.DLEDGER, name="golden", version="4.7.0"),
    "dledger-2-groups": ClusterSpec(mode=Mode.DLEDGER, name="golden", groups=2),
    "dledger-hosts": ClusterSpec(mode=Mode.DLEDGER, name="golden", hosts=("192.0.2.1", "192.0.2.2", "192.0.2.3")),
    "controller-3-groups": ClusterSpec(mode=Mode.CONTROLLER, name="golden", groups=3),
    "2m2s-async-hosts": ClusterSpec(mode=Mode.ASYNC_2M2S, name="golden", hosts=("192.0.2.1", "192.0.2.2")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_files_match_golden(case):
    files = render_cluster_files(build_cluster(CASES[case]), "rmqlab/rocketmq:test")
    problems = compare_tree(GOLDEN / case, files)
    assert not problems, "; ".join(problems)


def test_rendering_is_deterministic():
    spec = CASES["controller-3-groups"]
    assert render_cluster_files(build_cluster(spec), "x") == render_cluster_files(build_cluster(spec), "x")


