"""Harmonising a melody: chords on beats from the learned model, then the voices under it.

Two steps, both over the beats of the phrase (a beat is where a chord may
change: each quarter of 3/4, each dotted quarter of 6/8, each group of 7/8):

1. **Chords** — a hidden Markov model whose states are the style model's chord
   labels: transitions and phrase starts from the chorales, each beat's
   soprano pitch (and, weaker, the melody notes between beats) as the
   observation, and the chorales' cadence chords where a phrase ends. Chords
   are *sampled* from the posterior (forward filtering, backward sampling) at
   a temperature set by the surprise dial, so nine harmonisations of one
   melody differ, more boldly as the surprise rises.
2. **Voicing** — a dynamic programme over every spacing of the chord's tones
   in the alto, tenor and bass ranges: each voicing costs its inversion (as
   often as the chorales use it) and doubling, each move between beats costs
   how rarely the chorales move that voice so far, and consecutive fifths and
   octaves, overlaps, unresolved leading notes and sevenths cost a lot. The
   cheapest path wins (with a little noise for variety).

Voices or beats that are *fixed* (kept from the parent, or the person's
melody) take part as they are: they constrain the chords and the costs but
never change. The melody is never changed.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from .model import HarmonyModel, StyleModel, sounding
from .theory import CHORD_QUALITIES, RANGES, VOICES, Key, Metre, chord_label, parse_label

_ORDER = {v: i for i, v in enumerate(VOICES)}
_PAIRS = tuple(itertools.combinations(range(4), 2))
PARALLEL = 60.0
"""The cost of consecutive fifths or octaves between two voices (all but forbidden)."""
KEEP = 40
"""Voicings of a beat the search weighs moves between (the cheapest on their own)."""
AVOID = 1.5
"""The cost of giving a voice being made again the pitch it had (so a new take differs)."""


@dataclass
class Beat:
    """One beat of the phrase: where it is, what the melody does, what is fixed."""

    t: float
    length: float
    soprano: int | None
    passing: tuple[int, ...] = ()
    fixed: dict[str, int | None] = field(default_factory=dict)
    chord: str | None = None  # a fixed chord label (kept)
    cadence: str = ""  # "", "end" (a phrase's end) or "final"
    rest: bool = False
    avoid: dict[str, int] = field(default_factory=dict)  # pitches a regeneration moves off


def beat_grid(metre: Metre, start: float, end: float) -> list[tuple[float, float]]:
    """(onset, length) of every beat in [start, end)."""
    out = []
    bar = np.floor(start / metre.bar + 1e-9) * metre.bar
    beats = metre.beats
    while bar < end - 1e-9:
        for k, b in enumerate(beats):
            t = bar + b
            nxt = bar + (beats[k + 1] if k + 1 < len(beats) else metre.bar)
            if start - 1e-9 <= t < end - 1e-9:
                out.append((float(t), float(min(nxt, end) - t)))
        bar += metre.bar
    return out


def melody_beats(
    melody: Sequence[Sequence[Any]], metre: Metre, start: float, end: float
) -> list[Beat]:
    """The beats of [start, end) with the melody's pitch at each and the notes in between."""
    out = []
    for t, length in beat_grid(metre, start, end):
        n = sounding(list(melody), t)
        passing = tuple(int(m[0]) for m in melody if t + 1e-9 < m[1] < t + length - 1e-9)
        out.append(Beat(t, length, None if n is None else int(n[0]), passing, rest=n is None))
    return out


