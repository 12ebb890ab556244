"""The content model by example: origins, ops, text and score documents, undo/redo, diffs, models."""

from __future__ import annotations

import hashlib
import json

import pytest

import cocreate.content as content
from cocreate.content import (
    ActRecord,
    AddNote,
    ChangeNote,
    Delete,
    Insert,
    InvalidOrigin,
    Note,
    OperationError,
    RemoveNote,
    Replace,
    ReplaceContent,
    Score,
    ScoreModel,
    TextDocument,
    TextModel,
    UnitOrigin,
    WholeContent,
    WholeContentModel,
    content_model_for,
    op_from_dict,
    register_content_model,
)
from cocreate.errors import InputError, InvalidContent

ANA = UnitOrigin.person("ana")
BEN = UnitOrigin.person("ben")
SMOL = UnitOrigin.partner(
    "smollm",
    model_id="HuggingFaceTB/SmolLM2-135M",
    version="2",
    params={"temperature": 0.7, "top_k": 40},
    seed=3,
)
BACH = UnitOrigin.source("Bach chorales", licence="public domain")


def runs(doc: TextDocument) -> list[tuple[str, UnitOrigin]]:
    """The live text cut by maker, as (piece, origin)."""
    text = doc.text
    return [(text[start:end], origin) for start, end, origin in doc.origins()]


# -- origins ---------------------------------------------------------------------------------


def test_origin_constructors_and_actors() -> None:
    assert ANA.kind == "person" and ANA.name == "ana" and ANA.actor == "ana"
    assert SMOL.actor == "ai:smollm"
    assert SMOL.params == {"temperature": 0.7, "top_k": 40} and SMOL.seed == 3
    assert BACH.actor == "source:Bach chorales" and BACH.licence == "public domain"
    assert UnitOrigin.source("a corpus").licence is None


def test_origins_are_values() -> None:
    again = UnitOrigin.partner(
        "smollm",
        model_id="HuggingFaceTB/SmolLM2-135M",
        version="2",
        params={"top_k": 40, "temperature": 0.7},
        seed=3,
    )
    assert again == SMOL and hash(again) == hash(SMOL)
    assert UnitOrigin.partner("smollm", seed=4) != UnitOrigin.partner("smollm", seed=3)
    # Provenance is exact: 1, 1.0 and True are three different settings.
    settings = {UnitOrigin.partner("p", params={"x": v}) for v in (1, 1.0, True)}
    assert len(settings) == 3
    with pytest.raises(AttributeError):
        ANA.name = "eve"  # type: ignore[misc]


@pytest.mark.parametrize(
    "origin",
    [
        ANA,
        SMOL,
        BACH,
        UnitOrigin.source("a corpus"),
        UnitOrigin.partner("cppn"),
        UnitOrigin.partner("p", params={"nested": {"b": [1, 2.5, None], "a": "x"}, "flag": False}),
    ],
)
def test_origin_round_trips_through_json(origin: UnitOrigin) -> None:
    data = json.loads(json.dumps(origin.to_dict()))
    back = UnitOrigin.from_dict(data)
    assert back == origin and back.to_dict() == origin.to_dict()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: UnitOrigin.person(""), "must not be empty"),
        (lambda: UnitOrigin.person("  "), "must not be empty"),
        (lambda: UnitOrigin.person(7), "must be a string"),
        (lambda: UnitOrigin.person("ai:smollm"), "cannot start with"),
        (lambda: UnitOrigin.partner(""), "partner's name must not be empty"),
        (lambda: UnitOrigin.partner("p", seed=True), "seed must be an integer"),
        (lambda: UnitOrigin.partner("p", seed="3"), "seed must be an integer"),
        (lambda: UnitOrigin.partner("p", model_id=""), "model_id must not be empty"),
        (lambda: UnitOrigin.partner("p", params=[("a", 1)]), "params must be a mapping"),
        (lambda: UnitOrigin.partner("p", params={"t": float("nan")}), "finite"),
        (lambda: UnitOrigin.partner("p", params={"t": object()}), "JSON value"),
        (lambda: UnitOrigin.partner("p", params={3: 1}), "keys must be non-empty strings"),
        (lambda: UnitOrigin.source("s", licence=3), "licence must be a string"),
        (lambda: UnitOrigin("robot", "x"), "unknown origin kind"),
        (lambda: UnitOrigin("person", "ana", seed=1), "a person origin takes no seed"),
        (lambda: UnitOrigin.from_dict({"kind": "alien"}), "unknown origin kind"),
        (
            lambda: UnitOrigin.from_dict({"kind": "person", "id": "ana", "seed": 1}),
            "no field 'seed'",
        ),
        (lambda: UnitOrigin.from_dict("ana"), "must be a mapping"),
    ],
)
def test_bad_origins_say_what_is_wrong(make, words: str) -> None:
    with pytest.raises(InvalidOrigin, match=words) as caught:
        make()
    assert isinstance(caught.value, InputError) and isinstance(caught.value, ValueError)


