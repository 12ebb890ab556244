"""The style model: what the partner learned from real music, trained once and cached on disk.

Four parts, each counted from the corpus (see :mod:`.corpus`):

* **melody** — per mode, a variable-order Markov model (:class:`.vomm.VOMM`, up
  to four notes of context) of key-relative pitch (the MIDI pitch minus the
  tonic's, so one model serves every key, and register is kept);
* **rhythm** — a VOMM of note lengths, each conditioned on the metrical weight
  of its onset and up to three lengths before it; and a VOMM of onsets on a
  sixteenth grid by metrical weight, which generalises to metres the corpus
  lacks (7/8) since it only knows strong, beat, eighth and other positions;
* **harmony** — per mode, from the chorales: a chord label on every beat
  (key-relative root and quality), chord-to-chord transitions, which chords
  start a phrase and which end one at a fermata (cadences), which soprano pitch
  classes sound over each chord, each quality's inversions, and how far each
  voice moves from beat to beat.

The trained model is cached as JSON in ``platformdirs.user_cache_dir("cocreate")``
(or ``$COCREATE_CACHE_DIR``), under a name that holds the corpus, the slice and
:data:`MODEL_VERSION`; a file that is missing, unreadable or for other code is
trained again and replaced atomically. Every genome names the model it came from.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .corpus import CORPORA, Piece, check_corpus, pieces
from .theory import CHORD_QUALITIES, MODES, VOICES, Metre, chord_label, parse_label
from .vomm import VOMM

log = logging.getLogger(__name__)

MODEL_VERSION = "music-style-3"
"""Bumped whenever training changes what a model holds: old cache files are then retrained."""

#: Key-relative pitch (MIDI pitch minus 60 minus the tonic's pitch class) runs over this range.
REL_LOW, REL_HIGH = -30, 36
PITCHES = REL_HIGH - REL_LOW + 1
BOS = -1
#: The note lengths the rhythm model knows, in quarter notes (others round to the nearest).
DURATIONS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 6.0)
PITCH_ORDER = 4
DURATION_ORDER = 3
ONSET_ORDER = 4
ESCAPE = 3.0
"""How little a sparse long context is trusted (see :class:`.vomm.VOMM`)."""
MOTION = 25  # intervals -24..24 between a voice's pitches on consecutive beats


def rel(pitch: int, tonic: int) -> int:
    return min(REL_HIGH, max(REL_LOW, pitch - 60 - tonic))


def duration_token(d: float) -> int:
    return int(np.argmin([abs(d - x) for x in DURATIONS]))


def onset_level(metre: Metre, onset: float) -> int:
    """The metrical weight (0–3) of an onset; a position off the sixteenth grid weighs 0."""
    pos = (onset % metre.bar) * 4
    if abs(pos - round(pos)) > 1e-6:
        return 0
    w = metre.weights()
    return int(w[round(pos) % len(w)])


def sounding(notes: list[list[Any]], t: float) -> list[Any] | None:
    """The note of a (monophonic) voice sounding at time ``t``."""
    for n in notes:
        if n[1] <= t + 1e-9 < n[1] + n[2]:
            return n
        if n[1] > t + 1e-9:
            break
    return None


class HarmonyModel:
    """Chords on beats, learned from four-part chorales (see the module docstring)."""

    def __init__(self) -> None:
        self.transitions: Counter[tuple[str, str]] = Counter()
        self.starts: Counter[str] = Counter()
        self.firsts: Counter[str] = Counter()
        self.ends: Counter[str] = Counter()
        self.finals: Counter[str] = Counter()
        self.before_end: Counter[tuple[str, str]] = Counter()
        self.emission: Counter[tuple[str, int]] = Counter()
        self.inversions: Counter[tuple[str, int]] = Counter()
        self.motion: dict[str, Counter[int]] = {v: Counter() for v in VOICES}
        self.chords: Counter[str] = Counter()
        self._arrays: dict[str, Any] | None = None

    # -- learning ---------------------------------------------------------------------------
    def add_piece(self, piece: Piece) -> None:
        ph, key, metre = piece.phrase, piece.key, piece.metre
        voices = ph.voices
        end = ph.end
        beats = []
        bar = 0.0
        while bar < end - 1e-9:
            for b in metre.beats:
                if bar + b < end - 1e-9:
                    beats.append(bar + b)
            bar += metre.bar
        fermatas = sorted(ph.fermatas)
        labels: list[str | None] = []
        pitches: list[dict[str, int | None]] = []
        prev: str | None = None
        for t in beats:
            here = {v: sounding(voices[v], t) for v in VOICES}
            ps = {v: (n[0] if n is not None else None) for v, n in here.items()}
            present = [p for p in ps.values() if p is not None]
            label = chord_label(present, key.tonic, bass=ps["bass"]) if len(present) >= 2 else None
            if label is None:
                label = prev
            labels.append(label)
            pitches.append(ps)
            prev = label
        # phrases end at the beats holding a fermata, and at the end of the piece
        ends = set()
        for f in fermatas:
            k = max((i for i, t in enumerate(beats) if t <= f + 1e-9), default=None)
            if k is not None:
                ends.add(k)
        ends.add(len(beats) - 1)
        first = next((lb for lb in labels if lb is not None), None)
        if first is not None:
            self.firsts[first] += 1
        start = True
        for i, (label, ps) in enumerate(zip(labels, pitches, strict=True)):
            if label is None:
                continue
            self.chords[label] += 1
            root, quality = parse_label(label)
            if start:
                self.starts[label] += 1
            elif labels[i - 1] is not None:
                self.transitions[(labels[i - 1], label)] += 1
            start = False
            sop = ps["soprano"]
            if sop is not None:
                self.emission[(label, (sop - key.tonic) % 12)] += 1
            bass = ps["bass"]
            if bass is not None:
                self.inversions[(quality, (bass - key.tonic - root) % 12)] += 1
            if i in ends:
                target = self.finals if i == len(labels) - 1 else self.ends
                target[label] += 1
                if i > 0 and labels[i - 1] is not None:
                    self.before_end[(labels[i - 1], label)] += 1
                start = True
            if i > 0 and not start:
                for v in VOICES:
                    a, b = pitches[i - 1][v], ps[v]
                    if a is not None and b is not None and abs(b - a) <= 24:
                        self.motion[v][b - a] += 1
        self._arrays = None

    # -- reading ----------------------------------------------------------------------------
    def vocabulary(self, minimum: int = 3) -> list[str]:
        """Chord labels seen at least ``minimum`` times, most common first."""
        vocab = [c for c, n in self.chords.most_common() if n >= minimum]
        return vocab or [c for c, _ in self.chords.most_common(1)] or ["0:maj"]

    def arrays(self) -> dict[str, Any]:
        """The model as smoothed probability arrays over its vocabulary (computed once)."""
        if self._arrays is not None:
            return self._arrays
        vocab = self.vocabulary()
        ix = {c: i for i, c in enumerate(vocab)}
        v = len(vocab)
        uni = np.array([self.chords[c] for c in vocab], dtype=float) + 0.5
        uni /= uni.sum()
        trans = np.zeros((v, v))
        for (a, b), n in self.transitions.items():
            if a in ix and b in ix:
                trans[ix[a], ix[b]] += n
        # Witten–Bell: each row blends its counts with the chords' overall frequencies
        rows = trans.sum(axis=1, keepdims=True)
        types = (trans > 0).sum(axis=1, keepdims=True)
        lam = np.where(rows > 0, rows / (rows + types + 1e-9), 0.0)
        trans = lam * (trans / np.maximum(rows, 1e-9)) + (1 - lam) * uni[None, :]

        def dist(counter: Mapping[str, int], prior: float) -> np.ndarray:
            x = np.array([counter.get(c, 0) for c in vocab], dtype=float) + prior * uni * v
            return x / x.sum()

        emission = np.zeros((v, 12))
        for c in vocab:
            tones = set(_tones(c))
            for pc in range(12):
                emission[ix[c], pc] = self.emission.get((c, pc), 0) + (1.0 if pc in tones else 0.02)
        emission /= emission.sum(axis=1, keepdims=True)
        tones = np.zeros((v, 12), dtype=bool)
        for c in vocab:
            for pc in _tones(c):
                tones[ix[c], pc] = True
        inversions: dict[str, np.ndarray] = {}
        for q, ivs in CHORD_QUALITIES.items():
            x = np.array([self.inversions.get((q, i), 0) for i in range(12)], dtype=float)
            x += np.array([0.5 if i in ivs else 0.0 for i in range(12)])
            x[[i for i in range(12) if i not in ivs]] = 0.0
            inversions[q] = x / x.sum()
        motion = {}
        for voice in VOICES:
            x = np.array([self.motion[voice].get(i, 0) for i in range(-24, 25)], dtype=float) + 0.2
            motion[voice] = x / x.sum()
        self._arrays = {
            "vocab": vocab,
            "index": ix,
            "unigram": uni,
            "transitions": trans,
            "starts": dist(self.starts, 0.5),
            "firsts": dist(self.firsts, 0.1),
            "ends": dist(self.ends, 0.5),
            "finals": dist(self.finals, 0.2),
            "emission": emission,
            "tones": tones,
            "inversions": inversions,
            "motion": motion,
        }
        return self._arrays

    # -- storing ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        def pairs(c: Counter) -> list[list[Any]]:
            return [[*k, n] if isinstance(k, tuple) else [k, n] for k, n in sorted(c.items())]

        return {
            "transitions": pairs(self.transitions),
            "starts": pairs(self.starts),
            "firsts": pairs(self.firsts),
            "ends": pairs(self.ends),
            "finals": pairs(self.finals),
            "before_end": pairs(self.before_end),
            "emission": pairs(self.emission),
            "inversions": pairs(self.inversions),
            "motion": {v: sorted(c.items()) for v, c in self.motion.items()},
            "chords": pairs(self.chords),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> HarmonyModel:
        m = cls()
        m.transitions = Counter({(a, b): n for a, b, n in d["transitions"]})
        m.starts = Counter({a: n for a, n in d["starts"]})
        m.firsts = Counter({a: n for a, n in d["firsts"]})
        m.ends = Counter({a: n for a, n in d["ends"]})
        m.finals = Counter({a: n for a, n in d["finals"]})
        m.before_end = Counter({(a, b): n for a, b, n in d["before_end"]})
        m.emission = Counter({(a, int(b)): n for a, b, n in d["emission"]})
        m.inversions = Counter({(a, int(b)): n for a, b, n in d["inversions"]})
        m.motion = {v: Counter({int(i): n for i, n in items}) for v, items in d["motion"].items()}
        m.chords = Counter({a: n for a, n in d["chords"]})
        return m


def _tones(label: str) -> tuple[int, ...]:
    root, quality = parse_label(label)
    return tuple((root + i) % 12 for i in CHORD_QUALITIES[quality])


class StyleModel:
    """Melody, rhythm and harmony models of one corpus (see the module docstring)."""

    def __init__(self, corpus: str, limit: int | None = None) -> None:
        self.corpus = check_corpus(corpus)
        self.limit = limit
        self.pitch = {m: VOMM(PITCHES, PITCH_ORDER, escape=ESCAPE) for m in MODES}
        self.duration = VOMM(len(DURATIONS), DURATION_ORDER, prefix=1, escape=ESCAPE)
        self.onsets = VOMM(2, ONSET_ORDER, prefix=1, escape=ESCAPE)
        self.harmony = {m: HarmonyModel() for m in MODES}
        self.metres: Counter[str] = Counter()
        self.keys: Counter[str] = Counter()
        self.training: list[str] = []
        self.harmony_training: list[str] = []
        self.notes = 0
        self.seconds = 0.0

    @property
    def id(self) -> str:
        """Names the corpus, the slice and the code that trained it."""
        part = "all" if self.limit is None else f"first{self.limit}"
        return f"{self.corpus}-{part}-{MODEL_VERSION}"

    @property
    def description(self) -> str:
        text = CORPORA[self.corpus]["description"]
        if self.limit is not None:
            text += f" (the first {self.limit} training pieces)"
        if CORPORA[self.corpus]["harmony"] != self.corpus:
            text += "; harmony from the Bach chorales"
        return text + f"; {len(self.training)} pieces, held-out tenth excluded"

    # -- training ---------------------------------------------------------------------------
    def add_melody(self, piece: Piece, voice: str = "soprano") -> None:
        notes = piece.phrase.voices.get(voice) or []
        key, metre = piece.key, piece.metre
        cuts = {round(f * 48) for f in piece.phrase.fermatas}
        history: list[int] = [BOS]
        durations: list[int] = []
        for k, (p, o, d, _) in enumerate(notes):
            r = rel(p, key.tonic) - REL_LOW
            self.pitch[key.mode].add((), history, r)
            level = onset_level(metre, o)
            tok = duration_token(d)
            self.duration.add((level,), durations, tok)
            history.append(r)
            durations.append(tok)
            if round(o * 48) in cuts or (k + 1 < len(notes) and notes[k + 1][1] > o + d + 1e-6):
                history, durations = [BOS], []  # a fermata or a rest ends the phrase
        self.notes += len(notes)
        # onsets on the sixteenth grid, bar by bar
        grid = metre.weights()
        slots = len(grid)
        starts = {round(n[1] * 4) for n in notes if abs(n[1] * 4 - round(n[1] * 4)) < 1e-6}
        last = max(starts, default=0)
        seen: list[int] = []
        for s in range(0, last + 1):
            bit = 1 if s in starts else 0
            self.onsets.add((int(grid[s % slots]),), seen, bit)
            seen.append(bit)

    def fit(self, progress: Any = None) -> StyleModel:
        t0 = time.perf_counter()
        for piece in pieces(self.corpus, self.limit, "train"):
            self.training.append(piece.name)
            self.add_melody(piece)
            self.metres[piece.metre.name] += 1
            self.keys[piece.key.name] += 1
            if self.corpus == "bach-chorales":
                self.harmony_training.append(piece.name)
                self.harmony[piece.key.mode].add_piece(piece)
        if self.corpus != "bach-chorales":
            limit = None if self.limit is None else max(8, self.limit)
            for piece in pieces("bach-chorales", limit, "train"):
                self.harmony_training.append(piece.name)
                self.harmony[piece.key.mode].add_piece(piece)
        if not self.training:
            raise RuntimeError(f"the corpus {self.corpus!r} gave no training pieces")
        self.seconds = time.perf_counter() - t0
        return self

    # -- storing ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "version": MODEL_VERSION,
            "id": self.id,
            "corpus": self.corpus,
            "limit": self.limit,
            "training": self.training,
            "harmony_training": self.harmony_training,
            "notes": self.notes,
            "seconds": self.seconds,
            "metres": dict(self.metres),
            "keys": dict(self.keys),
            "pitch": {m: v.to_dict() for m, v in self.pitch.items()},
            "duration": self.duration.to_dict(),
            "onsets": self.onsets.to_dict(),
            "harmony": {m: h.to_dict() for m, h in self.harmony.items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> StyleModel:
        if d.get("version") != MODEL_VERSION:
            raise ValueError(f"a model of version {d.get('version')!r}, not {MODEL_VERSION}")
        m = cls(d["corpus"], d.get("limit"))
        m.training = list(d["training"])
        m.harmony_training = list(d["harmony_training"])
        m.notes = int(d["notes"])
        m.seconds = float(d.get("seconds", 0.0))
        m.metres = Counter(d["metres"])
        m.keys = Counter(d["keys"])
        m.pitch = {k: VOMM.from_dict(v) for k, v in d["pitch"].items()}
        m.duration = VOMM.from_dict(d["duration"])
        m.onsets = VOMM.from_dict(d["onsets"])
        m.harmony = {k: HarmonyModel.from_dict(v) for k, v in d["harmony"].items()}
        if set(m.pitch) != set(MODES) or set(m.harmony) != set(MODES):
            raise ValueError("a model without both modes")
        return m

    # -- evaluating -------------------------------------------------------------------------
    def melody_logprob(self, piece: Piece, voice: str = "soprano") -> tuple[float, int]:
        """Total ln P of a melody's pitches and lengths under the model, and its note count."""
        return _sequence_logprob(piece, voice, self.pitch[piece.key.mode], self.duration)


