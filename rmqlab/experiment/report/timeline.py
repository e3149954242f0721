"""The run's timeline as a list of drawing primitives, computed once and drawn by the SVG and PNG backends.

Three lanes per group (writable or not; who was master; how long its sends took), one lane per node (running,
down, paused, isolated, ...), fault markers across all lanes, and the sends per second below. Several runs
drawn with the same `end` share one time axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rmqlab.experiment.check.latency import Latency
from rmqlab.experiment.check.node_states import RUNNING, NodeSpan
from rmqlab.experiment.check.result import CheckResult, GroupResult
from rmqlab.experiment.report.wording import short

GREEN, RED, ORANGE, GREY = "#4caf50", "#d32f2f", "#f39c12", "#d9d9d9"
INK, MUTED, FAULT_INK, UNDO_INK = "#222222", "#666666", "#7b1fa2", "#1565c0"
MASTER_COLOURS = ("#90caf9", "#ce93d8", "#80cbc4", "#ffcc80", "#b0bec5", "#f48fb1")

LATENCY_BAND, LATENCY_INK, LATENCY_BG = "#d1c4e9", "#4527a0", "#f5f5f5"
NODE_COLOURS = {RUNNING: "#e8f5e9", "down": "#616161", "paused": "#1e88e5", "isolated": "#8e24aa"}
OTHER_STATE = "#fb8c00"  # a state from a fault effect this table has no colour for
DARK_STATES = ("down", "paused", "isolated")

WIDTH, LEFT, RIGHT = 1000, 150, 24
LANE_H, LANE_GAP, GROUP_GAP = 18, 4, 14
LATENCY_H, NODE_H, NODE_GAP = 24, 12, 3
LATENCY_DECADES = 4  # the latency lane's log scale: 1 ms .. 10 s
LABEL_ROW_H, CHART_H = 14, 80


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    title: str | None = None  # tooltip where the backend has them


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 1.0
    dashed: bool = False


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = 11
    fill: str = INK
    anchor: str = "start"  # start | middle | end
    bold: bool = False


@dataclass(frozen=True)
class Picture:
    width: float
    height: float
    items: tuple[Rect | Line | Text, ...]


def text_width(text: str, size: float) -> float:
    """A deliberate over-estimate for DejaVu Sans, so labels that are judged to fit do fit in both backends."""
    return len(text) * size * 0.62


def timeline_picture(result: CheckResult, width: int = WIDTH, end: float | None = None) -> Picture:
    """`end`: the time axis's end, for several runs on one axis (default: this run's end)."""
    end = max(end if end is not None else result.duration_seconds, 1e-9)
    plot_w = width - LEFT - RIGHT

    def x(t: float) -> float:
        return LEFT + plot_w * min(max(t, 0.0), end) / end

    items: list = [Text(12, 22, f"{result.scenario} · {result.mode} · RocketMQ {result.version}", 15, bold=True)]
    markers = [f for f in result.faults if f.status != "fail" and f.t <= end]
    labels, rows = _fault_labels(markers, x, width)
    y = 38 + rows * LABEL_ROW_H + 6
    for group in result.groups.values():
        items += _group_lanes(group, y, x, end)
        y += 2 * LANE_H + LATENCY_H + 2 * LANE_GAP + GROUP_GAP
    if result.nodes:
        items.append(Text(12, y + NODE_H - 2, "nodes", 13, bold=True))
        for node, spans in result.nodes.items():
            items += _node_lane(node, spans, y, x)
            y += NODE_H + NODE_GAP
        y += GROUP_GAP - NODE_GAP
    lanes_bottom = y - GROUP_GAP
    items += _axis(lanes_bottom + 4, x, end)
    chart_top = lanes_bottom + 40
    items += _throughput(result, chart_top, x, end)
    chart_bottom = chart_top + CHART_H
    for fault, (label_x, row, anchor) in zip(markers, labels, strict=True):
        ink = FAULT_INK if fault.disruptive else UNDO_INK
        items.append(Line(x(fault.t), 38 + row * LABEL_ROW_H + 3, x(fault.t), chart_bottom, ink, 1.2, dashed=True))
        items.append(Text(label_x, 38 + (row + 1) * LABEL_ROW_H - 3, short(fault), 10, ink, anchor))
    legend = _legend(chart_bottom + 30, _states_shown(result), width)
    bottom = max((i.y for i in legend if isinstance(i, Text)), default=chart_bottom + 30)
    return Picture(width, bottom + 14, tuple(items + legend))


def _fault_labels(faults, x, width) -> tuple[list[tuple[float, int, str]], int]:
    """Place each fault's label in the first row where it does not overlap the previous label."""
    row_ends: list[float] = []
    placed = []
    for fault in faults:
        span = text_width(short(fault), 10)
        at = x(fault.t)
        anchor, left = ("start", at + 3) if at + 3 + span < width else ("end", at - 3 - span)
        row = next((i for i, right in enumerate(row_ends) if right + 6 < left), len(row_ends))
        if row == len(row_ends):
            row_ends.append(0.0)
        row_ends[row] = left + span
        placed.append((at + 3 if anchor == "start" else at - 3, row, anchor))
    return placed, max(len(row_ends), 1)


