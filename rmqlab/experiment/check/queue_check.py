"""What happened to the messages, Jepsen queue-checker style: attempted, acknowledged, read; lost, duplicated,
recovered, unexpected. Sends are counted per operation; the rest per key, since a retry re-sends its key."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rmqlab.experiment.check.history import FAIL, FINAL_READ, INFO, OK, READ, SEND, STORED_CODE_NAMES
from rmqlab.experiment.check.ops import Op

Position = tuple[str, int, int]  # (group, queue, offset)


@dataclass
class QueueCheck:
    attempted: int = 0
    acknowledged: int = 0
    failed: int = 0
    unknown: int = 0
    acked: dict[str, Op] = field(default_factory=dict)  # key -> its first acknowledged send
    lost: list[str] = field(default_factory=list)
    # Acknowledged, never read, and sent to a queue the final read could read on no replica: not known lost.
    unchecked: list[str] = field(default_factory=list)
    final_covered: set[tuple[str, int]] = field(default_factory=set)  # (group, queue) the final read read
    duplicated: dict[str, list[Position]] = field(default_factory=dict)
    retried: set[str] = field(default_factory=set)  # keys sent more than once
    recovered: list[str] = field(default_factory=list)
    unknown_keys: int = 0  # keys whose sends were all info or fail, at least one info
    unexpected: list[str] = field(default_factory=list)
    failed_but_read: list[str] = field(default_factory=list)
    missing_at_end: list[str] = field(default_factory=list)  # read by a consumer, absent from the final read
    divergent: dict[Position, dict[str, set[str]]] = field(default_factory=dict)  # position -> key -> nodes
    degraded: dict[str, Counter] = field(default_factory=dict)  # group -> code name -> acks
    wrongly_ok: Counter = field(default_factory=Counter)  # ok sends whose code does not mean stored
    final_reads: dict[str, Counter] = field(default_factory=dict)  # node -> completion type -> reads
    final_errors: dict[str, str] = field(default_factory=dict)  # node -> first error of a failed final read


def check_queue(ops: list[Op]) -> QueueCheck:
    """`lost` counts only keys whose queue the final read covered on some replica (or every key, when the run
    recorded no final read at all: the verdict then says loss was not checked)."""
    result = QueueCheck()
    sent: dict[str, list[Op]] = defaultdict(list)
    for op in ops:
        if op.f == SEND:
            _count_send(result, op)
            if op.key is not None:
                sent[op.key].append(op)
    positions, final_keys, final_covered = _read_positions(result, ops)
    result.final_covered = final_covered
    key_positions: dict[str, set[Position]] = defaultdict(set)
    for position, keys in positions.items():
        for key in keys:
            key_positions[key].add(position)
        if len(keys) > 1:
            result.divergent[position] = keys

    result.retried = {key for key, sends in sent.items() if len(sends) > 1}
    for key, sends in sent.items():
        types = {op.type for op in sends}
        read = key in key_positions
        if OK in types:
            result.acked[key] = next(op for op in sends if op.type == OK)
            ack = result.acked[key]
            if not read and result.final_reads and (ack.group, ack.queue) not in final_covered:
                result.unchecked.append(key)
            elif not read:
                result.lost.append(key)
            elif final_covered and key not in final_keys and {p[:2] for p in key_positions[key]} <= final_covered:
                result.missing_at_end.append(key)
        elif INFO in types:
            result.unknown_keys += 1
            if read:
                result.recovered.append(key)
        elif read:
            result.failed_but_read.append(key)
    result.unexpected = sorted(key for key in key_positions if key not in sent)
    result.duplicated = {key: sorted(ps) for key, ps in key_positions.items() if len(ps) > 1}
    for name in ("lost", "unchecked", "recovered", "failed_but_read", "missing_at_end"):
        getattr(result, name).sort()
    return result


def _count_send(result: QueueCheck, op: Op) -> None:
    result.attempted += 1
    if op.type == OK:
        result.acknowledged += 1
        if op.code is not None and op.code not in STORED_CODE_NAMES:
            result.wrongly_ok[op.code_name or str(op.code)] += 1
        elif op.code:
            name = op.code_name or STORED_CODE_NAMES[op.code]
            result.degraded.setdefault(op.group or "?", Counter())[name] += 1
    elif op.type == FAIL:
        result.failed += 1
    else:
        result.unknown += 1


def _read_positions(result: QueueCheck, ops: list[Op]):
    """Every position any successful read saw, with the keys and the replicas that showed them there."""
    positions: dict[Position, dict[str, set[str]]] = defaultdict(dict)
    final_keys: set[str] = set()
    final_covered: set[tuple[str, int]] = set()  # (group, queue) read successfully at the end
    for op in ops:
        if op.f != READ:
            continue
        final = op.process == FINAL_READ
        if final and op.node is not None:
            result.final_reads.setdefault(op.node, Counter())[op.type] += 1
            if op.type != OK and op.node not in result.final_errors:
                result.final_errors[op.node] = (op.done and (op.done.error or op.done.code_name)) or "no answer"
        if op.type != OK or op.group is None:
            continue
        if final and op.queue is not None:
            final_covered.add((op.group, op.queue))
        for item in op.done.value or ():
            queue = item.get("queue", op.queue)
            position = (op.group, queue, item.get("offset"))
            # A message without a key is still something that was read and never sent.
            key = item.get("key") or f"<no key at {op.group}/{queue}/{item.get('offset')}>"
            positions[position].setdefault(key, set()).add(op.node or "?")
            if final:
                final_keys.add(key)
                final_covered.add((op.group, queue))
    return positions, final_keys, final_covered
