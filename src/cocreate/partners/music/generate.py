"""Making phrases with the style model: melodies, harmonisations, regenerated lanes, rhythms.

Every function takes the random generator it draws from and the controls that
steer it; none changes its inputs. The *surprise* dial is a sampling
temperature (``0.55 + surprise``) on every learned distribution: at 0 the
likeliest continuations, towards 1 less probable ones. *Density* shifts note
lengths towards shorter ones and adds passing notes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ...errors import InputError
from ...model import Genome, Intention
from . import genome as G
from .harmony import Beat, beat_grid, harmonise_beats, label_beats, melody_beats
from .model import BOS, DURATIONS, REL_LOW, StyleModel, duration_token, onset_level, rel, sounding
from .quality import parallels
from .theory import RANGES, USUAL_RANGES, VOICES, Key, Metre, find_key

Notes = list[list[Any]]

VELOCITY = {"soprano": 84, "alto": 70, "tenor": 70, "bass": 76, "chords": 64}
#: Keys chorales are written in, for a fresh phrase whose intention names none.
COMMON_KEYS = {
    "major": (7, 2, 9, 0, 5, 10, 4),
    "minor": (9, 7, 2, 11, 4, 0, 5),
}
_LENGTH_WORDS = re.compile(r"\b(\d{1,3})[- ]bars?\b", re.IGNORECASE)
_TEMPO_WORDS = re.compile(r"\b(\d{2,3})\s*(?:bpm|beats? (?:a|per) minute)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Controls:
    """What a phrase is asked to be."""

    key: Key
    metre: Metre
    tempo: float
    bars: int
    surprise: float = 0.3
    density: float = 0.5
    kind: str = "chorale"
    voices: int | str = 4
    program: int = 19


def _unit(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number between 0 and 1, not {value!r}") from None
    if not 0.0 <= v <= 1.0 or not math.isfinite(v):
        raise InputError(f"{name} must be between 0 and 1, not {value!r}")
    return v


def controls(
    model: StyleModel,
    intention: Intention | None,
    params: Mapping[str, Any],
    rng: np.random.Generator,
    *,
    defaults: Mapping[str, Any] | None = None,
) -> Controls:
    """The controls of a new phrase: the request's parameters, else the intention's words,
    else the partner's defaults, else what the corpus most often does."""
    text = " ".join([intention.brief, *intention.constraints] if intention is not None else [])
    d = dict(defaults or {})
    d.update({k: v for k, v in params.items() if v is not None})
    # key and mode
    key: Key | None = None
    if "key" in d:
        try:
            key = Key.parse(str(d["key"]))
        except InputError:
            raise InputError(f"key {d['key']!r} is not a key (write e.g. 'G minor')") from None
    if key is None:
        key = find_key(text)
    mode = d.get("mode")
    if mode is not None and mode not in ("major", "minor"):
        raise InputError(f"mode must be major or minor, not {mode!r}")
    if key is None:
        m = mode or ("minor" if re.search(r"\bminor\b", text, re.I) else None)
        m = m or ("major" if rng.random() < 0.5 else "minor")
        choices = COMMON_KEYS[m]
        key = Key(int(choices[int(rng.integers(len(choices)))]), m)
    elif mode is not None:
        key = Key(key.tonic, mode)
    # metre
    if "metre" in d or "meter" in d:
        metre = Metre.parse(str(d.get("metre", d.get("meter"))))
    else:
        metre = Metre.find(text) or _common_metre(model, rng)
    # tempo
    tempo = d.get("tempo")
    if tempo is None:
        m = _TEMPO_WORDS.search(text)
        tempo = float(m.group(1)) if m else float(rng.integers(66, 97))
    try:
        tempo = float(tempo)
    except (TypeError, ValueError):
        raise InputError(f"tempo must be a number of beats a minute, not {tempo!r}") from None
    if not 20 <= tempo <= 400:
        raise InputError(f"tempo must be 20–400 beats a minute, not {tempo:g}")
    bars = d.get("bars")
    if bars is None:
        m = _LENGTH_WORDS.search(text)
        bars = int(m.group(1)) if m else 8
    if isinstance(bars, bool) or not isinstance(bars, int | float) or int(bars) != bars:
        raise InputError(f"bars must be a whole number, not {bars!r}")
    bars = int(bars)
    if not 1 <= bars <= 64:
        raise InputError(f"a proposal is 1 to 64 bars long, not {bars}")
    voices = d.get("voices", 4)
    if voices not in (1, 2, 3, 4, "chords"):
        raise InputError(f"voices must be 1, 2, 3, 4 or 'chords', not {voices!r}")
    program = d.get("program", 19)
    if isinstance(program, bool) or not isinstance(program, int) or not 0 <= program <= 127:
        raise InputError(f"program must be a General MIDI instrument 0–127, not {program!r}")
    return Controls(
        key=key,
        metre=metre,
        tempo=tempo,
        bars=bars,
        surprise=_unit(d.get("surprise", 0.3), "surprise"),
        density=_unit(d.get("density", 0.5), "density"),
        kind=str(d.get("kind", "chorale")),
        voices=voices,
        program=program,
    )