# -- ops -------------------------------------------------------------------------------------


ALL_OPS = [
    Insert(0, "hé"),
    Delete(3, 2),
    Replace(1, 4, "xyz"),
    AddNote(Note("n1", 60, 0, 1, velocity=90, voice="S")),
    RemoveNote("n1"),
    ChangeNote("n1", pitch=62, onset=0.5),
    ChangeNote("n1", voice=""),
    ReplaceContent("image/png", "a" * 64),
]


@pytest.mark.parametrize("op", ALL_OPS, ids=lambda op: type(op).__name__)
def test_ops_round_trip_through_json(op: object) -> None:
    data = json.loads(json.dumps(op.to_dict()))  # type: ignore[attr-defined]
    assert op_from_dict(data) == op


def test_change_note_keeps_only_the_given_fields() -> None:
    op = ChangeNote("n1", duration=2)
    assert op.changes == {"duration": 2.0}
    assert op.to_dict() == {"op": "change_note", "note_id": "n1", "duration": 2.0}


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: Insert(-1, "a"), "Insert.at must be 0 or more"),
        (lambda: Insert(0, ""), "Insert.text must not be empty"),
        (lambda: Insert(True, "a"), "Insert.at must be an integer"),
        (lambda: Delete(0, 0), "Delete.length must be at least 1"),
        (lambda: Replace(0, 1, ""), "Replace.text must not be empty"),
        (lambda: Note("n", 128, 0, 1), "pitch must be 0–127"),
        (lambda: Note("n", 60, -1, 1), "onset must be 0 or later"),
        (lambda: Note("n", 60, 0, 0), "duration must be more than 0"),
        (lambda: Note("n", 60, 0, float("inf")), "duration must be finite"),
        (lambda: Note("n", 60, 0, 1, velocity=0), "velocity must be 1–127"),
        (lambda: Note("", 60, 0, 1), "id must be a non-empty string"),
        (lambda: Note("n", 60, 0, 1, voice=1), "voice must be a string"),
        (lambda: ChangeNote("n"), "changes no field"),
        (lambda: ChangeNote("n", pitch=-3), "pitch must be 0–127"),
        (lambda: AddNote({"id": "n"}), "must be a Note"),
        (lambda: ReplaceContent("image/png", "xyz"), "64 lower-case hex"),
        (lambda: ReplaceContent("png", "a" * 64), "not a media type"),
        (lambda: op_from_dict({"op": "teleport"}), "unknown op 'teleport'"),
        (lambda: op_from_dict({"op": "insert", "at": 0}), "needs text"),
        (
            lambda: op_from_dict({"op": "delete", "at": 0, "length": 1, "text": "x"}),
            "no field 'text'",
        ),
        (
            lambda: op_from_dict({"op": "add_note", "note": {"id": "n", "pitch": 60}}),
            "needs onset, duration",
        ),
    ],
)
def test_bad_ops_say_what_is_wrong(make, words: str) -> None:
    with pytest.raises(OperationError, match=words):
        make()


# -- text: editing ---------------------------------------------------------------------------