# -- chords ------------------------------------------------------------------------------
def sample_chords(
    harmony: HarmonyModel,
    key: Key,
    beats: Sequence[Beat],
    rng: np.random.Generator,
    temperature: float,
    *,
    before: str | None = None,
    after: str | None = None,
    phrase_start: bool = True,
    first: bool = False,
) -> list[str]:
    """A chord label for every beat (fixed ones kept), sampled from the HMM's posterior."""
    a = harmony.arrays()
    vocab, ix = a["vocab"], a["index"]
    v = len(vocab)
    tau = max(0.05, float(temperature))
    logT = np.log(a["transitions"]) / tau
    em = np.log(a["emission"])
    tones = a["tones"]
    n = len(beats)
    logE = np.zeros((n, v))
    for k, b in enumerate(beats):
        if b.chord is not None:
            row = np.full(v, -1e9)
            if b.chord in ix:
                row[ix[b.chord]] = 0.0
            else:
                row = _nearest(b.chord, vocab)
            logE[k] = row
            continue
        if b.soprano is not None:
            logE[k] += em[:, (b.soprano - key.tonic) % 12] * (0.7 if k and _held(beats, k) else 1.0)
        for p in b.passing:
            logE[k] += 0.25 * em[:, (p - key.tonic) % 12]
        for voice, p in b.fixed.items():
            if p is not None and voice != "soprano":
                logE[k] += np.where(tones[:, (p - key.tonic) % 12], 0.0, -4.0)
        if b.cadence == "final":
            logE[k] += 1.5 * np.log(a["finals"])
        elif b.cadence == "end":
            logE[k] += np.log(a["ends"])
        logE[k] /= tau
    # forward
    alpha = np.zeros((n, v))
    if before is not None and before in ix:
        start = logT[ix[before]]
    elif first:
        start = np.log(a["firsts"]) / tau
    elif phrase_start:
        start = np.log(a["starts"]) / tau
    else:
        start = np.log(a["unigram"]) / tau
    alpha[0] = start + logE[0]
    for k in range(1, n):
        m = alpha[k - 1][:, None] + logT
        top = m.max(axis=0)
        alpha[k] = top + np.log(np.exp(m - top).sum(axis=0)) + logE[k]
    last = alpha[-1].copy()
    if after is not None and after in ix:
        last += logT[:, ix[after]]
    # backward sampling
    out = [0] * n
    out[-1] = _draw(last, rng)
    for k in range(n - 2, -1, -1):
        out[k] = _draw(alpha[k] + logT[:, out[k + 1]], rng)
    return [b.chord if b.chord is not None else vocab[i] for b, i in zip(beats, out, strict=True)]


def _held(beats: Sequence[Beat], k: int) -> bool:
    return beats[k].soprano == beats[k - 1].soprano and not beats[k - 1].passing


def _nearest(label: str, vocab: Sequence[str]) -> np.ndarray:
    want = set(_pcs(label))
    scores = np.array([len(want & set(_pcs(c))) - 0.1 * len(set(_pcs(c)) - want) for c in vocab])
    row = np.full(len(vocab), -1e9)
    row[int(np.argmax(scores))] = 0.0
    return row


def _draw(logits: np.ndarray, rng: np.random.Generator) -> int:
    z = logits - logits.max()
    p = np.exp(z)
    p /= p.sum()
    return int(rng.choice(len(p), p=p))


@lru_cache(maxsize=512)
def _pcs(label: str) -> tuple[int, ...]:
    root, quality = parse_label(label)
    return tuple((root + i) % 12 for i in CHORD_QUALITIES[quality])


# -- voicing -----------------------------------------------------------------------------
@dataclass(frozen=True)
class VoicingRules:
    """Where each voice may go (MIDI ranges) and how wide the spacing may be."""

    bounds: tuple[tuple[str, int, int], ...] = tuple((v, lo, hi) for v, (lo, hi) in RANGES.items())
    upper_spacing: int = 12  # soprano–alto and alto–tenor at most an octave apart
    lower_spacing: int = 19  # tenor–bass at most a twelfth

    @property
    def ranges(self) -> dict[str, tuple[int, int]]:
        return {v: (lo, hi) for v, lo, hi in self.bounds}

    def widened(self, soprano_low: int) -> VoicingRules:
        """Ranges let down under a low melody (a folk tune in G3–D5 still gets three voices)."""
        shift = max(0, RANGES["soprano"][0] + 2 - soprano_low)
        if not shift:
            return self
        bounds = []
        for v, lo, hi in self.bounds:
            lo = lo - min(shift, 7)
            bounds.append((v, max(33, lo) if v == "bass" else lo, hi))
        return VoicingRules(tuple(bounds), self.upper_spacing, self.lower_spacing + 2)


