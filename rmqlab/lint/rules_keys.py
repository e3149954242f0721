"""What a file says that RocketMQ reads otherwise than meant: refused files, ignored keys, unusable values."""

from __future__ import annotations

from itertools import islice

from rmqlab.lint.findings import ERROR, INFO, WARNING, Context, finding
from rmqlab.lint.keys import COMPONENTS, DERIVED_STORE_PATHS, available_versions, components_reading, key_set
from rmqlab.lint.text import shown
from rmqlab.lint.values import end_of_line_comment
from rmqlab.lint.views import Reader
from rmqlab.topology.versions import honours_ha_listen_port, is_5x

# A file of a million unknown (or repeated) keys is no config; say how many and stop there.
MAX_UNKNOWN_REPORTED = 50


def _versions_reading(key: str, kind: str, besides: str) -> list[str]:
    """The other extracted versions whose `kind` reads `key` (4.9.7 has slaveTimeout, 4.7.0 not)."""
    found = []
    for version in available_versions():
        keys = key_set(version, kind)
        if version != besides and keys is not None and key in keys:
            found.append(version)
    return found


def refused_files(ctx: Context):
    for host in ctx.hosts:
        for file in host.files:
            if file.refusal is None:
                continue
            r = file.refusal
            yield finding(
                "refused-file",
                ERROR,
                host,
                [file],
                None,
                f"{file.label}:{r.line}: Java refuses to load this file (Properties.load throws "
                f"IllegalArgumentException: \"{r.reason}\"), so the {COMPONENTS[file.kind]} does not start. "
                f"Line {r.line}: {shown(r.text)}",
                "A backslash starts an escape in .properties and \\u needs four hex digits: write paths with "
                "forward slashes (C:/users/rocketmq/store) or doubled backslashes (C:\\\\users\\\\rocketmq\\\\store).",
            )


def inline_comments(ctx: Context):
    """`brokerIP1=10.0.0.1 #this machine`: the comment is part of the value."""
    for host in ctx.hosts:
        for file in host.files:
            keys = key_set(ctx.version, file.kind)
            for key, entry in _known_entries(file, keys):
                cut = end_of_line_comment(entry.value)
                if cut is not None:
                    yield _inline_comment(host, file, key, entry, cut, keys.type_of(key))


def _known_entries(file, keys):
    """(key, entry) for the keys of `file` that `keys` reads, in file order; fast for huge files."""
    if keys is None:
        return []
    known = [k for k in keys.types if k in file.entries]
    return sorted(((k, file.entries[k]) for k in known), key=lambda item: item[1].line)


def _inline_comment(host, file, key: str, entry, cut: int, java_type: str | None):
    kind = COMPONENTS[file.kind]
    value = shown(entry.value)
    meant = entry.value[:cut].rstrip(" \t")
    comment = entry.value[cut:].strip(" \t").lstrip("#").strip()
    if (java_type or "String") == "String":
        effect = f"the {kind} uses all of '{value}' as {key}"
    else:
        effect = f"'{value}' does not parse as {java_type} and the {kind} silently keeps its default"
    return finding(
        "inline-comment",
        ERROR,
        host,
        [file],
        key,
        f"{file.label}:{entry.line}: {key}={value}: .properties files have no end-of-line comments, so {effect}.",
        f"Put the comment on a line of its own: '# {shown(comment)}' above '{key}={shown(meant)}'.",
    )


def unknown_keys(ctx: Context):
    for host in ctx.hosts:
        for file in host.files:
            keys = key_set(ctx.version, file.kind)
            if keys is None:
                continue
            known = keys.types
            unknown = islice((key for key in file.entries if key not in known), MAX_UNKNOWN_REPORTED)
            for key in unknown:
                message, fix = _explain_unknown(ctx, file, key, keys)
                line = file.entries[key].line
                yield finding("unknown-key", WARNING, host, [file], key, f"{file.label}:{line}: {message}", fix)
            more = len(file.entries) - sum(key in file.entries for key in known) - MAX_UNKNOWN_REPORTED
            if more > 0:
                yield finding(
                    "unknown-key", WARNING, host, [file], None,
                    f"{file.label}: {more} more keys RocketMQ {ctx.version} does not read (not listed one by one).",
                    f"Is {file.label} really a RocketMQ config? Keep only the keys the {COMPONENTS[file.kind]} reads.",
                )