def test_insert_delete_replace_with_origins() -> None:
    doc = TextDocument.from_text("hello world", ANA, "a1")
    doc.apply([Replace(0, 5, "HOWDY")], SMOL, "a2")
    doc.apply([Insert(11, "!"), Delete(5, 1)], BEN, "a3")
    assert doc.text == "HOWDYworld!"
    assert len(doc) == 11
    assert runs(doc) == [("HOWDY", SMOL), ("world", ANA), ("!", BEN)]
    assert doc.origin_at(0) == SMOL and doc.origin_at(-1) == BEN
    assert doc.count_by_origin() == {ANA: 5, SMOL: 5, BEN: 1}
    with pytest.raises(IndexError, match="outside the text"):
        doc.origin_at(11)


def test_each_op_of_an_act_sees_what_the_previous_left() -> None:
    doc = TextDocument()
    doc.apply([Insert(0, "ac"), Insert(1, "b"), Delete(0, 1), Insert(2, "d")], ANA, "a1")
    assert doc.text == "bcd"


def test_unit_ids_come_from_the_act_the_op_and_the_offset() -> None:
    doc = TextDocument.from_text("abc", ANA, "a1")
    doc.apply([Delete(0, 1), Replace(1, 1, "XY")], BEN, "a2")
    assert doc.text == "bXY"
    assert [doc.unit_id_at(i) for i in range(3)] == ["a1#0.1", "a2#1.0", "a2#1.1"]
    rows = [(u.id, u.char, u.origin, u.live) for u in doc.units(include_deleted=True)]
    assert rows == [
        ("a1#0.0", "a", ANA, False),
        ("a1#0.1", "b", ANA, True),
        ("a1#0.2", "c", ANA, False),
        ("a2#1.0", "X", BEN, True),
        ("a2#1.1", "Y", BEN, True),
    ]
    assert [u.id for u in doc.units()] == ["a1#0.1", "a2#1.0", "a2#1.1"]


def test_history_lists_the_acts_and_whether_they_stand() -> None:
    doc = TextDocument.from_text("abc", ANA, "a1")
    doc.apply([Insert(3, "d")], SMOL, "a2")
    doc.undo("a2")
    assert doc.history() == [ActRecord("a1", ANA, True), ActRecord("a2", SMOL, False)]


def test_a_bad_op_names_itself_and_changes_nothing() -> None:
    doc = TextDocument.from_text("hello", ANA, "a1")
    before = doc.to_dict()
    with pytest.raises(OperationError) as caught:
        doc.apply([Insert(5, " world"), Delete(8, 10)], BEN, "a2")
    message = str(caught.value)
    assert "op 1" in message and "Delete(at=8, length=10)" in message
    assert "position 8–18" in message and "11 characters at that point" in message
    assert doc.to_dict() == before and doc.text == "hello"
    # The act id was not used up by the failed act.
    doc.apply([Insert(5, "!")], BEN, "a2")
    assert doc.text == "hello!"


@pytest.mark.parametrize(
    ("ops", "words"),
    [
        ([Insert(6, "x")], "op 0 .* inserts past the end: position 6, but the document has 5"),
        ([Replace(4, 2, "xy")], "op 0 .* runs past the end: position 4–6"),
        ([Insert(0, "x"), AddNote(Note("n", 60, 0, 1))], "op 1 .* is not a text op"),
        ("abc", "ops must be a list of text ops"),
    ],
)
def test_bad_acts_are_refused_whole(ops: object, words: str) -> None:
    doc = TextDocument.from_text("hello", ANA, "a1")
    with pytest.raises(OperationError, match=words):
        doc.apply(ops, BEN, "a2")  # type: ignore[arg-type]
    assert doc.text == "hello" and len(doc.history()) == 1


def test_act_ids_and_origins_are_checked() -> None:
    doc = TextDocument.from_text("hello", ANA, "a1")
    with pytest.raises(OperationError, match="act 'a1' was already applied"):
        doc.apply([Insert(0, "x")], ANA, "a1")
    with pytest.raises(OperationError, match="act id must be a non-empty string"):
        doc.apply([Insert(0, "x")], ANA, "")
    with pytest.raises(OperationError, match="origin must be a UnitOrigin"):
        doc.apply([Insert(0, "x")], "ana", "a2")  # type: ignore[arg-type]
    assert doc.text == "hello"


