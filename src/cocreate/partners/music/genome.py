"""The music genome: one phrase, fully written out, as JSON.

::

    {"format": "cocreate.music/1",
     "kind": "chorale",                      # chorale | melody | rhythm
     "key": "G", "mode": "minor", "metre": "3/4", "tempo": 80, "bars": 8,
     "voices": {"soprano": [[67, 0.0, 1.0, 84], ...],   # [pitch, onset, duration, velocity]
                "alto": [...], "tenor": [...], "bass": [...]},
     "chords": [[0.0, "0:min"], [1.0, "7:dom7"], ...],   # key-relative root:quality per beat
     "kept": [["soprano", 0.0, 24.0]],                   # spans carried from the parents as they were
     "program": 19,                                      # General MIDI instrument (rhythm: drums)
     "seed": 1234,
     "style": {"corpus": "bach-chorales", "model": "…", "surprise": 0.3, "density": 0.5}}

Times are quarter notes from the start of the first bar, pitches MIDI numbers.
Everything that renders comes from the genome, so the same genome always gives
the same bytes; ``style`` names the training data and the controls it was made
with, so every proposal's recipe says what it learned from.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...errors import InputError, InvalidGenome
from ...model import Genome
from .theory import MODES, Key, Metre

FORMAT = "cocreate.music/1"
KINDS = ("chorale", "melody", "rhythm")
FIELDS = {
    "format",
    "kind",
    "key",
    "mode",
    "metre",
    "tempo",
    "bars",
    "voices",
    "chords",
    "kept",
    "program",
    "seed",
    "style",
}
MAX_BARS = 512
"""The longest phrase a genome (or a person's file) may hold."""
MAX_NOTES = 20_000
MAX_VOICES = 16
TONICS = {
    "C": 0,
    "C#": 1,
    "Db": 1,
    "D": 2,
    "D#": 3,
    "Eb": 3,
    "E": 4,
    "F": 5,
    "F#": 6,
    "Gb": 6,
    "G": 7,
    "G#": 8,
    "Ab": 8,
    "A": 9,
    "A#": 10,
    "Bb": 10,
    "B": 11,
}
TONIC_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
#: General MIDI drum notes of a rhythm pattern's lanes.
DRUMS = {"low": 36, "mid": 38, "high": 42}


def key_of(genome: Mapping[str, Any]) -> Key:
    return Key(TONICS[genome["key"]], genome["mode"])


def metre_of(genome: Mapping[str, Any]) -> Metre:
    return Metre.parse(genome["metre"])


def make(
    *,
    kind: str,
    key: Key,
    metre: Metre,
    tempo: float,
    bars: int,
    voices: Mapping[str, list[list[float]]],
    chords: list[list[Any]] | None = None,
    kept: list[list[Any]] | None = None,
    program: int = 19,
    seed: int = 0,
    style: Mapping[str, Any] | None = None,
) -> Genome:
    """A genome from its parts, notes sorted and times rounded to 1/48 of a quarter."""
    g: Genome = {
        "format": FORMAT,
        "kind": kind,
        "key": TONIC_NAMES[key.tonic],
        "mode": key.mode,
        "metre": metre.label,
        "tempo": round(float(tempo), 2),
        "bars": int(bars),
        "voices": {v: clean_notes(ns) for v, ns in voices.items()},
        "program": int(program),
        "seed": int(seed),
        "style": dict(style or {}),
    }
    if chords:
        g["chords"] = [[_t(o), str(c)] for o, c in chords]
    if kept:
        g["kept"] = [[str(v), _t(a), _t(b)] for v, a, b in kept]
    return g


def _t(x: float) -> float:
    return round(float(x) * 48) / 48


def clean_notes(notes: list[list[float]] | list[tuple]) -> list[list[Any]]:
    """``[pitch, onset, duration, velocity]`` lists sorted by onset, times on a 1/48 grid."""
    out = []
    for n in notes:
        p, o, d = int(n[0]), _t(n[1]), _t(n[2])
        v = int(n[3]) if len(n) > 3 else 80
        if d <= 0:
            continue
        out.append([p, o, d, v])
    out.sort(key=lambda n: (n[1], n[0]))
    return out


def copy_genome(g: Genome) -> Genome:
    return copy.deepcopy(g)


def end_of(genome: Mapping[str, Any]) -> float:
    """The end of the phrase: its bars, or its last note if that is later."""
    bar = metre_of(genome).bar
    last = max(
        (n[1] + n[2] for ns in genome["voices"].values() for n in ns),
        default=0.0,
    )
    return max(genome.get("bars", 0) * bar, last)


def validate(genome: Any) -> Genome:
    """``genome`` if it is a well-formed music genome, else ``InvalidGenome`` naming why."""
    if not isinstance(genome, Mapping):
        raise InvalidGenome(f"a music genome is a mapping, not {type(genome).__name__}")
    if genome.get("format") != FORMAT:
        raise InvalidGenome(f"not a {FORMAT} genome (format={genome.get('format')!r})")
    unknown = set(genome) - FIELDS
    if unknown:
        raise InvalidGenome(f"unknown genome field(s): {', '.join(sorted(map(str, unknown)))}")
    for name in ("kind", "key", "mode", "metre", "tempo", "bars", "voices"):
        if name not in genome:
            raise InvalidGenome(f"a music genome needs {name!r}")
    if genome["kind"] not in KINDS:
        raise InvalidGenome(f"kind must be one of {', '.join(KINDS)}, not {genome['kind']!r}")
    if genome["key"] not in TONICS:
        raise InvalidGenome(f"key must be a tonic such as 'G' or 'Bb', not {genome['key']!r}")
    if genome["mode"] not in MODES:
        raise InvalidGenome(f"mode must be major or minor, not {genome['mode']!r}")
    try:
        metre = Metre.parse(genome["metre"])
    except InputError as exc:
        raise InvalidGenome(str(exc)) from None
    tempo = genome["tempo"]
    if not _number(tempo) or not 20 <= tempo <= 400:
        raise InvalidGenome(f"tempo must be 20–400 beats a minute, not {tempo!r}")
    bars = genome["bars"]
    if not _integer(bars) or not 1 <= bars <= MAX_BARS:
        raise InvalidGenome(f"bars must be a whole number from 1 to {MAX_BARS}, not {bars!r}")
    voices = genome["voices"]
    if not isinstance(voices, Mapping) or not voices or len(voices) > MAX_VOICES:
        raise InvalidGenome(f"voices must map 1 to {MAX_VOICES} voice names to notes")
    limit = MAX_BARS * metre.bar
    total = 0
    for name, notes in voices.items():
        if not isinstance(name, str) or not 0 < len(name) <= 40:
            raise InvalidGenome(f"a voice's name is short text, not {name!r}")
        if not isinstance(notes, list):
            raise InvalidGenome(f"voice {name!r} must hold a list of notes")
        total += len(notes)
        if total > MAX_NOTES:
            raise InvalidGenome(f"a phrase holds at most {MAX_NOTES:,} notes")
        if _fine(notes, limit):
            continue
        for k, n in enumerate(notes):
            if not isinstance(n, list | tuple) or len(n) != 4:
                raise InvalidGenome(
                    f"note {k} of {name!r} must be [pitch, onset, duration, velocity]"
                )
            p, o, d, v = n
            if not _integer(p) or not 0 <= p <= 127:
                raise InvalidGenome(f"note {k} of {name!r}: pitch {p!r} is not a MIDI number")
            if not _number(o) or not 0 <= o <= limit:
                raise InvalidGenome(f"note {k} of {name!r}: onset {o!r} is outside the phrase")
            if not _number(d) or not 0 < d <= limit:
                raise InvalidGenome(f"note {k} of {name!r}: duration {d!r} is not positive")
            if not _integer(v) or not 1 <= v <= 127:
                raise InvalidGenome(f"note {k} of {name!r}: velocity {v!r} is not 1–127")
    if total == 0:
        raise InvalidGenome("a phrase needs at least one note")
    chords = genome.get("chords", [])
    if not isinstance(chords, list) or not all(
        isinstance(c, list | tuple) and len(c) == 2 and _number(c[0]) and isinstance(c[1], str)
        for c in chords
    ):
        raise InvalidGenome("chords must be a list of [onset, label]")
    kept = genome.get("kept", [])
    if not isinstance(kept, list) or not all(
        isinstance(k, list | tuple)
        and len(k) == 3
        and isinstance(k[0], str)
        and _number(k[1])
        and _number(k[2])
        for k in kept
    ):
        raise InvalidGenome("kept must be a list of [voice, start, end]")
    program = genome.get("program", 0)
    if not _integer(program) or not 0 <= program <= 127:
        raise InvalidGenome(f"program must be a General MIDI instrument 0–127, not {program!r}")
    seed = genome.get("seed", 0)
    if not _integer(seed):
        raise InvalidGenome(f"seed must be a whole number, not {seed!r}")
    style = genome.get("style", {})
    if not isinstance(style, Mapping) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str | int | float | bool))
        for k, v in style.items()
    ):
        raise InvalidGenome("style must map names to text, numbers or booleans")
    if any(isinstance(v, str) and len(v) > 2000 for v in style.values()):
        raise InvalidGenome("a style value is at most 2,000 characters")
    return genome  # type: ignore[return-value]


def _fine(notes: list[Any], limit: float) -> bool:
    """Whether every note is well formed, checked all at once (the loop names a bad one)."""
    if not notes:
        return True
    try:
        if not all(
            type(n) is list and len(n) == 4 and type(n[0]) is int and type(n[3]) is int
            for n in notes
        ):
            return False
        a = np.array(notes, dtype=float)
    except (TypeError, ValueError):
        return False
    if a.shape != (len(notes), 4) or not np.isfinite(a).all():
        return False
    p, o, d, v = a.T
    return bool(
        (p >= 0).all()
        & (p <= 127).all()
        & (o >= 0).all()
        & (o <= limit).all()
        & (d > 0).all()
        & (d <= limit).all()
        & (v >= 1).all()
        & (v <= 127).all()
    )


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _integer(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)
