"""The run's timeline as a list of drawing primitives, computed once and drawn by the SVG and PNG backends.

One lane pair per group (writable or not; who was master), fault markers across all lanes, and the sends
per second below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rmqlab.experiment.check.result import CheckResult, GroupResult
from rmqlab.experiment.report.wording import short

GREEN, RED, ORANGE, GREY = "#4caf50", "#d32f2f", "#f39c12", "#d9d9d9"
INK, MUTED, FAULT_INK, UNDO_INK = "#222222", "#666666", "#7b1fa2", "#1565c0"
MASTER_COLOURS = ("#90caf9", "#ce93d8", "#80cbc4", "#ffcc80", "#b0bec5", "#f48fb1")

WIDTH, LEFT, RIGHT = 1000, 150, 24
LANE_H, LANE_GAP, GROUP_GAP = 18, 4, 14
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


def timeline_picture(result: CheckResult, width: int = WIDTH) -> Picture:
    end = max(result.duration_seconds, 1e-9)
    plot_w = width - LEFT - RIGHT

    def x(t: float) -> float:
        return LEFT + plot_w * min(max(t, 0.0), end) / end

    items: list = [Text(12, 22, f"{result.scenario} · {result.mode} · RocketMQ {result.version}", 15, bold=True)]
    markers = [f for f in result.faults if f.status != "fail" and f.t <= end]
    labels, rows = _fault_labels(markers, x, width)
    y = 38 + rows * LABEL_ROW_H + 6
    for group in result.groups.values():
        items += _group_lanes(group, y, x, end)
        y += 2 * LANE_H + LANE_GAP + GROUP_GAP
    lanes_bottom = y - GROUP_GAP
    items += _axis(lanes_bottom + 4, x, end)
    chart_top = lanes_bottom + 40
    items += _throughput(result, chart_top, x, end)
    chart_bottom = chart_top + CHART_H
    for fault, (label_x, row, anchor) in zip(markers, labels, strict=True):
        ink = FAULT_INK if fault.disruptive else UNDO_INK
        items.append(Line(x(fault.t), 38 + row * LABEL_ROW_H + 3, x(fault.t), chart_bottom, ink, 1.2, dashed=True))
        items.append(Text(label_x, 38 + (row + 1) * LABEL_ROW_H - 3, short(fault), 10, ink, anchor))
    items += _legend(chart_bottom + 30)
    return Picture(width, chart_bottom + 44, tuple(items))


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
    return items


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


def _legend(y: float) -> list:
    keys = [(GREEN, "writable / ok"), (RED, "unwritable during a fault / fail"),
            (ORANGE, "unwritable, no fault / info"), (GREY, "no master"), (FAULT_INK, "fault"), (UNDO_INK, "undo")]
    items, at = [], 12.0
    for colour, label in keys:
        items += [Rect(at, y - 9, 10, 10, colour), Text(at + 14, y, label, 10, MUTED)]
        at += 14 + text_width(label, 10) + 16
    return items
