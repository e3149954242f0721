"""Keys RocketMQ silently ignores: misspelled, from another version, or values that do not parse."""

from __future__ import annotations

from rmqlab.lint.findings import WARNING, Context, finding
from rmqlab.lint.keys import DERIVED_STORE_PATHS, available_versions, key_set
from rmqlab.lint.views import Reader


def _versions_reading(key: str, kind: str, besides: str) -> list[str]:
    """The other extracted versions whose `kind` reads `key` (4.9.7 has slaveTimeout, 4.7.0 not)."""
    found = []
    for version in available_versions():
        keys = key_set(version, kind)
        if version != besides and keys is not None and key in keys:
            found.append(version)
    return found


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
    readers = _versions_reading(key, file.kind, keys.version)
    if readers:
        return (
            f"'{key}' is read by RocketMQ {_version_list(readers)}, not by {ctx.version}; {ctx.version} ignores it.",
            "Delete the line, or lint with the --version you will run.",
        )
    message = f"'{key}' is not a key RocketMQ {ctx.version} reads; the {kind} ignores it silently."
    return message, "Delete or fix the line."


def _version_list(versions: list[str]) -> str:
    return versions[0] if len(versions) == 1 else ", ".join(versions[:-1]) + " and " + versions[-1]


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
