"""A text as a sequence of character units, each with its origin and its own undo.

Every character is a unit with a stable id (``<act>#<op>.<offset>``: the act that
typed it, the op's index in that act, the offset in that op's text), its
character and its ``UnitOrigin``. Deleting a character leaves a tombstone, so an
undo can bring it back in place with the origin it always had. Positions in ops
count live characters only.

Undo and redo, the rules (one rule for every unit: a unit shows what the *latest
still-applied act that wrote it* left, and is absent if no such act stands; for a
character, its insert and its deletes are the acts that write it):

* Undoing an act touches only units that still show that act's work: characters
  it inserted that are still live are deleted; characters it deleted are revived
  in place, with their original origin, unless another standing act deletes them too.
* Work others did later stands. If you delete a character I inserted, or type
  over it (a replace deletes mine and inserts new units, yours), undoing my act
  leaves your deletion and your characters alone; undoing yours later does not
  bring back my character either, since my act no longer stands.
* Redo re-applies the act to the same units: its characters are live again and
  the ones it deleted are deleted again, except where a later standing act has
  written them since (that later work stands).
* The state depends only on which acts stand, never on the order undo and redo
  were called in, so a ledger fold and a cached copy always agree.
* Undoing an undone act, redoing one that is not undone, or naming an unknown act
  raises ``OperationError``; a new act id is used once.
* A character a person changes becomes theirs (a new unit); one they leave keeps
  its origin. ``edit_text`` diffs a whole new text so that what was left stays.

``apply`` is atomic: every op is checked against the length the previous ops
leave before anything changes, and a bad op raises ``OperationError`` naming its
index, its position and the document's length at that point. An empty act (the
diff of an unchanged text) is recorded and changes nothing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from ._sequence import UnitSequence
from ._textdiff import text_ops
from .acts import ActLog, ActRecord
from .errors import OperationError
from .ops import Delete, Insert, Replace, TextOp, describe
from .origin import UnitOrigin

TEXT_FORMAT = "cocreate.text/1"


@dataclass(frozen=True, slots=True)
class TextUnit:
    """One character unit as the caller sees it (``live`` False: a tombstone)."""

    id: str
    char: str
    origin: UnitOrigin
    live: bool


class TextDocument:
    """A text whose every character knows who made it; edited by acts of ops, undone by act.

    ``chunk_size`` bounds the live units per chunk of the sequence (the default suits
    both prose and speed; tests pass a small one to exercise chunk splits).
    """

    def __init__(self, *, chunk_size: int = 512) -> None:
        self._log = ActLog()
        self._seq = UnitSequence(chunk_size)
        # Flat lists of ints only, so that a long history adds no objects for the
        # garbage collector to walk. Runs of inserted units in serial order: run r
        # starts at serial _run_first[r] (and ends where the next one starts), typed
        # by op _run_op[r] of act _run_act[r]. An act's inserts are one serial range,
        # from _act_first[act] to the next act's; its deletions are the slice of
        # _deleted from _act_del[act] to the next act's.
        self._run_first: list[int] = []
        self._run_act: list[int] = []
        self._run_op: list[int] = []
        self._act_first: list[int] = []
        self._act_del: list[int] = []
        self._deleted: list[int] = []

    @classmethod
    def from_text(
        cls, text: str, origin: UnitOrigin, act: str, *, chunk_size: int = 512
    ) -> TextDocument:
        """A document holding ``text``, every character made by ``origin`` in one act."""
        doc = cls(chunk_size=chunk_size)
        doc.apply([Insert(0, text)] if text else [], origin, act)
        return doc

    # -- reading -----------------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The live text."""
        return self._seq.text()

    def __len__(self) -> int:
        return self._seq.live

    def __repr__(self) -> str:
        return f"<TextDocument {len(self)} characters, {len(self._log.ids)} acts>"

    def origin_at(self, index: int) -> UnitOrigin:
        """The origin of the live character at ``index`` (negative counts from the end)."""
        return self._seq_origin(self._seq.serial_at(self._index(index)))

    def unit_id_at(self, index: int) -> str:
        """The stable id of the live character at ``index``."""
        return self._unit_id(self._seq.serial_at(self._index(index)))

    def origins(self) -> list[tuple[int, int, UnitOrigin]]:
        """Runs ``(start, end, origin)`` covering the live text, one per change of maker."""
        table, origin_of = self._log.origins, self._seq.origin_of
        runs = []
        start = 0
        for ix, group in groupby(origin_of[s] for s in self._seq.live_serials()):
            end = start + sum(1 for _ in group)
            runs.append((start, end, table[ix]))
            start = end
        return runs

    def count_by_origin(self) -> dict[UnitOrigin, int]:
        """Live characters per origin (origins with none left are omitted)."""
        table = self._log.origins
        return {table[ix]: n for ix, n in enumerate(self._seq.counts) if n}

    def units(self, *, include_deleted: bool = False) -> list[TextUnit]:
        """Every live unit in order; with ``include_deleted``, the tombstones in place too."""
        table, origin_of = self._log.origins, self._seq.origin_of
        return [
            TextUnit(self._unit_id(s), char, table[origin_of[s]], live)
            for s, char, live in self._seq.units()
            if live or include_deleted
        ]

    def history(self) -> list[ActRecord]:
        """The acts in the order they were applied, each with whether it stands."""
        return self._log.records()

    # -- editing -----------------------------------------------------------------------------

    def apply(self, ops: Sequence[TextOp], origin: UnitOrigin, act: str) -> None:
        """Apply the ops of one act, in order, as ``origin``; all of them or, on error, none."""
        self._log.check_new(act, origin)
        ops = self._checked(ops)
        seq_no = self._log.begin(act, origin)
        oix = self._log.origin_ix[seq_no]
        seq = self._seq
        seq.ensure_origin(oix)
        self._act_first.append(seq.size)
        self._act_del.append(len(self._deleted))
        for i, op in enumerate(ops):
            kind = type(op)
            if kind is not Insert:
                self._deleted.extend(seq.delete(op.at, op.length))
            if kind is not Delete:
                self._run_first.append(seq.insert(op.at, op.text, oix))
                self._run_act.append(seq_no)
                self._run_op.append(i)

    def undo(self, act: str) -> None:
        """Take back an act's work where it still shows (see the module's rules)."""
        seq_no = self._log.undo(act)
        self._seq.shift(self._inserted_by(seq_no), +1)
        self._seq.shift(self._deleted_by(seq_no), -1)

    def redo(self, act: str) -> None:
        """Put an undone act's work back where no later standing act has written since."""
        seq_no = self._log.redo(act)
        self._seq.shift(self._deleted_by(seq_no), +1)
        self._seq.shift(self._inserted_by(seq_no), -1)

    def diff(self, new_text: str) -> list[TextOp]:
        """Ops that turn this text into ``new_text`` while keeping what is unchanged."""
        if not isinstance(new_text, str):
            raise OperationError(
                f"a text document diffs against a str, not {type(new_text).__name__}"
            )
        return text_ops(self.text, new_text)

    def edit_text(self, new_text: str, origin: UnitOrigin, act: str) -> list[TextOp]:
        """Make the text ``new_text`` in one act by ``origin``; the ops it took."""
        ops = self.diff(new_text)
        self.apply(ops, origin, act)
        return ops

    # -- caching -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON that ``from_dict`` turns back into an equal document, undo history included.

        Independent of the chunk layout: two documents folded from the same acts give
        equal dicts.
        """
        origins, acts = self._log.to_dicts()
        for seq_no, data in enumerate(acts):
            data["inserted"] = []
            data["deleted"] = self._deleted_by(seq_no)
        ends = [*self._run_first[1:], self._seq.size][: len(self._run_first)]
        for first, end, seq_no, op in zip(
            self._run_first, ends, self._run_act, self._run_op, strict=True
        ):
            acts[seq_no]["inserted"].append([op, end - first])
        order, chars = [], []
        for serial, char, _ in self._seq.units():
            order.append(serial)
            chars.append(char)
        return {
            "format": TEXT_FORMAT,
            "origins": origins,
            "acts": acts,
            "order": order,
            "chars": "".join(chars),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, chunk_size: int = 512) -> TextDocument:
        """The document ``to_dict`` wrote; a malformed dict is an OperationError."""
        if not isinstance(data, Mapping) or data.get("format") != TEXT_FORMAT:
            raise OperationError(f"not a text document dict (format {TEXT_FORMAT!r})")
        log = ActLog.from_dicts(data.get("origins"), data.get("acts"))
        doc = cls(chunk_size=chunk_size)
        doc._log = log
        origin_of: list[int] = []
        hidden: list[int] = []
        for seq_no, act in enumerate(data["acts"]):
            doc._act_first.append(len(origin_of))
            for run in _list(act.get("inserted"), "inserted"):
                if not (isinstance(run, list) and len(run) == 2 and all(_count(x) for x in run)):
                    raise OperationError(
                        f"act {act['act']!r}: an inserted run is [op index, count], got {run!r}"
                    )
                op, count = run
                doc._run_first.append(len(origin_of))
                doc._run_act.append(seq_no)
                doc._run_op.append(op)
                origin_of.extend([log.origin_ix[seq_no]] * count)
                hidden.extend([0 if log.applied[seq_no] else 1] * count)
        size = len(origin_of)
        for seq_no, act in enumerate(data["acts"]):
            deleted = _list(act.get("deleted"), "deleted")
            if not all(isinstance(s, int) and 0 <= s < size for s in deleted):
                raise OperationError(
                    f"act {act['act']!r} deletes a unit the document does not have"
                )
            doc._act_del.append(len(doc._deleted))
            doc._deleted.extend(deleted)
            if log.applied[seq_no]:
                for s in deleted:
                    hidden[s] += 1
        order, chars = data.get("order"), data.get("chars")
        if not isinstance(chars, str) or not isinstance(order, list) or len(order) != len(chars):
            raise OperationError("a text document dict needs 'order' and 'chars' of one length")
        if not all(isinstance(s, int) for s in order) or sorted(order) != list(range(size)):
            raise OperationError("a text document's 'order' must hold every unit exactly once")
        doc._seq = UnitSequence.restore(
            order, chars, origin_of, hidden, len(log.origins), chunk_size
        )
        return doc

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TextDocument):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    # -- inside ------------------------------------------------------------------------------

    def _checked(self, ops: Sequence[TextOp]) -> Sequence[TextOp]:
        if isinstance(ops, str | bytes) or not isinstance(ops, Iterable):
            raise OperationError(f"ops must be a list of text ops, not {type(ops).__name__}")
        ops = list(ops)
        length = self._seq.live
        for i, op in enumerate(ops):
            kind = type(op)
            if kind is Insert:
                if op.at > length:
                    raise self._out_of_range(i, op, length, "inserts past the end")
                length += len(op.text)
            elif kind is Delete or kind is Replace:
                if op.at + op.length > length:
                    raise self._out_of_range(i, op, length, "runs past the end")
                length -= op.length
                if kind is Replace:
                    length += len(op.text)
            else:
                raise OperationError(
                    f"op {i} ({describe(op)}) is not a text op (Insert, Delete or Replace); nothing was changed"
                )
        return ops

    @staticmethod
    def _out_of_range(i: int, op: TextOp, length: int, what: str) -> OperationError:
        end = f"–{op.at + op.length}" if hasattr(op, "length") else ""
        return OperationError(
            f"op {i} ({describe(op)}) {what}: position {op.at}{end}, but the document has "
            f"{length} characters at that point; nothing was changed"
        )

    def _index(self, index: int) -> int:
        n = self._seq.live
        if not isinstance(index, int) or isinstance(index, bool):
            raise TypeError(f"a position must be an integer, not {type(index).__name__}")
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"position {index} is outside the text (length {n})")
        return index

    def _seq_origin(self, serial: int) -> UnitOrigin:
        return self._log.origins[self._seq.origin_of[serial]]

    def _unit_id(self, serial: int) -> str:
        run = bisect_right(self._run_first, serial) - 1
        act = self._log.ids[self._run_act[run]]
        return f"{act}#{self._run_op[run]}.{serial - self._run_first[run]}"

    def _inserted_by(self, seq_no: int) -> range:
        firsts = self._act_first
        end = firsts[seq_no + 1] if seq_no + 1 < len(firsts) else self._seq.size
        return range(firsts[seq_no], end)

    def _deleted_by(self, seq_no: int) -> list[int]:
        starts = self._act_del
        end = starts[seq_no + 1] if seq_no + 1 < len(starts) else len(self._deleted)
        return self._deleted[starts[seq_no] : end]


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise OperationError(f"an act's {what!r} must be a list")
    return value


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
