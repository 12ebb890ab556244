"""The storage interface and its contract.

A storage keeps the ledger: an append-only, hash-chained sequence of events.
Every implementation honours this contract, and the conformance suite
``cocreate.testing.StorageConformance`` checks it against each backend:

* ``append`` is atomic: all of the given events are stored, with consecutive
  sequence numbers and a hash chain continuing from the current head, or
  none is. Appends from several threads, and from several processes sharing a
  database, are serialised; none is lost. An empty append stores and checks
  nothing.
* ``append(events, expect=Expect(work_id, seq, kinds))`` is refused with
  ``Conflict``, storing nothing, when the work already has an event after
  ``seq`` (of one of ``kinds``, when given): the caller decided on a state of
  the work that is no longer the latest. The check and the append are one
  atomic step, so of two writers that read the same state only one gets
  through. This is how two processes making rounds on one work never both take
  round k; acts that may interleave freely (several people's judgments) pass no
  ``expect`` and never conflict.
* Events are never updated or deleted through this interface. The only way to
  change the past is a new, compensating event.
* ``events`` returns committed events in sequence order, as immutable
  snapshots. A reader never sees half of an append.
* ``verify`` recomputes the whole chain and compares it with the head the
  storage recorded on each append; it names the first bad event.
* Derived state (``get_derived`` / ``put_derived``) is a cache beside the
  ledger, e.g. a taste summary folded from it: a value under a key with the
  ``seq`` of the last event it covers. A put keeps the value that covers more
  (ties replace), so a slow writer never rolls a newer value back. It is never
  part of the chain or of ``verify``, may be lost at any time, and its owner
  then rebuilds it from the ledger.
* A storage object is safe to share between threads. ``close`` releases its
  connections; using it afterwards is an error.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import Conflict, InputError
from ..ledger import VerifyReport
from ..model import Event, NewEvent

#: The longest key a derived value may have (the SQL column's width).
MAX_DERIVED_KEY = 200


@dataclass(frozen=True)
class Expect:
    """What the caller last saw of a work: an append is refused if the work moved on.

    ``seq`` is the last event of ``work_id`` the caller has folded (0 for
    none). ``kinds``, when given, narrows what counts as moving on to events of
    those kinds; any iterable of strings is accepted and kept as a frozenset.
    """

    work_id: str
    seq: int
    kinds: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.work_id, str) or not self.work_id:
            raise InputError(f"Expect needs a work id, not {self.work_id!r}")
        if isinstance(self.seq, bool) or not isinstance(self.seq, int) or self.seq < 0:
            raise InputError(f"Expect.seq is a sequence number (0 or more), not {self.seq!r}")
        if self.kinds is not None:
            if isinstance(self.kinds, str):  # one kind, not its letters
                raise InputError("Expect.kinds is a set of kinds, not one string")
            object.__setattr__(self, "kinds", frozenset(str(k) for k in self.kinds))

    def conflict(self, seq: int, kind: str) -> Conflict:
        """The error for event ``seq`` of ``kind``, newer than the caller expected."""
        return Conflict(
            f"work {self.work_id[:8]} changed since it was read: expected its last event at "
            f"#{self.seq}, but #{seq} ({kind}) came after it; reload the work and try again",
            work_id=self.work_id,
            expected=self.seq,
            seq=seq,
            kind=kind,
        )


def check_derived(key: str, through_seq: int, value: bytes) -> bytes:
    """Validate a derived value's arguments (for backends); return the value as bytes."""
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_DERIVED_KEY:
        raise InputError(f"a derived key is a string of 1 to {MAX_DERIVED_KEY} characters")
    if isinstance(through_seq, bool) or not isinstance(through_seq, int) or through_seq < 0:
        raise InputError(f"through_seq is a sequence number (0 or more), not {through_seq!r}")
    if not isinstance(value, bytes | bytearray | memoryview):
        raise InputError(f"a derived value is bytes, not {type(value).__name__}")
    return bytes(value)


_derived_lock = threading.Lock()  # guards the default, in-object derived store


class Storage(ABC):
    """Where the ledger lives (see the module docstring for the contract)."""

    #: A URL that opens the same storage again (no password in it).
    url: str

    @abstractmethod
    def append(self, events: Sequence[NewEvent], *, expect: Expect | None = None) -> list[Event]:
        """Atomically append ``events``; return them as stored, with seq and hashes.

        With ``expect``, refuse with ``Conflict`` (storing nothing) when its
        work has a newer event than ``expect.seq`` of one of ``expect.kinds``.
        """

    @abstractmethod
    def events(
        self,
        *,
        work_id: str | None = None,
        after: int = 0,
        kinds: Iterable[str] | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        """Committed events in sequence order, filtered by work, kind and ``seq > after``."""

    @abstractmethod
    def head(self) -> tuple[int, str]:
        """The number of events and the hash of the last one."""

    @abstractmethod
    def verify(self) -> VerifyReport:
        """Recompute the chain; name the first changed, deleted, inserted or moved event."""

    def get_derived(self, key: str) -> tuple[int, bytes] | None:
        """The derived value under ``key`` and the seq it covers through, or None.

        This default keeps values in the object, lost on close: enough for a
        cache. Persistent backends override both methods.
        """
        with _derived_lock:
            return self.__dict__.get("_derived_values", {}).get(key)

    def put_derived(self, key: str, through_seq: int, value: bytes) -> None:
        """Keep ``value`` under ``key`` unless a value through a later seq is there."""
        value = check_derived(key, through_seq, value)
        with _derived_lock:
            store = self.__dict__.setdefault("_derived_values", {})
            old = store.get(key)
            if old is None or old[0] <= through_seq:
                store[key] = (through_seq, value)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
