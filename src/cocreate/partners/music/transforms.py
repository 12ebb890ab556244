"""The composer's operators: transpose, invert, retrograde, augment, diminish, ornament, re-rhythm.

Each works on the selected voices in the selected bars (by default the melody
over the whole phrase), leaves the rest note for note as it was, and then has
the voices under a changed melody made again by the harmony model in the bars
it touched, so the result is still four-part writing. ``transpose`` of the
whole phrase moves every voice and the key; of a selection it shifts the
selected lines by scale steps (a sequence).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ...errors import InputError
from ...model import Genome
from . import genome as G
from .generate import (
    Notes,
    _cut,
    _revoice,
    add_passing_notes,
    chords_of,
    parse_selection,
    runs,
)
from .model import DURATIONS, StyleModel, duration_token, onset_level
from .quality import parallels
from .theory import USUAL_RANGES, VOICES, Key

Transform = Callable[..., Genome]


def _scale_index(key: Key) -> tuple[list[int], dict[int, int]]:
    """Every scale pitch (MIDI 0–127) in order, and each one's index."""
    pcs = set(key.scale)
    if key.mode == "minor":
        pcs.add((key.tonic + 11) % 12)
    ladder = [p for p in range(128) if p % 12 in pcs]
    return ladder, {p: i for i, p in enumerate(ladder)}


def _diatonic(pitch: int, ladder: list[int], index: dict[int, int]) -> int:
    if pitch in index:
        return index[pitch]
    return min(range(len(ladder)), key=lambda i: abs(ladder[i] - pitch))


def _fit(notes: Notes, voice: str) -> Notes:
    """Move a line by octaves into its voice's usual range where it can be."""
    if not notes or voice not in USUAL_RANGES:
        return notes
    lo, hi = USUAL_RANGES[voice]
    low, high = min(n[0] for n in notes), max(n[0] for n in notes)
    shift = 0
    while low + shift < lo and high + shift + 12 <= hi + 2:
        shift += 12
    while high + shift > hi and low + shift - 12 >= lo - 2:
        shift -= 12
    return [[n[0] + shift, *n[1:]] for n in notes]


def _spans(genome: Genome, bars: Sequence[int]) -> list[tuple[float, float]]:
    bar = G.metre_of(genome).bar
    return [((a - 1) * bar, b * bar) for a, b in runs(bars)]


def _kept(genome: Genome, touched: Mapping[str, list[tuple[float, float]]]) -> list[list[Any]]:
    end = G.end_of(genome)
    kept = []
    for v in genome["voices"]:
        t = 0.0
        for a, b in sorted(touched.get(v, [])):
            if a > t + 1e-9:
                kept.append([v, t, a])
            t = max(t, b)
        if t < end - 1e-9:
            kept.append([v, t, end])
    return kept


def _finish(
    model: StyleModel,
    g: Genome,
    changed: Sequence[str],
    spans: list[tuple[float, float]],
    rng: np.random.Generator,
    surprise: float,
    density: float,
    chords: dict[float, str],
) -> Genome:
    """Revoice the voices under a changed melody, mark what was kept, validate."""
    key, metre = G.key_of(g), G.metre_of(g)
    touched: dict[str, list[tuple[float, float]]] = {v: list(spans) for v in changed}
    if "soprano" in changed and g["kind"] != "rhythm":
        lower = [v for v in VOICES[1:] if v in g["voices"] and v not in changed]
        for t0, t1 in spans:
            if lower:
                _revoice(model, g, key, metre, chords, lower, t0, t1, rng, surprise, density)
        for v in lower:
            touched[v] = list(spans)
        g["chords"] = [[t, c] for t, c in sorted(chords.items())]
    g["voices"] = {v: G.clean_notes(ns) for v, ns in g["voices"].items() if ns}
    kept = _kept(g, touched)
    if kept:
        g["kept"] = kept
    else:
        g.pop("kept", None)
    return G.validate(g)


