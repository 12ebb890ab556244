"""A person's taste over a lifetime of works, kept compact beside the ledger.

A taste model for a new work starts from what the person taught in their
earlier works of the domain (their taste so far is the prior of the next
work). Reading that from the ledger means reading every earlier work's events,
decoding every genome they hold, and fitting on all of it: with 200 earlier
works a first round took 11.6 s and a first look at the taste 41 s. A
:class:`TasteMemory` keeps, per (person, domain), only what a taste model is
fitted on, and only as much of it as a round uses:

* the person's *lessons* (what each judgment or edit taught:
  :class:`~cocreate.attunement.feedback.Lesson`) with the features of the
  artifacts they name, and no genomes or content;
* of those, the latest :data:`PRIOR_LESSONS` of the earlier works enter a
  round's :class:`~cocreate.attunement.feedback.Feedback` (the current work's
  all do), so a fit costs the same after 10 works as after 200. To give that
  for whichever work is current, the memory holds the latest ``2 ×``
  :data:`PRIOR_LESSONS` lessons, at most :data:`PRIOR_LESSONS` of any one work
  (the latest K of all works but one are always among them);
* per work the person created, its rounds for the attunement curve
  (:func:`~cocreate.attunement.report.attunement_rows`);
* per work, the ledger position it was read through.

It is brought up to date from an :class:`~cocreate.activity.ActivityIndex`:
only works with a judgment, an edit or an undo after the position they were
read through are read again, and only works the person taught in after
their latest taste reset. The memory is kept as derived state beside the
ledger (:meth:`Storage.put_derived <cocreate.storage.base.Storage.put_derived>`),
so a new process starts from it; a copy that is missing, unreadable or of
another format is rebuilt from the ledger, which stays the source of truth,
and the rebuilt memory gives the same feedback as one kept up to date round by
round (the lessons it holds are a function of the ledger alone).
"""

from __future__ import annotations

import hashlib
import heapq
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from .feedback import Comparison, Feedback, Lesson, Rating, add, lessons_of, usable
from .report import attunement_curve, attunement_rows

if TYPE_CHECKING:
    from ..activity import ActivityIndex
    from ..state import WorkState
    from ..storage import Storage

__all__ = ["FORMAT", "PRIOR_LESSONS", "TasteMemory"]

#: Lessons of earlier works in a round's feedback (the latest ones): the current work's prior.
#: About three works of 50 judgments; a fit on them takes about 0.05 s (images, one thread).
PRIOR_LESSONS = 150
#: The version of what is kept beside the ledger (another version is rebuilt).
FORMAT = 1

#: Reads a work's state: ``fold(work_id)``.
Fold = Callable[[str], "WorkState"]


def derived_key(person: str, domain: str) -> str:
    """The key of a person's memory in a domain (a digest: ids may be long)."""
    digest = hashlib.sha256(f"{person}\x00{domain}".encode()).hexdigest()[:40]
    return f"taste-memory/{FORMAT}/{digest}"


