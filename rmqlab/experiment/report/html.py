"""report.html: one self-contained file (inline CSS and SVG, nothing fetched)."""

from __future__ import annotations

from html import escape

from rmqlab.experiment.check.result import KEY_LIST_CAP, CheckResult
from rmqlab.experiment.check.runmeta import RunMeta
from rmqlab.experiment.report.tables import (
    FAULT_HEADERS,
    GROUP_HEADERS,
    SIDE_BY_SIDE_HEADERS,
    fault_rows,
    group_rows,
    meta_rows,
    side_by_side_rows,
    total_rows,
)
from rmqlab.experiment.report.timeline import timeline_picture
from rmqlab.experiment.report.timeline_svg import to_svg
from rmqlab.experiment.report.wording import is_alarm

CSS = """
body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 24px; color: #222; max-width: 1060px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
ul.verdicts li { margin: 6px 0; line-height: 1.35; }
ul.verdicts li.alarm { color: #b71c1c; font-weight: bold; }
"""


def render_html(meta: RunMeta, result: CheckResult) -> str:
    body = [
        f"<h1>{escape(meta.scenario)} · {escape(meta.mode)}</h1>",
        table(["", ""], [list(row) for row in meta_rows(meta, result)], header=False),
        "<h2>Verdicts</h2>", verdict_list(result.verdicts),
        "<h2>Timeline</h2>", to_svg(timeline_picture(result)),
        "<h2>Groups</h2>", table(GROUP_HEADERS, group_rows(result)),
        "<h2>Messages</h2>", table(["", "count"], [list(row) for row in total_rows(result)]),
        "<h2>Faults</h2>", table(FAULT_HEADERS, fault_rows(result)) if result.faults else "<p>No faults.</p>",
    ]
    side = side_by_side_rows(meta, result)
    if side:
        body += ["<h2>The application beside the broker groups</h2>", table(SIDE_BY_SIDE_HEADERS, side)]
    if result.lost_keys:
        body += [f"<h2>Lost messages{_capped(result.totals['acknowledged_lost'])}</h2>", table(
            ["key", "group", "acknowledged by", "code", "acknowledged at"],
            [[k["key"], k["group"], k["node"], k["code_name"], f"{k['acked_at']:.3f} s"]
             for k in result.lost_keys[:KEY_LIST_CAP]])]
    if result.duplicated_keys:
        body += [f"<h2>Duplicated messages{_capped(result.totals['duplicated'])}</h2>", table(
            ["key", "positions (group/queue/offset)", "re-sent"],
            [[d["key"], ", ".join(f"{p['group']}/{p['queue']}/{p['offset']}" for p in d["positions"]),
              "yes" if d["retried"] else "no"] for d in result.duplicated_keys[:KEY_LIST_CAP]])]
    if result.warnings:
        body += ["<h2>History warnings</h2>", "<ul>" + "".join(f"<li>{escape(w)}</li>" for w in result.warnings)
                 + "</ul>"]
    return page(f"rmqlab · {meta.scenario} · {meta.mode}", "\n".join(body))


def page(title: str, body: str) -> str:
    return (f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
            f"<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def table(headers: list[str], rows: list[list[str]], header: bool = True) -> str:
    head = "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr>" if header else ""
    cells = "".join(
        "<tr>" + "".join(_cell(str(c) if c is not None else "—", first=i == 0 and not header)
                         for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table>{head}{cells}</table>"


def verdict_list(verdicts: list[str]) -> str:
    alarm = ' class="alarm"'
    items = "".join(f"<li{alarm if is_alarm(v) else ''}>{escape(v)}</li>" for v in verdicts)
    return f'<ul class="verdicts">{items}</ul>'


def _cell(text: str, first: bool) -> str:
    if first:
        return f"<th>{escape(text)}</th>"
    numeric = text.replace(",", "").replace(" s", "").replace(".", "", 1).isdigit()
    return f'<td class="num">{escape(text)}</td>' if numeric else f"<td>{escape(text)}</td>"


def _capped(total: int) -> str:
    return f" (first {KEY_LIST_CAP:,} of {total:,})" if total > KEY_LIST_CAP else ""
