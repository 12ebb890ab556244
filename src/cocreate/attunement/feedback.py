"""What each judgment teaches: a person's judgments as preferences between artifacts.

* choose one of N: the pick beats each other artifact shown;
* best/worst of N: the best beats every other, every other beats the worst;
* compare: the winner beats the loser;
* reject: every artifact of its round that was not rejected beats it (weight ½);
* rate: a rating, 1 to 5 stars;
* edit: the edited version beats its original;
* skip and note: nothing.

Undone judgments and edits teach nothing. One act's preferences are a
:class:`Lesson`; a :class:`Feedback` is everything a person taught in a
domain, with the features of the artifacts it names (no genomes, no content),
which is all a taste model is fitted on. This module is pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..model import EventKind, JudgmentKind

if TYPE_CHECKING:
    from ..state import WorkState

__all__ = [
    "Comparison",
    "Feedback",
    "Lesson",
    "Rating",
    "comparisons_of",
    "feedback_from_states",
    "lessons_of",
]


@dataclass(frozen=True)
class Comparison:
    """One preference read from a judgment: ``winner`` over ``loser``."""

    winner: str
    loser: str
    weight: float
    work_id: str
    source: str  # the judgment kind or "edit"


@dataclass(frozen=True)
class Rating:
    artifact: str
    value: float  # 1..5 stars
    work_id: str


@dataclass
class Feedback:
    """Everything a creator has taught about their taste in one domain.

    Preferences come from the creator's works in the domain: the current
    work's (``work_id``) in full, and the latest of their earlier works'
    (their taste so far, the prior for this work; see
    :mod:`cocreate.attunement.lifetime`).
    """

    work_id: str
    features: dict[str, np.ndarray] = field(default_factory=dict)
    comparisons: list[Comparison] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    domain: str = ""  # the domain these judgments are about ("" when unknown)

    def __len__(self) -> int:
        return len(self.comparisons) + len(self.ratings)


@dataclass(frozen=True)
class Lesson:
    """What one act (a judgment or an edit, ledger position ``seq``) taught."""

    seq: int
    comparisons: tuple[Comparison, ...] = ()
    ratings: tuple[Rating, ...] = ()


def lessons_of(state: WorkState, creator: str, after_seq: int = 0) -> list[Lesson]:
    """What ``creator`` taught in one work, act by act (acts after ``after_seq``).

    The judgments first, in the order they were made, then the edits; an act
    that teaches nothing (a skip, a note, an undone act) has no lesson.
    """
    out: list[Lesson] = []
    w = state.work_id
    rejected = state.rejected()
    for j in state.active_judgments():
        act = state.acts.get(j.id)
        if j.actor != creator or act is None or act.seq <= after_seq or j.artifact is None:
            continue
        comps: list[Comparison] = []
        ratings: list[Rating] = []
        if j.kind is JudgmentKind.CHOOSE:
            comps = [
                Comparison(j.artifact, o, 1.0, w, "choose") for o in j.among if o != j.artifact
            ]
        elif j.kind is JudgmentKind.RANK and j.other:
            middle = [o for o in j.among if o not in (j.artifact, j.other)]
            comps.append(Comparison(j.artifact, j.other, 1.0, w, "rank"))
            comps += [Comparison(j.artifact, o, 1.0, w, "rank") for o in middle]
            comps += [Comparison(o, j.other, 1.0, w, "rank") for o in middle]
        elif j.kind is JudgmentKind.COMPARE and j.other:
            comps.append(Comparison(j.artifact, j.other, 1.0, w, "compare"))
        elif j.kind is JudgmentKind.REJECT:
            others = [o for o in j.among if o != j.artifact and o not in rejected]
            comps = [Comparison(o, j.artifact, 0.5, w, "reject") for o in others]
        elif j.kind is JudgmentKind.RATE and j.rating is not None:
            ratings.append(Rating(j.artifact, float(j.rating), w))
        if comps or ratings:
            out.append(Lesson(act.seq, tuple(comps), tuple(ratings)))
    for act in state.acts.values():
        if act.kind != EventKind.ARTIFACT_EDITED or act.undone_by or act.actor != creator:
            continue
        if act.seq <= after_seq or act.subject is None:
            continue
        edited = state.artifacts[act.subject]
        if edited.get("parents"):
            edit = Comparison(edited["id"], edited["parents"][0], 1.0, w, "edit")
            out.append(Lesson(act.seq, (edit,)))
    return out


def comparisons_of(
    state: WorkState, creator: str, after_seq: int = 0
) -> tuple[list[Comparison], list[Rating]]:
    """The preferences ``creator`` expressed in one work (acts after ``after_seq``)."""
    comps: list[Comparison] = []
    ratings: list[Rating] = []
    for lesson in lessons_of(state, creator, after_seq):
        comps += lesson.comparisons
        ratings += lesson.ratings
    return comps, ratings


def usable(
    lessons: Iterable[Lesson], state: WorkState
) -> tuple[list[Lesson], dict[str, np.ndarray]]:
    """The lessons with only what has features, and those features (in order of mention)."""
    features: dict[str, np.ndarray] = {}
    for lesson in lessons:
        for c in lesson.comparisons:
            for i in (c.winner, c.loser):
                _feature(state, i, features)
        for r in lesson.ratings:
            _feature(state, r.artifact, features)
    out = []
    for lesson in lessons:
        comps = tuple(c for c in lesson.comparisons if c.winner in features and c.loser in features)
        ratings = tuple(r for r in lesson.ratings if r.artifact in features)
        if comps or ratings:
            out.append(Lesson(lesson.seq, comps, ratings))
    return out, features


def _feature(state: WorkState, artifact: str, into: dict[str, np.ndarray]) -> None:
    if artifact not in into:
        f = state.artifacts.get(artifact, {}).get("features")
        if f:
            into[artifact] = np.asarray(f, dtype=float)


def feedback_from_states(
    states: Iterable[WorkState], creator: str, work_id: str, after_seq: int = 0, domain: str = ""
) -> Feedback:
    """All of ``creator``'s preferences across ``states``, with the features they need."""
    fb = Feedback(work_id=work_id, domain=domain)
    for s in states:
        lessons, features = usable(lessons_of(s, creator, after_seq), s)
        add(fb, lessons, features)
    return fb


def add(fb: Feedback, lessons: Iterable[Lesson], features: dict[str, np.ndarray]) -> None:
    """Append ``lessons`` to ``fb`` with the features they name."""
    for lesson in lessons:
        fb.comparisons += lesson.comparisons
        fb.ratings += lesson.ratings
        for c in lesson.comparisons:
            fb.features.setdefault(c.winner, features[c.winner])
            fb.features.setdefault(c.loser, features[c.loser])
        for r in lesson.ratings:
            fb.features.setdefault(r.artifact, features[r.artifact])