class TasteMemory:
    """What ``person`` taught in ``domain``, compact and kept up to date (see the module docstring).

    Parameters
    ----------
    person, domain:
        Whose taste, and where.
    prior_lessons:
        How many lessons of earlier works a feedback carries (:data:`PRIOR_LESSONS`).

    Attributes
    ----------
    seq : the ledger position the memory is up to date with.
    reset : the position of the person's latest taste reset in the domain (0: none).
    rebuilt : how often it was built from the ledger in this process (0: kept round by round).
    works_read : how often it read each work from the ledger in this process.
    """

    def __init__(self, person: str, domain: str, *, prior_lessons: int = PRIOR_LESSONS) -> None:
        self.person = person
        self.domain = domain
        self.prior_lessons = int(prior_lessons)
        self.seq = 0
        self.reset = 0
        self.rebuilt = 0
        self.works_read: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._kept = -1  # the seq of the copy beside the ledger
        self._clear()
        self._rows: dict[str, tuple[int, list[dict[str, Any]]]] = {}  # work -> (read through, rows)

    def _clear(self) -> None:
        self._read: dict[str, int] = {}  # work -> the seq it was read through (lessons)
        self._lessons: dict[str, list[Lesson]] = {}  # work -> its lessons held, oldest first
        self._features: dict[str, np.ndarray] = {}
        self._complete = True  # nothing was ever left out for lack of room

    # -- keeping up to date -----------------------------------------------------------------
    def refresh(self, index: ActivityIndex, fold: Fold) -> bool:
        """Read what changed since :attr:`seq`; return whether the memory changed.

        ``fold(work_id)`` reads a work's state; each work that changed is read
        once.
        """
        with self._lock:
            reset = index.reset_seq(self.person, self.domain)
            if reset != self.reset:
                self.reset = reset
                self._clear()
            taught = [
                w
                for w in index.works_taught(self.person, self.domain)
                if index.touched_seq(w) > self._read.get(w, 0)
            ]
            created = [
                w
                for w in index.works_created(self.person, self.domain, judged=True)
                if index.touched_seq(w) > self._rows.get(w, (0, []))[0]
            ]
            news: dict[str, tuple[list[Lesson], dict[str, np.ndarray], int]] = {}
            for w in dict.fromkeys(taught + created):
                teaches = w in taught and index.taught_seq(self.person, w) > self.reset
                if not teaches and w not in created:
                    news[w] = ([], {}, index.touched_seq(w))  # nothing since the reset
                    continue
                state = fold(w)
                self.works_read[w] += 1
                if w in taught:
                    lessons, features = usable(lessons_of(state, self.person, self.reset), state)
                    news[w] = (_cap(lessons, self.prior_lessons), features, state.last_seq)
                if w in created:
                    self._rows[w] = (state.last_seq, attunement_rows(state))
            if news:
                self._update(news, index, fold)
            self.seq = index.seq
            return bool(news or created)

    def _update(
        self,
        news: dict[str, tuple[list[Lesson], dict[str, np.ndarray], int]],
        index: ActivityIndex,
        fold: Fold,
    ) -> None:
        """Hold the latest lessons of the works read anew and of those held before."""
        held = {w: ls for w, ls in self._lessons.items() if w not in news}
        for w, (lessons, _, _) in news.items():
            if lessons:
                held[w] = lessons
        room = 2 * self.prior_lessons
        kept = _latest(held, room)
        if not self._complete:
            # lessons left out before were older than every one held: they stay out only if
            # the held ones are still as many and as recent
            cutoff = min((x.seq for ls in self._lessons.values() for x in ls), default=0)
            seqs = [x.seq for ls in kept.values() for x in ls]
            if len(seqs) < room or min(seqs) < cutoff:
                self._rebuild(index, fold)
                return
        self._complete = self._complete and sum(map(len, held.values())) <= room
        features = dict(self._features)
        for _, feats, _ in news.values():
            features.update(feats)
        self._lessons = kept
        self._features = _named(kept, features)
        for w, (_, _, seq) in news.items():
            self._read[w] = seq

    def _rebuild(self, index: ActivityIndex, fold: Fold) -> None:
        """Read again every work the person taught in since the reset."""
        self.rebuilt += 1
        self._clear()
        news = {}
        for w in index.works_taught(self.person, self.domain):
            if index.taught_seq(self.person, w) <= self.reset:
                news[w] = ([], {}, index.touched_seq(w))
                continue
            state = fold(w)
            self.works_read[w] += 1
            lessons, features = usable(lessons_of(state, self.person, self.reset), state)
            news[w] = (_cap(lessons, self.prior_lessons), features, state.last_seq)
        self._update(news, index, fold)

    # -- what a round and a look at the taste read -------------------------------------------
    def feedback(self, work_id: str = "", current: WorkState | None = None) -> Feedback:
        """The feedback a fit in ``work_id`` reads: the latest lessons of earlier works, then all
        of the current work's (from ``current``, its state)."""
        with self._lock:
            earlier = [ls for w, ls in self._lessons.items() if w != work_id]
            prior = sorted(
                heapq.nlargest(self.prior_lessons, (x for ls in earlier for x in ls), key=_seq),
                key=_seq,
            )
            fb = Feedback(work_id=work_id, domain=self.domain)
            add(fb, prior, self._features)
        if current is not None and work_id:
            lessons, features = usable(lessons_of(current, self.person, self.reset), current)
            add(fb, lessons, features)
        return fb

    def attunement(self, created: Iterable[str]) -> dict[str, Any]:
        """The attunement curve over the works ``created`` (oldest first)."""
        with self._lock:
            rows = [r for w in created for r in self._rows.get(w, (0, []))[1]]
        return attunement_curve((), rows)

    def lessons_held(self) -> int:
        with self._lock:
            return sum(map(len, self._lessons.values()))

    # -- beside the ledger --------------------------------------------------------------------
    def key(self) -> str:
        return derived_key(self.person, self.domain)

    def keep(self, storage: Storage) -> None:
        """Keep the memory beside the ledger (unless that copy is already this one)."""
        with self._lock:
            if self._kept == self.seq:
                return
            value = self._encode()
            seq = self.seq
        storage.put_derived(self.key(), seq, value)
        self._kept = seq

    @classmethod
    def load(
        cls, storage: Storage, person: str, domain: str, *, prior_lessons: int = PRIOR_LESSONS
    ) -> TasteMemory:
        """The memory kept beside the ledger, or an empty one when there is none to read."""
        memory = cls(person, domain, prior_lessons=prior_lessons)
        got = storage.get_derived(memory.key())
        if got is not None:
            try:
                memory._decode(got[1])
                memory.seq = memory._kept = got[0]
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, IndexError):
                memory = cls(person, domain, prior_lessons=prior_lessons)  # rebuilt from the ledger
        return memory

    def _encode(self) -> bytes:
        ids = list(self._features)
        flat = (
            np.concatenate([self._features[i].ravel() for i in ids])
            if ids
            else np.empty(0, dtype=float)
        )
        head = {
            "format": FORMAT,
            "person": self.person,
            "domain": self.domain,
            "prior_lessons": self.prior_lessons,
            "reset": self.reset,
            "complete": self._complete,
            "read": self._read,
            "lessons": {w: [_lesson_row(x) for x in ls] for w, ls in self._lessons.items()},
            "features": [[i, int(np.size(self._features[i]))] for i in ids],
            "rows": {w: [seq, rows] for w, (seq, rows) in self._rows.items()},
        }
        raw = orjson.dumps(head)
        return len(raw).to_bytes(8, "big") + raw + np.ascontiguousarray(flat, "<f8").tobytes()

    def _decode(self, value: bytes) -> None:
        n = int.from_bytes(value[:8], "big")
        head = orjson.loads(value[8 : 8 + n])
        if (head["format"], head["person"], head["domain"], head["prior_lessons"]) != (
            FORMAT,
            self.person,
            self.domain,
            self.prior_lessons,
        ):
            raise ValueError("a memory of another format, person, domain or size")
        flat = np.frombuffer(value[8 + n :], dtype="<f8")
        features: dict[str, np.ndarray] = {}
        at = 0
        for i, size in head["features"]:
            features[str(i)] = flat[at : at + int(size)].astype(float)
            at += int(size)
        if at != len(flat):
            raise ValueError("the features do not add up")
        lessons = {
            str(w): [_lesson_from(str(w), row) for row in rows]
            for w, rows in head["lessons"].items()
        }
        if any(i not in features for ls in lessons.values() for x in ls for i in _names(x)):
            raise ValueError("a lesson names an artifact without features")
        self.reset = int(head["reset"])
        self._complete = bool(head["complete"])
        self._read = {str(w): int(s) for w, s in head["read"].items()}
        self._lessons = lessons
        self._features = features
        self._rows = {str(w): (int(seq), list(rows)) for w, (seq, rows) in head["rows"].items()}


