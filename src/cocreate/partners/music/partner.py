"""The music partner: phrases, harmonisations and rhythms from models learned on real music."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from ...errors import InputError, InvalidContent
from ...model import Genome, Intention
from ..base import Partner
from . import blend, generate, notation, render, rhythm, transforms
from . import genome as G
from .features import FEATURE_NAMES, describe_notes
from .harmony import label_beats
from .model import StyleModel, load_model
from .theory import USUAL_RANGES, VOICES, Key, Metre, detect_key

#: Request operators that shape a phrase, besides the transforms (see :mod:`.transforms`).
OPERATORS = {
    "transpose": ("moves the phrase to another key, or shifts a selection by scale steps", 0.1),
    "invert": ("turns the melody (or the selected lines) upside down, harmonised again", 0.4),
    "retrograde": ("plays the melody (or the selected lines) backwards, harmonised again", 0.35),
    "augment": ("the melody in longer notes, harmonised again", 0.35),
    "diminish": ("the melody in shorter notes, twice as a sequence, harmonised again", 0.4),
    "ornament": ("adds passing and neighbour notes to the selected voices", 0.15),
    "rerhythm": ("the melody's pitches in a new rhythm, harmonised again", 0.35),
    "harmonise": ("new voices and chords under a melody that is kept note for note", 0.6),
    "continue": ("continues a motif or phrase for more bars, keeping what was there", 0.5),
    "rhythm": ("a rhythmic pattern of three percussion lanes for a metre", 1.0),
}
PARAMS = ("key", "mode", "metre", "meter", "tempo", "bars", "density", "voices", "program")


class MusicPartner(Partner):
    """Chorale phrases, harmonisations and rhythmic patterns learned from music21's corpus.

    ``corpus`` picks the training music (``"bach-chorales"``, ``"essen-german"``,
    ``"essen-chinese"``) and ``limit`` a slice of it (the first N training pieces;
    tests use a small one); ``key``, ``mode``, ``metre``, ``tempo``, ``bars``,
    ``density``, ``voices`` and ``program`` are defaults for fresh phrases (the
    intention's words and a request's parameters come first). The model is
    trained on first use and cached on disk (see :mod:`.model`).
    """

    name = "music"
    domain = "music"
    media_type = notation.MIDI
    model_id = "vomm-chorale-harmoniser"
    version = "1.0"
    source_type = "trainedAlgorithmicMedia"
    accepts = notation.ACCEPTS
    feature_names = FEATURE_NAMES
    edit_params: ClassVar[Mapping[str, str]] = {
        "tempo": "beats a minute (20–400)",
        "key": "transpose to this key, e.g. 'D minor' (a new mode re-spells the scale)",
        "semitones": "transpose by this many semitones (-24 to 24)",
        "program": "General MIDI instrument of the voices (0–127; 19 is a church organ)",
        "velocity": "scale every note's loudness by this factor (0.25–2)",
    }
    #: a candidate is a sampled melody and a harmonisation (about 10 ms): a round of 9
    #: makes 27, the fewest the round takes, so the round stays well inside half a second
    pool_size: ClassVar[int] = 24

    def __init__(self, **params: Any) -> None:
        corpus = params.get("corpus", "bach-chorales")
        from .corpus import check_corpus

        check_corpus(corpus)
        limit = params.get("limit")
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise InputError(f"limit is a whole number of training pieces, not {limit!r}")
        unknown = set(params) - {"corpus", "limit", *PARAMS, "surprise"}
        if unknown:
            raise InputError(f"the music partner has no parameter {sorted(unknown)[0]!r}")
        font = render.soundfont()
        full = {"corpus": corpus, **params}
        full["soundfont"] = font.describe() if font else "none installed"
        super().__init__(**full)
        self._defaults = {k: params[k] for k in PARAMS if k in params}
        self._model: StyleModel | None = None

    @property
    def model(self) -> StyleModel:
        if self._model is None:
            self._model = load_model(self.params["corpus"], self.params.get("limit"))
        return self._model

    # -- making ------------------------------------------------------------------------------
    def fresh(self, rng: np.random.Generator, intention: Intention | None = None) -> Genome:
        return self._fresh(rng, intention, {}, None)

    def fresh_request(
        self, request: Any, rng: np.random.Generator, intention: Intention | None = None
    ) -> Genome:
        """A new phrase for a round's request: its operator (``"rhythm"`` makes a pattern),
        its parameters (``metre="7/8"``, ``key``, ``density`` ...) and its surprise."""
        params = dict(getattr(request, "params", {}) or {})
        op = getattr(request, "operator", "propose")
        return self._fresh(rng, intention, params, getattr(request, "surprise", None), op)

    def _fresh(
        self,
        rng: np.random.Generator,
        intention: Intention | None,
        params: Mapping[str, Any],
        surprise: float | None,
        operator: str = "propose",
    ) -> Genome:
        seed = int(rng.integers(2**31))
        crng = np.random.default_rng(seed)
        d = dict(params)
        if surprise is not None and "surprise" not in d:
            d["surprise"] = surprise
        text = intention.brief.lower() if intention is not None else ""
        wants_rhythm = operator == "rhythm" or d.get("kind") == "rhythm"
        wants_rhythm = wants_rhythm or (
            "rhythm" in text and "chorale" not in text and "harmon" not in text
        )
        c = generate.controls(self.model, intention, d, crng, defaults=self._defaults)
        if wants_rhythm:
            bars = d.get("bars") or (4 if "bars" not in self._defaults else c.bars)
            return rhythm.pattern(
                self.model,
                c.metre,
                int(bars),
                c.tempo
                if "tempo" in d or "tempo" in self._defaults
                else float(crng.integers(84, 132)),
                crng,
                density=c.density,
                surprise=c.surprise,
                seed=seed,
                style=generate.style_of(self.model, c),
            )
        return generate.fresh_chorale(self.model, c, crng, seed)

    def _dials(self, genome: Genome) -> tuple[float, float]:
        style = genome.get("style") or {}
        s = style.get("surprise", 0.3)
        d = style.get("density", 0.5)
        s = float(s) if isinstance(s, int | float) else 0.3
        d = float(d) if isinstance(d, int | float) else 0.5
        return min(max(s, 0.0), 1.0), min(max(d, 0.0), 1.0)

    def vary(self, genome: Genome, strength: float, rng: np.random.Generator) -> Genome:
        g = self.validate(genome)
        s = min(max(float(strength), 0.0), 1.0)
        surprise, density = self._dials(g)
        bars = g["bars"]
        k = max(1, min(bars, round(s * bars)))
        first = int(rng.integers(1, bars - k + 2))
        span = list(range(first, first + k))
        if g["kind"] == "rhythm":
            lanes = list(g["voices"])
            if s < 0.35 and len(lanes) > 1:
                lanes = [lanes[int(rng.integers(len(lanes)))]]
            lanes = [x for x in lanes if x in rhythm.LANES] or list(rhythm.LANES)
            return rhythm.regenerate_lanes(
                self.model, g, lanes, span, rng, surprise=surprise, density=density
            )
        satb = [v for v in VOICES if v in g["voices"]]
        if "soprano" not in satb and len(g["voices"]) > 1:  # a person's voices we cannot name
            op = transforms.ornament if s < 0.5 else transforms.transpose
            return op(self.model, g, rng, strength=s, surprise=surprise, density=density)
        if len(g["voices"]) == 1:
            return generate.regenerate(
                self.model, g, {"bars": span}, rng, surprise=surprise, density=density
            )
        u = float(rng.random())
        if s < 0.25:
            inner = [v for v in ("alto", "tenor", "bass") if v in g["voices"]] or ["soprano"]
            count = 1 if s < 0.12 or len(inner) == 1 else 2
            pick = list(rng.choice(inner, size=min(count, len(inner)), replace=False))
            sel = {"voices": [str(v) for v in pick], "bars": span[:2]}
            return generate.regenerate(self.model, g, sel, rng, surprise=surprise, density=density)
        if s < 0.6:
            if u < 0.6:
                return generate.regenerate(
                    self.model, g, {"bars": span}, rng, surprise=surprise, density=density
                )
            op = transforms.rerhythm if u < 0.8 else transforms.ornament
            return op(
                self.model,
                g,
                rng,
                selection={"bars": span},
                strength=s,
                surprise=surprise,
                density=density,
            )
        if u < 0.8:
            return generate.regenerate(
                self.model, g, {"bars": span}, rng, surprise=surprise, density=density
            )
        op = transforms.invert if u < 0.9 else transforms.retrograde
        return op(self.model, g, rng, surprise=surprise, density=density)

    def vary_request(
        self, genome: Genome, request: Any, strength: float | None, rng: np.random.Generator
    ) -> Genome:
        """A variation as the round's request asks: its operator (a transform, ``harmonise``,
        ``continue``, ``rhythm``), its ``selection`` of voices and bars (only those change)
        and its parameters; any other operator is a plain variation of the selection."""
        g = self.validate(genome)
        op = getattr(request, "operator", "variations")
        params = dict(getattr(request, "params", {}) or {})
        selection = getattr(request, "selection", None)
        s = 0.3 if strength is None else min(max(float(strength), 0.0), 1.0)
        surprise, density = self._dials(g)
        if getattr(request, "surprise", None) is not None:
            surprise = float(request.surprise)
        surprise = float(params.pop("surprise", surprise))
        density = float(params.pop("density", density))
        if op in transforms.TRANSFORMS:
            return transforms.TRANSFORMS[op](
                self.model,
                g,
                rng,
                selection=selection,
                params=params,
                surprise=surprise,
                density=density,
                strength=s,
            )
        if op == "harmonise":
            voices = params.get("voices", 4)
            if voices not in (1, 2, 3, 4, "chords"):
                raise InputError(f"voices must be 2, 3, 4 or 'chords', not {voices!r}")
            return generate.reharmonise(
                self.model, g, rng, voices=voices, surprise=surprise, density=density
            )
        if op == "continue":
            bars = params.get("bars", max(1, min(8, g["bars"])))
            if isinstance(bars, bool) or not isinstance(bars, int) or not 1 <= bars <= 64:
                raise InputError(f"bars must be a whole number from 1 to 64, not {bars!r}")
            return generate.continue_phrase(
                self.model, g, bars, rng, surprise=surprise, density=density
            )
        if op == "rhythm":
            metre = Metre.parse(str(params["metre"])) if "metre" in params else G.metre_of(g)
            if g["kind"] == "rhythm" and metre.label == g["metre"] and selection is not None:
                voices, bars = generate.parse_selection(selection, g)
                return rhythm.regenerate_lanes(
                    self.model, g, voices, bars, rng, surprise=surprise, density=density
                )
            bars = int(params.get("bars", g["bars"] if metre.label == g["metre"] else 4))
            return rhythm.pattern(
                self.model,
                metre,
                bars,
                float(params.get("tempo", g["tempo"])),
                rng,
                density=density,
                surprise=surprise,
                seed=int(rng.integers(2**31)),
                style=dict(g.get("style") or {}),
            )
        if selection is not None:
            return generate.regenerate(
                self.model, g, selection, rng, surprise=surprise, density=density
            )
        return self.vary(g, s, rng)

    def cross(self, a: Genome, b: Genome, rng: np.random.Generator) -> Genome:
        return blend.cross(self.model, self.validate(a), self.validate(b), rng)

    def interpolate(self, a: Genome, b: Genome, t: float) -> Genome:
        return blend.interpolate(self.model, self.validate(a), self.validate(b), t)

    def adopt(self, content: bytes, media_type: str, rng: np.random.Generator) -> Genome:
        """The person's file as a genome, every note as they wrote it (all marked kept)."""
        return adopt_phrase(notation.read(content, media_type))

    def harmonise(
        self,
        melody: bytes | str,
        media_type: str | None = None,
        voices: int | str = 4,
        rng: np.random.Generator | None = None,
        **controls: Any,
    ) -> Genome:
        """See :func:`cocreate.partners.music.harmonise`."""
        return harmonise(self, melody, media_type, voices, rng, **controls)

    def edit(self, genome: Genome, adjustments: Mapping[str, Any]) -> Genome:
        g = G.copy_genome(self.validate(genome))
        for name, value in adjustments.items():
            if name not in self.edit_params:
                raise InputError(
                    f"no adjustment {name!r} (adjustments: {', '.join(self.edit_params)})"
                )
            if name == "tempo":
                if (
                    not isinstance(value, int | float)
                    or isinstance(value, bool)
                    or not 20 <= value <= 400
                ):
                    raise InputError(f"tempo must be 20–400 beats a minute, not {value!r}")
                g["tempo"] = round(float(value), 2)
            elif name == "program":
                if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 127:
                    raise InputError(f"program must be 0–127, not {value!r}")
                g["program"] = value
            elif name == "velocity":
                if (
                    not isinstance(value, int | float)
                    or isinstance(value, bool)
                    or not 0.25 <= value <= 2
                ):
                    raise InputError(f"velocity is a factor from 0.25 to 2, not {value!r}")
                for ns in g["voices"].values():
                    for n in ns:
                        n[3] = int(min(127, max(1, round(n[3] * value))))
            elif name == "semitones":
                g = transforms.transpose(
                    self.model, g, np.random.default_rng(0), params={"semitones": value}
                )
            elif name == "key":
                target = Key.parse(str(value))
                g = transforms.transpose(
                    self.model, g, np.random.default_rng(0), params={"key": str(value)}
                )
                if target.mode != G.key_of(genome).mode:
                    g = _change_mode(g, target)
        g.pop("kept", None)
        return self.validate(g)

    # -- output ------------------------------------------------------------------------------
    def render(self, genome: Genome, *, size: int | None = None) -> bytes:
        return render.to_midi(self.validate(genome))

    def describe(self, genome: Genome | None, content: bytes | None = None) -> np.ndarray:
        if genome is not None:
            g = self.validate(genome)
            return describe_notes(g["voices"], G.metre_of(g), g["tempo"], g["kind"] == "rhythm")
        if content is None:
            raise InvalidContent("nothing to describe: give a genome or a file")
        phrase = notation.read(content)
        return describe_notes(
            phrase.voices, phrase.metre or Metre(4, 4), phrase.tempo or 90.0, phrase.drums
        )

    def validate(self, genome: Any) -> Genome:
        return G.validate(genome)


