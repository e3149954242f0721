"""Showing what a file says inside a message: readable, one line, and short."""

from __future__ import annotations

MAX_SHOWN = 80


def shown(text: str, limit: int = MAX_SHOWN) -> str:
    """Text as the author wrote it: UTF-8 shown as such (Java read it as ISO-8859-1), control chars escaped."""
    try:
        text = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    cut = text[:limit]
    printable = "".join(c if c.isprintable() else repr(c)[1:-1] for c in cut)
    return printable + ("…" if len(text) > limit else "")