class Voicer:
    """Chooses the alto, tenor and bass notes under fixed soprano notes and chords."""

    def __init__(self, harmony: HarmonyModel, key: Key, rules: VoicingRules | None = None):
        self.h = harmony.arrays()
        self.key = key
        self.rules = rules or VoicingRules()
        self.motion_cost = {
            v: -np.log(self.h["motion"][v]) + np.log(self.h["motion"][v].max()) for v in VOICES
        }
        leading = (key.tonic + 11) % 12
        self.leading = leading

    def candidates(
        self, label: str, soprano: int | None, fixed: Mapping[str, int | None], final: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        return _candidates(
            label,
            self.key.tonic,
            soprano,
            tuple(sorted((k, v) for k, v in fixed.items() if k != "soprano")),
            final,
            self.rules,
            id(self.h),
            _Inv(self.h["inversions"]),
        )

    def voice(
        self,
        beats: Sequence[Beat],
        chords: Sequence[str],
        rng: np.random.Generator,
        noise: float,
        *,
        before: Sequence[int | None] | None = None,
        after: Sequence[int | None] | None = None,
    ) -> list[tuple[int | None, ...]]:
        """(soprano, alto, tenor, bass) per beat; ``before``/``after`` are the fixed voicings
        just outside, whose moves in and out are costed too."""
        n = len(beats)
        cands: list[np.ndarray] = []
        costs: list[np.ndarray] = []
        for b, c in zip(beats, chords, strict=True):
            if b.rest:
                cands.append(np.full((1, 4), -1, dtype=int))
                costs.append(np.zeros(1))
                continue
            fixed = {v: p for v, p in b.fixed.items()}
            C, s = self.candidates(c, b.soprano, fixed, b.cadence == "final")
            s = s + (rng.normal(0.0, noise, len(s)) if noise > 0 else 0.0)
            for v, p in b.avoid.items():
                s = s + AVOID * (C[:, _ORDER[v]] == p)
            if len(s) > KEEP:  # only the cheapest voicings go on to the moves between beats
                best = np.argpartition(s, KEEP)[:KEEP]
                C, s = C[best], s[best]
            cands.append(C)
            costs.append(s)
        total = costs[0].copy()
        if before is not None and cands[0][0, 0] >= 0 and all(x is not None for x in before):
            total += self._moves(np.array([before]), cands[0], chords[0], chords[0])[0]
        back: list[np.ndarray] = []
        for k in range(1, n):
            P, C = cands[k - 1], cands[k]
            if P[0, 0] < 0 or C[0, 0] < 0:  # a rest in between: no moves to cost
                m = np.zeros((len(P), len(C)))
            else:
                if beats[k - 1].passing:  # the melody left the beat on its last note
                    P = P.copy()
                    P[:, 0] = beats[k - 1].passing[-1]
                m = self._moves(P, C, chords[k - 1], chords[k])
            m = total[:, None] + m + costs[k][None, :]
            back.append(np.argmin(m, axis=0))
            total = m.min(axis=0)
        if after is not None and cands[-1][0, 0] >= 0 and all(x is not None for x in after):
            total = total + self._moves(cands[-1], np.array([after]), chords[-1], chords[-1])[:, 0]
        pick = int(np.argmin(total))
        out = [pick] * n
        for k in range(n - 1, 0, -1):
            out[k - 1] = int(back[k - 1][out[k]])
        result: list[tuple[int | None, ...]] = []
        for C, i in zip(cands, out, strict=True):
            row = C[i]
            result.append(tuple(None if x < 0 else int(x) for x in row))
        return result

    def _moves(self, P: np.ndarray, C: np.ndarray, prev: str, cur: str) -> np.ndarray:
        """The cost of moving from each voicing in P to each in C: shape (len(P), len(C))."""
        D = C[None, :, :] - P[:, None, :]
        cost = np.zeros(D.shape[:2])
        for v in (1, 2, 3):
            table = self.motion_cost[VOICES[v]]
            d = np.clip(D[:, :, v] + 24, 0, 48)
            cost += table[d] * (0.8 if v == 3 else 1.0)
        moved = D != 0
        for i, j in _PAIRS:
            ip = (P[:, i] - P[:, j]) % 12
            ic = (C[:, i] - C[:, j]) % 12
            perfect = (ip == 0) | (ip == 7)
            bad = (ip[:, None] == ic[None, :]) & perfect[:, None] & moved[:, :, i] & moved[:, :, j]
            cost += PARALLEL * bad
        # hidden fifths and octaves in the outer voices: similar motion, the soprano leaping
        outer = (C[None, :, 0] - C[None, :, 3]) % 12
        similar = np.sign(D[:, :, 0]) * np.sign(D[:, :, 3]) > 0
        cost += 2.0 * (similar & ((outer == 0) | (outer == 7)) & (np.abs(D[:, :, 0]) > 2))
        # overlaps: a voice moving past where its neighbour just was
        for upper, lower in ((0, 1), (1, 2), (2, 3)):
            cost += 2.0 * (C[None, :, lower] > P[:, None, upper])
            cost += 2.0 * (C[None, :, upper] < P[:, None, lower])
        # the leading note of a dominant rises to the tonic; a seventh falls
        pr, pq = parse_label(prev)
        cr, _ = parse_label(cur)
        if pr in (7, 11) and cr == 0 and prev != cur:
            for v in (1, 2):
                held = (P[:, v] - self.key.tonic) % 12 == 11
                cost += 1.5 * (held[:, None] & (D[:, :, v] != 1))
        if len(CHORD_QUALITIES[pq]) == 4 and prev != cur:
            seventh = (self.key.tonic + pr + CHORD_QUALITIES[pq][3]) % 12
            for v in (1, 2, 3):
                has = P[:, v] % 12 == seventh
                cost += 2.0 * (has[:, None] & ~np.isin(D[:, :, v], (-1, -2, 0)))
        return cost


class _Inv:
    """The inversion table, hashable by identity for the candidate cache."""

    def __init__(self, table: Mapping[str, np.ndarray]) -> None:
        self.table = table

    def __hash__(self) -> int:
        return id(self.table)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Inv) and other.table is self.table


