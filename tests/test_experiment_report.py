"""report.json, report.html, timeline.png, the terminal summary and the comparison, from hand-built runs."""

import io
import json
import re
from dataclasses import replace
from pathlib import Path

from PIL import Image
from rich.console import Console

from rmqlab.api.experiments import ExperimentRun
from rmqlab.cli.report_view import comparison_table, summary
from rmqlab.experiment.check.checker import check
from rmqlab.experiment.check.history import HISTORY_FILE
from rmqlab.experiment.report.compare import render_comparison_html
from rmqlab.experiment.report.files import REPORT_HTML, REPORT_JSON, TIMELINE_PNG, render_run, report_json
from rmqlab.experiment.report.html import render_html
from rmqlab.experiment.report.timeline import timeline_picture
from rmqlab.experiment.report.timeline_png import to_png
from rmqlab.experiment.report.timeline_svg import to_svg
from rmqlab.topology.timing import Settings
from testkit.synthetic import HistoryBuilder, raft_groups, two_by_two

A, B = "broker-a", "broker-b"
SCHEMA_DOC = Path(__file__).parent.parent / "docs" / "report-schema.md"
# report.json objects whose keys are names (groups, nodes, codes, keys), documented as <placeholders>.
NAMED_KEYS = {
    "groups": "<group>", "groups.<group>.degraded_acks": "<code_name>", "groups.<group>.lost_acked_by": "<node>",
    "groups.<group>.lost_acked_by.<node>": "<code_name>", "final_read": "<node>",
    "faults[].producers.groups_after": "<group>", "anomalies.divergent_positions[].keys": "<key>",
    "settings": "<setting>", "settings.<setting>.by_node": "<node>", "nodes": "<node>",
    "causes[].settings": "<setting>", "consumer_groups": "<consumer_group>",
    "consumer_groups.<consumer_group>.by_member": "<member>", "consumer_groups.<consumer_group>.causes": "<cause>",
    "consumer_groups.<consumer_group>.redeliveries[].counts": "<cause>",
    "groups.<group>.replication_lag_at_faults": "<fault>",
    "groups.<group>.replication_lag_at_faults.<fault>.bytes_behind": "<node>",
}


def eventful_run(mode="2m2s-async"):
    """Something of everything: a master killed and its disk destroyed, degraded acks, a retry stored twice,
    a read from the slave during the outage, divergent replicas."""
    meta, b = two_by_two(mode, "kill-master"), HistoryBuilder()
    # run.json's settings, one of them different on one node
    settings = Settings.of_files({"broker-a-master": {"registerNameServerPeriod": "10000"}, "broker-a-slave": {},
                                  "broker-b-master": {}}, {"namesrv-a": {}})
    meta = replace(meta, settings=settings.with_values({"sendMsgTimeout": 5000}).to_record())
    b.roles(0.1, {A: "broker-a-master", B: "broker-b-master"})
    acked_a = b.probes(A, 0.0, 30.0, failing=[(10.0, 99.0)])
    acked_b = b.probes(B, 0.0, 30.0, failing=[(4.0, 4.1)])
    b.send("k-000001", 1.0, code=11)
    b.send("k-000002", 2.0, 5.0, "info", error="read timed out")
    b.send("k-000002", 5.1, group=B)
    b.send("k-000003", 11.0, 14.0, "info", group=A, error="read timed out")
    b.send("k-000004", 14.1, group=B)
    b.offsets(9.8, {"broker-a-master": 9000, "broker-a-slave": 7000, "broker-b-master": 500, "broker-b-slave": None})
    b.fault("kill", "broker-a-master", 10.0)
    b.roles(10.3, {A: None, B: "broker-b-master"})
    b.read("broker-a-slave", [("p-broker-a-000000", 0)], 12.0, group=A, process="consumer-broker-a-slave")
    b.fault("destroy-store", "broker-a-master", 12.0)
    b.fault("start", "broker-a-master", 31.0)
    b.roles(33.0, {A: "broker-a-master", B: "broker-b-master"})
    slave_a = acked_a[:-5] + ["k-000001", "k-000002", "k-000003"]
    b.read("broker-a-master", [("k-other", 0)], 40.0, group=A)
    b.read("broker-a-slave", list(zip(slave_a, range(len(slave_a)), strict=True)), 40.0, group=A)
    keys_b = acked_b + ["k-000002", "k-000004"]
    for node in ("broker-b-master", "broker-b-slave"):
        b.read(node, list(zip(keys_b, range(len(keys_b)), strict=True)), 40.0, group=B)
    _app_group(b)
    return meta, b