def _common_metre(model: StyleModel, rng: np.random.Generator) -> Metre:
    names = [m for m, _ in model.metres.most_common(2)] or ["4/4"]
    return Metre.parse(names[int(rng.integers(len(names)))])


def temperature(surprise: float) -> float:
    return 0.55 + float(surprise)


def _tempered(p: np.ndarray, tau: float) -> np.ndarray:
    q = np.power(np.maximum(p, 1e-300), 1.0 / tau)
    s = q.sum()
    return q / s if s > 0 else np.full(len(p), 1.0 / len(p))


# -- melody ---------------------------------------------------------------------------------
def _draw(p: np.ndarray, rng: np.random.Generator) -> int:
    c = np.cumsum(p)
    return int(min(np.searchsorted(c, rng.random() * c[-1], side="right"), len(p) - 1))


def sample_melody(
    model: StyleModel,
    key: Key,
    metre: Metre,
    rng: np.random.Generator,
    start: float,
    end: float,
    *,
    history: Sequence[int] = (BOS,),
    lengths: Sequence[int] = (),
    surprise: float = 0.3,
    density: float = 0.5,
    cadence: str = "",
    cadence_length: float | None = None,
    next_pitch: int | None = None,
    low: int | None = None,
    high: int | None = None,
) -> Notes:
    """Melody notes filling [start, end) without crossing bar lines, in the soprano's range.

    ``history`` and ``lengths`` are the key-relative pitches (BOS-led) and length
    tokens before; ``cadence`` ("end" or "final") makes the last note a cadence note
    of ``cadence_length`` quarters on a stable degree; ``next_pitch`` the note the
    melody must lead to.
    """
    tau = temperature(surprise)
    pitch_model = model.pitch[key.mode]
    lo = (low if low is not None else RANGES["soprano"][0]) - 60 - key.tonic - REL_LOW
    hi = (high if high is not None else RANGES["soprano"][1]) - 60 - key.tonic - REL_LOW
    lo, hi = max(0, lo), min(pitch_model.alphabet - 1, hi)
    mask = np.zeros(pitch_model.alphabet, dtype=bool)
    mask[lo : hi + 1] = True
    hist = list(history)
    lens = list(lengths)
    notes: Notes = []
    t = start
    last_start = end - (cadence_length or 0.0) if cadence else end
    durations = np.array(DURATIONS)
    shift = np.exp(1.2 * (density - 0.5) * -np.log2(durations))
    while t < end - 1e-9:
        bar_end = (math.floor(t / metre.bar + 1e-9) + 1) * metre.bar
        final = bool(cadence) and t >= last_start - 1e-9
        if final:
            d = end - t
        else:
            room = min(bar_end, last_start if cadence else end) - t
            level = onset_level(metre, t)
            p = model.duration.distribution((level,), lens) * shift
            p[durations > room + 1e-9] = 0.0
            d = room if p.sum() <= 0 else float(durations[_draw(_tempered(p / p.sum(), tau), rng)])
            if room - d < 0.25 - 1e-9 and room - d > 1e-9:
                d = room  # never leave a sliver too short to fill
        # pitch
        p = pitch_model.distribution((), hist)
        p = np.where(mask, p, 0.0)
        if final:
            p *= _cadence_weights(cadence, key, pitch_model.alphabet)
        last_note = t + d >= end - 1e-9
        if cadence == "final" and not final and t + d >= last_start - 1e-9:
            # the note before the final one leads where the melody can end: weigh each
            # candidate by how likely the model finds a tonic after it
            tonics = np.flatnonzero(mask & (_cadence_weights("final", key, len(p)) > 0))
            top = np.argsort(p)[-10:]
            look = np.zeros_like(p)
            for c in top:
                if p[c] > 0:
                    after = pitch_model.distribution((), [*hist, int(c)])
                    look[c] = p[c] * after[tonics].sum()
            if look.sum() > 0:
                p = look
        if last_note and next_pitch is not None:
            target = rel(next_pitch, key.tonic) - REL_LOW
            top = np.argsort(p)[-10:]
            look = np.zeros_like(p)
            for c in top:
                if p[c] > 0:
                    look[c] = p[c] * pitch_model.distribution((), [*hist, int(c)])[target]
            if look.sum() > 0:
                p = look
        if p.sum() <= 0:
            p = mask.astype(float)
        r = _draw(_tempered(p / p.sum(), tau), rng)
        pitch = r + REL_LOW + 60 + key.tonic
        notes.append([int(pitch), float(t), float(d), VELOCITY["soprano"]])
        hist.append(r)
        lens.append(duration_token(d))
        t += d
    return notes