def _group_lanes(group: GroupResult, top: float, x, end: float) -> list:
    writes_y, master_y = top, top + LANE_H + LANE_GAP
    items: list = [
        Text(12, writes_y + LANE_H + 4, group.name, 13, bold=True),
        Text(LEFT - 8, writes_y + 13, "writes", 10, MUTED, "end"),
        Text(LEFT - 8, master_y + 13, "master", 10, MUTED, "end"),
        Rect(x(0), writes_y, x(end) - x(0), LANE_H, GREEN, f"{group.name}: writable"),
    ]
    for w in group.windows:
        what = "unwritable" if w.overlaps_fault else "unwritable with no fault in force"
        tip = f"{group.name}: {what} {w.start:.1f}–{w.end:.1f} s ({w.duration:.1f} s)"
        items.append(Rect(x(w.start), writes_y, max(x(w.end) - x(w.start), 1.0), LANE_H,
                          RED if w.overlaps_fault else ORANGE, tip))
    colours = {node: MASTER_COLOURS[i % len(MASTER_COLOURS)] for i, node in enumerate(group.nodes)}
    for segment in group.masters:
        left, right = x(segment.start), x(segment.end)
        name = segment.master or "no master"
        items.append(Rect(left, master_y, max(right - left, 1.0), LANE_H, colours.get(segment.master, GREY),
                          f"{group.name} master {segment.start:.1f}–{segment.end:.1f} s: {name}"))
        if text_width(name, 10) + 6 < right - left:
            items.append(Text((left + right) / 2, master_y + 13, name, 10, INK, "middle"))
    if group.latency is not None:
        items += _latency_lane(group.name, group.latency, master_y + LANE_H + LANE_GAP, x, end)
    return items


def _latency_lane(name: str, latency: Latency, top: float, x, end: float) -> list:
    """Each bucket's median send as a line, the band above it up to its slowest send; log scale 1 ms..10 s."""
    def y(ms: float) -> float:
        share = min(max(math.log10(max(ms, 1.0)) / LATENCY_DECADES, 0.0), 1.0)
        return top + LATENCY_H - LATENCY_H * share

    size = latency.bucket_seconds
    items: list = [Text(LEFT - 8, top + 15, "latency", 10, MUTED, "end"),
                   Rect(x(0), top, x(end) - x(0), LATENCY_H, LATENCY_BG)]
    previous = None
    for index, (p50, slowest) in enumerate(zip(latency.p50_ms, latency.max_ms, strict=True)):
        start = index * size
        if p50 is None or slowest is None or start >= end:
            previous = None
            continue
        left, right = x(start), x(min(start + size, end))
        tip = f"{name} {start:g}–{start + size:g} s: median send {p50:,.1f} ms, slowest {slowest:,.1f} ms"
        items.append(Rect(left, y(slowest), max(right - left, 0.5), max(y(p50) - y(slowest), 0.5), LATENCY_BAND, tip))
        middle = (left + right) / 2
        if previous is not None:
            items.append(Line(previous[0], previous[1], middle, y(p50), LATENCY_INK, 1.2))
        previous = (middle, y(p50))
    return items