def _app_group(b):
    """An application's consumer group: a member that took broker-a's queue 0 from the slave re-reads."""
    from rmqlab.experiment.check.consumer_groups import COMMIT_OFFSET, CONSUME, FETCH_OFFSET

    fields = {"group": A, "queue": 0, "consumer_group": "app"}
    b.op("app-m0", FETCH_OFFSET, None, 1.0, 1.01, done_value={"offset": 0}, node="broker-a-master", **fields)
    b.op("app-m0", CONSUME, None, 2.0, 2.01, node="broker-a-master", **fields,
         done_value=[{"key": f"p-broker-a-{o:06d}", "offset": o, "queue": 0} for o in range(4)])
    b.op("app-m0", COMMIT_OFFSET, {"offset": 4}, 5.0, 5.01, node="broker-a-master", **fields)
    b.op("app-m1", FETCH_OFFSET, None, 12.5, 12.51, done_value={"offset": 2}, node="broker-a-slave", **fields)
    b.op("app-m1", CONSUME, None, 13.0, 13.01, node="broker-a-slave", **fields,
         done_value=[{"key": f"p-broker-a-{o:06d}", "offset": o, "queue": 0} for o in range(2, 4)])


def schema_paths(value, prefix=""):
    paths = set()
    if isinstance(value, dict):
        for key, item in value.items():
            name = NAMED_KEYS.get(prefix, key)
            path = f"{prefix}.{name}" if prefix else name
            paths |= {path} | schema_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            paths |= schema_paths(item, prefix + "[]")
    return paths


def documented_report_paths():
    section = SCHEMA_DOC.read_text().split("## report.json", 1)[1]
    return set(re.findall(r"^\| `([^`]+)` \|", section, flags=re.M))


def test_report_json_has_exactly_the_documented_fields():
    meta, b = eventful_run()
    report = json.loads(report_json(check(b.history(), meta)))
    assert schema_paths(report) == documented_report_paths()
    for key in ("mode", "scenario", "version", "duration_seconds", "groups", "totals", "lost_keys",
                "duplicated_keys", "faults", "verdicts"):
        assert key in report
    group = report["groups"][A]
    for key in ("unwritable_seconds", "time_to_new_master_seconds", "master_at_start", "master_at_end", "windows",
                "degraded_acks", "slave_reads_during_outage"):
        assert key in group
    assert set(group["windows"][0]) >= {"start", "end", "until_end_of_run", "fault"}


def test_the_eventful_run_reads_as_it_happened():
    meta, b = eventful_run()
    result = check(b.history(), meta)
    assert result.totals["acknowledged_lost"] == 5 and result.totals["recovered"] == 1
    assert result.totals["unexpected"] == 1 and result.totals["duplicated"] == 1  # k-000002, re-sent to broker-b
    assert result.groups[A].slave_reads_during_outage["ok"] == 1
    assert result.groups[A].degraded_acks == {"SLAVE_NOT_AVAILABLE": 1}
    assert [w.overlaps_fault for w in result.groups[B].windows] == [False]
    assert any("ASYNC_MASTER" in v for v in result.verdicts)


def test_reports_are_deterministic():
    meta, b = eventful_run()
    first, second = check(b.history(), meta), check(b.history(), meta)
    assert report_json(first) == report_json(second)
    assert render_html(meta, first) == render_html(meta, second)


def test_html_is_one_self_contained_file_with_the_timeline_as_svg():
    meta, b = eventful_run()
    result = check(b.history(), meta)
    html = render_html(meta, result)
    assert html.startswith("<!doctype html>") and html.count("<svg") == 1
    assert not re.search(r"""(src|href)\s*=|<link|<script|@import|url\(""", html)
    assert re.findall(r"https?://[^\"' ]+", html) == ["http://www.w3.org/2000/svg"]
    for verdict in result.verdicts:
        assert verdict.replace("'", "&#x27;") in html
    assert 'class="alarm"' in html  # the LOST verdicts stand out
    assert "kill -9 broker-a-master" in html  # fault marker label


