"""The little music theory the partner needs: keys, scales, metres, chords and voice ranges.

Pitches are MIDI numbers; times are quarter notes. A key is a tonic pitch class
and a mode (``"major"`` or ``"minor"``); the style models work in *key-relative*
pitch (the MIDI pitch minus the tonic's pitch class), so one model serves every
key. A metre knows its bar length, the *beats* a chord may change on (one per
quarter in 3/4, per dotted quarter in 6/8, per group of eighths in 7/8 = 2+2+3)
and the metrical weight of every sixteenth of the bar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

from ...errors import InputError

__all__ = [
    "CHORD_QUALITIES",
    "MODES",
    "RANGES",
    "USUAL_RANGES",
    "VOICES",
    "Key",
    "Metre",
    "chord_label",
    "chord_pcs",
    "detect_key",
    "parse_pitch",
    "pitch_name",
    "roman",
]

MODES = ("major", "minor")
VOICES = ("soprano", "alto", "tenor", "bass")
#: The ranges a chorale's voices usually keep (inclusive MIDI numbers): the quality
#: benchmark counts notes inside them.
USUAL_RANGES: dict[str, tuple[int, int]] = {
    "soprano": (60, 81),  # C4–A5
    "alto": (53, 74),  # F3–D5
    "tenor": (48, 69),  # C3–A4
    "bass": (36, 62),  # C2–D4
}
#: The ranges the voicing search keeps to (a little tighter: it aims inside the usual).
RANGES: dict[str, tuple[int, int]] = {
    "soprano": (60, 79),
    "alto": (55, 72),
    "tenor": (48, 67),
    "bass": (40, 60),
}
#: The scale of each mode, semitones above the tonic (minor: natural minor; the chord
#: vocabulary supplies the raised leading tone where the corpus uses it).
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}

_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_PITCH = re.compile(r"^([A-Ga-g])(#{1,2}|b{1,2}|♯|♭|s|is|es)?(-?\d)$")
_KEY = re.compile(
    r"\b([A-Ga-g])(#|b|♯|♭|-flat|-sharp| flat| sharp)?[ -]?(major|minor|maj|min|m)?\b",
)


def pitch_name(pitch: int) -> str:
    """``60`` as ``"C4"`` (flats for the black keys but F# and C#)."""
    return f"{_NAMES[pitch % 12]}{pitch // 12 - 1}"


def parse_pitch(text: str) -> int:
    """``"Bb3"`` as 58; ``InputError`` naming the text if it is not a pitch."""
    m = _PITCH.match(text.strip())
    if not m:
        raise InputError(f"{text!r} is not a pitch (write a letter, an accidental, an octave: Bb3)")
    letter, acc, octave = m.groups()
    pc = _STEPS[letter.upper()]
    acc = acc or ""
    pc += acc.count("#") + acc.count("♯") + (1 if acc in ("s", "is") else 0)
    pc -= acc.count("b") + acc.count("♭") + (1 if acc == "es" else 0)
    pitch = 12 * (int(octave) + 1) + pc
    if not 0 <= pitch <= 127:
        raise InputError(f"{text!r} is outside the MIDI range")
    return pitch


@dataclass(frozen=True)
class Key:
    """A tonic pitch class (0 = C) and a mode."""

    tonic: int
    mode: str = "major"

    def __post_init__(self) -> None:
        if not (isinstance(self.tonic, int) and 0 <= self.tonic < 12):
            raise InputError(f"a key's tonic is a pitch class 0–11, not {self.tonic!r}")
        if self.mode not in MODES:
            raise InputError(f"a key's mode is major or minor, not {self.mode!r}")

    @property
    def name(self) -> str:
        return f"{_NAMES[self.tonic]} {self.mode}"

    @property
    def scale(self) -> tuple[int, ...]:
        """The pitch classes of the key's scale."""
        return tuple((self.tonic + s) % 12 for s in SCALES[self.mode])

    @property
    def fifths(self) -> int:
        """Sharps (positive) or flats (negative) of the key signature, -6..6."""
        major = self.tonic if self.mode == "major" else (self.tonic + 3) % 12
        f = (major * 7) % 12
        return f - 12 if f > 6 else f

    @classmethod
    def parse(cls, text: str) -> Key:
        """``"G minor"``, ``"Gm"``, ``"Bb major"``, ``"f#"`` (major unless it says minor)."""
        key = find_key(text)
        if key is None:
            raise InputError(f"{text!r} is not a key (write a tonic and a mode: 'G minor')")
        return key

    def snap(self, pitch: int) -> int:
        """The nearest pitch of the scale (ties go down)."""
        scale = set(self.scale)
        for d in (0, -1, 1, -2, 2):
            if (pitch + d) % 12 in scale:
                return pitch + d
        return pitch  # pragma: no cover - every pitch is within 2 of a scale tone


def find_key(text: str) -> Key | None:
    """The first key named in ``text`` ("a chorale phrase in G minor, 3/4"), if any."""
    for m in _KEY.finditer(text):
        letter, acc, mode = m.groups()
        before = text[max(0, m.start() - 4) : m.start()].lower()
        if mode is None and not (before.endswith("in ") or before.endswith("key ")):
            continue  # a bare letter is only a key after "in" or "key" ("a", "b" are words)
        if mode is None and letter.islower() and len(text.strip()) > 3:
            continue
        pc = _STEPS[letter.upper()]
        acc = (acc or "").strip().lstrip("-")
        pc += 1 if acc in ("#", "♯", "sharp") else -1 if acc in ("b", "♭", "flat") else 0
        minor = mode in ("minor", "min", "m")
        return Key(pc % 12, "minor" if minor else "major")
    stripped = text.strip()
    m = re.fullmatch(r"([A-Ga-g])(#|b)?(m|min|minor|maj|major)?", stripped)
    if m:
        letter, acc, mode = m.groups()
        pc = (_STEPS[letter.upper()] + (1 if acc == "#" else -1 if acc == "b" else 0)) % 12
        minor = mode in ("m", "min", "minor") or (mode is None and letter.islower())
        return Key(pc, "minor" if minor else "major")
    return None


# -- key finding ------------------------------------------------------------------------
# Key profiles: how strongly each scale degree sounds in a key, from listeners' ratings
# (Krumhansl & Kessler 1982), rotated to every tonic and correlated with a piece's
# duration-weighted pitch-class histogram.
_MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


_PROFILES = np.stack(
    [np.roll(prof, t) for prof in (_MAJOR_PROFILE, _MINOR_PROFILE) for t in range(12)]
)
_CENTRED = _PROFILES - _PROFILES.mean(axis=1, keepdims=True)
_CENTRED /= np.linalg.norm(_CENTRED, axis=1, keepdims=True)


def key_scores(histogram: np.ndarray) -> np.ndarray:
    """Correlation of a 12-bin histogram with each key: shape (2, 12), major then minor."""
    h = np.asarray(histogram, dtype=float)
    c = h - h.mean()
    norm = np.linalg.norm(c)
    if h.sum() <= 0 or norm < 1e-12:
        return np.zeros((2, 12))
    return (_CENTRED @ (c / norm)).reshape(2, 12)


def detect_key(pitches: list[int], durations: list[float], final: int | None = None) -> Key:
    """The key of a set of notes (Krumhansl–Schmuckler), a final note breaking near-ties."""
    h = np.zeros(12)
    for p, d in zip(pitches, durations, strict=True):
        h[p % 12] += d
    scores = key_scores(h)
    if final is not None:
        scores[:, final % 12] += 0.08  # pieces end on their tonic far more often than not
    m, t = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return Key(int(t), MODES[int(m)])


# -- metre ------------------------------------------------------------------------------
_METRE = re.compile(r"^\s*(\d{1,2})\s*/\s*(1|2|4|8|16)\s*(?::\s*([\d+]+))?\s*$")
_METRE_IN_TEXT = re.compile(r"\b(\d{1,2})/(2|4|8|16)\b")


@dataclass(frozen=True)
class Metre:
    """A time signature, with its grouping of eighths for irregular metres (7/8 = 2+2+3)."""

    numerator: int
    denominator: int
    groups: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not 1 <= self.numerator <= 32 or self.denominator not in (1, 2, 4, 8, 16):
            raise InputError(f"{self.numerator}/{self.denominator} is not a metre cocreate plays")
        if self.groups and sum(self.groups) != self.numerator:
            raise InputError(
                f"the groups {'+'.join(map(str, self.groups))} do not add up to "
                f"{self.numerator}/{self.denominator}"
            )

    @classmethod
    def parse(cls, text: str) -> Metre:
        """``"3/4"``, ``"7/8"`` (grouped 2+2+3) or ``"7/8:3+2+2"``."""
        if not isinstance(text, str):
            raise InputError(f"a metre is text like '3/4' or '7/8', not {text!r}")
        m = _METRE.match(text)
        if not m:
            raise InputError(f"{text!r} is not a metre (write it as 3/4, 6/8 or 7/8:2+2+3)")
        num, den = int(m.group(1)), int(m.group(2))
        groups = tuple(int(g) for g in m.group(3).split("+") if g) if m.group(3) else ()
        if any(g < 1 for g in groups):
            raise InputError(f"{text!r}: a group is at least one beat")
        return cls(num, den, groups)

    @classmethod
    def find(cls, text: str) -> Metre | None:
        m = _METRE_IN_TEXT.search(text)
        return cls(int(m.group(1)), int(m.group(2))) if m else None

    @property
    def name(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    @property
    def label(self) -> str:
        """The name with a grouping that differs from the default (``"7/8:3+2+2"``)."""
        if self.groups and self.groups != self._default_groups():
            return f"{self.name}:{'+'.join(map(str, self.groups))}"
        return self.name

    @property
    def bar(self) -> float:
        """The bar's length in quarter notes."""
        return self.numerator * 4.0 / self.denominator

    @property
    def compound(self) -> bool:
        return self.denominator >= 8 and self.numerator % 3 == 0 and self.numerator > 3

    def _default_groups(self) -> tuple[int, ...]:
        n = self.numerator
        if self.denominator < 8:
            return (1,) * n
        if self.compound:
            return (3,) * (n // 3)
        if n <= 3:
            return (n,)
        twos, rest = divmod(n, 2)
        if rest:  # an odd count: twos, with a three at the end (7/8 = 2+2+3)
            return (2,) * (twos - 1) + (3,)
        return (2,) * twos

    @property
    def beat_groups(self) -> tuple[int, ...]:
        """Beats of the bar, counted in units of the denominator."""
        return self.groups or self._default_groups()

    @property
    def beats(self) -> tuple[float, ...]:
        """Onsets of the beats within a bar, in quarter notes (a chord may change on each)."""
        unit = 4.0 / self.denominator
        out, t = [], 0.0
        for g in self.beat_groups:
            out.append(t)
            t += g * unit
        return tuple(out)

    def weights(self) -> np.ndarray:
        """The metrical weight of each sixteenth of the bar: 3 bar, 2 beat, 1 eighth, 0 other."""
        n = round(self.bar * 4)
        w = np.zeros(n, dtype=int)
        w[::2] = 1
        for b in self.beats:
            w[round(b * 4)] = 2
        w[0] = 3
        return w


# -- chords -----------------------------------------------------------------------------
#: Chord qualities as pitch classes above the root, triads first.
CHORD_QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "dom7": (0, 4, 7, 10),
    "min7": (0, 3, 7, 10),
    "maj7": (0, 4, 7, 11),
    "hdim7": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9),
}
_NUMERALS = {0: "I", 2: "II", 4: "III", 5: "IV", 7: "V", 9: "VI", 11: "VII"}


def chord_pcs(label: str, tonic: int = 0) -> tuple[int, ...]:
    """The pitch classes of a chord label ``"7:dom7"`` (root in semitones above the tonic)."""
    root, quality = parse_label(label)
    return tuple((tonic + root + i) % 12 for i in CHORD_QUALITIES[quality])


@lru_cache(maxsize=4096)
def parse_label(label: str) -> tuple[int, str]:
    root, _, quality = label.partition(":")
    if quality not in CHORD_QUALITIES or not root.isdigit() or not 0 <= int(root) < 12:
        raise InputError(f"{label!r} is not a chord label (root:quality, e.g. '7:dom7')")
    return int(root), quality


def roman(label: str, mode: str = "major") -> str:
    """A Roman numeral for a key-relative chord label (``"7:dom7"`` is ``"V7"``)."""
    root, quality = parse_label(label)
    scale = SCALES[mode]
    if root in _NUMERALS and (mode == "major" or root in scale):
        numeral, prefix = _NUMERALS[root], ""
    elif (root + 1) % 12 in _NUMERALS:
        numeral, prefix = _NUMERALS[(root + 1) % 12], "b"
    else:
        numeral, prefix = _NUMERALS[(root - 1) % 12], "#"
    if mode == "minor" and root in (3, 8, 10):
        numeral, prefix = {3: "III", 8: "VI", 10: "VII"}[root], ""
    if quality in ("min", "min7", "dim", "hdim7", "dim7"):
        numeral = numeral.lower()
    suffix = {
        "maj": "",
        "min": "",
        "dim": "°",
        "aug": "+",
        "dom7": "7",
        "min7": "7",
        "maj7": "maj7",
        "hdim7": "ø7",
        "dim7": "°7",
    }[quality]
    return prefix + numeral + suffix


def chord_label(
    pitches: list[int], tonic: int, bass: int | None = None, weights: list[float] | None = None
) -> str | None:
    """The chord (key-relative ``root:quality``) the sounding ``pitches`` spell best, if any.

    Every template is scored by the weight of its tones present minus the weight of
    the pitches it leaves out, and a missing third costs more than a missing fifth;
    the bass as root breaks ties. None when fewer than two pitch classes sound.
    """
    if weights is None:
        weights = [1.0] * len(pitches)
    w = np.zeros(12)
    for p, x in zip(pitches, weights, strict=True):
        w[(p - tonic) % 12] += x
    if np.count_nonzero(w) < 2:
        return None
    bass_pc = None if bass is None else (bass - tonic) % 12
    best, best_score = None, -1e9
    for quality, ivs in CHORD_QUALITIES.items():
        seventh = len(ivs) == 4
        for root in range(12):
            tones = [(root + i) % 12 for i in ivs]
            present = sum(w[t] for t in tones)
            outside = w.sum() - present
            score = present - 1.5 * outside
            if w[tones[1]] == 0:
                score -= 1.2  # no third: hardly this chord
            if w[tones[0]] == 0:
                score -= 1.0
            if seventh and w[tones[3]] == 0:
                score -= 2.0  # a seventh chord needs its seventh
            if quality == "aug":
                score -= 0.8
            if bass_pc is not None and bass_pc == root:
                score += 0.3
            if score > best_score + 1e-9:
                best, best_score = f"{root}:{quality}", score
    return best


def metre_fraction(x: float) -> Fraction:
    """A time as an exact fraction of a quarter (times are multiples of 1/48 here)."""
    return Fraction(round(x * 48), 48)
