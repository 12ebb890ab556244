"""Who taught what where: an index of the ledger kept current by reading only new events.

A person's taste in a domain is learned from their judgments and edits in
every work of that domain. :class:`ActivityIndex` remembers, per person, the
works where they judged or edited and the latest of those acts in each;
per work, its domain, creator and creation order, and the latest event that
can change what it taught (a judgment, an edit, an undo); and each person's
latest taste reset per domain. Each :meth:`ActivityIndex.refresh` reads only
the events appended since the last one, so several processes sharing one
ledger stay consistent.

The index is also kept beside the ledger as derived state (``activity/1``;
see :mod:`cocreate.storage.base`), so a new process starts from it and reads
only what came after; when that copy is missing or unreadable the index is
read from the ledger again.
"""

from __future__ import annotations

import threading
from typing import Any

import orjson

from .model import EventKind
from .storage import Storage

__all__ = ["ActivityIndex"]

#: The events that the index reads: works, the acts that teach taste, undos, resets.
INDEXED = (
    EventKind.WORK_CREATED,
    EventKind.JUDGMENT,
    EventKind.ARTIFACT_EDITED,
    EventKind.UNDONE,
    EventKind.TASTE_RESET,
)

#: Where the index is kept beside the ledger, and the version of what is kept there.
DERIVED_KEY = "activity/1"
#: The index is kept again once it has read this many new events since it was last kept.
KEEP_EVERY = 200


class ActivityIndex:
    """Per person: the works where they taught their taste, and their resets."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.seq = 0  # the last event read
        self._lock = threading.Lock()
        self._loaded = False
        self._kept = 0  # the seq of the copy beside the ledger
        self._domain: dict[str, str] = {}
        self._creator: dict[str, str] = {}
        self._created: dict[str, int] = {}  # work id -> seq of its creation
        self._touched: dict[str, int] = {}  # work id -> seq of its latest judgment, edit or undo
        self._judged: set[str] = set()  # works with a judgment
        self._taught: dict[str, dict[str, int]] = {}  # person -> work id -> seq of the latest act
        self._reset: dict[tuple[str, str], int] = {}  # (person, domain) -> seq of the latest

    def refresh(self) -> ActivityIndex:
        """Read the events appended since the last refresh."""
        with self._lock:
            if not self._loaded:
                self._loaded = True
                self._load()
            for e in self.storage.events(kinds=INDEXED, after=self.seq):
                if e.kind == EventKind.WORK_CREATED:
                    self._domain[e.work_id] = str(e.payload.get("domain", ""))
                    self._creator[e.work_id] = str(e.payload.get("creator", ""))
                    self._created[e.work_id] = e.seq
                elif e.kind == EventKind.TASTE_RESET:
                    self._reset[(e.actor, str(e.payload.get("domain", "")))] = e.seq
                else:
                    self._touched[e.work_id] = e.seq
                    if e.kind != EventKind.UNDONE:
                        self._taught.setdefault(e.actor, {})[e.work_id] = e.seq
                    if e.kind == EventKind.JUDGMENT:
                        self._judged.add(e.work_id)
                self.seq = max(self.seq, e.seq)
            if self.seq - self._kept >= KEEP_EVERY:
                self._keep()
        return self

    # -- questions ------------------------------------------------------------------------
    def works_taught(self, person: str, domain: str) -> list[str]:
        """Works of ``domain`` where ``person`` judged or edited, oldest work first."""
        with self._lock:
            ids = [w for w in self._taught.get(person, ()) if self._domain.get(w) == domain]
            return sorted(ids, key=lambda w: self._created.get(w, 0))

    def works_created(self, person: str, domain: str, *, judged: bool = False) -> list[str]:
        """Works of ``domain`` that ``person`` created (``judged``: with a judgment), oldest first."""
        with self._lock:
            ids = [
                w
                for w, c in self._creator.items()
                if c == person
                and self._domain.get(w) == domain
                and (not judged or w in self._judged)
            ]
            return sorted(ids, key=lambda w: self._created.get(w, 0))

    def taught_seq(self, person: str, work_id: str) -> int:
        """The ledger position of ``person``'s latest judgment or edit in the work (0: none)."""
        with self._lock:
            return self._taught.get(person, {}).get(work_id, 0)

    def touched_seq(self, work_id: str) -> int:
        """The ledger position of the work's latest judgment, edit or undo (else its creation)."""
        with self._lock:
            return self._touched.get(work_id, self._created.get(work_id, 0))

    def created_seq(self, work_id: str) -> int:
        with self._lock:
            return self._created.get(work_id, 0)

    def reset_seq(self, person: str, domain: str) -> int:
        """The ledger position of ``person``'s latest taste reset in ``domain`` (0 if none)."""
        with self._lock:
            return self._reset.get((person, domain), 0)

    # -- beside the ledger ----------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "works": [
                [w, self._domain.get(w, ""), self._creator.get(w, ""), seq]
                for w, seq in self._created.items()
            ],
            "touched": self._touched,
            "judged": sorted(self._judged),
            "taught": self._taught,
            "reset": [[p, d, seq] for (p, d), seq in self._reset.items()],
        }

    def _keep(self) -> None:
        self.storage.put_derived(DERIVED_KEY, self.seq, orjson.dumps(self._state()))
        self._kept = self.seq

    def _load(self) -> None:
        """Start from the copy beside the ledger, if there is a readable one."""
        got = self.storage.get_derived(DERIVED_KEY)
        if got is None:
            return
        try:
            d = orjson.loads(got[1])
            seq = int(d["seq"])
            works = [(str(w), str(dom), str(c), int(s)) for w, dom, c, s in d["works"]]
            touched = {str(w): int(s) for w, s in d["touched"].items()}
            judged = {str(w) for w in d["judged"]}
            taught = {
                str(p): {str(w): int(s) for w, s in ws.items()} for p, ws in d["taught"].items()
            }
            reset = {(str(p), str(dom)): int(s) for p, dom, s in d["reset"]}
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
            return  # unreadable: read the ledger again
        if seq != got[0]:
            return
        self.seq = self._kept = seq
        for w, dom, c, s in works:
            self._domain[w], self._creator[w], self._created[w] = dom, c, s
        self._touched, self._judged, self._taught, self._reset = touched, judged, taught, reset