def _sequence_logprob(
    piece: Piece, voice: str, pitch: VOMM, duration: VOMM, use_level: bool = True
) -> tuple[float, int]:
    notes = piece.phrase.voices.get(voice) or []
    key, metre = piece.key, piece.metre
    cuts = {round(f * 48) for f in piece.phrase.fermatas}
    history: list[int] = [BOS]
    durations: list[int] = []
    total = 0.0
    for k, (p, o, d, _) in enumerate(notes):
        r = rel(p, key.tonic) - REL_LOW
        total += pitch.logprob((), history, r)
        level = onset_level(metre, o) if use_level else 0
        tok = duration_token(d)
        total += duration.logprob((level,) if duration.prefix else (), durations, tok)
        history.append(r)
        durations.append(tok)
        if round(o * 48) in cuts or (k + 1 < len(notes) and notes[k + 1][1] > o + d + 1e-6):
            history, durations = [BOS], []
    return total, len(notes)


class Baseline:
    """An n-gram melody model of fixed order (0: unigram, 1: bigram) on the same training data
    (Witten–Bell smoothed with the escape weight that suits a bigram best, 2)."""

    def __init__(self, order: int, escape: float = 2.0) -> None:
        self.order = order
        self.pitch = {m: VOMM(PITCHES, order, escape=escape) for m in MODES}
        self.duration = VOMM(len(DURATIONS), order, escape=escape)

    def fit(self, training: Iterable[Piece]) -> Baseline:
        for piece in training:
            notes = piece.phrase.voices.get("soprano") or []
            cuts = {round(f * 48) for f in piece.phrase.fermatas}
            history: list[int] = [BOS]
            durations: list[int] = []
            for k, (p, o, d, _) in enumerate(notes):
                r = rel(p, piece.key.tonic) - REL_LOW
                tok = duration_token(d)
                self.pitch[piece.key.mode].add((), history, r)
                self.duration.add((), durations, tok)
                history.append(r)
                durations.append(tok)
                if round(o * 48) in cuts or (k + 1 < len(notes) and notes[k + 1][1] > o + d + 1e-6):
                    history, durations = [BOS], []
        return self

    def melody_logprob(self, piece: Piece) -> tuple[float, int]:
        return _sequence_logprob(
            piece, "soprano", self.pitch[piece.key.mode], self.duration, use_level=False
        )


