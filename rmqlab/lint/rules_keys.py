"""Keys RocketMQ silently ignores: misspelled, from another version, or values that do not parse."""

from __future__ import annotations

from rmqlab.lint.findings import WARNING, Context, finding
from rmqlab.lint.keys import DERIVED_STORE_PATHS, key_set
from rmqlab.lint.views import Reader
from rmqlab.topology.versions import DEFAULT_VERSION, NEWEST_4X_ON_MAVEN, parse_version


def _other_line(version: str) -> str:
    return DEFAULT_VERSION if parse_version(version)[0] == 4 else NEWEST_4X_ON_MAVEN


def unknown_keys(ctx: Context):
    for host in ctx.hosts:
        for file in host.files:
            keys = key_set(ctx.version, file.kind)
            if keys is None:
                continue
            for key, entry in file.entries.items():
                if key in keys:
                    continue
                message, fix = _explain_unknown(ctx, file, key, keys)
                yield finding("unknown-key", WARNING, host, [file], key, f"{file.label}:{entry.line}: {message}", fix)


def _explain_unknown(ctx: Context, file, key: str, keys) -> tuple[str, str]:
    kind = "broker" if file.kind == "broker" else file.kind
    if key in DERIVED_STORE_PATHS and file.kind == "broker":
        root = file.raw("storePathRootDir") or "${user.home}/store"
        folder = DERIVED_STORE_PATHS[key]
        return (
            f"'{key}' is not a RocketMQ key; the {kind} ignores it and always uses {root.strip()}/{folder}.",
            "Delete the line; move the whole store with storePathRootDir instead.",
        )
    suggestion = keys.suggest(key)
    if suggestion:
        return (
            f"'{key}' is not a key RocketMQ {ctx.version} reads (the {kind} ignores it silently); "
            f"did you mean '{suggestion}'?",
            f"Rename it to {suggestion}.",
        )
    other = key_set(_other_line(ctx.version), file.kind)
    if other and key in other:
        return (
            f"'{key}' exists only in RocketMQ {other.version.split('.')[0]}.x; {ctx.version} ignores it.",
            "Delete the line, or lint with the --version you will run.",
        )
    message = f"'{key}' is not a key RocketMQ {ctx.version} reads; the {kind} ignores it silently."
    return message, "Delete or fix the line."


def unparsable_values(ctx: Context):
    for host in ctx.hosts:
        for file in host.files:
            reader = Reader(file, ctx.version)
            if reader.keys is None:
                continue
            for key, entry in file.entries.items():
                if key not in reader.keys:
                    continue
                reading = reader.read(key, "its default")
                if reading.problem:
                    yield finding(
                        "bad-value",
                        WARNING,
                        host,
                        [file],
                        key,
                        f"{file.label}:{entry.line}: {key}: {reading.problem}.",
                        f"Write {key}=<value> with nothing after the value.",
                    )
        for file in host.files:
            for key in dict.fromkeys(file.repeated):
                yield finding(
                    "repeated-key",
                    WARNING,
                    host,
                    [file],
                    key,
                    f"{file.label}: {key} is set more than once; only the last line counts.",
                    "Keep one line per key.",
                )