def _selected(genome: Genome, selection: Any) -> tuple[list[str], list[int], bool]:
    """The voices and bars to work on (default: the melody, every bar), and whether all was."""
    if selection is None:
        melody = "soprano" if "soprano" in genome["voices"] else next(iter(genome["voices"]))
        return [melody], list(range(1, genome["bars"] + 1)), True
    voices, bars = parse_selection(selection, genome)
    if not (isinstance(selection, Mapping) and selection.get("voices")):
        voices = ["soprano"] if "soprano" in genome["voices"] else voices
    return voices, bars, False


# -- transpose -----------------------------------------------------------------------------
_TONICS = G.TONIC_NAMES


def transpose(
    model: StyleModel,
    genome: Genome,
    rng: np.random.Generator,
    *,
    selection: Any = None,
    params: Mapping[str, Any] | None = None,
    surprise: float = 0.3,
    density: float = 0.5,
    **_: Any,
) -> Genome:
    params = params or {}
    g = G.copy_genome(genome)
    key = G.key_of(g)
    if selection is None:
        if "key" in params:
            target = Key.parse(str(params["key"]))
            up = (target.tonic - key.tonic) % 12
            semis = up if up <= 6 else up - 12
            mode = target.mode
        else:
            semis = params.get("semitones")
            if semis is None:
                semis = _pick_interval(g, rng)
            if isinstance(semis, bool) or not isinstance(semis, int) or not -24 <= semis <= 24:
                raise InputError(f"semitones must be a whole number from -24 to 24, not {semis!r}")
            mode = key.mode
        for notes in g["voices"].values():
            for n in notes:
                n[0] = min(127, max(0, n[0] + semis)) if g["kind"] != "rhythm" else n[0]
        if g["kind"] != "rhythm":
            g["key"] = _TONICS[(key.tonic + semis) % 12]
            g["mode"] = mode
        g.pop("kept", None)
        return G.validate(g)
    # a selection: shift its lines by scale steps, then revoice what lies under them
    steps = params.get("steps")
    if steps is None:
        steps = int(rng.choice([-2, -1, 1, 2]))
    if isinstance(steps, bool) or not isinstance(steps, int) or not -7 <= steps <= 7 or not steps:
        raise InputError(f"steps must be a whole number of scale steps from -7 to 7, not {steps!r}")
    voices, bars, _ = _selected(g, selection)
    ladder, index = _scale_index(key)
    spans = _spans(g, bars)
    chords = chords_of(g)
    for v in voices:
        for n in g["voices"][v]:
            if any(a - 1e-9 <= n[1] < b - 1e-9 for a, b in spans):
                i = _diatonic(n[0], ladder, index) + steps
                n[0] = ladder[min(max(i, 0), len(ladder) - 1)]
    return _finish(model, g, voices, spans, rng, surprise, density, chords)


def _pick_interval(g: Genome, rng: np.random.Generator) -> int:
    options = [-5, -3, -2, -1, 1, 2, 3, 5, 7, -7]
    rng.shuffle(options)
    for semis in options:
        ok = all(
            USUAL_RANGES.get(v, (0, 127))[0] <= n[0] + semis <= USUAL_RANGES.get(v, (0, 127))[1]
            for v, ns in g["voices"].items()
            for n in ns
        )
        if ok:
            return int(semis)
    return int(options[0])