# -- text: undo and redo ---------------------------------------------------------------------


def test_undo_and_redo_an_insert() -> None:
    doc = TextDocument.from_text("ac", ANA, "a1")
    doc.apply([Insert(1, "b")], BEN, "a2")
    doc.undo("a2")
    assert doc.text == "ac" and doc.count_by_origin() == {ANA: 2}
    doc.redo("a2")
    assert doc.text == "abc" and runs(doc) == [("a", ANA), ("b", BEN), ("c", ANA)]
    assert doc.unit_id_at(1) == "a2#0.0"  # the same unit, not a new one


def test_undo_of_a_delete_revives_in_place_with_the_original_origin() -> None:
    doc = TextDocument.from_text("abc", ANA, "a1")
    doc.apply([Insert(3, "def")], SMOL, "a2")
    doc.apply([Delete(2, 2)], BEN, "a3")
    assert doc.text == "abef"
    doc.undo("a3")
    assert doc.text == "abcdef"
    assert runs(doc) == [("abc", ANA), ("def", SMOL)]
    doc.redo("a3")
    assert doc.text == "abef"


def test_undoing_mine_after_you_typed_over_it_leaves_your_work() -> None:
    doc = TextDocument()
    doc.apply([Insert(0, "abc")], ANA, "mine")
    doc.apply([Replace(1, 1, "X")], BEN, "yours")
    assert runs(doc) == [("a", ANA), ("X", BEN), ("c", ANA)]
    doc.undo("mine")
    assert doc.text == "X" and runs(doc) == [("X", BEN)]
    # Undoing yours now does not bring back my "b": my act no longer stands.
    doc.undo("yours")
    assert doc.text == ""
    doc.redo("mine")
    assert doc.text == "abc" and runs(doc) == [("abc", ANA)]
    doc.redo("yours")
    assert doc.text == "aXc"


def test_undoing_mine_after_you_deleted_part_of_it_keeps_your_deletion() -> None:
    doc = TextDocument()
    doc.apply([Insert(0, "abcd")], ANA, "mine")
    doc.apply([Delete(1, 2)], BEN, "yours")
    doc.undo("mine")
    assert doc.text == ""
    doc.redo("mine")
    assert doc.text == "ad"  # your deletion still stands over my redo
    doc.undo("yours")
    assert doc.text == "abcd"


def test_undo_order_does_not_matter() -> None:
    def build() -> TextDocument:
        doc = TextDocument.from_text("one two three", ANA, "a1")
        doc.apply([Replace(4, 3, "2")], SMOL, "a2")
        doc.apply([Delete(0, 4), Insert(0, "ONE ")], BEN, "a3")
        return doc

    first, second = build(), build()
    first.undo("a2")
    first.undo("a3")
    second.undo("a3")
    second.undo("a2")
    assert first.text == second.text == "one two three"
    assert [u.live for u in first.units(include_deleted=True)] == [
        u.live for u in second.units(include_deleted=True)
    ]


def test_new_text_goes_after_tombstones_so_a_revived_run_comes_first() -> None:
    doc = TextDocument.from_text("abc", ANA, "a1")
    doc.apply([Delete(1, 1)], BEN, "a2")
    doc.apply([Insert(1, "X")], BEN, "a3")
    doc.undo("a2")
    assert doc.text == "abXc"


def test_an_act_that_inserts_and_deletes_its_own_text_undoes_cleanly() -> None:
    doc = TextDocument.from_text("ab", ANA, "a1")
    doc.apply([Insert(1, "xyz"), Delete(2, 1)], BEN, "a2")
    assert doc.text == "axzb"
    doc.undo("a2")
    assert doc.text == "ab" and doc.count_by_origin() == {ANA: 2}
    doc.redo("a2")
    assert doc.text == "axzb"


