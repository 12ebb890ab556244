"""Rhythmic patterns for a metre: three percussion lanes drawn from the learned onset model.

The onset model (:mod:`.model`) knows how likely a note is to start on each
sixteenth given its metrical weight (bar, beat, eighth, other) and the onsets
just before, learned from the corpus melodies. Because it speaks of weights,
not of positions in 4/4, it serves any metre: 7/8 grouped 2+2+3 has its beats
where the groups start. Each lane leans on it differently — ``low`` (a bass
drum) on the bar and the strong beats, ``mid`` (a snare) on the other group
starts, ``high`` (a hi-hat) on the subdivisions — and *density* raises or
lowers every lane. A one-bar cell is drawn, then repeated with the
variations the model draws for later bars, and the last bar gets a fill.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...errors import InputError
from ...model import Genome
from . import genome as G
from .model import StyleModel
from .theory import Key, Metre

LANES = ("low", "mid", "high")
#: Added to the log-odds of an onset, by lane and metrical weight (0 other … 3 bar).
_BIAS = {
    "low": {3: 3.0, 2: 0.2, 1: -1.6, 0: -3.0},
    "mid": {3: -2.5, 2: 1.4, 1: -0.8, 0: -2.2},
    "high": {3: 0.8, 2: 0.8, 1: 1.4, 0: -0.6},
}
_VELOCITY = {3: 110, 2: 96, 1: 78, 0: 64}


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _cell(
    model: StyleModel,
    metre: Metre,
    lane: str,
    rng: np.random.Generator,
    density: float,
    surprise: float,
    history: list[int],
    fill: bool = False,
) -> list[int]:
    weights = metre.weights()
    tau = 0.55 + surprise
    out = []
    for s, w in enumerate(weights):
        p = float(model.onsets.distribution((int(w),), history[-4:])[1])
        z = _logit(p) + _BIAS[lane][int(w)] + 3.0 * (density - 0.5) + (1.2 if fill else 0.0)
        if lane == "mid" and s == 0:
            z -= 2.0
        z /= tau
        bit = 1 if rng.random() < 1 / (1 + math.exp(-z)) else 0
        if lane == "low" and s == 0:
            bit = 1  # the bar is always marked
        out.append(bit)
        history.append(bit)
    return out


def _notes(bits: Sequence[int], metre: Metre, bar: int, lane: str) -> list[list[Any]]:
    weights = metre.weights()
    pitch = G.DRUMS[lane]
    onsets = [s for s, b in enumerate(bits) if b]
    out = []
    for k, s in enumerate(onsets):
        nxt = onsets[k + 1] if k + 1 < len(onsets) else len(bits)
        length = min(nxt - s, 2) / 4
        vel = _VELOCITY[int(weights[s])] - (12 if lane == "high" else 0)
        out.append([pitch, bar * metre.bar + s / 4, length, int(max(1, vel))])
    return out


def pattern(
    model: StyleModel,
    metre: Metre,
    bars: int,
    tempo: float,
    rng: np.random.Generator,
    *,
    density: float = 0.5,
    surprise: float = 0.3,
    seed: int = 0,
    lanes: Sequence[str] = LANES,
    style: dict[str, Any] | None = None,
) -> Genome:
    """A ``bars``-bar pattern in ``metre``: a cell per lane, repeated with variations."""
    voices: dict[str, list[list[Any]]] = {}
    for lane in lanes:
        history: list[int] = []
        cell = _cell(model, metre, lane, rng, density, surprise, history)
        notes: list[list[Any]] = []
        for b in range(bars):
            if b == bars - 1 and bars > 1:
                bits = _cell(model, metre, lane, rng, density, surprise, history, fill=True)
            elif b > 0 and rng.random() < 0.25 + 0.5 * surprise:
                bits = _cell(model, metre, lane, rng, density, surprise, history)
            else:
                bits = cell
            notes += _notes(bits, metre, b, lane)
        voices[lane] = notes
    if not any(voices.values()):
        voices["low"] = [[G.DRUMS["low"], 0.0, 0.5, 110]]
    return G.make(
        kind="rhythm",
        key=Key(0, "major"),
        metre=metre,
        tempo=tempo,
        bars=bars,
        voices={k: v for k, v in voices.items() if v} or voices,
        program=0,
        seed=seed,
        style=dict(style or {}),
    )


def regenerate_lanes(
    model: StyleModel,
    genome: Genome,
    lanes: Sequence[str],
    bars: Sequence[int],
    rng: np.random.Generator,
    *,
    surprise: float = 0.3,
    density: float = 0.5,
) -> Genome:
    """The pattern with the chosen lanes drawn again in the chosen bars (the rest kept)."""
    g = G.copy_genome(genome)
    metre = G.metre_of(g)
    bad = [lane for lane in lanes if lane not in LANES]
    if bad:
        raise InputError(f"a rhythm pattern's lanes are {', '.join(LANES)}, not {bad[0]!r}")
    bar_set = set(bars)
    kept = []
    for lane in g["voices"]:
        if lane not in lanes:
            kept.append([lane, 0.0, g["bars"] * metre.bar])
    for lane in lanes:
        old = g["voices"].get(lane, [])
        keep = [n for n in old if int(n[1] // metre.bar) + 1 not in bar_set]
        history: list[int] = []
        new = []
        for b in sorted(bar_set):
            bits = _cell(model, metre, lane, rng, density, surprise, history)
            new += _notes(bits, metre, b - 1, lane)
        g["voices"][lane] = G.clean_notes(keep + new)
        for b in range(1, g["bars"] + 1):
            if b not in bar_set:
                kept.append([lane, (b - 1) * metre.bar, b * metre.bar])
    g["voices"] = {k: v for k, v in g["voices"].items() if v}
    if not g["voices"]:
        g["voices"] = {"low": [[G.DRUMS["low"], 0.0, 0.5, 110]]}
    g["kept"] = kept
    return G.validate(g)


def continue_pattern(
    model: StyleModel,
    genome: Genome,
    bars: int,
    rng: np.random.Generator,
    *,
    surprise: float = 0.3,
    density: float = 0.5,
) -> Genome:
    g = G.copy_genome(genome)
    metre = G.metre_of(g)
    start = g["bars"]
    kept = [[lane, 0.0, start * metre.bar] for lane in g["voices"]]
    for lane in list(g["voices"]):
        if lane not in LANES:
            continue
        history: list[int] = []
        for b in range(start, start + bars):
            bits = _cell(
                model, metre, lane, rng, density, surprise, history, fill=b == start + bars - 1
            )
            g["voices"][lane] += _notes(bits, metre, b, lane)
        g["voices"][lane] = G.clean_notes(g["voices"][lane])
    g["bars"] = start + bars
    g["kept"] = kept
    return G.validate(g)
