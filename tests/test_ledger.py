"""The hash chain itself, independent of any storage."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from cocreate.ledger import GENESIS, canonical, event_hash, verify_rows

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def chain(payloads: list[dict]) -> list[tuple]:
    rows, prev = [], GENESIS
    for seq, p in enumerate(payloads, 1):
        raw = canonical(p)
        eid = uuid.UUID(int=seq).hex
        h = event_hash(seq, eid, "w", "k", "ana", "2026-01-01T00:00:00+00:00", raw, prev)
        rows.append((seq, eid, "w", "k", "ana", "2026-01-01T00:00:00+00:00", raw, prev, h))
        prev = h
    return rows


def test_canonical_is_order_independent() -> None:
    assert canonical({"b": 1, "a": [1, {"d": 2, "c": 3}]}) == canonical(
        {"a": [1, {"c": 3, "d": 2}], "b": 1}
    )
    assert canonical({"t": "é"}) == '{"t":"é"}'.encode()


@given(
    st.lists(
        st.dictionaries(st.text(max_size=5), json_values, max_size=3), min_size=1, max_size=12
    ),
    st.data(),
)
def test_any_single_change_is_caught_at_its_event(
    payloads: list[dict], data: st.DataObject
) -> None:
    rows = chain(payloads)
    head = (len(rows), rows[-1][-1])
    assert verify_rows(rows, head).ok
    k = data.draw(st.integers(0, len(rows) - 1))
    field = data.draw(st.sampled_from([1, 2, 3, 4, 5, 6]))
    row = list(rows[k])
    row[field] = row[field] + (b" " if isinstance(row[field], bytes) else "x")
    damaged = [*rows[:k], tuple(row), *rows[k + 1 :]]
    report = verify_rows(damaged, head)
    assert not report.ok and report.seq == k + 1


def test_empty_chain_and_head() -> None:
    assert verify_rows([], (0, GENESIS)).ok
    report = verify_rows([], (3, "f" * 64))
    assert not report.ok and "head records 3 events" in report.problem
