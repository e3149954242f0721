"""Java's reading of a property value: what the broker really gets, and why it differs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rmqlab.lint.keys import ENUM_VALUES

_INTEGER = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True)
class Reading:
    value: object
    problem: str | None = None  # why the broker does not use the written value as written


def read_value(raw: str | None, java_type: str | None, default: object, trims_strings: bool) -> Reading:
    """Mimic MixAll.properties2Object: a value that fails to parse is dropped silently."""
    if raw is None:
        return Reading(default)
    kind = (java_type or "String").lower()
    if kind in ("int", "integer", "long"):
        if _INTEGER.match(raw):
            return Reading(int(raw))
        return Reading(default, f"'{raw}' is not a whole number{_space_note(raw)}; the broker keeps {default}")
    if kind == "boolean":
        parsed = raw.lower() == "true"
        if raw.lower() in ("true", "false"):
            return Reading(parsed)
        return Reading(parsed, f"'{raw}' reads as false{_space_note(raw)}")
    if kind in ("double", "float"):
        try:
            return Reading(float(raw))
        except ValueError:
            return Reading(default, f"'{raw}' is not a number; the broker keeps {default}")
    text = raw.strip() if trims_strings else raw
    if java_type in ENUM_VALUES:
        if text in ENUM_VALUES[java_type]:
            return Reading(text)
        allowed = "/".join(ENUM_VALUES[java_type])
        return Reading(default, f"'{raw}' is not one of {allowed}{_space_note(raw)}; the broker keeps {default}")
    if text != raw.strip():
        return Reading(text, f"'{raw}' keeps its trailing whitespace in this version")
    return Reading(text)


def _space_note(raw: str) -> str:
    return " (trailing whitespace counts)" if raw != raw.strip() else ""
