"""The timeline's node lanes (each node's state over the run, from the fault table's effects), its send latency
lane, and comparisons drawn on one time axis; all from hand-built histories."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from rmqlab import faults
from rmqlab.experiment.check.checker import check
from rmqlab.experiment.report.compare import render_comparison_html
from rmqlab.experiment.report.timeline import LATENCY_BAND, LATENCY_INK, NODE_COLOURS, OTHER_STATE, Rect, Text
from rmqlab.experiment.report.timeline import timeline_picture as picture
from rmqlab.experiment.report.timeline_png import to_png
from rmqlab.experiment.report.timeline_svg import to_svg
from testkit.synthetic import HistoryBuilder, raft_groups, two_by_two

A, B = "broker-a", "broker-b"


def states(result, node):
    return [(round(s.start, 2), round(s.end, 2), s.state) for s in result.nodes[node]]


def test_each_node_lane_follows_its_faults_until_they_are_undone():
    meta, b = two_by_two(), HistoryBuilder()
    b.probes(A, 0.0, 60.0)
    b.fault("kill", "broker-a-master", 10.0)
    b.fault("start", "broker-a-master", 20.0)
    b.fault("pause", "broker-b-slave", 30.0)
    b.fault("unpause", "broker-b-slave", 40.0)
    b.fault("isolate", "machine-b", 45.0, nodes=["broker-b-master", "broker-a-slave", "namesrv-b"],
            machine="machine-b")
    b.fault("heal", None, 50.0, nodes=[])
    result = check(b.history(), meta)
    assert list(result.nodes) == ["broker-a-master", "broker-a-slave", "broker-b-master", "broker-b-slave",
                                  "namesrv-b"], "the groups' replicas, then other nodes a fault hit"
    assert states(result, "broker-a-master") == [(0, 10, "running"), (10, 20.05, "down"), (20.05, 59.95, "running")]
    assert states(result, "broker-b-slave") == [(0, 30, "running"), (30, 40.05, "paused"), (40.05, 59.95, "running")]
    assert states(result, "namesrv-b") == [(0, 45, "running"), (45, 50.05, "isolated"), (50.05, 59.95, "running")]
    assert result.nodes["broker-a-master"][1].fault == 0 and result.nodes["broker-a-master"][0].fault is None


def test_overlapping_faults_show_the_worst_and_a_failed_fault_none():
    meta, b = two_by_two(), HistoryBuilder()
    b.probes(A, 0.0, 30.0)
    b.fault("isolate", "machine-a", 5.0, nodes=["broker-a-master"], machine="machine-a")
    b.fault("kill", "broker-a-master", 10.0)
    b.fault("start", "broker-a-master", 15.0)
    b.fault("pause", "broker-a-slave", 12.0, type="fail", error="no such container")
    result = check(b.history(), meta)
    assert states(result, "broker-a-master") == [(0, 5, "running"), (5, 10, "isolated"), (10, 15.05, "down"),
                                                 (15.05, 29.95, "isolated")]
    assert states(result, "broker-a-slave") == [(0, 29.95, "running")]


def test_a_new_fault_effect_in_the_table_gets_a_lane_state_of_its_own(monkeypatch):
    slow = faults.FaultKind("slow", "Delay a node's packets.", "delayed", undo="heal")
    monkeypatch.setitem(faults.FAULTS, "slow", slow)
    meta, b = two_by_two(), HistoryBuilder()
    b.probes(A, 0.0, 20.0)
    b.fault("slow", "broker-a-master", 5.0)
    b.fault("heal", None, 9.0, nodes=[])
    result = check(b.history(), meta)
    assert states(result, "broker-a-master") == [(0, 5, "running"), (5, 9.05, "delayed"), (9.05, 19.95, "running")]
    items = picture(result).items
    assert any(isinstance(i, Rect) and i.fill == OTHER_STATE for i in items)
    assert any(isinstance(i, Text) and i.text == "node delayed" for i in items)


def test_send_latency_per_bucket_counts_timeouts_and_skips_ticks_with_no_master():
    meta, b = two_by_two(), HistoryBuilder()
    b.send("p-1", 0.1, 0.105, group=A, process="probe-broker-a")
    b.send("p-2", 0.2, 0.215, group=A, process="probe-broker-a")
    b.send("p-3", 0.3, 0.309, group=A, process="probe-broker-a")
    b.send("p-4", 1.2, 6.2, "info", group=A, process="probe-broker-a", error="timed out")
    b.op("probe-broker-a", "send", {"key": "p-5", "seq": 5}, 2.5, 2.5, "fail", group=A, error="no master")
    b.send("p-6", 3.9, 3.95, group=A, process="probe-broker-a")
    result = check(b.history(), meta)
    latency = result.groups[A].latency
    assert latency.bucket_seconds == 1.0
    # buckets of 1 s up to the last send event (p-4's timeout at 6.2 s); the no-master tick at 2.5 s is no send
    assert latency.p50_ms == [pytest.approx(9.0), 5000.0, None, 50.0, None, None, None]
    assert latency.max_ms == [pytest.approx(15.0), 5000.0, None, 50.0, None, None, None]
    assert result.to_dict()["groups"][A]["latency"]["p50_ms"][2] is None


def outage(mode="2m2s-sync", end=30.0, fault_at=10.0):
    meta = (two_by_two if mode.startswith("2m2s") else raft_groups)(mode, "kill-master")
    b = HistoryBuilder()
    first = meta.groups[0].nodes[0]
    b.roles(0.1, {A: first, B: meta.groups[1].nodes[0]})
    b.probes(A, 0.0, end, failing=[(fault_at, end + 1)], latency=0.02)
    b.probes(B, 0.0, end, latency=0.002)
    b.fault("kill", first, fault_at)
    return meta, check(b.history(), meta)


def test_the_timeline_draws_a_lane_per_node_and_a_latency_lane_per_group_in_both_renderers():
    meta, result = outage()
    shown = picture(result)
    texts = [i.text for i in shown.items if isinstance(i, Text)]
    assert texts.count("latency") == 2 and "nodes" in texts
    assert {"broker-a-master", "broker-a-slave", "broker-b-master", "broker-b-slave", "down"} <= set(texts)
    fills = [i.fill for i in shown.items if isinstance(i, Rect)]
    assert NODE_COLOURS["down"] in fills and NODE_COLOURS["running"] in fills and LATENCY_BAND in fills
    assert any(getattr(i, "stroke", None) == LATENCY_INK for i in shown.items)
    down = next(i for i in shown.items if isinstance(i, Rect) and i.fill == NODE_COLOURS["down"])
    assert down.title == f"broker-a-master: down 10.0–{result.duration_seconds:.1f} s"
    svg = to_svg(shown)
    assert svg.count(f'fill="{NODE_COLOURS["down"]}"') >= 1 and down.title in svg
    png = Image.open(io.BytesIO(to_png(shown, scale=1.0))).convert("RGB")
    dark = tuple(int(NODE_COLOURS["down"][i:i + 2], 16) for i in (1, 3, 5))
    assert png.getpixel((round(down.x + 3), round(down.y + 2))) == dark  # beside its label
    assert png.size == (round(shown.width), round(shown.height))


def test_latency_is_drawn_higher_for_slower_sends():
    _, result = outage()
    items = picture(result).items
    bands = {i.title.split(" ")[0]: i for i in items if isinstance(i, Rect) and i.fill == LATENCY_BAND and i.title}
    # broker-a's probes took 20 ms, broker-b's 2 ms: on the log scale a's band sits higher within its lane
    lane = {i.y: i for i in items if isinstance(i, Rect) and i.fill == "#f5f5f5"}
    a_top, b_top = sorted(lane)
    assert bands[A].y - a_top < bands[B].y - b_top


def test_compare_draws_every_timeline_on_one_time_axis():
    short_meta, short = outage("2m2s-sync", end=20.0)
    long_meta, long = outage("dledger", end=40.0)
    html = render_comparison_html([(short_meta, short), (long_meta, long)])
    ticks = [re.findall(r">(\d+) s</text>", svg) for svg in html.split("<svg")[1:]]
    assert ticks[0] == ticks[1] == re.findall(r">(\d+) s</text>", to_svg(picture(long)))
    assert ticks[0] != re.findall(r">(\d+) s</text>", to_svg(picture(short)))
    alone, shared = picture(short), picture(short, end=long.duration_seconds)
    down_alone = next(i for i in alone.items if isinstance(i, Rect) and i.fill == NODE_COLOURS["down"])
    down_shared = next(i for i in shared.items if isinstance(i, Rect) and i.fill == NODE_COLOURS["down"])
    assert down_shared.x < down_alone.x and down_shared.w < down_alone.w  # 10 s sits further left on a longer axis


def test_the_comparison_table_has_the_causes():
    runs = [outage("2m2s-sync"), outage("dledger")]
    html = render_comparison_html(runs)
    assert "broker-a why" in html and "fixed roles: never" in html
    assert "DLedger election: 4.3–7 s, then the new leader&#x27;s role change" in html
