"""Store paths: one lock per root, one commit log per broker."""

from __future__ import annotations

import posixpath
from collections import defaultdict

from rmqlab.lint.findings import ERROR, Context, Finding, finding
from rmqlab.lint.views import DEFAULT_ROOT


def shared_store_root(ctx: Context):
    for host in ctx.hosts:
        by_root = defaultdict(list)
        for broker in ctx.brokers_on(host):
            by_root[broker.root].append(broker)
        for root, brokers in by_root.items():
            if len(brokers) < 2:
                continue
            names = " and ".join(b.file.label for b in brokers)
            unset = " (left unset, so the default ${user.home}/store)" if root == DEFAULT_ROOT else ""
            yield finding(
                "store-lock",
                ERROR,
                host,
                [b.file for b in brokers],
                "storePathRootDir",
                f"{names} share storePathRootDir {root}{unset} on {host.name}: the second broker to start "
                "fails with 'Lock failed,MQ already started' (both lock <root>/lock).",
                "Give every broker on a host its own storePathRootDir, e.g. "
                + ", ".join(posixpath.join(_parent(root), b.file.label.rsplit(".", 1)[0]) for b in brokers)
                + ".",
            )


def _parent(root: str) -> str:
    return root if root != DEFAULT_ROOT else "~/store"


def overlapping_store_paths(ctx: Context):
    for host in ctx.hosts:
        brokers = ctx.brokers_on(host)
        for broker in brokers:
            if not broker.dledger and broker.commitlog == broker.root:
                yield _commitlog_is_root(host, broker)
        yield from _commitlogs_shared(host, brokers)


def _commitlog_is_root(host, broker) -> Finding:
    return finding(
        "store-overlap",
        ERROR,
        host,
        [broker.file],
        "storePathCommitLog",
        f"{broker.file.label}: storePathCommitLog equals storePathRootDir ({broker.root}), so the broker "
        "loads lock, checkpoint and the consumequeue/ folder as if they were commit log files: "
        "'<root>/lock 0 length not matched message store config value', 'load commit log Failed', "
        "and it exits with code 253 (seen with 5.5.0). Mapped-file errors follow if it ever got that far.",
        f"Remove storePathCommitLog (it defaults to {posixpath.join(broker.root, 'commitlog')}) "
        "or point it at a folder of its own.",
    )


def _commitlogs_shared(host, brokers):
    """A commit log folder used by two brokers, as a commit log or as another broker's root."""
    owners = defaultdict(list)
    for broker in brokers:
        if not broker.dledger:
            owners[broker.commitlog].append((broker, "storePathCommitLog"))
    for broker in brokers:
        if broker.root in owners and broker.commitlog != broker.root:
            owners[broker.root].append((broker, "storePathRootDir"))
    for path, users in owners.items():
        distinct = {id(b) for b, _ in users}
        if len(distinct) < 2 or len({b.root for b, _ in users}) < 2:
            continue  # one broker, or one shared root: store-lock already reports that
        described = ", ".join(f"{b.file.label} ({key})" for b, key in users)
        yield finding(
            "store-overlap",
            ERROR,
            host,
            [b.file for b, _ in users],
            "storePathCommitLog",
            f"{path} is used by {described} on {host.name}: both brokers write commit log files with "
            "the same offset-based names into one folder and corrupt each other (the broker lock does "
            "not protect it, since the roots differ); AllocateMappedFileService errors follow.",
            "Give every broker its own storePathRootDir and leave storePathCommitLog unset "
            "(it defaults to <root>/commitlog).",
        )
