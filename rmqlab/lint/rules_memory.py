"""Heaps that do not fit the machine."""

from __future__ import annotations

from rmqlab.lint.findings import ERROR, Context, finding

# What RocketMQ's own runbroker.sh / runserver.sh pass when nobody sets JAVA_OPT_EXT.
SCRIPT_DEFAULT_HEAP_MB = {"broker": 8192, "namesrv": 4096, "controller": 4096}


def heap_too_big(ctx: Context):
    for host in ctx.hosts:
        if not host.memory_mb or not host.files:
            continue
        parts = []
        for file in host.files:
            heap = file.heap_mb if file.heap_mb is not None else SCRIPT_DEFAULT_HEAP_MB.get(file.kind)
            if heap is None:
                continue  # a BrokerContainer: its script's default heap is not known here; --heap counts it
            note = "" if file.heap_mb is not None else " (script default)"
            parts.append((file, heap, note))
        total = sum(heap for _, heap, _ in parts)
        if total <= host.memory_mb:
            continue
        described = ", ".join(f"{f.label} {_size(h)}{note}" for f, h, note in parts)
        yield finding(
            "heap",
            ERROR,
            host,
            [f for f, _, _ in parts],
            None,
            f"Heaps on {host.name} add up to {_size(total)} ({described}) but the machine has "
            f"{_size(host.memory_mb)}: the brokers pre-touch their whole heap (-XX:+AlwaysPreTouch), "
            "so the kernel OOM-kills one at start (exit 137).",
            "Set small heaps with JAVA_OPT_EXT, e.g. JAVA_OPT_EXT='-Xms512m -Xmx512m' per broker "
            "(rmqlab lint --heap FILE=512m to check), or give the machine more memory.",
        )


def _size(mb: int) -> str:
    return f"{mb / 1024:.1f} GiB" if mb >= 1024 else f"{mb} MiB"
