"""Content-model benchmark: many small edits with origins on a long text, and on a score.

    python bench/bench_content.py                # 100,000 operations on a 50,000-character text
    python bench/bench_content.py --quick        # 10,000 operations on 5,000 characters

The mix: acts of one to four ops, mostly inserts and deletes of 1–3 characters at
random positions, some replaces of 5–40, by three makers (a person, an AI partner
and an imported source); between acts, some undos of a recent act and redos of an
undone one. Undos and redos count as operations. The script is made once by a dry
run (so every position is valid), then replayed, timed, on a fresh document: apply
with origins, then ``count_by_origin()``. Wall time is the figure; CPU time is
printed beside it because other work on a shared machine inflates wall time.

The score run is the same shape on a score of ``--notes`` notes: single-op acts
adding a note, removing one or changing its pitch, by a person and a partner,
with the same share of undos and redos.

The baseline, run in the same process on the same script, is the obvious layout:
one Python list per field over every unit (tombstones too), ``list.insert`` for
each new character, the n-th live unit found by bisecting a live mask with
``bytearray.count``. It is slow enough that it runs on the first ``--baseline-ops``
operations only; the ratio compares both on that same prefix.
"""

from __future__ import annotations

import argparse
import random
import string
import time
from collections import Counter
from itertools import compress

from cocreate.content import (
    AddNote,
    ChangeNote,
    Delete,
    Insert,
    Note,
    RemoveNote,
    Replace,
    Score,
    TextDocument,
    UnitOrigin,
)

MAKERS = (
    UnitOrigin.person("ana"),
    UnitOrigin.partner(
        "smollm",
        model_id="HuggingFaceTB/SmolLM2-135M",
        version="2",
        params={"temperature": 0.8},
        seed=7,
    ),
    UnitOrigin.source("Project Gutenberg", licence="public domain"),
)
LETTERS = string.ascii_letters + "     ,."


def _chars(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(LETTERS, k=n))


def text_script(rng: random.Random, ops: int, units: int) -> tuple[str, list[tuple]]:
    """The initial text and the steps: ("apply", ops, origin, act), ("undo", act), ("redo", act)."""
    initial = _chars(rng, units)
    doc = TextDocument.from_text(initial, MAKERS[2], "import")
    steps: list[tuple] = []
    applied: list[str] = []
    undone: list[str] = []
    done = 0
    while done < ops:
        roll = rng.random()
        if roll < 0.02 and applied:
            act = applied.pop(rng.randrange(max(0, len(applied) - 50), len(applied)))
            doc.undo(act)
            undone.append(act)
            steps.append(("undo", act))
            done += 1
            continue
        if roll < 0.035 and undone:
            act = undone.pop(rng.randrange(len(undone)))
            doc.redo(act)
            applied.append(act)
            steps.append(("redo", act))
            done += 1
            continue
        burst = []
        length = len(doc)
        for _ in range(min(rng.choice((1, 1, 1, 2, 3, 4)), ops - done)):
            kind = rng.random()
            if kind < 0.5 or length < 50:
                text = _chars(rng, rng.randint(1, 3))
                burst.append(Insert(rng.randint(0, length), text))
                length += len(text)
            elif kind < 0.95:
                n = rng.randint(1, 3)
                burst.append(Delete(rng.randint(0, length - n), n))
                length -= n
            else:
                n, text = rng.randint(5, 40), _chars(rng, rng.randint(5, 40))
                burst.append(Replace(rng.randint(0, length - n), n, text))
                length += len(text) - n
        act = f"a{len(steps)}"
        origin = MAKERS[rng.randrange(3)]
        doc.apply(burst, origin, act)
        applied.append(act)
        steps.append(("apply", burst, origin, act))
        done += len(burst)
    return initial, steps


def prefix(steps: list[tuple], ops: int) -> list[tuple]:
    out, done = [], 0
    for step in steps:
        if done >= ops:
            break
        out.append(step)
        done += len(step[1]) if step[0] == "apply" else 1
    return out


def count_ops(steps: list[tuple]) -> int:
    return sum(len(s[1]) if s[0] == "apply" else 1 for s in steps)


def replay(doc: object, steps: list[tuple]) -> tuple[float, float, dict]:
    """Wall and CPU seconds to replay ``steps`` and count by origin, and the counts."""
    start, cpu = time.perf_counter(), time.process_time()
    for step in steps:
        if step[0] == "apply":
            doc.apply(step[1], step[2], step[3])
        elif step[0] == "undo":
            doc.undo(step[1])
        else:
            doc.redo(step[1])
    counts = doc.count_by_origin()
    return time.perf_counter() - start, time.process_time() - cpu, counts


