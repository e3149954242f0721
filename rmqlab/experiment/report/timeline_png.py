"""Timeline primitives as a PNG (Pillow), for people who only have a terminal and an image viewer."""

from __future__ import annotations

import io
from functools import lru_cache

from rmqlab.experiment.report.timeline import Line, Picture, Rect, Text

_ANCHORS = {"start": "ls", "middle": "ms", "end": "rs"}


def to_png(picture: Picture, scale: float = 2.0) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (round(picture.width * scale), round(picture.height * scale)), "#ffffff")
    draw = ImageDraw.Draw(image)
    for item in picture.items:
        if isinstance(item, Rect):
            x0, y0 = item.x * scale, item.y * scale
            draw.rectangle([x0, y0, x0 + max(item.w * scale - 1, 0), y0 + max(item.h * scale - 1, 0)], fill=item.fill)
        elif isinstance(item, Line):
            _line(draw, item, scale)
        elif isinstance(item, Text):
            draw.text((item.x * scale, item.y * scale), item.text, fill=item.fill, anchor=_ANCHORS[item.anchor],
                      font=_font(round(item.size * scale), item.bold))
        else:
            raise TypeError(f"not a timeline primitive: {item!r}")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _line(draw, line: Line, scale: float) -> None:
    x1, y1, x2, y2 = (v * scale for v in (line.x1, line.y1, line.x2, line.y2))
    width = max(round(line.width * scale), 1)
    if not line.dashed:
        draw.line([x1, y1, x2, y2], fill=line.stroke, width=width)
        return
    # Pillow has no dashes: draw 4-on 3-off pieces along the line, as the SVG's stroke-dasharray does.
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    on, period = 4 * scale, 7 * scale
    at = 0.0
    while at < length:
        a, b = at / length, min(at + on, length) / length
        draw.line([x1 + (x2 - x1) * a, y1 + (y2 - y1) * a, x1 + (x2 - x1) * b, y1 + (y2 - y1) * b],
                  fill=line.stroke, width=width)
        at += period


@lru_cache(maxsize=None)
def _font(size: int, bold: bool):
    from PIL import ImageFont

    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size)
