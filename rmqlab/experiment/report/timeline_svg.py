"""Timeline primitives as one inline SVG element (no external assets)."""

from __future__ import annotations

from html import escape

from rmqlab.experiment.report.timeline import Line, Picture, Rect, Text


def to_svg(picture: Picture) -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{picture.width:g}" height="{picture.height:g}" '
        f'viewBox="0 0 {picture.width:g} {picture.height:g}" font-family="DejaVu Sans, Verdana, sans-serif">',
        f'<rect x="0" y="0" width="{picture.width:g}" height="{picture.height:g}" fill="#ffffff"/>',
    ]
    parts += [_item(item) for item in picture.items]
    parts.append("</svg>")
    return "\n".join(parts)


def _item(item) -> str:
    if isinstance(item, Rect):
        rect = f'<rect x="{item.x:.1f}" y="{item.y:.1f}" width="{item.w:.1f}" height="{item.h:.1f}" fill="{item.fill}"'
        return rect + (f"><title>{escape(item.title)}</title></rect>" if item.title else "/>")
    if isinstance(item, Line):
        dash = ' stroke-dasharray="4 3"' if item.dashed else ""
        return (f'<line x1="{item.x1:.1f}" y1="{item.y1:.1f}" x2="{item.x2:.1f}" y2="{item.y2:.1f}" '
                f'stroke="{item.stroke}" stroke-width="{item.width:g}"{dash}/>')
    if isinstance(item, Text):
        weight = ' font-weight="bold"' if item.bold else ""
        return (f'<text x="{item.x:.1f}" y="{item.y:.1f}" font-size="{item.size:g}" fill="{item.fill}" '
                f'text-anchor="{item.anchor}"{weight}>{escape(item.text)}</text>')
    raise TypeError(f"not a timeline primitive: {item!r}")