class NaiveText:
    """The baseline: one flat list per field over every unit, the same undo rule (hide counts)."""

    def __init__(self, text: str, origin: UnitOrigin) -> None:
        self.serials: list[int] = []
        self.chars: list[str] = []
        self.mask = bytearray()
        self.hidden: list[int] = []
        self.origin_of: list[UnitOrigin] = []
        self.acts: dict[str, tuple[list[int], list[int]]] = {}
        self.apply([Insert(0, text)], origin, "import")

    def _index(self, pos: int) -> int:
        live = self.mask.count(1)
        if pos >= live:
            return len(self.mask)
        lo, hi = pos, len(self.mask) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self.mask.count(1, 0, mid + 1) > pos:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def apply(self, ops: list, origin: UnitOrigin, act: str) -> None:
        inserted, deleted = [], []
        for op in ops:
            if not isinstance(op, Insert):
                j, left = self._index(op.at), op.length
                while left:
                    if self.mask[j]:
                        self.mask[j] = 0
                        self.hidden[self.serials[j]] = 1
                        deleted.append(self.serials[j])
                        left -= 1
                    j += 1
            if not isinstance(op, Delete):
                j = self._index(op.at)
                for offset, char in enumerate(op.text):
                    serial = len(self.hidden)
                    self.serials.insert(j + offset, serial)
                    self.chars.insert(j + offset, char)
                    self.mask.insert(j + offset, 1)
                    self.hidden.append(0)
                    self.origin_of.append(origin)
                    inserted.append(serial)
        self.acts[act] = (inserted, deleted)

    def _shift(self, serials: list[int], delta: int) -> None:
        for serial in serials:
            self.hidden[serial] += delta
            self.mask[self.serials.index(serial)] = 1 if self.hidden[serial] == 0 else 0

    def undo(self, act: str) -> None:
        inserted, deleted = self.acts[act]
        self._shift(inserted, +1)
        self._shift(deleted, -1)

    def redo(self, act: str) -> None:
        inserted, deleted = self.acts[act]
        self._shift(deleted, +1)
        self._shift(inserted, -1)

    @property
    def text(self) -> str:
        return "".join(compress(self.chars, self.mask))

    def count_by_origin(self) -> dict[UnitOrigin, int]:
        return dict(Counter(o for o, h in zip(self.origin_of, self.hidden, strict=True) if h == 0))


def score_script(rng: random.Random, ops: int, notes: int) -> tuple[list[Note], list[tuple]]:
    initial = [
        Note(
            f"n{i}",
            rng.randint(36, 96),
            i * 0.25,
            rng.choice((0.25, 0.5, 1.0)),
            rng.randint(40, 110),
            rng.choice("SATB"),
        )
        for i in range(notes)
    ]
    score = Score.from_notes(initial, MAKERS[2], "import")
    steps: list[tuple] = []
    applied: list[str] = []
    undone: list[str] = []
    done, fresh = 0, notes
    while done < ops:
        roll = rng.random()
        if roll < 0.02 and applied:
            act = applied.pop(rng.randrange(max(0, len(applied) - 50), len(applied)))
            score.undo(act)
            undone.append(act)
            steps.append(("undo", act))
            done += 1
            continue
        if roll < 0.035 and undone:
            act = undone.pop(rng.randrange(len(undone)))
            score.redo(act)
            applied.append(act)
            steps.append(("redo", act))
            done += 1
            continue
        kind = rng.random()
        if kind < 0.35:
            op = AddNote(Note(f"n{fresh}", rng.randint(36, 96), rng.random() * notes / 4, 0.5))
            fresh += 1
        else:
            note_id = f"n{rng.randrange(fresh)}"
            while note_id not in score:
                note_id = f"n{rng.randrange(fresh)}"
            note = score.note(note_id)
            if kind < 0.6:
                op = RemoveNote(note.id)
            else:
                op = ChangeNote(note.id, pitch=(note.pitch + rng.choice((-2, -1, 1, 2))) % 128)
        act = f"s{len(steps)}"
        origin = MAKERS[rng.randrange(2)]
        score.apply([op], origin, act)
        applied.append(act)
        steps.append(("apply", [op], origin, act))
        done += 1
    return initial, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=100_000, help="operations in each run")
    parser.add_argument("--units", type=int, default=50_000, help="characters of the initial text")
    parser.add_argument("--notes", type=int, default=10_000, help="notes of the initial score")
    parser.add_argument(
        "--baseline-ops", type=int, default=10_000, help="prefix the baseline replays"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true", help="10,000 operations on 5,000 characters / 1,000 notes"
    )
    args = parser.parse_args()
    if args.quick:
        args.ops, args.units, args.notes, args.baseline_ops = 10_000, 5_000, 1_000, 2_000

    rng = random.Random(args.seed)
    initial, steps = text_script(rng, args.ops, args.units)
    undos = sum(s[0] == "undo" for s in steps)
    redos = sum(s[0] == "redo" for s in steps)
    acts = sum(s[0] == "apply" for s in steps)

    doc = TextDocument.from_text(initial, MAKERS[2], "import")
    wall, cpu, counts = replay(doc, steps)
    print(
        f"text: {count_ops(steps):,} operations ({acts:,} acts, {undos:,} undos, {redos:,} redos) "
        f"on {args.units:,} characters -> {len(doc):,} live characters of "
        f"{len(doc.units(include_deleted=True)):,} units; {len(counts)} origins, "
        f"{sum(counts.values()):,} characters counted"
    )
    print(
        f"  chunked, all operations: {wall:.3f} s wall, {cpu:.3f} s CPU (apply + count_by_origin; target < 2 s)"
    )

    head = prefix(steps, args.baseline_ops)
    fast = TextDocument.from_text(initial, MAKERS[2], "import")
    fast_wall, _, fast_counts = replay(fast, head)
    naive = NaiveText(initial, MAKERS[2])
    naive_wall, _, naive_counts = replay(naive, head)
    assert naive.text == fast.text and naive_counts == fast_counts, "the baseline disagrees"
    print(
        f"  first {count_ops(head):,} operations: chunked {fast_wall:.3f} s, naive list of units "
        f"{naive_wall:.3f} s -> chunked {naive_wall / fast_wall:.1f}x faster (same text and counts)"
    )

    rng = random.Random(args.seed)
    notes, score_steps = score_script(rng, args.ops, args.notes)
    score = Score.from_notes(notes, MAKERS[2], "import")
    wall, cpu, counts = replay(score, score_steps)
    print(
        f"score: {count_ops(score_steps):,} operations on {args.notes:,} notes -> {len(score):,} notes "
        f"({sum(counts.values()):,} counted, {len(counts)} origins): {wall:.3f} s wall, {cpu:.3f} s CPU"
    )


if __name__ == "__main__":
    main()
