"""Random acts, undos and redos by several makers, checked step by step against plain reference models.

The references are written to be obviously right rather than fast: a text is a
list of rows (unit id, character, origin, and the writes each act made to it), a
score a dict of note ids to their writes. Both follow the documented rule
literally: a unit shows what the latest still-applied act that wrote it left.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cocreate.content import (
    AddNote,
    ChangeNote,
    Delete,
    Insert,
    Note,
    OperationError,
    RemoveNote,
    Replace,
    Score,
    TextDocument,
    UnitOrigin,
    _textdiff,
)

MAKERS = [
    UnitOrigin.person("ana"),
    UnitOrigin.person("ben"),
    UnitOrigin.partner(
        "smollm", model_id="smollm-135m", version="2", params={"temperature": 0.9}, seed=1
    ),
    UnitOrigin.partner(
        "smollm", model_id="smollm-135m", version="2", params={"temperature": 0.9}, seed=2
    ),
    UnitOrigin.source("Gutenberg", licence="public domain"),
]
# Now and then a long insert, so that undoing it lays a whole chunk out afresh.
TEXTS = st.text(alphabet="ab \n", min_size=1, max_size=6) | st.text(
    alphabet="ab \n", min_size=16, max_size=24
)


# -- the text reference ----------------------------------------------------------------------


@dataclass
class Row:
    id: str
    char: str
    origin: UnitOrigin
    writes: list[tuple[str, str]] = field(default_factory=list)  # (act, "insert" | "delete")


class RefText:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.applied: dict[str, bool] = {}

    def live(self, row: Row) -> bool:
        standing = [kind for act, kind in row.writes if self.applied[act]]
        return bool(standing) and standing[-1] == "insert"

    def live_rows(self) -> list[Row]:
        return [row for row in self.rows if self.live(row)]

    @property
    def text(self) -> str:
        return "".join(row.char for row in self.live_rows())

    def place(self, pos: int) -> int:
        """Where new rows go: just before the live row at ``pos``, or at the very end."""
        live = self.live_rows()
        return self.rows.index(live[pos]) if pos < len(live) else len(self.rows)

    def apply(self, ops: list, origin: UnitOrigin, act: str) -> None:
        self.applied[act] = True
        for i, op in enumerate(ops):
            if not isinstance(op, Insert):
                for row in self.live_rows()[op.at : op.at + op.length]:
                    row.writes.append((act, "delete"))
            if not isinstance(op, Delete):
                at = self.place(op.at)
                new = [
                    Row(f"{act}#{i}.{k}", c, origin, [(act, "insert")])
                    for k, c in enumerate(op.text)
                ]
                self.rows[at:at] = new


def check_text(doc: TextDocument, ref: RefText) -> None:
    assert doc.text == ref.text
    assert len(doc) == len(ref.text)
    expected = [(r.id, r.char, r.origin, ref.live(r)) for r in ref.rows]
    assert [(u.id, u.char, u.origin, u.live) for u in doc.units(include_deleted=True)] == expected
    counts: dict[UnitOrigin, int] = {}
    for row in ref.live_rows():
        counts[row.origin] = counts.get(row.origin, 0) + 1
    assert doc.count_by_origin() == counts
    per_char = [origin for start, end, origin in doc.origins() for _ in range(start, end)]
    assert per_char == [row.origin for row in ref.live_rows()]


@st.composite
def text_op(draw: st.DrawFn, length: int) -> object:
    kinds = ["insert"] if length == 0 else ["insert", "delete", "replace"]
    kind = draw(st.sampled_from(kinds))
    if kind == "insert":
        return Insert(draw(st.integers(0, length)), draw(TEXTS))
    at = draw(st.integers(0, length - 1))
    n = draw(st.integers(1, min(4, length - at)))
    return Delete(at, n) if kind == "delete" else Replace(at, n, draw(TEXTS))


@settings(max_examples=100)
@given(st.data(), st.sampled_from([2, 3, 512]))
def test_text_matches_the_reference_step_by_step(data: st.DataObject, chunk_size: int) -> None:
    doc, ref = TextDocument(chunk_size=chunk_size), RefText()
    acts = 0
    for _ in range(data.draw(st.integers(1, 20), label="steps")):
        standing = [a for a, on in ref.applied.items() if on]
        undone = [a for a, on in ref.applied.items() if not on]
        step = data.draw(st.sampled_from(["apply", "apply", "edit", "undo", "redo", "bad"]))
        if step == "undo" and standing:
            act = data.draw(st.sampled_from(standing))
            doc.undo(act)
            ref.applied[act] = False
        elif step == "redo" and undone:
            act = data.draw(st.sampled_from(undone))
            doc.redo(act)
            ref.applied[act] = True
        elif step == "bad":
            before = doc.to_dict()
            try:
                choice = data.draw(st.sampled_from(["again", "unknown", "range"]))
                if choice == "again" and ref.applied:
                    act = data.draw(st.sampled_from(list(ref.applied)))
                    # Redo a standing act, or undo an undone one: both refused.
                    (doc.redo if ref.applied[act] else doc.undo)(act)
                elif choice == "unknown":
                    doc.undo("never")
                else:
                    doc.apply(
                        [Insert(0, "z"), Delete(len(ref.text) + 1, 1)], MAKERS[0], f"bad{acts}"
                    )
            except OperationError:
                pass
            else:
                raise AssertionError("a bad step was accepted")
            assert doc.to_dict() == before
        else:
            origin = data.draw(st.sampled_from(MAKERS))
            act = f"act{acts}"
            acts += 1
            if step == "edit":
                ops = doc.diff(data.draw(st.text(alphabet="ab \n", max_size=12)))
            else:
                ops, length = [], len(ref.text)
                for _ in range(data.draw(st.integers(1, 3))):
                    op = data.draw(text_op(length))
                    ops.append(op)
                    length += len(getattr(op, "text", "")) - getattr(op, "length", 0)
            doc.apply(ops, origin, act)
            ref.apply(ops, origin, act)
        check_text(doc, ref)
    back = TextDocument.from_dict(doc.to_dict(), chunk_size=3)
    assert back == doc
    check_text(back, ref)


@pytest.mark.parametrize("budget", [None, 4], ids=["matcher", "anchors"])
@settings(max_examples=100)
@given(st.text(alphabet="abc \n.", max_size=40), st.text(alphabet="abc \n.", max_size=40))
def test_a_diff_makes_the_new_text_and_keeps_the_common_ends(
    budget: int | None, old: str, new: str
) -> None:
    doc = TextDocument.from_text(old, MAKERS[2], "old")
    saved = _textdiff._MATCH_BUDGET
    _textdiff._MATCH_BUDGET = budget or saved  # a tiny budget sends every piece through the anchors
    try:
        ops = doc.edit_text(new, MAKERS[0], "new")
    finally:
        _textdiff._MATCH_BUDGET = saved
    assert doc.text == new
    assert len(ops) <= max(len(old), len(new))
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    assert all(doc.origin_at(i) == MAKERS[2] for i in range(prefix))
    assert sum(doc.count_by_origin().values()) == len(new)


# -- the score reference ---------------------------------------------------------------------


class RefScore:
    def __init__(self) -> None:
        self.writes: dict[str, list[tuple[str, Note | None]]] = {}
        self.origin: dict[str, UnitOrigin] = {}
        self.applied: dict[str, bool] = {}

    def shown(self, note_id: str) -> tuple[Note, UnitOrigin] | None:
        standing = [(act, value) for act, value in self.writes[note_id] if self.applied[act]]
        if not standing or standing[-1][1] is None:
            return None
        act, value = standing[-1]
        return value, self.origin[act]

    def present(self) -> dict[str, tuple[Note, UnitOrigin]]:
        return {nid: shown for nid in self.writes if (shown := self.shown(nid)) is not None}

    def apply(self, ops: list, origin: UnitOrigin, act: str) -> None:
        self.applied[act] = True
        self.origin[act] = origin
        for op in ops:
            if isinstance(op, AddNote):
                self.writes.setdefault(op.note.id, []).append((act, op.note))
            elif isinstance(op, RemoveNote):
                self.writes[op.note_id].append((act, None))
            else:
                note = self.present()[op.note_id][0]
                fields = {**note.to_dict(), **op.changes}
                self.writes[op.note_id].append((act, Note(**fields)))


def check_score(score: Score, ref: RefScore) -> None:
    present = ref.present()
    assert {n.id: n for n in score.notes()} == {nid: note for nid, (note, _) in present.items()}
    assert all(score.origin_of(nid) == origin for nid, (_, origin) in present.items())
    keys = [n.reading_key for n in score.notes()]
    assert keys == sorted(keys)
    counts: dict[UnitOrigin, int] = {}
    for _, origin in present.values():
        counts[origin] = counts.get(origin, 0) + 1
    assert score.count_by_origin() == counts


PITCHES = st.integers(55, 60)
ONSETS = st.sampled_from([0, 0.5, 1, 1.5])
VOICES = st.sampled_from(["S", "A"])


@settings(max_examples=100)
@given(st.data())
def test_score_matches_the_reference_step_by_step(data: st.DataObject) -> None:
    score, ref = Score(), RefScore()
    acts, fresh = 0, 0
    for _ in range(data.draw(st.integers(1, 20), label="steps")):
        standing = [a for a, on in ref.applied.items() if on]
        undone = [a for a, on in ref.applied.items() if not on]
        step = data.draw(st.sampled_from(["apply", "apply", "apply", "undo", "redo"]))
        if step == "undo" and standing:
            act = data.draw(st.sampled_from(standing))
            score.undo(act)
            ref.applied[act] = False
        elif step == "redo" and undone:
            act = data.draw(st.sampled_from(undone))
            score.redo(act)
            ref.applied[act] = True
        else:
            ops: list = []
            present = dict(ref.present())
            for _ in range(data.draw(st.integers(1, 3))):
                kind = data.draw(
                    st.sampled_from(["add", "remove", "change"] if present else ["add"])
                )
                if kind == "add":
                    note = Note(
                        f"n{fresh}",
                        data.draw(PITCHES),
                        data.draw(ONSETS),
                        0.5,
                        voice=data.draw(VOICES),
                    )
                    fresh += 1
                    ops.append(AddNote(note))
                    present[note.id] = (note, MAKERS[0])
                    continue
                nid = data.draw(st.sampled_from(sorted(present)))
                if kind == "remove":
                    ops.append(RemoveNote(nid))
                    del present[nid]
                    continue
                was = present[nid][0]
                pitch = data.draw(PITCHES.filter(lambda p, was=was: p != was.pitch))
                ops.append(ChangeNote(nid, pitch=pitch))
                present[nid] = (was.changed({"pitch": pitch}), MAKERS[0])
            origin = data.draw(st.sampled_from(MAKERS))
            act = f"act{acts}"
            acts += 1
            score.apply(ops, origin, act)
            ref.apply(ops, origin, act)
        check_score(score, ref)
    back = Score.from_dict(score.to_dict())
    assert back == score
    check_score(back, ref)


NOTES = st.lists(
    st.builds(
        Note,
        st.sampled_from(["x", "y", "z"]),
        PITCHES,
        ONSETS,
        st.sampled_from([0.5, 1.0]),
        voice=VOICES,
    ),
    max_size=6,
)


@settings(max_examples=100)
@given(NOTES, NOTES)
def test_a_score_diff_makes_the_new_notes_and_keeps_the_equal_ones(
    old: list[Note], new: list[Note]
) -> None:
    old = [Note(f"o{i}", n.pitch, n.onset, n.duration, voice=n.voice) for i, n in enumerate(old)]
    score = Score.from_notes(old, MAKERS[4], "old")
    score.edit_notes(new, MAKERS[0], "new")

    def shape(n: Note) -> tuple:
        return (n.pitch, n.onset, n.duration, n.velocity, n.voice)

    assert sorted(map(shape, score.notes())) == sorted(map(shape, new))
    kept = [n for n in score.notes() if score.origin_of(n.id) == MAKERS[4]]
    unchanged = sorted(map(shape, old))
    for note in kept:
        assert note.id.startswith("o") and shape(note) in unchanged
