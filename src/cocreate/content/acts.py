"""Acts: the caller-named steps a document was edited in, and which of them stand.

An act is one ledger event's worth of ops by one origin. Each document keeps its
acts in the order they were applied, each with an applied/undone flag, and an
interned table of origins (a document of 50,000 characters by three makers holds
three origins, not 50,000). The log enforces what every document shares: an act
id is used once, only an applied act can be undone, only an undone one redone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import OperationError
from .origin import UnitOrigin


@dataclass(frozen=True, slots=True)
class ActRecord:
    """One act of a document's history: its id, who made it, and whether it stands."""

    act: str
    origin: UnitOrigin
    applied: bool


class ActLog:
    """The acts of one document in applied order, and its table of origins."""

    __slots__ = ("_index", "_origin_index", "applied", "ids", "origin_ix", "origins")

    def __init__(self) -> None:
        self.origins: list[UnitOrigin] = []
        self._origin_index: dict[UnitOrigin, int] = {}
        self.ids: list[str] = []
        self.origin_ix: list[int] = []
        self.applied: list[bool] = []
        self._index: dict[str, int] = {}

    def check_new(self, act: object, origin: object) -> None:
        """Raise unless ``act`` is a fresh act id and ``origin`` a UnitOrigin."""
        if not isinstance(act, str) or not act:
            raise OperationError(f"an act id must be a non-empty string, got {act!r}")
        if act in self._index:
            raise OperationError(
                f"act {act!r} was already applied to this document (act ids are used once)"
            )
        if not isinstance(origin, UnitOrigin):
            raise OperationError(
                f"an act's origin must be a UnitOrigin, not {type(origin).__name__}"
            )

    def intern(self, origin: UnitOrigin) -> int:
        """The index of ``origin`` in the table, adding it the first time it is seen."""
        index = self._origin_index.get(origin)
        if index is None:
            index = self._origin_index[origin] = len(self.origins)
            self.origins.append(origin)
        return index

    def begin(self, act: str, origin: UnitOrigin) -> int:
        """Record a new applied act (already checked); its sequence number."""
        seq = len(self.ids)
        self._index[act] = seq
        self.ids.append(act)
        self.origin_ix.append(self.intern(origin))
        self.applied.append(True)
        return seq

    def seq(self, act: object) -> int:
        if not isinstance(act, str) or act not in self._index:
            raise OperationError(f"no act {act!r} in this document")
        return self._index[act]

    def undo(self, act: object) -> int:
        """Mark ``act`` undone; its sequence number. Undoing it twice is an error."""
        seq = self.seq(act)
        if not self.applied[seq]:
            raise OperationError(f"act {act!r} is already undone")
        self.applied[seq] = False
        return seq

    def redo(self, act: object) -> int:
        """Mark ``act`` applied again; its sequence number. Only an undone act can be redone."""
        seq = self.seq(act)
        if self.applied[seq]:
            raise OperationError(f"act {act!r} is not undone, so there is nothing to redo")
        self.applied[seq] = True
        return seq

    def records(self) -> list[ActRecord]:
        return [
            ActRecord(act, self.origins[o], applied)
            for act, o, applied in zip(self.ids, self.origin_ix, self.applied, strict=True)
        ]

    def to_dicts(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The origin table and one dict per act (``act``, ``origin`` index, ``applied``)."""
        origins = [o.to_dict() for o in self.origins]
        acts = [
            {"act": act, "origin": o, "applied": applied}
            for act, o, applied in zip(self.ids, self.origin_ix, self.applied, strict=True)
        ]
        return origins, acts

    @classmethod
    def from_dicts(cls, origins: object, acts: object) -> ActLog:
        """The log ``to_dicts`` wrote (origins in their table order, acts in applied order)."""
        log = cls()
        if not isinstance(origins, Sequence) or not isinstance(acts, Sequence):
            raise OperationError("a document's origins and acts must be lists")
        for data in origins:
            origin = UnitOrigin.from_dict(data)
            if log.intern(origin) != len(log.origins) - 1:
                raise OperationError(f"origin {origin!r} appears twice in the table")
        for data in acts:
            if not isinstance(data, Mapping):
                raise OperationError(f"an act must be a mapping, not {type(data).__name__}")
            ix = data.get("origin")
            if not isinstance(ix, int) or isinstance(ix, bool) or not 0 <= ix < len(log.origins):
                raise OperationError(
                    f"act {data.get('act')!r} names no origin of the table: {ix!r}"
                )
            log.check_new(data.get("act"), log.origins[ix])
            seq = log.begin(data["act"], log.origins[ix])
            applied = data.get("applied")
            if not isinstance(applied, bool):
                raise OperationError(f"act {data['act']!r} needs applied: true or false")
            log.applied[seq] = applied
        return log