def _cadence_weights(cadence: str, key: Key, alphabet: int) -> np.ndarray:
    degrees = {0: 1.0} if cadence == "final" else None
    if degrees is None:
        degrees = {0: 1.0, 2: 0.8, 4: 0.7, 3: 0.7, 7: 1.0, 11: 0.3, 5: 0.2, 9: 0.3, 8: 0.3}
    w = np.zeros(alphabet)
    for r in range(alphabet):
        pc = (r + REL_LOW) % 12
        w[r] = degrees.get(pc, 0.0)
    if key.mode == "minor" and cadence == "final":
        w[[r for r in range(alphabet) if (r + REL_LOW) % 12 == 4]] = 0.0
    if key.mode == "major":
        w[[r for r in range(alphabet) if (r + REL_LOW) % 12 == 3]] = 0.0
    return w


def phrase_plan(bars: int, metre: Metre) -> list[tuple[float, float, str]]:
    """Sub-phrases (start, end, cadence) of a phrase: two to four bars each, the last final."""
    per = 2 if len(metre.beats) >= 4 else 4
    per = min(per, bars)
    out = []
    b = 0
    while b < bars:
        n = min(per, bars - b)
        if bars - (b + n) == 1:  # never leave a lone bar at the end
            n += 1
        out.append((b * metre.bar, (b + n) * metre.bar, "end"))
        b += n
    out[-1] = (out[-1][0], out[-1][1], "final")
    return out


def cadence_length(metre: Metre, rng: np.random.Generator) -> float:
    beats = metre.beats
    if len(beats) >= 4:
        options, weights = (2.0, metre.bar, 1.0), (0.6, 0.2, 0.2)
    elif len(beats) == 3:
        options, weights = (metre.bar, metre.bar - beats[1]), (0.5, 0.5)
    else:
        options, weights = (metre.bar, metre.bar - beats[-1]), (0.6, 0.4)
    k = int(rng.choice(len(options), p=np.array(weights) / sum(weights)))
    return float(options[k])


def fresh_melody(
    model: StyleModel, c: Controls, rng: np.random.Generator
) -> tuple[Notes, list[tuple[float, float, str]]]:
    plan = phrase_plan(c.bars, c.metre)
    notes: Notes = []
    for start, end, cadence in plan:
        notes += sample_melody(
            model,
            c.key,
            c.metre,
            rng,
            start,
            end,
            surprise=c.surprise,
            density=c.density,
            cadence=cadence,
            cadence_length=min(cadence_length(c.metre, rng), end - start),
        )
    return notes, plan


# -- voices from a voicing ---------------------------------------------------------------
def voices_from(
    beats: Sequence[Beat],
    voicing: Sequence[tuple[int | None, ...]],
    which: Sequence[str],
    metre: Metre,
    rng: np.random.Generator,
    *,
    hold: float = 0.45,
    chords: Sequence[str] | None = None,
) -> dict[str, Notes]:
    """Notes of each voice in ``which`` from per-beat pitches; a repeated pitch over a held
    chord in the same bar is tied with probability ``hold``."""
    out: dict[str, Notes] = {v: [] for v in which}
    for k, (b, row) in enumerate(zip(beats, voicing, strict=True)):
        for v in which:
            p = row[VOICES.index(v)]
            if p is None:
                continue
            notes = out[v]
            same_bar = k > 0 and math.floor(b.t / metre.bar + 1e-9) == math.floor(
                beats[k - 1].t / metre.bar + 1e-9
            )
            held = chords is not None and k > 0 and chords[k] == chords[k - 1]
            if (
                notes
                and same_bar
                and notes[-1][0] == p
                and abs(notes[-1][1] + notes[-1][2] - b.t) < 1e-9
                and (held or b.cadence)
                and rng.random() < (1.0 if b.cadence else hold)
            ):
                notes[-1][2] += b.length
                continue
            vel = VELOCITY.get(v, 72) + (6 if abs(b.t % metre.bar) < 1e-9 else 0)
            notes.append([int(p), float(b.t), float(b.length), int(min(127, vel))])
    return out


