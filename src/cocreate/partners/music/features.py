"""What taste is learned from: seventeen numbers in [0, 1] read from the notes alone.

The same function reads a genome and a person's file (parsed), so a proposal and
an upload are described alike. Nothing comes from how the phrase was made: the
key and mode are found from the notes (Krumhansl–Schmuckler), the tempo and
metre are the file's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .theory import Key, Metre, key_scores

FEATURE_NAMES = (
    "register",  # mean pitch of the melody, C3..C6
    "range",  # the melody's span, up to two octaves
    "steps",  # share of the melody's moves that are steps (1–2 semitones)
    "leaps",  # mean size of its moves, up to a fifth
    "ascent",  # share of its moves that rise
    "arch",  # how much the melody rises to a peak and falls again
    "density",  # notes per beat over all voices
    "activity",  # the melody's notes per beat
    "rhythmic_variety",  # entropy of the note lengths
    "syncopation",  # notes starting off the beat and held across it
    "consonance",  # consonant share of the intervals sounding at onsets
    "minor",  # how minor the notes sound (key-finding correlation)
    "brightness",  # the key's place on the circle of fifths
    "chromaticism",  # notes outside the key's scale
    "bass_motion",  # mean size of the lowest voice's moves
    "tempo",  # 40..200 beats a minute
    "texture",  # voices sounding together, up to four
)
_CONSONANT = {0, 3, 4, 5, 7, 8, 9}


def _clip(x: float) -> float:
    return float(min(1.0, max(0.0, x))) if math.isfinite(x) else 0.5


def _melody(voices: Mapping[str, Sequence[Sequence[Any]]]) -> list[Sequence[Any]]:
    if voices.get("soprano"):
        return sorted(voices["soprano"], key=lambda n: n[1])
    named = [ns for ns in voices.values() if ns]
    if not named:
        return []
    top = max(named, key=lambda ns: sum(n[0] for n in ns) / len(ns))
    # a polyphonic line: its highest note at each onset
    best: dict[float, Sequence[Any]] = {}
    for n in top:
        if n[1] not in best or n[0] > best[n[1]][0]:
            best[n[1]] = n
    return [best[t] for t in sorted(best)]


def describe_notes(
    voices: Mapping[str, Sequence[Sequence[Any]]],
    metre: Metre,
    tempo: float,
    drums: bool = False,
) -> np.ndarray:
    """The feature vector (see :data:`FEATURE_NAMES`)."""
    notes = [n for ns in voices.values() for n in ns]
    if not notes:
        return np.full(len(FEATURE_NAMES), 0.5)
    mel = _melody(voices)
    pitches = np.array([n[0] for n in mel], dtype=float)
    moves = np.diff(pitches) if len(pitches) > 1 else np.zeros(1)
    absm = np.abs(moves)
    nonzero = absm[absm > 0]
    register = _clip((pitches.mean() - 48) / 36)
    span = _clip((pitches.max() - pitches.min()) / 24)
    steps = _clip(float(np.mean((nonzero >= 1) & (nonzero <= 2))) if len(nonzero) else 0.0)
    leaps = _clip(float(absm.mean()) / 7)
    ascent = _clip(float(np.mean(moves[moves != 0] > 0)) if np.any(moves != 0) else 0.5)
    if len(pitches) >= 3:
        x = np.linspace(-1, 1, len(pitches))
        arch_shape = 1 - x**2
        c = np.corrcoef(pitches, arch_shape)[0, 1] if pitches.std() > 0 else 0.0
        arch = _clip((c + 1) / 2)
    else:
        arch = 0.5
    end = max(n[1] + n[2] for n in notes)
    beats = max(1.0, end / metre.bar * len(metre.beats))
    density = _clip(len(notes) / beats / 8)
    activity = _clip(len(mel) / beats / 2.5)
    lengths = [round(n[2] * 4) / 4 for n in notes]
    _, counts = np.unique(lengths, return_counts=True)
    p = counts / counts.sum()
    variety = _clip(float(-(p * np.log(p)).sum()) / math.log(6))
    bar = metre.bar
    beat_points = [b for b in metre.beats]

    def on_beat(t: float) -> bool:
        pos = t % bar
        return any(abs(pos - b) < 1e-6 for b in beat_points)

    def next_beat(t: float) -> float:
        pos = t % bar
        later = [b for b in beat_points if b > pos + 1e-6]
        return t - pos + (later[0] if later else bar)

    sync = sum(1 for n in notes if not on_beat(n[1]) and n[1] + n[2] > next_beat(n[1]) + 1e-6)
    syncopation = _clip(sync / len(notes) * 4)
    # vertical intervals at onsets
    onsets = sorted({n[1] for n in notes})
    cons = total = 0
    if len(voices) > 1 and not drums:
        by_voice = [sorted(ns, key=lambda n: n[1]) for ns in voices.values() if ns]
        for t in onsets[:400]:
            sounding = [n[0] for ns in by_voice for n in ns if n[1] <= t < n[1] + n[2]]
            for i in range(len(sounding)):
                for j in range(i + 1, len(sounding)):
                    total += 1
                    cons += abs(sounding[i] - sounding[j]) % 12 in _CONSONANT
    consonance = cons / total if total else 0.5
    h = np.zeros(12)
    for n in notes:
        h[n[0] % 12] += n[2]
    if drums:
        minor = brightness = chroma = 0.5
    else:
        scores = key_scores(h)
        if not np.any(scores):
            minor, key = 0.5, Key(0, "major")
        else:
            m, t = np.unravel_index(int(np.argmax(scores)), scores.shape)
            key = Key(int(t), "minor" if m else "major")
            minor = _clip(0.5 + 2.0 * (scores[1].max() - scores[0].max()))
        brightness = _clip((key.fifths + 6) / 12)
        scale = set(key.scale) | ({(key.tonic + 11) % 12} if key.mode == "minor" else set())
        chroma = _clip(float(sum(h[pc] for pc in range(12) if pc not in scale) / h.sum()) * 4)
    low_name = "bass" if "bass" in voices else None
    if low_name is None and len(voices) > 1:
        low_name = min(voices, key=lambda v: np.mean([n[0] for n in voices[v]] or [127]))
    bass = sorted(voices[low_name], key=lambda n: n[1]) if low_name else []
    bm = np.abs(np.diff([n[0] for n in bass])) if len(bass) > 1 else np.zeros(1)
    bass_motion = _clip(float(bm.mean()) / 7) if low_name else 0.0
    tempo_f = _clip((tempo - 40) / 160)
    layers = [
        sum(1 for ns in voices.values() for n in ns if n[1] <= t < n[1] + n[2])
        for t in onsets[:: max(1, len(onsets) // 64)]
    ]
    texture = _clip(float(np.mean(layers)) / 4)
    out = np.array(
        [
            register,
            span,
            steps,
            leaps,
            ascent,
            arch,
            density,
            activity,
            variety,
            syncopation,
            consonance,
            minor,
            brightness,
            chroma,
            bass_motion,
            tempo_f,
            texture,
        ]
    )
    return np.nan_to_num(out, nan=0.5)