def _seq(lesson: Lesson) -> int:
    return lesson.seq


def _cap(lessons: list[Lesson], k: int) -> list[Lesson]:
    """A work's ``k`` latest lessons, in their order."""
    if len(lessons) <= k:
        return lessons
    cut = sorted(x.seq for x in lessons)[-k]
    return [x for x in lessons if x.seq >= cut]


def _latest(lessons: dict[str, list[Lesson]], k: int) -> dict[str, list[Lesson]]:
    """The ``k`` latest lessons of all works, each work's in their order (works oldest first)."""
    every = [(x.seq, w, x) for w, ls in lessons.items() for x in ls]
    chosen = {id(x) for _, _, x in heapq.nlargest(k, every, key=lambda t: t[0])}
    out: dict[str, list[Lesson]] = {}
    for w in sorted(lessons, key=lambda w: min(x.seq for x in lessons[w])):
        kept = [x for x in lessons[w] if id(x) in chosen]
        if kept:
            out[w] = kept
    return out


def _names(lesson: Lesson) -> list[str]:
    return [i for c in lesson.comparisons for i in (c.winner, c.loser)] + [
        r.artifact for r in lesson.ratings
    ]


def _named(lessons: dict[str, list[Lesson]], features: dict[str, np.ndarray]) -> dict:
    """The features the lessons name, in order of first mention."""
    out: dict[str, np.ndarray] = {}
    for ls in lessons.values():
        for x in ls:
            for i in _names(x):
                if i not in out:
                    out[i] = features[i]
    return out


def _lesson_row(lesson: Lesson) -> list[Any]:
    return [
        lesson.seq,
        [[c.winner, c.loser, c.weight, c.source] for c in lesson.comparisons],
        [[r.artifact, r.value] for r in lesson.ratings],
    ]


def _lesson_from(work_id: str, row: list[Any]) -> Lesson:
    seq, comps, ratings = row
    return Lesson(
        int(seq),
        tuple(Comparison(str(a), str(b), float(w), work_id, str(s)) for a, b, w, s in comps),
        tuple(Rating(str(a), float(v), work_id) for a, v in ratings),
    )