def _change_mode(g: Genome, target: Key) -> Genome:
    """The phrase re-spelled in the other mode on the same tonic (E♭ for E in C → C minor)."""
    from .theory import SCALES

    src = SCALES[g["mode"]]
    dst = SCALES[target.mode]
    tonic = G.key_of(g).tonic
    for ns in g["voices"].values():
        for n in ns:
            rel = (n[0] - tonic) % 12
            if rel in src:
                n[0] += dst[src.index(rel)] - rel
    g["mode"] = target.mode
    return g


def adopt_phrase(phrase: notation.Phrase) -> Genome:
    """A genome holding a person's phrase as it is: voices named for what they are."""
    voices = {v: [list(n) for n in ns] for v, ns in phrase.voices.items() if ns}
    metre = phrase.metre or Metre(4, 4)
    kind = "rhythm" if phrase.drums else "melody"
    if not phrase.drums:
        if len(voices) == 1:
            voices = {"soprano": next(iter(voices.values()))}
        elif not set(voices) <= set(VOICES) and len(voices) <= 4:
            order = sorted(voices, key=lambda v: -np.mean([n[0] for n in voices[v]]))
            names = {1: ("soprano",), 2: ("soprano", "bass"), 3: ("soprano", "tenor", "bass")}
            names[4] = VOICES
            voices = {names[len(order)][k]: voices[v] for k, v in enumerate(order)}
        if len(voices) > 1:
            kind = "chorale"
    melody = voices.get("soprano") or max(voices.values(), key=len)
    key = phrase.key
    if key is None:
        notes = [n for ns in voices.values() for n in ns]
        key = detect_key(
            [n[0] for n in notes], [n[2] for n in notes], final=max(melody, key=lambda n: n[1])[0]
        )
    end = max(n[1] + n[2] for ns in voices.values() for n in ns)
    bars = max(1, math.ceil(end / metre.bar - 1e-9))
    chords = None
    if kind == "chorale":
        grid = label_beats(voices, key, metre, 0.0, end)
        from .harmony import beat_grid

        chords = [[t, c] for (t, _), c in zip(beat_grid(metre, 0.0, end), grid, strict=True) if c]
    g = G.make(
        kind=kind,
        key=key,
        metre=metre,
        tempo=phrase.tempo or 90.0,
        bars=bars,
        voices=voices,
        chords=chords,
        kept=[[v, 0.0, end] for v in voices],
        program=phrase.program if phrase.program is not None else (0 if phrase.drums else 19),
        style={"source": f"a person's {phrase.source or 'file'}"},
    )
    return G.validate(g)


