"""The hash chain that makes the ledger tamper-evident.

Every event's hash covers its sequence number, id, work, kind, actor, time,
canonical payload and the previous event's hash, so changing, deleting,
inserting or reordering any event breaks the chain at that event. The chain
starts from ``GENESIS``. This module is pure: storages call it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

GENESIS = "0" * 64

_OPTS = orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY


def canonical(payload: Mapping[str, Any]) -> bytes:
    """The canonical JSON of a payload: sorted keys, no spaces, UTF-8."""
    try:
        return orjson.dumps(payload, option=_OPTS)
    except TypeError as exc:
        raise ValueError(f"event payload is not JSON-serialisable: {exc}") from None


def now() -> str:
    """The current time as the ledger writes it: ISO 8601, UTC, microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def event_hash(
    seq: int, id: str, work_id: str, kind: str, actor: str, at: str, payload: bytes, prev: str
) -> str:
    """The hash of one event, given its canonical payload bytes."""
    header = orjson.dumps([seq, id, work_id, kind, actor, at, prev])
    return hashlib.sha256(header + b"\n" + payload).hexdigest()


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of checking the chain.

    ``ok`` is true when every event checks out; otherwise ``seq`` and
    ``event_id`` name the first bad event and ``problem`` says what is wrong.
    """

    ok: bool
    count: int
    head: str
    seq: int | None = None
    event_id: str | None = None
    problem: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"ledger intact: {self.count} events, head {self.head[:16]}"
        where = f"event #{self.seq}" + (f" ({self.event_id})" if self.event_id else "")
        return f"ledger damaged at {where}: {self.problem}"


Row = tuple[int, str, str, str, str, str, bytes | str, str, str]
"""(seq, id, work_id, kind, actor, at, canonical payload, prev_hash, hash)"""


def verify_rows(rows: Iterable[Row], head: tuple[int, str] | None = None) -> VerifyReport:
    """Check a chain given in storage order; stop at the first bad event.

    ``head`` is the (count, hash) the storage recorded separately on each
    append; it catches a chain whose tail was cut off.
    """
    expected_seq = 1
    prev = GENESIS
    count = 0
    sha = hashlib.sha256
    dumps = orjson.dumps
    for seq, id_, work_id, kind, actor, at, payload, prev_hash, digest in rows:
        if isinstance(payload, str):
            payload = payload.encode()
        if seq != expected_seq:
            problem = (
                f"sequence jumps from {expected_seq - 1} to {seq}: events were deleted"
                if seq > expected_seq
                else f"sequence number {seq} repeats or goes back: events were inserted or reordered"
            )
            return VerifyReport(False, count, prev, seq, id_, problem)
        if prev_hash != prev:
            return VerifyReport(
                False,
                count,
                prev,
                seq,
                id_,
                "its link to the previous event is broken: an event before it was changed, "
                "deleted, inserted or reordered",
            )
        computed = sha(dumps([seq, id_, work_id, kind, actor, at, prev]) + b"\n" + payload)
        if computed.hexdigest() != digest:
            return VerifyReport(False, count, prev, seq, id_, "its content does not match its hash")
        prev = digest
        count += 1
        expected_seq += 1
    if head is not None:
        head_count, head_hash = head
        if head_count != count or head_hash != prev:
            return VerifyReport(
                False,
                count,
                prev,
                count + 1,
                None,
                (
                    f"the ledger head records {head_count} events but {count} were found: "
                    + (
                        "events at the end were deleted"
                        if head_count > count
                        else "events were added without updating the head"
                    )
                )
                if head_count != count
                else f"the ledger head's hash does not match event #{count}: "
                "the head or the last events were rewritten",
            )
    return VerifyReport(True, count, prev)