# -- the cache --------------------------------------------------------------------------
_lock = threading.Lock()
_loaded: dict[tuple[str, str, int | None], StyleModel] = {}


def cache_dir() -> Path:
    env = os.environ.get("COCREATE_CACHE_DIR")
    if env:
        return Path(env) / "music"
    import platformdirs

    return Path(platformdirs.user_cache_dir("cocreate")) / "music"


def _path(corpus: str, limit: int | None, folder: Path) -> Path:
    part = "all" if limit is None else f"first{limit}"
    return folder / f"{corpus}-{part}-{MODEL_VERSION}.json"


def load_model(corpus: str = "bach-chorales", limit: int | None = None) -> StyleModel:
    """The trained model of ``corpus`` (its first ``limit`` training pieces), from the
    process's memory, else the disk cache, else trained now and cached."""
    check_corpus(corpus)
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        from ...errors import InputError

        raise InputError(f"a corpus limit is a whole number of pieces, not {limit!r}")
    folder = cache_dir()
    key = (str(folder), corpus, limit)
    with _lock:
        model = _loaded.get(key)
        if model is not None:
            return model
        path = _path(corpus, limit, folder)
        model = _read(path)
        if model is None:
            log.info("training the %s style model (once; it is cached in %s)", corpus, folder)
            model = StyleModel(corpus, limit).fit()
            _write(path, model)
        _loaded[key] = model
        return model


def _read(path: Path) -> StyleModel | None:
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    try:
        head, _, body = raw.partition(b"\n")
        if hashlib.sha256(body).hexdigest().encode() != head.strip():
            raise ValueError("checksum mismatch")
        return StyleModel.from_dict(json.loads(body))
    except Exception as exc:  # a damaged or foreign file: train again
        log.warning("the cached music model %s is unusable (%s): training it again", path.name, exc)
        return None


def _write(path: Path, model: StyleModel) -> None:
    body = json.dumps(model.to_dict(), separators=(",", ":")).encode()
    data = hashlib.sha256(body).hexdigest().encode() + b"\n" + body
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only cache: the model still serves this process
        log.warning("could not cache the music model in %s: %s", path.parent, exc)


def forget_loaded() -> None:
    """Drop the models held in memory (tests use it to exercise the disk cache)."""
    with _lock:
        _loaded.clear()
