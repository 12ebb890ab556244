"""A score as a set of notes, each a unit with its origin, edited by acts and undone by act.

Notes are keyed by id and read in (onset, voice, pitch) order. The undo rule is
the text's (a unit shows what the latest still-applied act that wrote it left;
absent if none stands), where a note's writers are its ``AddNote``, every
``ChangeNote`` and its ``RemoveNote``:

* ``ChangeNote`` makes the note the changer's: its origin becomes the act's.
* Undoing an act restores each note it wrote to the previous standing write
  (fields and origin together), unless a later standing act changed or removed
  that note: then the later one stands.
* Undoing the ``AddNote`` of a note nobody touched since removes it; if someone
  changed it since, the note is theirs and stays.
* Redo puts the act's writes back where no later standing act wrote since.
* A note id is used once: re-adding a removed note is an undo or a redo, not an
  ``AddNote``, so a unit's identity never passes to another note.

``apply`` checks every op against the notes the previous ops leave (ranges, an
unknown or removed note id, a duplicate id, a change that changes nothing) before
anything changes.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from .acts import ActLog, ActRecord
from .errors import OperationError
from .note import Note
from .ops import AddNote, ChangeNote, NoteOp, RemoveNote, describe
from .origin import UnitOrigin

SCORE_FORMAT = "cocreate.score/1"

Write = tuple[str, Note | None]
"""What one op left of one note: its new fields, or ``None`` for removed."""


class Score:
    """Notes by id, each with the origin of the act whose work it shows."""

    def __init__(self) -> None:
        self._log = ActLog()
        # A flat log of writes, with no tuple per write for the garbage collector to
        # walk: write w set note _w_note[w] to _w_value[w] (None: removed) in act
        # _w_act[w]; act a's writes run from _act_w[a] to the next act's.
        self._w_note: list[str] = []
        self._w_value: list[Note | None] = []
        self._w_act: list[int] = []
        self._act_w: list[int] = []
        self._by_note: dict[str, list[int]] = {}  # note id -> its writes, in order
        self._live: dict[str, Note] = {}  # the present notes
        self._owner: dict[str, int] = {}  # present note id -> origin index
        self._counts: Counter[int] = Counter()

    @classmethod
    def from_notes(cls, notes: Iterable[Note], origin: UnitOrigin, act: str) -> Score:
        """A score holding ``notes``, all made by ``origin`` in one act."""
        score = cls()
        score.apply([AddNote(n) for n in notes], origin, act)
        return score

    # -- reading -----------------------------------------------------------------------------

    def notes(self) -> list[Note]:
        """The present notes in reading order: onset, voice, pitch."""
        return sorted(self._live.values(), key=lambda n: n.reading_key)

    def __iter__(self) -> Iterator[Note]:
        return iter(self.notes())

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, note_id: object) -> bool:
        return note_id in self._live

    def __repr__(self) -> str:
        return f"<Score {len(self)} notes, {len(self._log.ids)} acts>"

    def note(self, note_id: str) -> Note:
        """The present note with this id."""
        return self._present(note_id)[0]

    def origin_of(self, note_id: str) -> UnitOrigin:
        """Who made the present note with this id (its last standing writer)."""
        return self._log.origins[self._present(note_id)[1]]

    def count_by_origin(self) -> dict[UnitOrigin, int]:
        """Present notes per origin (origins with none left are omitted)."""
        table = self._log.origins
        return {table[ix]: n for ix, n in sorted(self._counts.items()) if n}

    def history(self) -> list[ActRecord]:
        """The acts in the order they were applied, each with whether it stands."""
        return self._log.records()

    # -- editing -----------------------------------------------------------------------------

    def apply(self, ops: Sequence[NoteOp], origin: UnitOrigin, act: str) -> None:
        """Apply the ops of one act, in order, as ``origin``; all of them or, on error, none."""
        self._log.check_new(act, origin)
        writes = self._checked(ops)
        seq = self._log.begin(act, origin)
        self._record(seq, writes)
        for note_id in _touched(writes):
            self._refresh(note_id)

    def undo(self, act: str) -> None:
        """Take back an act's writes where they still show (see the module's rules)."""
        seq = self._log.undo(act)
        for note_id in self._touched_by(seq):
            self._refresh(note_id)

    def redo(self, act: str) -> None:
        """Put an undone act's writes back where no later standing act has written since."""
        seq = self._log.redo(act)
        for note_id in self._touched_by(seq):
            self._refresh(note_id)

    def diff(self, new_notes: Iterable[Note]) -> list[NoteOp]:
        """Ops that turn the present notes into ``new_notes``, keeping every note it can.

        A new note equal in pitch, onset, duration and voice to a present one is that
        note (its id and origin stay; a new velocity is a ``ChangeNote``). Left-over
        notes at the same onset and voice pair up in pitch order as ``ChangeNote``;
        the rest are ``RemoveNote`` and ``AddNote``. An added note keeps its id unless
        this score has used it, then gets ``<id>.2``, ``<id>.3``, ...
        """
        new = list(new_notes)
        for i, note in enumerate(new):
            if not isinstance(note, Note):
                raise OperationError(f"new note {i} must be a Note, not {type(note).__name__}")
        old = self.notes()
        new.sort(key=lambda n: n.reading_key)
        changes: list[NoteOp] = []
        keys = (
            lambda n: (n.pitch, n.onset, n.duration, n.voice, n.velocity),
            lambda n: (n.pitch, n.onset, n.duration, n.voice),
            lambda n: (n.onset, n.voice),
        )
        for key in keys:
            pairs, old, new = _pair(old, new, key)
            for was, now in pairs:
                fields = {k: v for k, v in now.fields().items() if getattr(was, k) != v}
                if fields:
                    changes.append(ChangeNote(was.id, **fields))
        ops: list[NoteOp] = [RemoveNote(n.id) for n in old]
        ops.extend(changes)
        taken = set(self._by_note)
        for note in new:
            note_id, k = note.id, 1
            while note_id in taken:
                k += 1
                note_id = f"{note.id}.{k}"
            taken.add(note_id)
            ops.append(
                AddNote(dataclasses.replace(note, id=note_id) if note_id != note.id else note)
            )
        return ops

    def edit_notes(self, new_notes: Iterable[Note], origin: UnitOrigin, act: str) -> list[NoteOp]:
        """Make the score ``new_notes`` in one act by ``origin``; the ops it took."""
        ops = self.diff(new_notes)
        self.apply(ops, origin, act)
        return ops

    # -- caching -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON that ``from_dict`` turns back into an equal score, undo history included."""
        origins, acts = self._log.to_dicts()
        for seq, data in enumerate(acts):
            data["writes"] = [
                [self._w_note[w], None if (v := self._w_value[w]) is None else v.to_dict()]
                for w in self._writes_of(seq)
            ]
        return {"format": SCORE_FORMAT, "origins": origins, "acts": acts}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Score:
        """The score ``to_dict`` wrote; a malformed dict is an OperationError."""
        if not isinstance(data, Mapping) or data.get("format") != SCORE_FORMAT:
            raise OperationError(f"not a score dict (format {SCORE_FORMAT!r})")
        score = cls()
        score._log = ActLog.from_dicts(data.get("origins"), data.get("acts"))
        for seq, act in enumerate(data["acts"]):
            writes: list[Write] = []
            raw = act.get("writes")
            if not isinstance(raw, list):
                raise OperationError(f"act {act['act']!r} needs a list of writes")
            for item in raw:
                if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                    raise OperationError(
                        f"act {act['act']!r}: a write is [note id, note or null], got {item!r}"
                    )
                value = None if item[1] is None else Note.from_dict(item[1])
                if value is not None and value.id != item[0]:
                    raise OperationError(
                        f"act {act['act']!r}: a write to {item[0]!r} holds note {value.id!r}"
                    )
                writes.append((item[0], value))
            score._record(seq, writes)
        for note_id in score._by_note:
            score._refresh(note_id)
        return score

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Score):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    # -- inside ------------------------------------------------------------------------------

    def _present(self, note_id: str) -> tuple[Note, int]:
        try:
            return self._live[note_id], self._owner[note_id]
        except KeyError:
            raise KeyError(f"no note {note_id!r} in this score") from None

    def _record(self, seq: int, writes: list[Write]) -> None:
        self._act_w.append(len(self._w_note))
        for note_id, value in writes:
            self._by_note.setdefault(note_id, []).append(len(self._w_note))
            self._w_note.append(note_id)
            self._w_value.append(value)
            self._w_act.append(seq)

    def _writes_of(self, seq: int) -> range:
        starts = self._act_w
        return range(starts[seq], starts[seq + 1] if seq + 1 < len(starts) else len(self._w_note))

    def _touched_by(self, seq: int) -> list[str]:
        return list(dict.fromkeys(self._w_note[w] for w in self._writes_of(seq)))

    def _refresh(self, note_id: str) -> None:
        """Show the latest standing write of ``note_id`` (or nothing), keeping the counts."""
        applied, w_act = self._log.applied, self._w_act
        shown: Note | None = None
        for w in reversed(self._by_note[note_id]):
            if applied[w_act[w]]:
                shown = self._w_value[w]
                break
        before = self._owner.pop(note_id, None)
        if before is not None:
            self._counts[before] -= 1
            del self._live[note_id]
        if shown is not None:
            owner = self._log.origin_ix[w_act[w]]
            self._live[note_id] = shown
            self._owner[note_id] = owner
            self._counts[owner] += 1

    def _checked(self, ops: Sequence[NoteOp]) -> list[Write]:
        """The writes the ops make, checked in order against what the earlier ones leave."""
        if isinstance(ops, str | bytes | Mapping) or not isinstance(ops, Iterable):
            raise OperationError(f"ops must be a list of note ops, not {type(ops).__name__}")
        pending: dict[str, Note | None] = {}
        writes: list[Write] = []

        def current(note_id: str) -> Note | None:
            if note_id in pending:
                return pending[note_id]
            return self._live.get(note_id)

        for i, op in enumerate(ops):
            kind = type(op)
            if kind is AddNote:
                note_id = op.note.id
                if note_id in self._by_note or note_id in pending:
                    raise OperationError(
                        f"op {i} ({describe(op)}): note id {note_id!r} is already used in this score "
                        "(a note id is used once; undo or redo brings a removed note back); nothing was changed"
                    )
                value: Note | None = op.note
            elif kind is RemoveNote or kind is ChangeNote:
                note_id = op.note_id
                was = current(note_id)
                if was is None:
                    state = (
                        "was removed"
                        if note_id in self._by_note or note_id in pending
                        else "is unknown"
                    )
                    raise OperationError(
                        f"op {i} ({describe(op)}): note {note_id!r} {state}; the score has "
                        f"{self._count_after(pending)} notes at that point; nothing was changed"
                    )
                if kind is RemoveNote:
                    value = None
                else:
                    value = was.changed(op.changes)
                    if value == was:
                        raise OperationError(
                            f"op {i} ({describe(op)}) changes nothing: note {note_id!r} already has "
                            f"{', '.join(f'{k}={v!r}' for k, v in op.changes.items())}; nothing was changed"
                        )
            else:
                raise OperationError(
                    f"op {i} ({describe(op)}) is not a note op (AddNote, RemoveNote or ChangeNote); "
                    "nothing was changed"
                )
            pending[note_id] = value
            writes.append((note_id, value))
        return writes

    def _count_after(self, pending: Mapping[str, Note | None]) -> int:
        present = set(self._live)
        for note_id, value in pending.items():
            if value is None:
                present.discard(note_id)
            else:
                present.add(note_id)
        return len(present)


def _touched(writes: list[Write]) -> list[str]:
    """The note ids the writes touch, each once, in order."""
    if len(writes) == 1:
        return [writes[0][0]]
    return list(dict.fromkeys(note_id for note_id, _ in writes))


def _pair(
    old: list[Note], new: list[Note], key: Any
) -> tuple[list[tuple[Note, Note]], list[Note], list[Note]]:
    """Pair notes of equal ``key`` in reading order; the pairs and the unpaired of each side."""
    waiting: dict[Any, list[Note]] = {}
    for note in old:
        waiting.setdefault(key(note), []).append(note)
    pairs, rest_new = [], []
    for note in new:
        match = waiting.get(key(note))
        if match:
            pairs.append((match.pop(0), note))
        else:
            rest_new.append(note)
    used = {id(was) for was, _ in pairs}
    rest_old = [note for note in old if id(note) not in used]
    return pairs, rest_old, rest_new