# -- invert, retrograde ----------------------------------------------------------------------
def invert(
    model: StyleModel,
    genome: Genome,
    rng: np.random.Generator,
    *,
    selection: Any = None,
    params: Mapping[str, Any] | None = None,
    surprise: float = 0.3,
    density: float = 0.5,
    **_: Any,
) -> Genome:
    """Diatonic inversion of the selected lines about an axis (the first note of each span,
    its last, or the tonic nearest the middle; ``axis`` names a MIDI pitch)."""
    params = params or {}
    g = G.copy_genome(genome)
    key = G.key_of(g)
    voices, bars, _ = _selected(g, selection)
    ladder, index = _scale_index(key)
    spans = _spans(g, bars)
    chords = chords_of(g)
    for v in voices:
        for t0, t1 in spans:
            inside = [n for n in g["voices"][v] if t0 - 1e-9 <= n[1] < t1 - 1e-9]
            if not inside:
                continue
            axis_pitch = params.get("axis")
            if axis_pitch is None:
                choice = int(rng.integers(3))
                if choice == 0:
                    axis_pitch = inside[0][0]
                elif choice == 1:
                    axis_pitch = inside[-1][0]
                else:
                    mid = (min(n[0] for n in inside) + max(n[0] for n in inside)) / 2
                    axis_pitch = min(
                        (p for p in range(128) if p % 12 == key.tonic), key=lambda p: abs(p - mid)
                    )
            if (
                isinstance(axis_pitch, bool)
                or not isinstance(axis_pitch, int)
                or not 0 <= axis_pitch <= 127
            ):
                raise InputError(f"axis must be a MIDI pitch 0–127, not {axis_pitch!r}")
            ax = _diatonic(int(axis_pitch), ladder, index)
            for n in inside:
                i = 2 * ax - _diatonic(n[0], ladder, index)
                n[0] = ladder[min(max(i, 0), len(ladder) - 1)]
            fitted = _fit([list(n) for n in inside], v)
            for n, f in zip(inside, fitted, strict=True):
                n[0] = f[0]
    return _finish(model, g, voices, spans, rng, surprise, density, chords)


def retrograde(
    model: StyleModel,
    genome: Genome,
    rng: np.random.Generator,
    *,
    selection: Any = None,
    params: Mapping[str, Any] | None = None,
    surprise: float = 0.3,
    density: float = 0.5,
    **_: Any,
) -> Genome:
    """The selected lines backwards within each span (pitches and lengths)."""
    g = G.copy_genome(genome)
    voices, bars, _ = _selected(g, selection)
    spans = _spans(g, bars)
    chords = chords_of(g)
    for v in voices:
        for t0, t1 in spans:
            before, inside, after = _cut(g["voices"][v], t0, t1)
            end = min(t1, max((n[1] + n[2] for n in inside), default=t1))
            flipped = [[n[0], t0 + (end - (n[1] + n[2])), n[2], n[3]] for n in inside]
            flipped.sort(key=lambda n: n[1])
            g["voices"][v] = before + flipped + after
    return _finish(model, g, voices, spans, rng, surprise, density, chords)


# -- augment, diminish -----------------------------------------------------------------------
def augment(
    model: StyleModel,
    genome: Genome,
    rng: np.random.Generator,
    *,
    selection: Any = None,
    params: Mapping[str, Any] | None = None,
    surprise: float = 0.3,
    density: float = 0.5,
    **_: Any,
) -> Genome:
    """The melody in longer notes (``factor`` 2 or 1.5): the phrase grows, and the voices
    under the augmented part are harmonised again."""
    return _scale_time(model, genome, rng, selection, params, surprise, density, grow=True)


def diminish(
    model: StyleModel,
    genome: Genome,
    rng: np.random.Generator,
    *,
    selection: Any = None,
    params: Mapping[str, Any] | None = None,
    surprise: float = 0.3,
    density: float = 0.5,
    **_: Any,
) -> Genome:
    """The melody in shorter notes (``factor`` 0.5): each span holds its material twice,
    the second time a scale step away (a sequence), and is harmonised again."""
    return _scale_time(model, genome, rng, selection, params, surprise, density, grow=False)


