"""Whatever the history, the checker's sets and counts stay consistent with each other."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from rmqlab.experiment.check.checker import check
from testkit.synthetic import HistoryBuilder, two_by_two

GROUPS = ("broker-a", "broker-b")

send_specs = st.lists(
    st.tuples(
        st.integers(0, 25),  # key number: repeats are retries
        st.sampled_from(GROUPS),
        st.sampled_from(["ok", "fail", "info", "never"]),
        st.floats(0, 50, allow_nan=False),
        st.floats(0, 3, allow_nan=False),
    ),
    max_size=40,
)
read_specs = st.lists(
    st.tuples(
        st.integers(0, 30),  # key number; beyond 25 nobody sent it
        st.sampled_from(GROUPS),
        st.integers(0, 1),  # queue
        st.integers(0, 6),  # offset
        st.sampled_from(["master", "slave"]),
        st.booleans(),  # final read or consumer
    ),
    max_size=40,
)
fault_specs = st.lists(
    st.tuples(st.sampled_from(["kill", "pause", "start", "unpause"]), st.sampled_from(GROUPS),
              st.floats(0, 50, allow_nan=False)),
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(send_specs, read_specs, fault_specs)
def test_sets_and_counts_are_consistent(sends, reads, faults):
    meta, b = two_by_two(), HistoryBuilder()
    for number, group, outcome, t0, duration in sends:
        key = f"k-{number:06d}"
        if outcome == "never":
            b.never_completed_send(key, t0, group=group)
        else:
            b.send(key, t0, t0 + duration, outcome, group=group, error=None if outcome == "ok" else "x")
    for number, group, queue, offset, role, final in reads:
        b.read(f"{group}-{role}", [(f"k-{number:06d}", offset)], 55.0 if final else 20.0, group=group, queue=queue,
               process="final-read" if final else "consumer-0")
    for action, group, t in faults:
        b.fault(action, f"{group}-master", t)
        b.roles(t + 0.2, {g: (None if g == group and action in ("kill", "pause") else f"{g}-master") for g in GROUPS})

    result = check(b.history(), meta)
    report = json.loads(json.dumps(result.to_dict()))

    outcomes = {}
    for number, _, outcome, _, _ in sends:
        outcomes.setdefault(f"k-{number:06d}", set()).add(outcome)
    read_keys = {f"k-{number:06d}" for number, *_ in reads}
    acked = {k for k, o in outcomes.items() if "ok" in o}
    unknown = {k for k, o in outcomes.items() if "ok" not in o and o & {"info", "never"}}
    lost = {k["key"] for k in result.lost_keys}
    totals = report["totals"]
    # A key counts as lost only where the final read covered the queue it was acknowledged on (queue 0 here);
    # otherwise it is unchecked. Without any final read, every unread acknowledged key is lost.
    first_ack = {}
    for number, group, outcome, _, _ in sorted(sends, key=lambda send: send[3]):  # stable: ties keep their order
        if outcome == "ok":
            first_ack.setdefault(f"k-{number:06d}", group)
    covered = {group for number, group, queue, offset, role, final in reads if final and queue == 0}
    any_final = any(final for *_, final in reads)
    unchecked = {k for k in acked - read_keys if any_final and first_ack[k] not in covered}

    assert lost == acked - read_keys - unchecked
    assert totals["acknowledged_unchecked"] == len(unchecked)
    assert lost <= acked
    assert set(result.anomalies["unexpected_keys"]) == read_keys - set(outcomes)
    assert totals["recovered"] == len(unknown & read_keys) <= totals["unknown_keys"] == len(unknown)
    assert totals["attempted"] == len(sends) == totals["acknowledged"] + totals["failed"] + totals["unknown"]
    assert totals["acknowledged_keys"] == len(acked)
    assert all(len(d["positions"]) > 1 for d in result.duplicated_keys)
    for group in result.groups.values():
        previous_end = float("-inf")
        for window in group.windows:
            assert previous_end <= window.start <= window.end <= result.duration_seconds
            previous_end = window.end
        assert 0 <= group.unwritable_seconds <= result.duration_seconds
        sent = group.sends
        assert sent["attempted"] == sent["ok"] + sent["fail"] + sent["info"]