@lru_cache(maxsize=8192)
def _candidates(
    label: str,
    tonic: int,
    soprano: int | None,
    fixed: tuple[tuple[str, int | None], ...],
    final: bool,
    rules: VoicingRules,
    _model: int,
    inv: _Inv,
) -> tuple[np.ndarray, np.ndarray]:
    """Every voicing of a chord under a soprano note, with its static cost."""
    root, quality = parse_label(label)
    ivs = CHORD_QUALITIES[quality]
    pcs = [(tonic + root + i) % 12 for i in ivs]
    fixed_map = dict(fixed)
    sop = soprano
    pools: list[list[int]] = []
    for v in ("alto", "tenor", "bass"):
        if v in fixed_map:
            pools.append([] if fixed_map[v] is None else [int(fixed_map[v])])  # type: ignore[arg-type]
            continue
        lo, hi = rules.ranges[v]
        if sop is not None and v != "bass":
            hi = min(hi, sop)
        pools.append([p for p in range(lo, hi + 1) if p % 12 in pcs])
    rows: list[tuple[int, int, int]] = []
    free = [v not in fixed_map for v in ("alto", "tenor", "bass")]
    for strict in (True, False):
        for a in pools[0]:
            for t in pools[1]:
                for b in pools[2]:
                    if not _ordered(sop, a, t, b, free, strict, rules):
                        continue
                    rows.append((a, t, b))
        if rows:
            break
    if not rows:  # nothing fits: any scale-free pitch in range, closest to the chord
        for v, pool in zip(("alto", "tenor", "bass"), pools, strict=True):
            if not pool:
                lo, hi = rules.ranges[v]
                pool.extend(range(lo, hi + 1))
        rows = [
            (a, t, b)
            for a in pools[0]
            for t in pools[1]
            for b in pools[2]
            if b <= t <= a and (sop is None or a <= sop)
        ][:400] or [(pools[0][0], pools[1][0], pools[2][0])]
    arr = np.array(rows, dtype=int)
    s_col = np.full((len(arr), 1), -1 if sop is None else sop, dtype=int)
    C = np.hstack([s_col, arr])
    cost = np.zeros(len(C))
    pc = C % 12
    has = [np.any(pc[:, 1:] == p, axis=1) | (pc[:, 0] == p) for p in pcs]
    if sop is None:
        has = [np.any(pc[:, 1:] == p, axis=1) for p in pcs]
    cost += 6.0 * ~has[0] + 6.0 * ~has[1]
    if len(ivs) == 4:
        cost += 3.0 * ~has[3]
    else:
        cost += 1.0 * ~has[2]
    # inversion, as often as the chorales use it
    bass_iv = (C[:, 3] - tonic - root) % 12
    table = inv.table[quality]
    cost += -np.log(np.maximum(table[bass_iv], 1e-4)) * 0.8
    if final:
        cost += 4.0 * (bass_iv != 0)
    # doubling: never the leading note nor a chord's seventh; the root best
    leading = (tonic + 11) % 12
    counts = np.stack([(pc == p).sum(axis=1) for p in range(12)], axis=1)
    if leading in pcs:
        cost += 8.0 * (counts[:, leading] > 1)
    if len(ivs) == 4:
        cost += 8.0 * (counts[:, pcs[3]] > 1)
    cost += 0.8 * (counts[:, pcs[1]] > 1)
    cost += 0.3 * (counts[:, pcs[2]] > 1) if len(ivs) >= 3 else 0.0
    # spacing and comfort
    if sop is not None:
        cost += 4.0 * np.maximum(0, (C[:, 0] - C[:, 1]) - rules.upper_spacing)
    cost += 4.0 * np.maximum(0, (C[:, 1] - C[:, 2]) - rules.upper_spacing)
    cost += 0.6 * np.maximum(0, (C[:, 2] - C[:, 3]) - rules.lower_spacing)
    for k, v in ((1, "alto"), (2, "tenor"), (3, "bass")):
        lo, hi = rules.ranges[v]
        centre = (lo + hi) / 2
        cost += 0.04 * np.abs(C[:, k] - centre)
    return C, cost