def _scale_time(
    model: StyleModel,
    genome: Genome,
    rng: np.random.Generator,
    selection: Any,
    params: Mapping[str, Any] | None,
    surprise: float,
    density: float,
    *,
    grow: bool,
) -> Genome:
    params = params or {}
    g = G.copy_genome(genome)
    key, metre = G.key_of(g), G.metre_of(g)
    factor = params.get("factor", (2.0 if rng.random() < 0.7 else 1.5) if grow else 0.5)
    if not isinstance(factor, int | float) or isinstance(factor, bool):
        raise InputError(f"factor must be a number, not {factor!r}")
    factor = float(factor)
    if grow and factor not in (1.5, 2.0, 3.0):
        raise InputError(f"augmentation is by a factor of 1.5, 2 or 3, not {factor:g}")
    if not grow and factor not in (0.5, 0.25):
        raise InputError(f"diminution is by a factor of 0.5 or 0.25, not {factor:g}")
    voices, bars, _ = _selected(g, selection)
    first, last = bars[0], bars[-1]
    t0, t1 = (first - 1) * metre.bar, last * metre.bar
    chords = chords_of(g)
    if grow:
        length = t1 - t0
        new_length = math.ceil(length * factor / metre.bar - 1e-9) * metre.bar
        extra_bars = round((new_length - length) / metre.bar)
        if g["bars"] + extra_bars > 64:
            raise InputError("augmenting it would make the phrase longer than 64 bars")
        shift = new_length - length
        for v, notes in g["voices"].items():
            before, inside, after = _cut(notes, t0, t1)
            if v in voices:
                inside = [[n[0], t0 + (n[1] - t0) * factor, n[2] * factor, n[3]] for n in inside]
            else:
                inside = [[n[0], n[1], n[2], n[3]] for n in inside]
            g["voices"][v] = before + inside + [[n[0], n[1] + shift, n[2], n[3]] for n in after]
        chords = {
            (t if t < t1 - 1e-9 else t + shift): c
            for t, c in chords.items()
            if not t0 - 1e-9 <= t < t1 - 1e-9
        }
        g["bars"] += extra_bars
        span = (t0, t0 + new_length)
        # the voices not augmented are made again under the augmented part
        lower = [v for v in VOICES if v in g["voices"] and v not in voices]
        for v in lower:
            before, _, after = _cut(g["voices"][v], span[0], span[1])
            g["voices"][v] = before + after
        return _finish(model, g, voices, [span], rng, surprise, density, chords)
    # diminish: the span's material twice as fast, then again a step away
    ladder, index = _scale_index(key)
    step = int(rng.choice([-1, 1, 0]))
    for v in voices:
        before, inside, after = _cut(g["voices"][v], t0, t1)
        fast = [[n[0], t0 + (n[1] - t0) * factor, max(0.125, n[2] * factor), n[3]] for n in inside]
        half = (t1 - t0) * factor
        reps = [fast]
        t = t0 + half
        k = 1
        while t < t1 - 1e-9:
            rep = []
            for n in fast:
                o = n[1] + half * k
                if o >= t1 - 1e-9:
                    continue
                i = _diatonic(n[0], ladder, index) + step * k
                rep.append([ladder[min(max(i, 0), len(ladder) - 1)], o, min(n[2], t1 - o), n[3]])
            reps.append(rep)
            t += half
            k += 1
        g["voices"][v] = before + [n for r in reps for n in r] + after
    return _finish(model, g, voices, [(t0, t1)], rng, surprise, density, chords)