def add_passing_notes(
    voices: dict[str, Notes],
    key: Key,
    which: Sequence[str],
    rng: np.random.Generator,
    rate: float,
    span: tuple[float, float] | None = None,
) -> dict[str, Notes]:
    """Passing notes between beats a third apart (on the second half of the first beat),
    kept only where they make no consecutive fifths or octaves."""
    natural = set(key.scale)
    raised = {(key.tonic + 9) % 12, (key.tonic + 11) % 12} if key.mode == "minor" else set()
    added: list[tuple[str, float]] = []
    for v in which:
        notes = voices.get(v) or []
        out: Notes = []
        for k, n in enumerate(notes):
            nxt = notes[k + 1] if k + 1 < len(notes) else None
            inside = span is None or span[0] - 1e-9 <= n[1] < span[1] - 1e-9
            if (
                inside
                and nxt is not None
                and abs(n[1] + n[2] - nxt[1]) < 1e-9
                and n[2] >= 1.0 - 1e-9
                and 3 <= abs(nxt[0] - n[0]) <= 4
                and rng.random() < rate
            ):
                step = 1 if nxt[0] > n[0] else -1
                gap = abs(nxt[0] - n[0])
                options = [n[0] + 2 * step] if gap == 4 else [n[0] + step, n[0] + 2 * step]
                # a step each way, in the scale (the raised sixth and seventh of a minor key
                # only on the way up to the tonic); never a chromatic slide
                mid = next((p for p in options if p % 12 in natural), None)
                if mid is None and step > 0:
                    mid = next((p for p in options if p % 12 in raised), None)
                if mid is not None and (mid % 12 == n[0] % 12 or mid % 12 == nxt[0] % 12):
                    mid = None
                if mid is not None:
                    half = n[2] / 2
                    out.append([n[0], n[1], half, n[3]])
                    out.append([mid, n[1] + half, half, max(1, n[3] - 8)])
                    added.append((v, n[1] + half))
                    continue
            out.append(list(n))
        voices[v] = out
    # take back the passing notes that make parallels
    for _ in range(4):
        events, _ = parallels(voices)
        bad = {(e.upper, t) for e in events for t in (e.before, e.after)} | {
            (e.lower, t) for e in events for t in (e.before, e.after)
        }
        culprits = [a for a in added if a in bad]
        if not culprits:
            break
        for v, t in culprits:
            notes = voices[v]
            for k, n in enumerate(notes):
                if abs(n[1] - t) < 1e-9 and k > 0:
                    notes[k - 1][2] += n[2]
                    del notes[k]
                    break
            added.remove((v, t))
    return voices


