"""Who taught what where: an index of the ledger kept current by reading only new events.

A person's taste in a domain is learned from their judgments and edits in
every work of that domain. Rebuilding that from every work of the domain on
each round costs one read per work, which is fine for one person and wasteful
in a shared studio with many people and works. :class:`ActivityIndex`
remembers, per person, the works where they judged or edited, each work's
domain and creation order, and each person's latest taste reset per domain.
Each :meth:`ActivityIndex.refresh` reads only the events appended since the
last one, so several processes sharing one ledger stay consistent.
"""

from __future__ import annotations

import threading

from .model import EventKind
from .storage import Storage

__all__ = ["ActivityIndex"]

#: The events that the index reads: works, the acts that teach taste, resets.
INDEXED = (
    EventKind.WORK_CREATED,
    EventKind.JUDGMENT,
    EventKind.ARTIFACT_EDITED,
    EventKind.TASTE_RESET,
)


class ActivityIndex:
    """Per person: the works where they taught their taste, and their resets."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.seq = 0  # the last event read
        self._lock = threading.Lock()
        self._domain: dict[str, str] = {}
        self._created: dict[str, int] = {}  # work id -> seq of its creation
        self._taught: dict[str, set[str]] = {}  # person -> work ids
        self._reset: dict[tuple[str, str], int] = {}  # (person, domain) -> seq of the latest

    def refresh(self) -> ActivityIndex:
        """Read the events appended since the last refresh."""
        with self._lock:
            for e in self.storage.events(kinds=INDEXED, after=self.seq):
                if e.kind == EventKind.WORK_CREATED:
                    self._domain[e.work_id] = str(e.payload.get("domain", ""))
                    self._created[e.work_id] = e.seq
                elif e.kind == EventKind.TASTE_RESET:
                    self._reset[(e.actor, str(e.payload.get("domain", "")))] = e.seq
                else:
                    self._taught.setdefault(e.actor, set()).add(e.work_id)
                self.seq = max(self.seq, e.seq)
        return self

    def works_taught(self, person: str, domain: str) -> list[str]:
        """Works of ``domain`` where ``person`` judged or edited, oldest work first."""
        with self._lock:
            ids = [w for w in self._taught.get(person, ()) if self._domain.get(w) == domain]
            return sorted(ids, key=lambda w: self._created.get(w, 0))

    def reset_seq(self, person: str, domain: str) -> int:
        """The ledger position of ``person``'s latest taste reset in ``domain`` (0 if none)."""
        with self._lock:
            return self._reset.get((person, domain), 0)