# -- ornament, re-rhythm ---------------------------------------------------------------------
def ornament(
    model: StyleModel,
    genome: Genome,
    rng: np.random.Generator,
    *,
    selection: Any = None,
    params: Mapping[str, Any] | None = None,
    surprise: float = 0.3,
    density: float = 0.5,
    strength: float = 0.5,
    **_: Any,
) -> Genome:
    """Passing and neighbour notes in the selected voices (all by default), more of them the
    stronger; none that would make consecutive fifths or octaves. The harmony stays."""
    g = G.copy_genome(genome)
    key = G.key_of(g)
    if selection is None:
        voices = [v for v in g["voices"]]
        bars = list(range(1, g["bars"] + 1))
    else:
        voices, bars = parse_selection(selection, g)
    spans = _spans(g, bars)
    rate = 0.2 + 0.6 * float(strength)
    ladder, index = _scale_index(key)
    before_notes = {v: [tuple(n) for n in g["voices"][v]] for v in voices}
    for t0, t1 in spans:
        add_passing_notes(g["voices"], key, voices, rng, rate, span=(t0, t1))
        # neighbour notes on repeated pitches: the second half of the first steps away
        for v in voices:
            out: Notes = []
            notes = g["voices"][v]
            for k, n in enumerate(notes):
                nxt = notes[k + 1] if k + 1 < len(notes) else None
                if (
                    t0 - 1e-9 <= n[1] < t1 - 1e-9
                    and nxt is not None
                    and nxt[0] == n[0]
                    and abs(n[1] + n[2] - nxt[1]) < 1e-9
                    and n[2] >= 1.0 - 1e-9
                    and rng.random() < rate
                ):
                    i = _diatonic(n[0], ladder, index) + (1 if rng.random() < 0.5 else -1)
                    half = n[2] / 2
                    out.append([n[0], n[1], half, n[3]])
                    out.append([ladder[i], n[1] + half, half, max(1, n[3] - 8)])
                    continue
                out.append(list(n))
            g["voices"][v] = out
    # take back neighbour notes that make parallels
    events, _ = parallels(g["voices"])
    for e in events:
        for v in (e.upper, e.lower):
            if v not in before_notes:
                continue
            old = {(n[1]) for n in before_notes[v]}
            notes = g["voices"][v]
            for k, n in enumerate(notes):
                if k and abs(n[1] - e.after) < 1e-9 and n[1] not in old:
                    notes[k - 1][2] += n[2]
                    del notes[k]
                    break
    touched = {
        v: list(spans) for v in voices if [tuple(n) for n in g["voices"][v]] != before_notes[v]
    }
    g["voices"] = {v: G.clean_notes(ns) for v, ns in g["voices"].items()}
    kept = _kept(g, touched)
    g["kept"] = kept
    return G.validate(g)


def rerhythm(
    model: StyleModel,
    genome: Genome,
    rng: np.random.Generator,
    *,
    selection: Any = None,
    params: Mapping[str, Any] | None = None,
    surprise: float = 0.3,
    density: float = 0.5,
    **_: Any,
) -> Genome:
    """The selected line's pitches in a new rhythm from the rhythm model (as many notes,
    the same bars), with the voices under it harmonised again."""
    g = G.copy_genome(genome)
    metre = G.metre_of(g)
    voices, bars, _ = _selected(g, selection)
    spans = _spans(g, bars)
    chords = chords_of(g)
    tau = 0.55 + surprise
    durations = np.array(DURATIONS)
    for v in voices:
        for t0, t1 in spans:
            before, inside, after = _cut(g["voices"][v], t0, t1)
            if not inside:
                continue
            n = len(inside)
            end = t1 if not after else min(t1, after[0][1])
            t = t0
            lens: list[int] = [duration_token(x[2]) for x in before[-3:]]
            new: Notes = []
            for k, note in enumerate(inside):
                left = n - k - 1
                room = end - t
                if left == 0:
                    d = room
                else:
                    bar_end = (math.floor(t / metre.bar + 1e-9) + 1) * metre.bar
                    p = model.duration.distribution((onset_level(metre, t),), lens).copy()
                    ok = (durations <= min(bar_end - t, room - 0.25 * left) + 1e-9) & (
                        durations * 1 >= 0
                    )
                    ok &= room - durations <= left * 2.0 + 1e-9
                    p = np.where(ok, p, 0.0)
                    if p.sum() <= 0:
                        d = max(0.25, (room / (left + 1)))
                        d = round(d * 4) / 4 or 0.25
                    else:
                        q = np.power(p / p.sum(), 1 / tau)
                        d = float(durations[int(rng.choice(len(q), p=q / q.sum()))])
                if d <= 0:
                    break
                new.append([note[0], t, d, note[3]])
                lens.append(duration_token(d))
                t += d
            g["voices"][v] = before + new + after
    return _finish(model, g, voices, spans, rng, surprise, density, chords)


TRANSFORMS: dict[str, Transform] = {
    "transpose": transpose,
    "invert": invert,
    "retrograde": retrograde,
    "augment": augment,
    "diminish": diminish,
    "ornament": ornament,
    "rerhythm": rerhythm,
}