# -- harmonising ---------------------------------------------------------------------------
def harmonise_melody(
    model: StyleModel,
    melody: Notes,
    key: Key,
    metre: Metre,
    rng: np.random.Generator,
    *,
    surprise: float = 0.3,
    density: float = 0.5,
    voices: int | str = 4,
    cadences: Mapping[float, str] | None = None,
    end: float | None = None,
) -> tuple[dict[str, Notes], list[list[Any]]]:
    """The voices under a melody (never changed) and the chord of each beat.

    ``voices``: 4 (soprano, alto, tenor, bass), 3 (no alto), 2 (melody and bass),
    or ``"chords"`` (the melody and block chords in one voice, with the symbols).
    """
    end = end if end is not None else max(n[1] + n[2] for n in melody)
    beats = melody_beats(melody, metre, 0.0, end)
    if not beats:
        raise InputError("the melody is too short to harmonise")
    last = max(k for k, b in enumerate(beats) if not b.rest)
    for t, kind in (cadences or {}).items():
        k = max((i for i, b in enumerate(beats) if b.t <= t + 1e-9), default=None)
        if k is not None and not beats[k].rest:
            beats[k].cadence = kind
    beats[last].cadence = "final"
    chords, voicing = harmonise_beats(model, key, beats, rng, surprise)
    labels = [[b.t, c] for b, c in zip(beats, chords, strict=True) if not b.rest]
    if voices == "chords":
        return {
            "soprano": [list(n) for n in melody],
            "chords": _block_chords(beats, chords, key),
        }, labels
    which = {4: ("alto", "tenor", "bass"), 3: ("tenor", "bass"), 2: ("bass",), 1: ()}[voices]  # type: ignore[index]
    lower = voices_from(beats, voicing, which, metre, rng, chords=chords)
    lower = add_passing_notes(
        lower | {"soprano": [list(n) for n in melody]}, key, which, rng, 0.1 + 0.35 * density
    )
    out = {"soprano": [list(n) for n in melody]}
    for v in which:
        out[v] = lower[v]
    return out, labels


def _block_chords(beats: Sequence[Beat], chords: Sequence[str], key: Key) -> Notes:
    """Close-position triads around middle C, each the inversion nearest the one before."""
    from .harmony import _pcs

    out: Notes = []
    prev: str | None = None
    last: list[int] | None = None
    for b, c in zip(beats, chords, strict=True):
        if b.rest:
            prev = None
            continue
        if c == prev and out:
            for n in out[-3:]:
                n[2] += b.length
            continue
        pcs = [(key.tonic + pc) % 12 for pc in _pcs(c)][:3]
        options = []
        for k in range(3):
            order = pcs[k:] + pcs[:k]
            for base in range(50, 62):
                if base % 12 != order[0]:
                    continue
                ps = [base]
                for pc in order[1:]:
                    p = ps[-1] + 1
                    while p % 12 != pc:
                        p += 1
                    ps.append(p)
                if ps[-1] <= 70:
                    options.append(ps)
        if last is None:
            choice = min(options, key=lambda ps: abs(sum(ps) / 3 - 60))
        else:
            choice = min(
                options, key=lambda ps: sum(abs(a - b) for a, b in zip(ps, last, strict=True))
            )
        out += [[p, b.t, b.length, VELOCITY["chords"]] for p in choice]
        last, prev = choice, c
    return out


def fresh_chorale(model: StyleModel, c: Controls, rng: np.random.Generator, seed: int) -> Genome:
    melody, plan = fresh_melody(model, c, rng)
    cadences = {end - 1e-6: kind for _, end, kind in plan}
    voices, chords = harmonise_melody(
        model,
        melody,
        c.key,
        c.metre,
        rng,
        surprise=c.surprise,
        density=c.density,
        voices=c.voices,
        cadences=cadences,
    )
    return G.make(
        kind="chorale" if c.voices != 1 else "melody",
        key=c.key,
        metre=c.metre,
        tempo=c.tempo,
        bars=c.bars,
        voices=voices if c.voices != 1 else {"soprano": melody},
        chords=chords if c.voices != 1 else None,
        program=c.program,
        seed=seed,
        style=style_of(model, c),
    )


def style_of(model: StyleModel, c: Controls, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "corpus": model.corpus,
        "model": model.id,
        "training": model.description,
        "surprise": round(c.surprise, 4),
        "density": round(c.density, 4),
    }
    out.update(extra)
    return out


# -- regenerating part of a phrase ----------------------------------------------------------
def parse_selection(selection: Any, genome: Genome) -> tuple[list[str], list[int]]:
    """``{"voices": [...], "bars": [...]}`` checked against the phrase: (voices, 1-based bars)."""
    names = list(genome["voices"])
    if selection is None:
        return names, list(range(1, genome["bars"] + 1))
    if not isinstance(selection, Mapping):
        raise InputError('a selection is {"voices": [...], "bars": [...]}')
    unknown = set(selection) - {"voices", "bars"}
    if unknown:
        raise InputError(f"a selection names voices and bars, not {', '.join(sorted(unknown))}")
    voices = selection.get("voices") or names
    if isinstance(voices, str):
        voices = [voices]
    bad = [v for v in voices if v not in names]
    if bad:
        raise InputError(f"the phrase has no voice {bad[0]!r} (its voices: {', '.join(names)})")
    bars = selection.get("bars") or list(range(1, genome["bars"] + 1))
    if isinstance(bars, int):
        bars = [bars]
    try:
        bars = sorted({int(b) for b in bars})
    except (TypeError, ValueError):
        raise InputError(f"bars are bar numbers from 1, not {bars!r}") from None
    if not bars or bars[0] < 1 or bars[-1] > genome["bars"]:
        raise InputError(f"the phrase has bars 1 to {genome['bars']}, not {bars}")
    return list(dict.fromkeys(voices)), bars