def _ordered(
    sop: int | None, a: int, t: int, b: int, free: Sequence[bool], strict: bool, rules: VoicingRules
) -> bool:
    top = sop if sop is not None else 200
    if strict:
        if not b < t < a <= top or (a == top and free[0]):
            return False
    elif not b <= t <= a <= top:
        return False
    if free[0] and sop is not None and sop - a > rules.upper_spacing + 2:
        return False
    if (free[0] or free[1]) and a - t > rules.upper_spacing + 2:
        return False
    return not ((free[1] or free[2]) and t - b > rules.lower_spacing + 5)


# -- the whole step -----------------------------------------------------------------------
def harmonise_beats(
    model: StyleModel,
    key: Key,
    beats: list[Beat],
    rng: np.random.Generator,
    surprise: float,
    *,
    before_chord: str | None = None,
    after_chord: str | None = None,
    before_voicing: Sequence[int | None] | None = None,
    after_voicing: Sequence[int | None] | None = None,
    phrase_start: bool = True,
    rules: VoicingRules | None = None,
) -> tuple[list[str], list[tuple[int | None, ...]]]:
    """Chords and (S, A, T, B) pitches for each beat."""
    harmony = model.harmony[key.mode]
    temperature = 0.45 + 1.1 * surprise
    chords = sample_chords(
        harmony,
        key,
        beats,
        rng,
        temperature,
        before=before_chord,
        after=after_chord,
        phrase_start=phrase_start,
        first=before_chord is None and phrase_start and bool(beats) and beats[0].t < 1e-9,
    )
    low = min((b.soprano for b in beats if b.soprano is not None), default=72)
    voicer = Voicer(harmony, key, (rules or VoicingRules()).widened(low))
    voicing = voicer.voice(
        beats,
        chords,
        rng,
        noise=0.25 + 1.2 * surprise,
        before=before_voicing,
        after=after_voicing,
    )
    return chords, voicing


def label_beats(
    voices: Mapping[str, Sequence[Sequence[Any]]], key: Key, metre: Metre, start: float, end: float
) -> list[str | None]:
    """The chord each beat's notes spell (for material that came without chord labels)."""
    out: list[str | None] = []
    prev = None
    for t, _ in beat_grid(metre, start, end):
        ps = [n[0] for ns in voices.values() if (n := sounding(list(ns), t)) is not None]
        bass = min(ps) if ps else None
        label = chord_label(ps, key.tonic, bass=bass) if len(ps) >= 2 else None
        out.append(label or prev)
        prev = label or prev
    return out