@pytest.mark.parametrize("chunk_size", [4, 512])
def test_undo_of_a_long_act_among_tombstones(chunk_size: int) -> None:
    doc = TextDocument.from_text("x" * 10, ANA, "a0", chunk_size=chunk_size)
    doc.apply([Insert(5, "abcdefghijklmnopqrstuvwxyz")], BEN, "a1")
    doc.apply([Delete(8, 10), Delete(0, 2)], ANA, "a2")
    assert doc.text == "xxxabcnopqrstuvwxyzxxxxx"
    doc.undo("a1")
    assert doc.text == "x" * 8
    doc.redo("a1")
    assert doc.text == "xxxabcnopqrstuvwxyzxxxxx"
    doc.undo("a2")
    assert doc.text == "xxxxxabcdefghijklmnopqrstuvwxyzxxxxx"
    assert doc.count_by_origin() == {ANA: 10, BEN: 26}


def test_undo_and_redo_refuse_what_cannot_be() -> None:
    doc = TextDocument.from_text("abc", ANA, "a1")
    doc.undo("a1")
    with pytest.raises(OperationError, match="act 'a1' is already undone"):
        doc.undo("a1")
    doc.redo("a1")
    with pytest.raises(OperationError, match="act 'a1' is not undone"):
        doc.redo("a1")
    with pytest.raises(OperationError, match="no act 'nope'"):
        doc.undo("nope")
    assert doc.text == "abc"


# -- text: diffs -----------------------------------------------------------------------------


def test_diff_keeps_what_a_person_left() -> None:
    doc = TextDocument.from_text("The cat sat on the mat.", SMOL, "draft")
    ops = doc.edit_text("The black cat sat on a mat.", ANA, "edit")
    assert doc.text == "The black cat sat on a mat."
    assert all(not isinstance(op, Replace) or op.length < 5 for op in ops)
    mine = "".join(doc.text[s:e] for s, e, origin in doc.origins() if origin == ANA)
    assert mine == "black a"
    assert doc.count_by_origin()[SMOL] == len("The cat sat on  mat.")


def test_diff_works_line_by_line_on_long_texts() -> None:
    lines = [f"Line {i} of a long draft, with words in it.\n" for i in range(2000)]
    doc = TextDocument.from_text("".join(lines), SMOL, "draft")
    lines[10] = "Line 10 of a short draft, with words in it.\n"
    lines[1500] = "A new line.\n" + lines[1500]
    del lines[700]
    new = "".join(lines)
    ops = doc.diff(new)
    assert len(ops) <= 4
    doc.edit_text(new, ANA, "edit")
    assert doc.text == new
    # "long" to "short" shares too little to keep its "o": the new word is the person's.
    assert doc.count_by_origin()[ANA] == len("short") + len("A new line.\n")


def test_diff_keeps_the_letters_of_a_word_a_person_mended() -> None:
    doc = TextDocument.from_text("the colour of teh sea", SMOL, "draft")
    doc.edit_text("the color of the sea", ANA, "edit")
    assert doc.text == "the color of the sea"
    assert runs(doc) == [("the color of t", SMOL), ("h", ANA), ("e sea", SMOL)]


def test_diff_of_any_long_text_ends_and_makes_it() -> None:
    # One line of a few words repeated: nothing is unique to anchor on, so the middle
    # is replaced whole rather than matched in quadratic time.
    old = " ".join(["the cat sat on the mat"] * 2000)
    new = old.replace("mat the cat", "rug the dog", 300)
    doc = TextDocument.from_text(old, SMOL, "draft")
    doc.edit_text(new, ANA, "edit")
    assert doc.text == new
    prose = " ".join(f"word{i % 997}x{i // 997}" for i in range(6000))
    doc = TextDocument.from_text(prose, SMOL, "draft")
    doc.edit_text(prose.replace("word5x3 ", "WORD ").replace("word9x4 ", ""), ANA, "edit")
    assert doc.count_by_origin()[ANA] == len("WORD")


def test_diff_of_the_same_text_is_empty() -> None:
    doc = TextDocument.from_text("same", ANA, "a1")
    assert doc.diff("same") == []
    doc.edit_text("same", BEN, "a2")  # an empty act is allowed and changes nothing
    assert doc.text == "same" and len(doc.history()) == 2
    assert TextDocument().diff("new") == [Insert(0, "new")]
    assert doc.diff("") == [Delete(0, 4)]


# -- text: caching ---------------------------------------------------------------------------