def test_timeline_shows_lanes_masters_faults_and_sends_per_second():
    meta, b = eventful_run()
    picture = timeline_picture(check(b.history(), meta))
    texts = {item.text for item in picture.items if hasattr(item, "text")}
    assert {"broker-a", "broker-b", "broker-a-master", "no master", "kill -9 broker-a-master",
            "destroy-store broker-a-master", "sends per second"} <= texts
    fills = {item.fill for item in picture.items if hasattr(item, "fill")}
    assert {"#4caf50", "#d32f2f", "#f39c12"} <= fills
    assert all(0 <= getattr(item, "x", 0) <= picture.width for item in picture.items)
    svg = to_svg(picture)
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_png_is_a_valid_picture_of_the_timeline():
    meta, b = eventful_run()
    data = to_png(timeline_picture(check(b.history(), meta)))
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.verify()
    assert image.size[0] == 2000 and image.size[1] > 300


def test_render_run_rebuilds_every_report_from_a_saved_folder_with_a_torn_last_line(tmp_path):
    meta, b = eventful_run()
    meta.save(tmp_path)
    b.write(tmp_path / HISTORY_FILE)
    with (tmp_path / HISTORY_FILE).open("a") as f:
        f.write('{"t": 41.0, "wall": 1700000041.0, "type": "inv')
    _, result = render_run(tmp_path)
    assert json.loads((tmp_path / REPORT_JSON).read_text()) == json.loads(report_json(result))
    assert "<svg" in (tmp_path / REPORT_HTML).read_text()
    assert (tmp_path / TIMELINE_PNG).read_bytes().startswith(b"\x89PNG")


def test_terminal_summary_shows_groups_totals_and_verdicts():
    meta, b = eventful_run()
    result = check(b.history(), meta)
    console = Console(record=True, width=200, color_system=None)
    console.print(summary(meta, result))
    text = console.export_text()
    assert "broker-a-master → none" in text and "none came" in text
    assert "acknowledged but lost" in text
    assert result.verdicts[0][:60] in text


def test_comparison_puts_runs_side_by_side():
    runs = []
    for mode, meta_of in (("2m2s-sync", two_by_two), ("dledger", raft_groups)):
        meta, b = meta_of(mode, "kill-master"), HistoryBuilder()
        b.probes(A, 0.0, 20.0, failing=[(5.0, 12.0 if mode == "dledger" else 99.0)])
        b.fault("kill", meta.groups[0].nodes[0], 5.0)
        runs.append((meta, check(b.history(), meta)))
    console = Console(record=True, width=160, color_system=None)
    console.print(comparison_table([ExperimentRun(Path("."), meta, result) for meta, result in runs]))
    text = console.export_text()
    assert "2m2s-sync" in text and "dledger" in text and "broker-a unwritable" in text
    html = render_comparison_html(runs)
    assert html.count("<svg") == 2 and "<h2>dledger</h2>" in html and "broker-a unwritable" in html


def test_the_application_is_shown_beside_the_broker_group_each_fault_hit():
    from rmqlab.experiment.report.tables import side_by_side_rows

    meta, b = eventful_run()
    result = check(b.history(), meta)
    rows = side_by_side_rows(meta, result)
    kill = next(row for row in rows if "broker-a-master" in row[1])
    window = sum(w.duration for w in result.groups[A].windows if w.fault == int(kill[0]))
    impact = result.producer_impact[int(kill[0])]
    assert kill[2].startswith(f"{A}: unwritable {window:.1f} s") and "no new master" in kill[2]
    assert kill[3].startswith("rmqlab's own producers: ") and f"{impact.failed:,} of {impact.sends:,}" in kill[3]
    console = Console(record=True, width=200, color_system=None)
    console.print(summary(meta, result))
    assert "the application beside the broker groups" in console.export_text()
    assert "The application beside the broker groups" in render_html(meta, result)