def harmonise(
    partner: MusicPartner,
    melody: bytes | str,
    media_type: str | None = None,
    voices: int | str = 4,
    rng: np.random.Generator | None = None,
    **controls: Any,
) -> Genome:
    """A harmonisation of a person's melody, which it keeps note for note.

    ``melody`` is MIDI, MusicXML (or ``.mxl``), ABC or typed-notation bytes (a
    ``str`` is typed notation or ABC); its melody is its soprano, or its highest
    voice. ``voices`` is 4 (soprano, alto, tenor, bass), 3, 2, or ``"chords"``
    (the melody and block chords, with the chord symbols in the genome).
    ``controls``: ``key`` (else the file's, else found from the notes),
    ``metre`` and ``tempo`` (else the file's), ``surprise`` and ``density``.
    A melody no four voices can sit under raises :class:`~cocreate.errors.InputError`
    naming why; a file that is not music :class:`~cocreate.errors.InvalidContent`.
    """
    if isinstance(melody, str):
        melody = melody.encode("utf-8")
    rng = rng if rng is not None else np.random.default_rng(0)
    if voices not in (2, 3, 4, "chords"):
        raise InputError(f"voices must be 2, 3, 4 or 'chords', not {voices!r}")
    phrase = notation.read(melody, media_type)
    _, line = phrase.melody()
    line = _monophonic(line)
    problem = generate.melody_range_problem(line)
    if problem:
        raise InputError(f"cannot harmonise this melody: {problem}")
    key = Key.parse(str(controls["key"])) if controls.get("key") else phrase.key
    if key is None:
        key = detect_key([n[0] for n in line], [n[2] for n in line], final=line[-1][0])
    metre = Metre.parse(str(controls["metre"])) if controls.get("metre") else phrase.metre
    metre = metre or Metre(4, 4)
    tempo = float(controls.get("tempo") or phrase.tempo or 80.0)
    surprise = generate._unit(controls.get("surprise", 0.2), "surprise")
    density = generate._unit(controls.get("density", 0.4), "density")
    end = max(n[1] + n[2] for n in line)
    bars = max(1, math.ceil(end / metre.bar - 1e-9))
    if bars > G.MAX_BARS:
        raise InputError(
            f"the melody is {bars} bars long; cocreate harmonises at most {G.MAX_BARS}"
        )
    cadences = {f: "end" for f in phrase.fermatas}
    made, chords = generate.harmonise_melody(
        partner.model,
        line,
        key,
        metre,
        rng,
        surprise=surprise,
        density=density,
        voices=voices,
        cadences=cadences,
        end=bars * metre.bar,
    )
    c = generate.Controls(key, metre, tempo, bars, surprise, density)
    g = G.make(
        kind="chorale",
        key=key,
        metre=metre,
        tempo=tempo,
        bars=bars,
        voices=made,
        chords=chords,
        kept=[["soprano", 0.0, bars * metre.bar]],
        program=int(controls.get("program", 19)),
        seed=int(rng.integers(2**31)),
        style=generate.style_of(partner.model, c, melody=f"a person's {phrase.source}"),
    )
    return G.validate(g)


def _monophonic(notes: list[list[Any]]) -> list[list[Any]]:
    """The top line of a voice: at each onset its highest note, cut where the next begins."""
    best: dict[float, list[Any]] = {}
    for n in notes:
        if n[1] not in best or n[0] > best[n[1]][0]:
            best[n[1]] = list(n)
    line = [best[t] for t in sorted(best)]
    for a, b in itertools.pairwise(line):
        if a[1] + a[2] > b[1]:
            a[2] = G._t(b[1] - a[1])
    return [n for n in line if n[2] > 0]


def melody_in_range(genome: Genome) -> bool:
    """Whether every note lies in its voice's usual range."""
    return all(
        USUAL_RANGES.get(v, (0, 127))[0] <= n[0] <= USUAL_RANGES.get(v, (0, 127))[1]
        for v, ns in genome["voices"].items()
        for n in ns
    )