def _busy_doc(chunk_size: int = 512) -> TextDocument:
    doc = TextDocument.from_text("hello world, hello text", BACH, "a1", chunk_size=chunk_size)
    doc.apply([Replace(0, 5, "HELLO"), Insert(23, "!")], SMOL, "a2")
    doc.apply([Delete(6, 6)], ANA, "a3")
    doc.undo("a2")
    return doc


def test_to_dict_round_trips_with_the_undo_history() -> None:
    doc = _busy_doc()
    data = json.loads(json.dumps(doc.to_dict()))
    back = TextDocument.from_dict(data)
    assert back == doc and back.text == doc.text and back.origins() == doc.origins()
    assert back.units(include_deleted=True) == doc.units(include_deleted=True)
    back.redo("a2")
    doc.redo("a2")
    assert back.text == doc.text == "HELLO  hello text!"


def test_to_dict_does_not_depend_on_the_chunk_layout() -> None:
    assert _busy_doc(chunk_size=2).to_dict() == _busy_doc(chunk_size=4096).to_dict()


@pytest.mark.parametrize(
    "spoil",
    [
        lambda d: d.update(format="other"),
        lambda d: d.update(order=d["order"][:-1]),
        lambda d: d["acts"][0].update(inserted=[["x", 1]]),
        lambda d: d["acts"][0].update(origin=9),
        lambda d: d["acts"][1].update(act="a1"),
    ],
)
def test_from_dict_refuses_a_damaged_dict(spoil) -> None:
    data = _busy_doc().to_dict()
    spoil(data)
    with pytest.raises(OperationError):
        TextDocument.from_dict(data)


# -- score -----------------------------------------------------------------------------------


def chorale() -> Score:
    return Score.from_notes(
        [
            Note("s1", 67, 0, 1, voice="S"),
            Note("a1", 62, 0, 1, voice="A"),
            Note("s2", 69, 1, 1, voice="S"),
            Note("b1", 43, 0, 2, voice="B"),
        ],
        BACH,
        "import",
    )


def test_score_reads_in_onset_voice_pitch_order() -> None:
    score = chorale()
    assert [n.id for n in score.notes()] == ["a1", "b1", "s1", "s2"]
    assert len(score) == 4 and "s1" in score and score.note("s2").pitch == 69
    assert score.count_by_origin() == {BACH: 4}


def test_change_note_makes_the_note_the_changers_and_undo_gives_it_back() -> None:
    score = chorale()
    score.apply([ChangeNote("s2", pitch=71, velocity=90)], ANA, "a1")
    assert score.note("s2") == Note("s2", 71, 1, 1, velocity=90, voice="S")
    assert score.origin_of("s2") == ANA and score.count_by_origin() == {BACH: 3, ANA: 1}
    score.undo("a1")
    assert score.note("s2") == Note("s2", 69, 1, 1, voice="S") and score.origin_of("s2") == BACH
    score.redo("a1")
    assert score.note("s2").pitch == 71 and score.origin_of("s2") == ANA


def test_a_later_change_stands_over_an_undo() -> None:
    score = chorale()
    score.apply([ChangeNote("s1", velocity=100)], ANA, "a1")
    score.apply([ChangeNote("s1", pitch=66)], BEN, "a2")
    score.undo("a1")
    assert score.note("s1").pitch == 66 and score.note("s1").velocity == 100
    assert score.origin_of("s1") == BEN
    score.undo("a2")
    assert score.note("s1") == Note("s1", 67, 0, 1, voice="S") and score.origin_of("s1") == BACH


def test_a_later_removal_stands_over_an_undo() -> None:
    score = chorale()
    score.apply([ChangeNote("b1", duration=4)], ANA, "a1")
    score.apply([RemoveNote("b1")], BEN, "a2")
    score.undo("a1")
    assert "b1" not in score
    score.undo("a2")
    assert score.note("b1").duration == 2 and score.origin_of("b1") == BACH


