"""An in-memory storage: for tests, demos and scripts that keep nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

import orjson

from ..errors import StorageError
from ..ledger import GENESIS, VerifyReport, canonical, event_hash, verify_rows
from ..model import Event, NewEvent
from .base import Expect, Storage


class MemoryStorage(Storage):
    """The ledger in a list, guarded by one lock (derived values: the default, in memory)."""

    url = "memory://"

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._raw: list[bytes] = []  # canonical payloads, as a database would keep them
        self._head = (0, GENESIS)
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    def append(self, events: Sequence[NewEvent], *, expect: Expect | None = None) -> list[Event]:
        if not events:
            return []
        payloads = [canonical(e.payload) for e in events]  # fail before touching anything
        with self._lock:
            if expect is not None:
                self._check(expect)
            ids = [e.id for e in events]
            if len(set(ids)) != len(ids) or not self._ids.isdisjoint(ids):
                raise StorageError("could not append: an event id is already in the ledger")
            self._ids.update(ids)
            seq, prev = self._head
            stored: list[Event] = []
            for e, raw in zip(events, payloads, strict=True):
                seq += 1
                digest = event_hash(seq, e.id, e.work_id, e.kind, e.actor, e.at, raw, prev)
                stored.append(
                    Event(
                        seq, e.id, e.work_id, e.kind, e.actor, e.at, orjson.loads(raw), prev, digest
                    )
                )
                prev = digest
            self._events.extend(stored)
            self._raw.extend(payloads)
            self._head = (seq, prev)
        return stored

    def _check(self, expect: Expect) -> None:
        """Raise Conflict for the first event of the work after ``expect.seq`` (lock held)."""
        if expect.kinds is not None and not expect.kinds:
            return
        for e in self._events[expect.seq :]:  # seq n sits at index n - 1
            if e.work_id == expect.work_id and (expect.kinds is None or e.kind in expect.kinds):
                raise expect.conflict(e.seq, e.kind)

    def events(
        self,
        *,
        work_id: str | None = None,
        after: int = 0,
        kinds: Iterable[str] | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        kindset = set(kinds) if kinds is not None else None
        with self._lock:
            tail = self._events[after:]
        out = [
            e
            for e in tail
            if (work_id is None or e.work_id == work_id) and (kindset is None or e.kind in kindset)
        ]
        return out[:limit] if limit is not None else out

    def head(self) -> tuple[int, str]:
        return self._head

    def verify(self) -> VerifyReport:
        with self._lock:
            rows = [
                (e.seq, e.id, e.work_id, e.kind, e.actor, e.at, raw, e.prev_hash, e.hash)
                for e, raw in zip(self._events, self._raw, strict=True)
            ]
            head = self._head
        return verify_rows(rows, head)
