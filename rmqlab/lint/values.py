"""Java's reading of a property value: what the broker really gets, and why it differs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rmqlab.lint.keys import ENUM_VALUES
from rmqlab.lint.text import shown

# Integer.parseInt / Long.parseLong: an optional sign and decimal digits (Character.digit accepts
# every Unicode decimal digit, as Python's \d does), nothing else, within 32 / 64 bits.
_JAVA_INTEGER = re.compile(r"[+-]?\d+")
_BITS = {"int": 32, "integer": 32, "long": 64}
_END_OF_LINE_COMMENT = re.compile(r"[ \t]#")


@dataclass(frozen=True)
class Reading:
    value: object
    problem: str | None = None  # why the broker does not use the written value as written


def read_value(raw: str | None, java_type: str | None, default: object, trims_strings: bool) -> Reading:
    """Mimic MixAll.properties2Object: a value that fails to parse is dropped silently."""
    if raw is None:
        return Reading(default)
    kind = (java_type or "String").lower()
    if kind in _BITS:
        number = java_integer(raw, _BITS[kind])
        if number is not None:
            return Reading(number)
        return Reading(default, f"{_integer_problem(raw, kind)}; the broker keeps {default}")
    if kind == "boolean":
        parsed = raw.lower() == "true"
        if raw.lower() in ("true", "false"):
            return Reading(parsed)
        return Reading(parsed, f"'{shown(raw)}' reads as false{_space_note(raw)}")
    if kind in ("double", "float"):
        try:
            return Reading(float(raw))
        except ValueError:
            return Reading(default, f"'{shown(raw)}' is not a number; the broker keeps {default}")
    text = raw.strip() if trims_strings else raw
    if java_type in ENUM_VALUES:
        if text in ENUM_VALUES[java_type]:
            return Reading(text)
        allowed = "/".join(ENUM_VALUES[java_type])
        return Reading(default, f"'{shown(raw)}' is not one of {allowed}{_space_note(raw)}; the broker keeps {default}")
    if text != raw.strip():
        return Reading(text, f"'{shown(raw)}' keeps its trailing whitespace in this version")
    return Reading(text)


def java_integer(raw: str, bits: int = 32) -> int | None:
    """What Integer.parseInt (bits=32) or Long.parseLong (64) returns, or None where it throws."""
    if not _JAVA_INTEGER.fullmatch(raw):
        return None
    value = int(raw)
    limit = 1 << (bits - 1)
    return value if -limit <= value < limit else None


def _integer_problem(raw: str, kind: str) -> str:
    java = "Long.parseLong" if kind == "long" else "Integer.parseInt"
    if _JAVA_INTEGER.fullmatch(raw):
        return f"'{shown(raw)}' is outside the {_BITS[kind]}-bit range {java} accepts"
    return f"'{shown(raw)}' is not a whole number {java} accepts{_space_note(raw)}"


def _space_note(raw: str) -> str:
    return " (trailing whitespace counts)" if raw != raw.strip() else ""


def end_of_line_comment(value: str | None) -> int | None:
    """Where ' #' or '\\t#' starts in a value: .properties has no end-of-line comments, so it is value."""
    match = _END_OF_LINE_COMMENT.search(value) if value else None
    return match.start() if match else None