def test_undoing_an_add_removes_the_note_unless_someone_changed_it() -> None:
    score = chorale()
    score.apply(
        [AddNote(Note("t1", 72, 2, 1, voice="S")), AddNote(Note("t2", 74, 3, 1, voice="S"))],
        SMOL,
        "a1",
    )
    score.apply([ChangeNote("t2", pitch=76)], ANA, "a2")
    score.undo("a1")
    assert "t1" not in score
    assert score.note("t2").pitch == 76 and score.origin_of("t2") == ANA


def test_remove_and_its_undo() -> None:
    score = chorale()
    score.apply([RemoveNote("a1")], SMOL, "a1")
    assert "a1" not in score and len(score) == 3
    with pytest.raises(KeyError, match="no note 'a1'"):
        score.note("a1")
    score.undo("a1")
    assert score.origin_of("a1") == BACH


@pytest.mark.parametrize(
    ("ops", "words"),
    [
        ([AddNote(Note("s1", 60, 0, 1))], "op 0 .* note id 's1' is already used"),
        ([RemoveNote("zz")], "op 0 .* note 'zz' is unknown; the score has 4 notes"),
        (
            [RemoveNote("s1"), ChangeNote("s1", pitch=1)],
            "op 1 .* note 's1' was removed; the score has 3 notes",
        ),
        ([ChangeNote("s1", pitch=67)], "op 0 .* changes nothing: note 's1' already has pitch=67"),
        (
            [AddNote(Note("x", 60, 0, 1)), AddNote(Note("x", 61, 0, 1))],
            "op 1 .* 'x' is already used",
        ),
        ([Insert(0, "a")], "op 0 .* is not a note op"),
    ],
)
def test_bad_score_acts_are_refused_whole(ops: list, words: str) -> None:
    score = chorale()
    before = score.to_dict()
    with pytest.raises(OperationError, match=words):
        score.apply(ops, ANA, "a1")
    assert score.to_dict() == before


def test_a_removed_note_id_is_not_reused() -> None:
    score = chorale()
    score.apply([RemoveNote("s1")], ANA, "a1")
    with pytest.raises(OperationError, match="already used"):
        score.apply([AddNote(Note("s1", 60, 0, 1))], ANA, "a2")


def test_score_undo_redo_refuse_what_cannot_be() -> None:
    score = chorale()
    with pytest.raises(OperationError, match="not undone"):
        score.redo("import")
    score.undo("import")
    assert len(score) == 0
    with pytest.raises(OperationError, match="already undone"):
        score.undo("import")
    with pytest.raises(OperationError, match="no act"):
        score.undo("nope")


def test_score_diff_keeps_changes_removes_and_adds() -> None:
    score = chorale()
    new = [
        Note("x1", 67, 0, 1, voice="S"),  # the same as s1: kept
        Note("x2", 62, 0, 1, velocity=100, voice="A"),  # a1 louder: a change
        Note("x3", 71, 1, 1, voice="S"),  # s2 at the same onset and voice, new pitch: a change
        Note("b1", 38, 4, 1, voice="B"),  # b1 gone, a new note whose id is taken
    ]
    ops = score.diff(new)
    assert ops == [
        RemoveNote("b1"),
        ChangeNote("a1", velocity=100),
        ChangeNote("s2", pitch=71),
        AddNote(Note("b1.2", 38, 4, 1, voice="B")),
    ]
    score.apply(ops, ANA, "edit")
    assert score.origin_of("s1") == BACH and score.origin_of("a1") == ANA
    assert sorted((n.pitch, n.onset, n.velocity) for n in score) == sorted(
        (n.pitch, n.onset, n.velocity) for n in new
    )
    assert score.diff(score.notes()) == []


def test_score_to_dict_round_trips() -> None:
    score = chorale()
    score.apply([ChangeNote("s1", pitch=65), RemoveNote("b1")], ANA, "a1")
    score.apply([AddNote(Note("n", 50, 3.5, 0.5))], SMOL, "a2")
    score.undo("a1")
    back = Score.from_dict(json.loads(json.dumps(score.to_dict())))
    assert back == score and back.notes() == score.notes()
    back.redo("a1")
    assert back.note("s1").pitch == 65 and back.origin_of("s1") == ANA


# -- whole content and the models by media type ---------------------------------------------