def runs(bars: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive bar numbers as (first, last) runs."""
    out: list[tuple[int, int]] = []
    for b in bars:
        if out and b == out[-1][1] + 1:
            out[-1] = (out[-1][0], b)
        else:
            out.append((b, b))
    return out


def _cut(notes: Notes, t0: float, t1: float) -> tuple[Notes, Notes, Notes]:
    """Notes before t0, starting in [t0, t1), and from t1 (one across t0 is shortened)."""
    before, inside, after = [], [], []
    for n in notes:
        if n[1] < t0 - 1e-9:
            m = list(n)
            if m[1] + m[2] > t0 + 1e-9:
                m[2] = t0 - m[1]
            before.append(m)
        elif n[1] < t1 - 1e-9:
            inside.append(list(n))
        else:
            after.append(list(n))
    return before, inside, after


def chords_of(genome: Genome) -> dict[float, str]:
    """The chord label of every beat (the genome's, else read from its notes)."""
    key, metre = G.key_of(genome), G.metre_of(genome)
    if genome.get("chords"):
        return {float(t): c for t, c in genome["chords"]}
    end = G.end_of(genome)
    grid = beat_grid(metre, 0.0, end)
    labels = label_beats(genome["voices"], key, metre, 0.0, end)
    return {t: c for (t, _), c in zip(grid, labels, strict=True) if c is not None}


def regenerate(
    model: StyleModel,
    genome: Genome,
    selection: Any,
    rng: np.random.Generator,
    *,
    surprise: float = 0.3,
    density: float = 0.5,
    melody: bool | None = None,
) -> Genome:
    """A copy of ``genome`` whose selected voices are made again in the selected bars;
    everything else is kept note for note (and marked kept)."""
    g = G.copy_genome(genome)
    voices, bars = parse_selection(selection, g)
    if g["kind"] == "rhythm":
        from .rhythm import regenerate_lanes

        return regenerate_lanes(model, g, voices, bars, rng, surprise=surprise, density=density)
    key, metre = G.key_of(g), G.metre_of(g)
    chords = chords_of(g)
    satb = [v for v in voices if v in VOICES]
    if len(g["voices"]) == 1 and voices:  # a single line is the melody, whatever its name
        only = next(iter(g["voices"]))
        if only != "soprano":
            g["voices"] = {"soprano": g["voices"][only]}
            return _rename(
                regenerate(
                    model,
                    g,
                    {"voices": ["soprano"], "bars": bars},
                    rng,
                    surprise=surprise,
                    density=density,
                ),
                only,
            )
        satb = ["soprano"]
    if not satb:
        raise InputError(
            "only the soprano, alto, tenor and bass of a phrase can be made again "
            f"(this phrase's voices: {', '.join(g['voices'])})"
        )
    new_melody = "soprano" in satb if melody is None else melody
    kept: list[list[Any]] = []
    for first, last in runs(bars):
        t0, t1 = (first - 1) * metre.bar, last * metre.bar
        t1 = min(t1, max(t1, G.end_of(g)))
        sop = g["voices"].get("soprano", [])
        if new_melody and sop:
            before, _inside, after = _cut(sop, t0, t1)
            hist = [BOS] + [rel(n[0], key.tonic) - REL_LOW for n in before[-6:]]
            lens = [duration_token(n[2]) for n in before[-4:]]
            final = last == g["bars"]
            new = sample_melody(
                model,
                key,
                metre,
                rng,
                t0,
                t1,
                history=hist,
                lengths=lens,
                surprise=surprise,
                density=density,
                cadence="final" if final else "",
                cadence_length=cadence_length(metre, rng) if final else None,
                next_pitch=after[0][0] if after else None,
                low=min(RANGES["soprano"][0], min((n[0] for n in sop), default=60)),
                high=max(RANGES["soprano"][1], max((n[0] for n in sop), default=79)),
            )
            g["voices"]["soprano"] = before + new + after
        lower = [v for v in satb if v != "soprano"]
        if new_melody:
            lower = [v for v in VOICES[1:] if v in g["voices"]] or lower
        if lower:
            _revoice(model, g, key, metre, chords, lower, t0, t1, rng, surprise, density)
    # kept spans: everything outside the runs, and the voices left alone inside them
    changed = set(satb) | ({v for v in VOICES if v in g["voices"]} if new_melody else set())
    spans = [((a - 1) * metre.bar, b * metre.bar) for a, b in runs(bars)]
    end = G.end_of(g)
    for v in g["voices"]:
        if v not in changed:
            kept.append([v, 0.0, end])
            continue
        t = 0.0
        for a, b in spans:
            if a > t + 1e-9:
                kept.append([v, t, a])
            t = b
        if t < end - 1e-9:
            kept.append([v, t, end])
    g["chords"] = [[t, c] for t, c in sorted(chords.items())]
    g["kept"] = kept
    if not g["kept"]:
        g.pop("kept")
    g["voices"] = {v: G.clean_notes(ns) for v, ns in g["voices"].items()}
    return G.validate(g)


def _rename(g: Genome, name: str) -> Genome:
    g["voices"] = {name: g["voices"]["soprano"]}
    if g.get("kept"):
        g["kept"] = [[name if v == "soprano" else v, a, b] for v, a, b in g["kept"]]
    return g


def _revoice(
    model: StyleModel,
    g: Genome,
    key: Key,
    metre: Metre,
    chords: dict[float, str],
    which: Sequence[str],
    t0: float,
    t1: float,
    rng: np.random.Generator,
    surprise: float,
    density: float,
) -> None:
    """Make ``which`` voices again in [t0, t1) under the rest (changes ``g`` and ``chords``)."""
    sop = g["voices"].get("soprano", [])
    beats = melody_beats(sop, metre, t0, t1)
    fixed_voices = [v for v in VOICES if v in g["voices"] and v not in which and v != "soprano"]
    for b in beats:
        for v in fixed_voices:
            n = sounding(g["voices"][v], b.t)
            b.fixed[v] = None if n is None else int(n[0])
        for v in which:
            n = sounding(g["voices"].get(v, []), b.t)
            if n is not None:
                b.avoid[v] = int(n[0])
        for v in VOICES[1:]:
            if v not in g["voices"] and v not in which:
                b.fixed[v] = None
    if beats and abs(t1 - G.end_of(g)) < 1e-9:
        last = max((k for k, b in enumerate(beats) if not b.rest), default=None)
        if last is not None:
            beats[last].cadence = "final"
    grid = sorted(chords)
    before_t = max((t for t in grid if t < t0 - 1e-9), default=None)
    after_t = min((t for t in grid if t >= t1 - 1e-9), default=None)

    def voicing_at(t: float | None) -> tuple[int | None, ...] | None:
        if t is None:
            return None
        row = []
        for v in VOICES:
            n = sounding(g["voices"].get(v, []), t)
            row.append(None if n is None else int(n[0]))
        return tuple(row)

    active = [b for b in beats if not b.rest]
    if not active:
        return
    new_chords, voicing = harmonise_beats(
        model,
        key,
        beats,
        rng,
        surprise,
        before_chord=chords.get(before_t) if before_t is not None else None,
        after_chord=chords.get(after_t) if after_t is not None else None,
        before_voicing=voicing_at(before_t),
        after_voicing=voicing_at(after_t),
        phrase_start=before_t is None,
    )
    for b, c in zip(beats, new_chords, strict=True):
        if not b.rest:
            chords[b.t] = c
    made = voices_from(beats, voicing, list(which), metre, rng, chords=new_chords)
    for v in which:
        before, _, after = _cut(g["voices"].get(v, []), t0, t1)
        g["voices"][v] = before + made[v] + after
    add_passing_notes(g["voices"], key, list(which), rng, 0.1 + 0.35 * density, span=(t0, t1))


def continue_phrase(
    model: StyleModel,
    genome: Genome,
    bars: int,
    rng: np.random.Generator,
    *,
    surprise: float = 0.3,
    density: float = 0.5,
) -> Genome:
    """The phrase with ``bars`` more bars: its melody continued by the model, then
    harmonised; every note it had is kept as it was."""
    g = G.copy_genome(genome)
    if g["kind"] == "rhythm":
        from .rhythm import continue_pattern

        return continue_pattern(model, g, bars, rng, surprise=surprise, density=density)
    key, metre = G.key_of(g), G.metre_of(g)
    if g["bars"] + bars > G.MAX_BARS:
        raise InputError(f"a phrase is at most {G.MAX_BARS} bars long")
    name = "soprano" if "soprano" in g["voices"] else _top_voice(g)
    melody = g["voices"][name]
    start = g["bars"] * metre.bar
    end = (g["bars"] + bars) * metre.bar
    hist = [BOS] + [rel(n[0], key.tonic) - REL_LOW for n in melody[-6:]]
    lens = [duration_token(n[2]) for n in melody[-4:]]
    plan = [(s + start, e + start, c) for s, e, c in phrase_plan(bars, metre)]
    new: Notes = []
    for k, (s, e, cad) in enumerate(plan):
        new += sample_melody(
            model,
            key,
            metre,
            rng,
            s,
            e,
            history=hist if k == 0 else (BOS,),
            lengths=lens if k == 0 else (),
            surprise=surprise,
            density=density,
            cadence=cad,
            cadence_length=min(cadence_length(metre, rng), e - s),
            low=min(RANGES["soprano"][0], min(n[0] for n in melody)),
            high=max(RANGES["soprano"][1], max(n[0] for n in melody)),
        )
    old_end = G.end_of(g)
    kept = [[v, 0.0, old_end] for v in g["voices"]]
    g["voices"][name] = melody + new
    g["bars"] += bars
    chords = chords_of(genome)
    lower = [v for v in VOICES[1:] if v in g["voices"]]
    if name == "soprano" and lower:
        _revoice(model, g, key, metre, chords, lower, start, end, rng, surprise, density)
        g["chords"] = [[t, c] for t, c in sorted(chords.items())]
    elif name == "soprano" and len(g["voices"]) == 1 and genome["kind"] != "melody":
        pass
    g["kept"] = kept
    g["voices"] = {v: G.clean_notes(ns) for v, ns in g["voices"].items()}
    return G.validate(g)


def _top_voice(g: Genome) -> str:
    return max(g["voices"], key=lambda v: np.mean([n[0] for n in g["voices"][v]] or [0]))


def reharmonise(
    model: StyleModel,
    genome: Genome,
    rng: np.random.Generator,
    *,
    voices: int | str = 4,
    surprise: float = 0.3,
    density: float = 0.5,
) -> Genome:
    """New voices (and chords) under the phrase's melody, which is kept note for note."""
    g = G.copy_genome(genome)
    key, metre = G.key_of(g), G.metre_of(g)
    name = "soprano" if "soprano" in g["voices"] else _top_voice(g)
    melody = g["voices"][name]
    end = G.end_of(g)
    made, chords = harmonise_melody(
        model, melody, key, metre, rng, surprise=surprise, density=density, voices=voices, end=end
    )
    made[name] = made.pop("soprano")
    g["voices"] = {v: G.clean_notes(ns) for v, ns in made.items()}
    g["chords"] = chords
    g["kind"] = "chorale"
    g["kept"] = [[name, 0.0, end]]
    return G.validate(g)


def with_controls(c: Controls, **changes: Any) -> Controls:
    return replace(c, **changes)


def range_share(voices: Mapping[str, Notes]) -> float:
    total = sum(len(ns) for v, ns in voices.items() if v in USUAL_RANGES)
    inside = sum(
        USUAL_RANGES[v][0] <= n[0] <= USUAL_RANGES[v][1]
        for v, ns in voices.items()
        if v in USUAL_RANGES
        for n in ns
    )
    return inside / total if total else 1.0


def melody_range_problem(melody: Notes) -> str | None:
    """Why a melody cannot carry four-part harmony under it, if it cannot."""
    low = min(n[0] for n in melody)
    high = max(n[0] for n in melody)
    if high - low > 31:
        return (
            f"the melody spans {high - low} semitones (from MIDI {low} to {high}); "
            "a singable line spans at most about two and a half octaves"
        )
    if low < 52:
        return (
            f"the melody goes down to MIDI {low}, too low to put alto, tenor and bass under it "
            "(lowest 52, E3); transpose it up"
        )
    if high > 91:
        return f"the melody goes up to MIDI {high}, above any voice's range (highest 91, G6)"
    return None