def _explain_unknown(ctx: Context, file, key: str, keys) -> tuple[str, str]:
    kind = COMPONENTS[file.kind]
    name = shown(key)
    if key in DERIVED_STORE_PATHS and file.kind == "broker":
        root = file.raw("storePathRootDir") or "${user.home}/store"
        folder = DERIVED_STORE_PATHS[key]
        return (
            f"'{key}' is not a RocketMQ key; the {kind} ignores it and always uses {shown(root.strip())}/{folder}.",
            "Delete the line; move the whole store with storePathRootDir instead.",
        )
    readers = [COMPONENTS[k] for k in components_reading(key, ctx.version)]
    if readers:  # a real key, in the wrong file: never suggest renaming it
        return (
            f"'{name}' is read by the {' and the '.join(readers)} of RocketMQ {ctx.version}, not by the {kind}; "
            f"this {kind} ignores it.",
            f"Move it to the {readers[0]}'s file, or delete it.",
        )
    suggestion = keys.suggest(key)
    if suggestion:
        return (
            f"'{name}' is not a key RocketMQ {ctx.version} reads (the {kind} ignores it silently); "
            f"did you mean '{suggestion}'?",
            f"Rename it to {suggestion}.",
        )
    readers = _versions_reading(key, file.kind, keys.version)
    if readers:
        return (
            f"'{name}' is read by RocketMQ {_version_list(readers)}, not by {ctx.version}; {ctx.version} ignores it.",
            "Delete the line, or lint with the --version you will run.",
        )
    message = f"'{name}' is not a key RocketMQ {ctx.version} reads; the {kind} ignores it silently."
    return message, "Delete or fix the line."


def _version_list(versions: list[str]) -> str:
    return versions[0] if len(versions) == 1 else ", ".join(versions[:-1]) + " and " + versions[-1]


def _checked_elsewhere(file, key: str) -> bool:
    """Values that bad-port or inline-comment already judge."""
    if end_of_line_comment(file.raw(key)) is not None:
        return True
    if key == "listenPort" and file.kind in ("broker", "namesrv"):
        return True
    return key == "haListenPort" and file.kind == "broker"


def unparsable_values(ctx: Context):
    for host in ctx.hosts:
        for file in host.files:
            reader = Reader(file, ctx.version)
            for key, entry in _known_entries(file, reader.keys):
                if _checked_elsewhere(file, key):
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
            for key in file.repeated[:MAX_UNKNOWN_REPORTED]:
                yield finding(
                    "repeated-key",
                    WARNING,
                    host,
                    [file],
                    key,
                    f"{file.label}: {shown(key)} is set more than once; only the last line counts.",
                    "Keep one line per key.",
                )
            if len(file.repeated) > MAX_UNKNOWN_REPORTED:
                yield finding(
                    "repeated-key", WARNING, host, [file], None,
                    f"{file.label}: {len(file.repeated) - MAX_UNKNOWN_REPORTED} more keys are set more than once.",
                    "Keep one line per key.",
                )


def ignored_ha_port(ctx: Context):
    for b in ctx.brokers:
        written = b.file.raw("haListenPort")
        if written is not None and written.strip() and not honours_ha_listen_port(ctx.version):
            yield finding(
                "ignored-key",
                WARNING,
                b.host,
                [b.file],
                "haListenPort",
                f"{b.file.label}:{b.file.line('haListenPort')}: RocketMQ {ctx.version} overwrites haListenPort "
                f"with listenPort+1 ({b.listen_port + 1}); the {shown(written)} written here is ignored "
                "(honoured from 5.1.1).",
                "Delete the line, or keep listenPort+1 free: that is the port this broker binds for HA.",
            )


def broker_containers(ctx: Context):
    """The 5.x BrokerContainer's file starts brokers; it is not one."""
    for host in ctx.hosts:
        for file in host.files:
            if file.kind != "container":
                continue
            paths = [p for p in (file.raw("brokerConfigPaths") or "").strip().split(":") if p]
            listed = ", ".join(shown(p) for p in paths) or "none"
            if is_5x(ctx.version):
                yield finding(
                    "broker-container", INFO, host, [file], "brokerConfigPaths",
                    f"{file.label} is a RocketMQ BrokerContainer config (mqbrokercontainer -c), not a broker: it "
                    f"starts the brokers in brokerConfigPaths ({listed}). Lint checks those as brokers only when "
                    "you give them too.",
                    f"Lint the broker files with this host: rmqlab lint --host {host.name}=<those files>.",
                )
            else:
                yield finding(
                    "broker-container", WARNING, host, [file], "brokerConfigPaths",
                    f"{file.label} is a BrokerContainer config, but RocketMQ {ctx.version} has no BrokerContainer "
                    "(it arrived in 5.0): nothing would read this file.",
                    "Start each broker with mqbroker -c <broker file>, or lint with the 5.x --version you run.",
                )
