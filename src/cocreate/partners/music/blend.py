"""Two phrases into one: the in-between (interpolation) and the crossover.

**Interpolation** works as a symbolic counterpart of MusicVAE's walk between
two points: both melodies are laid on one sixteenth grid (the second moved to
the first's tonic, at the octave nearest its register, and stretched to its
length); a sixteenth starts a note where the blend of the two onset patterns,
``(1 − t)·a + t·b``, reaches one half, and the note's pitch is the same blend
of the two sounding pitches, snapped to the scale. The blended melody is then
harmonised by the model at low temperature, from a seed fixed by the two
genomes and ``t``, so the same pair and ``t`` always give the same phrase.
``t = 0`` is the first phrase itself, ``t = 1`` the second.

**Crossover** joins the first phrase's bars before a bar line to the second's
(moved to the first's key) after it, and has the voices around the join made
again so it is one piece of four-part writing.
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import numpy as np

from ...model import Genome
from . import genome as G
from .generate import VELOCITY, _revoice, chords_of, harmonise_melody
from .model import StyleModel, sounding
from .theory import VOICES, Key


def _melody(g: Genome) -> list[list[Any]]:
    if "soprano" in g["voices"]:
        return g["voices"]["soprano"]
    return max(g["voices"].values(), key=lambda ns: np.mean([n[0] for n in ns] or [0]))


def _aligned(a: Genome, b: Genome) -> tuple[list[list[Any]], int]:
    """b's melody on a's tonic, near a's register, stretched to a's length; the shift used."""
    ka, kb = G.key_of(a), G.key_of(b)
    semis = (ka.tonic - kb.tonic) % 12
    mb = _melody(b)
    ma = _melody(a)
    mean_a = np.mean([n[0] for n in ma]) if ma else 67
    mean_b = np.mean([n[0] for n in mb]) if mb else 67
    options = [semis + 12 * k for k in range(-3, 3)]
    shift = min(options, key=lambda s: abs(mean_b + s - mean_a))
    scale = G.end_of(a) / max(G.end_of(b), 1e-9)
    out = [[n[0] + shift, n[1] * scale, n[2] * scale, n[3]] for n in mb]
    return out, shift


def _grid(notes: list[list[Any]], slots: int) -> tuple[np.ndarray, list[int | None]]:
    on = np.zeros(slots)
    pitch: list[int | None] = [None] * slots
    for n in notes:
        s = round(n[1] * 4)
        if 0 <= s < slots:
            on[s] = 1.0
    ordered = sorted(notes, key=lambda n: n[1])
    for s in range(slots):
        m = sounding(ordered, s / 4)
        pitch[s] = None if m is None else int(m[0])
    return on, pitch


def interpolate(model: StyleModel, a: Genome, b: Genome, t: float) -> Genome:
    t = min(max(float(t), 0.0), 1.0)
    if t <= 0.0:
        return G.copy_genome(a)
    if t >= 1.0:
        return G.copy_genome(b)
    if a["kind"] == "rhythm" or b["kind"] == "rhythm":
        if a["kind"] != b["kind"]:
            return G.copy_genome(a if t < 0.5 else b)
        return _blend_lanes(a, b, t)
    ka, kb = G.key_of(a), G.key_of(b)
    metre = G.metre_of(a if t < 0.5 else b)
    length = G.end_of(a)
    slots = max(1, round(length * 4))
    ma = [list(n) for n in _melody(a)]
    mb, _ = _aligned(a, b)
    on_a, p_a = _grid(ma, slots)
    on_b, p_b = _grid(mb, slots)
    w = (1 - t) * on_a + t * on_b
    onsets = [
        s for s in range(slots) if w[s] >= 0.5 - 1e-9 and (p_a[s] is not None or p_b[s] is not None)
    ]
    mode = ka.mode if t < 0.5 else kb.mode
    key = Key(ka.tonic, mode)
    scale = set(key.scale) | ({(key.tonic + 11) % 12} if mode == "minor" else set())
    bar_slots = round(metre.bar * 4)
    melody: list[list[Any]] = []
    for k, s in enumerate(onsets):
        pa, pb = p_a[s], p_b[s]
        x = (1 - t) * (pa if pa is not None else pb) + t * (pb if pb is not None else pa)  # type: ignore[operator]
        p = round(x)
        for d in (0, 1, -1, 2, -2):
            if (p + d) % 12 in scale:
                p += d
                break
        nxt = onsets[k + 1] if k + 1 < len(onsets) else slots
        nxt = min(nxt, (s // bar_slots + 1) * bar_slots) if nxt - s > 1 else nxt
        melody.append([int(p), s / 4, max(1, nxt - s) / 4, VELOCITY["soprano"]])
    if not melody:
        return G.copy_genome(a if t < 0.5 else b)
    seed = zlib.crc32(f"{a.get('seed', 0)}:{b.get('seed', 0)}:{t:.6f}".encode())
    rng = np.random.default_rng(seed)
    bars = max(1, math.ceil(length / metre.bar - 1e-9))
    voices, chords = harmonise_melody(
        model, melody, key, metre, rng, surprise=0.05, density=0.3, end=bars * metre.bar
    )
    style = dict(a.get("style") or {})
    style["between"] = f"{t:.3f} of the way from seed {a.get('seed', 0)} to seed {b.get('seed', 0)}"
    return G.make(
        kind="chorale",
        key=key,
        metre=metre,
        tempo=(1 - t) * a["tempo"] + t * b["tempo"],
        bars=bars,
        voices=voices,
        chords=chords,
        program=a.get("program", 19) if t < 0.5 else b.get("program", 19),
        seed=int(seed),
        style=style,
    )


def _blend_lanes(a: Genome, b: Genome, t: float) -> Genome:
    length = G.end_of(a)
    slots = max(1, round(length * 4))
    scale = length / max(G.end_of(b), 1e-9)
    voices: dict[str, list[list[Any]]] = {}
    for lane in dict.fromkeys([*a["voices"], *b["voices"]]):
        on_a, _ = _grid(a["voices"].get(lane, []), slots)
        nb = [[n[0], n[1] * scale, n[2] * scale, n[3]] for n in b["voices"].get(lane, [])]
        on_b, _ = _grid(nb, slots)
        w = (1 - t) * on_a + t * on_b
        ss = [s for s in range(slots) if w[s] >= 0.5 - 1e-9]
        pitch = G.DRUMS.get(lane, 38)
        voices[lane] = [[pitch, s / 4, 0.25, 96] for s in ss]
    voices = {k: v for k, v in voices.items() if v} or {"low": [[36, 0.0, 0.5, 110]]}
    g = G.copy_genome(a)
    g["voices"] = voices
    g["tempo"] = round((1 - t) * a["tempo"] + t * b["tempo"], 2)
    g.pop("kept", None)
    return G.validate(g)


def cross(model: StyleModel, a: Genome, b: Genome, rng: np.random.Generator) -> Genome:
    """a's bars before a bar line, then b's (in a's key), the voices at the join made again."""
    g = G.copy_genome(a)
    metre = G.metre_of(a)
    if g["bars"] < 2:
        return interpolate(model, a, b, 0.5)
    k = int(rng.integers(1, g["bars"]))
    join = k * metre.bar
    _, shift = _aligned(a, b)
    same_metre = G.metre_of(b).bar == metre.bar
    scale = 1.0 if same_metre else G.end_of(a) / max(G.end_of(b), 1e-9)
    end = G.end_of(a)
    if a["kind"] == "rhythm" or b["kind"] == "rhythm":
        shift = 0
    for v in dict.fromkeys([*a["voices"], *b["voices"]]):
        mine = [list(n) for n in a["voices"].get(v, []) if n[1] < join - 1e-9]
        for n in mine:
            n[2] = min(n[2], join - n[1])
        theirs = [
            [n[0] + shift, n[1] * scale, n[2] * scale, n[3]]
            for n in b["voices"].get(v, [])
            if join - 1e-9 <= n[1] * scale < end - 1e-9
        ]
        g["voices"][v] = mine + theirs
    g["voices"] = {v: ns for v, ns in g["voices"].items() if ns}
    if not g["voices"]:
        return G.copy_genome(a)
    g.pop("kept", None)
    if g["kind"] != "rhythm" and "soprano" in g["voices"]:
        key = G.key_of(g)
        chords = {t: c for t, c in chords_of(a).items() if t < join - 1e-9}
        chords.update({t * scale: c for t, c in chords_of(b).items() if t * scale >= join - 1e-9})
        lower = [v for v in VOICES[1:] if v in g["voices"]]
        t0 = max(0.0, join - metre.bar)
        t1 = min(end, join + metre.bar)
        if lower:
            _revoice(model, g, key, metre, chords, lower, t0, t1, rng, 0.2, 0.4)
        g["chords"] = [[t, c] for t, c in sorted(chords.items())]
    g["voices"] = {v: G.clean_notes(ns) for v, ns in g["voices"].items()}
    return G.validate(g)
