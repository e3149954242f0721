"""The asynchronous-replication lesson on real RocketMQ: `compare` runs the lose-master-disk preset, at its
default load, on 2m2s-async and 2m2s-sync in one run. ASYNC_MASTER loses acknowledged messages with its
master's disk, SYNC_MASTER loses none, and the verdict says why from the history alone."""

from __future__ import annotations

import json

import pytest
from realcluster import LAB, image_for_tests

from rmqlab.topology.versions import DEFAULT_VERSION

pytestmark = pytest.mark.integration


def test_compare_lose_master_disk_async_loses_acknowledged_messages_sync_loses_none(tmp_path):
    done = LAB.compare(["2m2s-async", "2m2s-sync"], "lose-master-disk", DEFAULT_VERSION, tmp_path, image_for_tests(),
                       on_event=print)
    reports = {run.meta.mode: json.loads((run.run_dir / "report.json").read_text()) for run in done.runs}
    async_, sync = reports["2m2s-async"], reports["2m2s-sync"]
    for mode, report in reports.items():
        print(mode, report["totals"], *report["verdicts"], sep="\n  ")
    assert async_["totals"]["acknowledged_lost"] > 0, async_["verdicts"]
    assert sync["totals"]["acknowledged_lost"] == 0, sync["lost_keys"][:5]
    assert sync["totals"]["acknowledged"] > 200 and async_["totals"]["acknowledged"] > 200
    verdicts = " ".join(async_["verdicts"])
    assert "brokerRole=ASYNC_MASTER acknowledges a send before its slave has a copy" in verdicts
    lag = async_["groups"]["broker-a"]["replication_lag_at_faults"]
    behind = max(entry["bytes_behind"]["broker-a-slave"] or 0 for entry in lag.values())
    assert behind > 10_000, lag  # the slowed link left the slave far behind, measured, not assumed
    assert done.page.is_file()
