"""Voice-leading checks: what the quality benchmark counts, and what the generator avoids.

* **parallels** — consecutive fifths or octaves (unisons included) between two
  voices that both move, counted on the union of all voices' onsets; the rate
  is over *moving voice pairs* (both voices change pitch between two onsets);
* **ranges** — notes inside each voice's usual range (:data:`.theory.USUAL_RANGES`);
* **crossings** — instants where a lower voice sounds above a higher one;
* **non-chord tones** — notes that begin off the beat, or whose pitch is not in
  the chord the beat's notes spell.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .theory import USUAL_RANGES, VOICES, Metre, chord_label

Notes = Sequence[Sequence[Any]]


def _index(notes: Notes) -> tuple[list[float], list[Sequence[Any]]]:
    ordered = sorted(notes, key=lambda n: n[1])
    return [float(n[1]) for n in ordered], ordered


def _at(index: tuple[list[float], list[Sequence[Any]]], t: float) -> Sequence[Any] | None:
    onsets, notes = index
    k = bisect.bisect_right(onsets, t + 1e-9) - 1
    if k < 0:
        return None
    n = notes[k]
    return n if n[1] <= t + 1e-9 < n[1] + n[2] - 1e-9 else None


@dataclass
class Parallel:
    upper: str
    lower: str
    before: float
    after: float
    interval: str  # "fifth" or "octave"


@dataclass
class Report:
    """Counts over one or more phrases (they add up)."""

    parallels: int = 0
    fifths: int = 0
    octaves: int = 0
    moving_pairs: int = 0
    notes: int = 0
    in_range: int = 0
    crossings: int = 0
    instants: int = 0
    non_chord: int = 0
    events: list[Parallel] = field(default_factory=list)

    def add(self, other: Report) -> Report:
        for name in (
            "parallels",
            "fifths",
            "octaves",
            "moving_pairs",
            "notes",
            "in_range",
            "crossings",
            "instants",
            "non_chord",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def parallel_rate(self) -> float:
        return self.parallels / self.moving_pairs if self.moving_pairs else 0.0

    @property
    def range_share(self) -> float:
        return self.in_range / self.notes if self.notes else 1.0

    @property
    def crossing_rate(self) -> float:
        return self.crossings / self.instants if self.instants else 0.0

    @property
    def non_chord_share(self) -> float:
        return self.non_chord / self.notes if self.notes else 0.0


def parallels(voices: Mapping[str, Notes]) -> tuple[list[Parallel], int]:
    """Consecutive fifths and octaves, and the number of moving voice pairs."""
    names = [v for v in VOICES if v in voices] + [v for v in voices if v not in VOICES]
    idx = {v: _index(voices[v]) for v in names}
    times = sorted({round(float(n[1]) * 48) / 48 for v in names for n in voices[v]})
    found: list[Parallel] = []
    moving = 0
    prev = {v: _at(idx[v], times[0]) for v in names} if times else {}
    for t0, t1 in itertools.pairwise(times):
        cur = {v: _at(idx[v], t1) for v in names}
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                a0, a1, b0, b1 = prev[a], cur[a], prev[b], cur[b]
                if a0 is None or a1 is None or b0 is None or b1 is None:
                    continue
                if a0[0] == a1[0] or b0[0] == b1[0]:
                    continue
                moving += 1
                i0 = abs(a0[0] - b0[0]) % 12
                i1 = abs(a1[0] - b1[0]) % 12
                if i0 == i1 and i0 in (0, 7):
                    found.append(Parallel(a, b, t0, t1, "octave" if i0 == 0 else "fifth"))
        prev = cur
    return found, moving


def check(voices: Mapping[str, Notes], metre: Metre, tonic: int = 0) -> Report:
    """The report of one phrase (see the module docstring)."""
    r = Report()
    events, moving = parallels(voices)
    r.events = events
    r.parallels = len(events)
    r.fifths = sum(e.interval == "fifth" for e in events)
    r.octaves = r.parallels - r.fifths
    r.moving_pairs = moving
    for v, notes in voices.items():
        lo, hi = USUAL_RANGES.get(v, (0, 127))
        r.notes += len(notes)
        r.in_range += sum(lo <= n[0] <= hi for n in notes)
    names = [v for v in VOICES if v in voices]
    idx = {v: _index(voices[v]) for v in voices}
    times = sorted({round(float(n[1]) * 48) / 48 for ns in voices.values() for n in ns})
    beats = set()
    bar = metre.bar
    for t in times:
        pos = t % bar
        if any(abs(pos - b) < 1e-6 for b in metre.beats):
            beats.add(t)
    for t in times:
        here = {v: _at(idx[v], t) for v in names}
        ps = [here[v][0] for v in names if here[v] is not None]  # type: ignore[index]
        if len(ps) >= 2:
            r.instants += 1
            r.crossings += any(a < b for a, b in itertools.pairwise(ps))
    # non-chord tones: off-beat onsets, or pitches outside the beat's chord
    for notes in voices.values():
        for n in notes:
            t = round(float(n[1]) * 48) / 48
            if t not in beats:
                r.non_chord += 1
                continue
            ps = [m[0] for w in voices if (m := _at(idx[w], t)) is not None]
            label = chord_label(ps, tonic, bass=min(ps)) if len(ps) >= 2 else None
            if label is None:
                continue
            from .theory import chord_pcs

            if (n[0] - tonic) % 12 not in {(p - tonic) % 12 for p in chord_pcs(label, tonic)}:
                r.non_chord += 1
    return r