def test_content_models_by_media_type() -> None:
    assert isinstance(content_model_for("text/plain"), TextModel)
    assert isinstance(content_model_for("Text/Markdown; charset=utf-8"), TextModel)
    assert content_model_for("text/html").name == "text"
    assert isinstance(content_model_for("audio/midi"), ScoreModel)
    assert content_model_for("application/vnd.recordare.musicxml+xml").name == "score"
    png = content_model_for("image/png")
    assert (
        isinstance(png, WholeContentModel) and png.name == "whole" and png.media_type == "image/png"
    )
    assert content_model_for("image/svg+xml").name == "whole"
    with pytest.raises(InputError, match="not a media type"):
        content_model_for("png")


def test_text_model_round() -> None:
    model = content_model_for("text/markdown")
    doc = model.empty()
    model.apply(doc, model.diff(doc, b"# Title\n"), ANA, "a1")
    model.apply(doc, model.diff(doc, "# Title\nA line.\n"), SMOL, "a2")
    assert model.load(doc.to_dict()).text == "# Title\nA line.\n"
    assert doc.count_by_origin() == {ANA: 8, SMOL: 8}
    with pytest.raises(InvalidContent, match="not UTF-8"):
        model.diff(doc, b"\xff")


def test_score_model_takes_note_lists() -> None:
    model = content_model_for("audio/midi")
    score = model.empty()
    model.apply(score, model.diff(score, [Note("n1", 60, 0, 1)]), SMOL, "a1")
    assert model.load(score.to_dict()).notes() == [Note("n1", 60, 0, 1)]
    with pytest.raises(InvalidContent, match="music partner"):
        model.diff(score, b"MThd")


def test_whole_content_is_one_unit() -> None:
    model = content_model_for("image/png")
    image = model.empty()
    assert image.sha256 is None and image.count_by_origin() == {} and len(image) == 0
    first, second = b"\x89PNG one", b"\x89PNG two"
    ops = model.diff(image, first)
    assert ops == [ReplaceContent("image/png", hashlib.sha256(first).hexdigest())]
    model.apply(image, ops, SMOL, "a1")
    model.apply(image, model.diff(image, second), ANA, "a2")
    assert model.diff(image, second) == []
    assert (
        image.count_by_origin() == {ANA: 1} and image.sha256 == hashlib.sha256(second).hexdigest()
    )
    image.undo("a2")
    assert image.origin == SMOL and image.sha256 == hashlib.sha256(first).hexdigest()
    back = WholeContent.from_dict(json.loads(json.dumps(image.to_dict())))
    assert back == image
    back.redo("a2")
    assert back.origin == ANA
    with pytest.raises(OperationError, match="is image/jpeg, but this content is image/png"):
        image.apply([ReplaceContent("image/jpeg", "0" * 64)], ANA, "a3")
    with pytest.raises(OperationError, match="changes nothing"):
        image.apply([ReplaceContent("image/png", image.sha256)], ANA, "a3")


def test_a_model_works_only_on_its_own_documents() -> None:
    with pytest.raises(OperationError, match="works on a TextDocument, not Score"):
        content_model_for("text/plain").apply(Score(), [], ANA, "a1")


def test_register_a_content_model() -> None:
    class LinesModel(TextModel):
        name = "lines"

    register_content_model("text/x-lines", LinesModel())
    assert content_model_for("text/x-lines").name == "lines"
    with pytest.raises(InputError, match="already has a content model"):
        register_content_model("text/x-lines", LinesModel())
    register_content_model("text/x-lines", TextModel(), replace=True)
    assert content_model_for("text/x-lines").name == "text"
    with pytest.raises(InputError, match="needs name, empty, diff, apply, load"):
        register_content_model("text/x-other", object())  # type: ignore[arg-type]


# -- the public surface ----------------------------------------------------------------------


def test_all_is_sorted_and_the_public_surface() -> None:
    assert content.__all__ == sorted(content.__all__)
    public = {name for name in dir(content) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(content, name)).__name__ == "module"}
    assert set(content.__all__) == public - modules
    for name in content.__all__:
        obj = getattr(content, name)
        if isinstance(obj, type) or callable(obj):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