def _node_lane(node: str, spans: list[NodeSpan], top: float, x) -> list:
    items: list = [Text(LEFT - 8, top + NODE_H - 2, node, 10, MUTED, "end")]
    for span in spans:
        left, right = x(span.start), x(span.end)
        items.append(Rect(left, top, max(right - left, 1.0), NODE_H, NODE_COLOURS.get(span.state, OTHER_STATE),
                          f"{node}: {span.state} {span.start:.1f}–{span.end:.1f} s"))
        if span.state != RUNNING and text_width(span.state, 9) + 6 < right - left:
            ink = "#ffffff" if span.state in DARK_STATES else INK
            items.append(Text((left + right) / 2, top + NODE_H - 3, span.state, 9, ink, "middle"))
    return items


def _states_shown(result: CheckResult) -> list[str]:
    seen = {span.state for spans in result.nodes.values() for span in spans}
    known = [s for s in NODE_COLOURS if s in seen or s == RUNNING]
    return known + sorted(seen - set(NODE_COLOURS)) if result.nodes else []


def _axis(y: float, x, end: float) -> list:
    step = _tick_step(end)
    items: list = [Line(x(0), y, x(end), y, MUTED)]
    for i in range(int(end / step) + 1):
        t = i * step
        items += [Line(x(t), y, x(t), y + 4, MUTED), Text(x(t), y + 16, f"{t:g} s", 10, MUTED, "middle")]
    return items


def _tick_step(end: float) -> float:
    raw = end / 10
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def _throughput(result: CheckResult, top: float, x, end: float) -> list:
    series = result.throughput
    size = series.bucket_seconds
    peak = max((o + f + i for o, f, i in zip(series.ok, series.fail, series.info, strict=True)), default=0) / size
    items: list = [
        Text(12, top + 30, "sends per second", 11, bold=True),
        Text(LEFT - 8, top + 10, f"{peak:,.0f}/s", 10, MUTED, "end"),
        Text(LEFT - 8, top + CHART_H, "0", 10, MUTED, "end"),
        Line(x(0), top + CHART_H, x(end), top + CHART_H, MUTED),
    ]
    if not peak:
        return items
    scale = CHART_H / peak
    for index, counts in enumerate(zip(series.ok, series.info, series.fail, strict=True)):
        left, right = x(index * size), x(min((index + 1) * size, end))
        base = top + CHART_H
        for n, colour in zip(counts, (GREEN, ORANGE, RED), strict=True):
            h = n / size * scale
            if h > 0:
                items.append(Rect(left, base - h, max(right - left - 0.5, 0.5), h, colour))
                base -= h
    return items


def _legend(y: float, states: list[str], width: float) -> list:
    keys = [(GREEN, "writable / ok"), (RED, "unwritable during a fault / fail"),
            (ORANGE, "unwritable, no fault / info"), (GREY, "no master"), (FAULT_INK, "fault"), (UNDO_INK, "undo"),
            (LATENCY_BAND, "send latency: median line, band up to the slowest (log, 1 ms–10 s)")]
    keys += [(NODE_COLOURS.get(state, OTHER_STATE), f"node {state}") for state in states]
    items, at = [], 12.0
    for colour, label in keys:
        span = 14 + text_width(label, 10) + 16
        if at + span > width and at > 12:
            at, y = 12.0, y + 16
        items += [Rect(at, y - 9, 10, 10, colour), Text(at + 14, y, label, 10, MUTED)]
        at += span
    return items
