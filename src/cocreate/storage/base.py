"""The storage interface and its contract.

A storage keeps the ledger: an append-only, hash-chained sequence of events.
Every implementation honours this contract, and the conformance suite in
``tests/test_storage.py`` checks it against each backend:

* ``append`` is atomic: all of the given events are stored, with consecutive
  sequence numbers and a hash chain continuing from the current head, or
  none is. Appends from several threads, and from several processes sharing a
  database, are serialised; none is lost.
* Events are never updated or deleted through this interface. The only way to
  change the past is a new, compensating event.
* ``events`` returns committed events in sequence order, as immutable
  snapshots. A reader never sees half of an append.
* ``verify`` recomputes the whole chain and compares it with the head the
  storage recorded on each append; it names the first bad event.
* A storage object is safe to share between threads. ``close`` releases its
  connections; using it afterwards is an error.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence

from ..ledger import VerifyReport
from ..model import Event, NewEvent


class Storage(ABC):
    """Where the ledger lives (see the module docstring for the contract)."""

    #: A URL that opens the same storage again (no password in it).
    url: str

    @abstractmethod
    def append(self, events: Sequence[NewEvent]) -> list[Event]:
        """Atomically append ``events``; return them as stored, with seq and hashes."""

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

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
