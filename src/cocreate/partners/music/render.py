"""Rendering a phrase: MIDI, MusicXML, a WAV preview and a piano-roll PNG.

All four are deterministic: the same genome gives the same bytes (no dates, no
paths, a synthesiser reset before every preview). The WAV preview is played
offline by tinysoundfont through a General MIDI SoundFont: ``$COCREATE_SOUNDFONT``
if set, else Debian's FluidR3_GM (MIT licence, ``apt-get install
fluid-soundfont-gm``), else the TimGM6mb that ships inside the ``pretty_midi``
wheel (GPL-2). :func:`soundfont` says which one was used, and the WAV's INFO
chunk names it, so a preview says what it was played with.
"""

from __future__ import annotations

import importlib.util
import io
import os
import struct
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from ...errors import InputError, MissingExtra
from .genome import TONIC_NAMES, key_of, metre_of
from .theory import Key, roman

TICKS = 480
SAMPLE_RATE = 22050
TAIL = 0.6
"""Seconds of release after the last note of a preview."""
PREVIEW_SECONDS = 60.0
"""A preview plays at most this long (an export renders the whole phrase)."""
FORMATS = ("midi", "musicxml", "wav", "png", "text")
MEDIA_TYPES = {
    "midi": "audio/midi",
    "musicxml": "application/vnd.recordare.musicxml+xml",
    "wav": "audio/wav",
    "png": "image/png",
    "text": "text/plain",
}


def render_as(genome: Mapping[str, Any], fmt: str, **options: Any) -> bytes:
    """The phrase as ``"midi"``, ``"musicxml"``, ``"wav"``, ``"png"`` or ``"text"`` bytes.

    ``options`` go to the renderer: ``seconds`` for a WAV (its length limit),
    ``width`` for a PNG.
    """
    if fmt == "midi":
        return to_midi(genome)
    if fmt == "musicxml":
        return to_musicxml(genome)
    if fmt == "wav":
        return to_wav(genome, seconds=options.get("seconds"))
    if fmt == "png":
        return to_png(genome, width=options.get("width"))
    if fmt == "text":
        from .notation import format_typed

        return format_typed(genome).encode()
    raise InputError(f"cannot render music as {fmt!r} (formats: {', '.join(FORMATS)})")


def _channels(genome: Mapping[str, Any]) -> dict[str, int]:
    drums = genome.get("kind") == "rhythm"
    out, ch = {}, 0
    for voice in genome["voices"]:
        if drums:
            out[voice] = 9
            continue
        if ch == 9:
            ch += 1
        out[voice] = ch % 16
        ch += 1
    return out


# -- MIDI -------------------------------------------------------------------------------
_MIDO_KEYS_MINOR = {
    "C": "Cm",
    "C#": "C#m",
    "D": "Dm",
    "Eb": "Ebm",
    "E": "Em",
    "F": "Fm",
    "F#": "F#m",
    "G": "Gm",
    "Ab": "G#m",
    "A": "Am",
    "Bb": "Bbm",
    "B": "Bm",
}


def to_midi(genome: Mapping[str, Any]) -> bytes:
    """A type-1 Standard MIDI File: a conductor track, then one named track per voice."""
    import mido

    metre = metre_of(genome)
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name=str(genome.get("kind", "phrase")), time=0))
    conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(genome["tempo"]), time=0))
    conductor.append(
        mido.MetaMessage(
            "time_signature", numerator=metre.numerator, denominator=metre.denominator, time=0
        )
    )
    if genome.get("kind") != "rhythm":
        name = genome["key"] if genome["mode"] == "major" else _MIDO_KEYS_MINOR[genome["key"]]
        conductor.append(mido.MetaMessage("key_signature", key=name, time=0))
    conductor.append(mido.MetaMessage("end_of_track", time=0))
    mid.tracks.append(conductor)
    channels = _channels(genome)
    program = int(genome.get("program", 0))
    for voice, notes in genome["voices"].items():
        track = mido.MidiTrack()
        ch = channels[voice]
        track.append(mido.MetaMessage("track_name", name=voice, time=0))
        if ch != 9:
            track.append(mido.Message("program_change", channel=ch, program=program, time=0))
        events: list[tuple[int, int, int, int]] = []  # tick, order (offs first), pitch, vel
        for p, o, d, v in notes:
            on, off = round(o * TICKS), round((o + d) * TICKS)
            if off <= on:
                off = on + 1
            events.append((on, 1, int(p), int(v)))
            events.append((off, 0, int(p), 0))
        events.sort()
        now = 0
        for tick, kind, p, v in events:
            msg = "note_on" if kind else "note_off"
            track.append(mido.Message(msg, channel=ch, note=p, velocity=v, time=tick - now))
            now = tick
        track.append(mido.MetaMessage("end_of_track", time=0))
        mid.tracks.append(track)
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


# -- MusicXML ---------------------------------------------------------------------------
_TYPES = [
    (4.0, "whole", 0),
    (3.0, "half", 1),
    (2.0, "half", 0),
    (1.75, "quarter", 2),
    (1.5, "quarter", 1),
    (1.0, "quarter", 0),
    (0.75, "eighth", 1),
    (0.5, "eighth", 0),
    (0.375, "16th", 1),
    (0.25, "16th", 0),
    (0.125, "32nd", 0),
]
_DIV = 48
_LETTERS = "CDEFGAB"
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def spelling(key: Key) -> dict[int, tuple[str, int]]:
    """Each pitch class as (letter, alter) in ``key``: the scale's own letters, sharps for the
    raised sixth and seventh of a minor key, and otherwise the key signature's direction."""
    name = TONIC_NAMES[key.tonic]
    start = _LETTERS.index(name[0])
    letters = [_LETTERS[(start + i) % 7] for i in range(7)]
    out: dict[int, tuple[str, int]] = {}
    for letter, pc in zip(letters, key.scale, strict=True):
        alter = (pc - _LETTER_PC[letter] + 6) % 12 - 6
        out[pc] = (letter, alter)
    flats = key.fifths < 0
    for pc in range(12):
        if pc in out:
            continue
        below = (pc - 1) % 12
        above = (pc + 1) % 12
        raised = key.mode == "minor" and (pc - key.tonic) % 12 in (9, 11)
        if (raised or not flats) and below in out:
            letter, alter = out[below]
            out[pc] = (letter, alter + 1)
        elif above in out:
            letter, alter = out[above]
            out[pc] = (letter, alter - 1)
        else:  # pragma: no cover - a scale leaves no two neighbouring gaps
            out[pc] = ("C", pc)
    return out


def _pieces(length: float) -> list[tuple[float, str | None, int]]:
    """A length split into notated values (tied), largest first."""
    out = []
    left = round(length * _DIV) / _DIV
    while left > 1e-9:
        for value, name, dots in _TYPES:
            if value <= left + 1e-9:
                out.append((value, name, dots))
                left -= value
                break
        else:  # a tuplet's or odd remainder: written with its duration only
            out.append((left, None, 0))
            left = 0.0
    return out


def _lanes(notes: list[list[Any]]) -> list[list[list[Any]]]:
    """Notes spread over monophonic lanes (a chord or an overlap opens another lane)."""
    lanes: list[list[list[Any]]] = []
    for n in sorted(notes, key=lambda n: (n[1], -n[0])):
        for lane in lanes:
            last = lane[-1]
            if last[1] + last[2] <= n[1] + 1e-9:
                lane.append(n)
                break
        else:
            lanes.append([n])
    return lanes


def _clef(notes: list[list[Any]]) -> str:
    mean = sum(n[0] for n in notes) / max(1, len(notes))
    if mean >= 60:
        return "<clef><sign>G</sign><line>2</line></clef>"
    if mean >= 52:
        return (
            "<clef><sign>G</sign><line>2</line><clef-octave-change>-1</clef-octave-change></clef>"
        )
    return "<clef><sign>F</sign><line>4</line></clef>"


def to_musicxml(genome: Mapping[str, Any]) -> bytes:
    """Partwise MusicXML 3.1: a part per voice (a polyphonic voice gets a part per lane)."""
    key = key_of(genome)
    metre = metre_of(genome)
    bar = metre.bar
    drums = genome.get("kind") == "rhythm"
    spell = spelling(key)
    from .genome import end_of

    n_bars = max(1, int(np.ceil(end_of(genome) / bar - 1e-9)))
    parts: list[tuple[str, list[list[Any]]]] = []
    for voice, notes in genome["voices"].items():
        lanes = _lanes(notes) or [[]]
        for k, lane in enumerate(lanes):
            parts.append((voice if len(lanes) == 1 else f"{voice} {k + 1}", lane))
    romans: dict[float, str] = {}
    if genome.get("chords") and not drums:
        romans = {float(o): roman(c, key.mode) for o, c in genome["chords"]}
    lowest = min(range(len(parts)), key=lambda i: _mean(parts[i][1])) if parts else 0
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<score-partwise version="3.1">',
        "<work><work-title>"
        + escape(f"{genome.get('kind', 'phrase')} in {key.name}, {metre.name}")
        + "</work-title></work>",
        "<identification><encoding><software>cocreate</software></encoding></identification>",
        "<part-list>",
    ]
    for i, (name, _) in enumerate(parts):
        out.append(
            f'<score-part id="P{i + 1}"><part-name>{escape(name.title())}</part-name></score-part>'
        )
    out.append("</part-list>")
    for i, (_, notes) in enumerate(parts):
        out.append(f'<part id="P{i + 1}">')
        pending = sorted(notes, key=lambda n: n[1])
        idx = 0
        carry: list[Any] | None = None  # [pitch, length left, velocity] tied over the bar line
        for m in range(n_bars):
            start, end = m * bar, (m + 1) * bar
            out.append(f'<measure number="{m + 1}">')
            if m == 0:
                fifths = 0 if drums else key.fifths
                out.append(
                    f"<attributes><divisions>{_DIV}</divisions>"
                    f"<key><fifths>{fifths}</fifths><mode>{key.mode}</mode></key>"
                    f"<time><beats>{metre.numerator}</beats>"
                    f"<beat-type>{metre.denominator}</beat-type></time>"
                    + (
                        "<clef><sign>percussion</sign></clef>"
                        if drums
                        else _clef(notes or [[60, 0, 1, 0]])
                    )
                    + "</attributes>"
                )
                if i == 0:
                    out.append(
                        '<direction placement="above"><direction-type><metronome>'
                        f"<beat-unit>quarter</beat-unit><per-minute>{genome['tempo']:g}"
                        f'</per-minute></metronome></direction-type><sound tempo="{genome["tempo"]:g}"/>'
                        "</direction>"
                    )
            t = start
            if carry is not None:
                pitch, left, vel = carry
                take = min(left, end - t)
                out += _note_xml(pitch, take, spell, tie_in=True, tie_out=left - take > 1e-9)
                t += take
                carry = [pitch, left - take, vel] if left - take > 1e-9 else None
            while idx < len(pending) and pending[idx][1] < end - 1e-9:
                p, o, d, v = pending[idx]
                idx += 1
                if o < t - 1e-9:  # overlaps what is written: start it where there is room
                    d -= t - o
                    o = t
                    if d <= 1e-9:
                        continue
                if o > t + 1e-9:
                    out += _rest_xml(o - t)
                    t = o
                if i == lowest and o in romans and o - start < bar:
                    out.append(_lyric_marker(romans[o]))
                take = min(d, end - t)
                out += _note_xml(p, take, spell, tie_in=False, tie_out=d - take > 1e-9)
                t += take
                if d - take > 1e-9:
                    carry = [p, d - take, v]
            if t < end - 1e-9 and carry is None:
                out += _rest_xml(end - t)
            out.append("</measure>")
        out.append("</part>")
    out.append("</score-partwise>")
    text = "\n".join(out)
    return _place_lyrics(text).encode("utf-8")


def _mean(notes: list[list[Any]]) -> float:
    return sum(n[0] for n in notes) / len(notes) if notes else 0.0


def _lyric_marker(text: str) -> str:
    return f"__LYRIC__{escape(text)}__"


def _place_lyrics(text: str) -> str:
    """Move each Roman-numeral marker into the note after it, as its lyric."""
    out: list[str] = []
    pending: str | None = None
    for line in text.split("\n"):
        if line.startswith("__LYRIC__"):
            pending = line[len("__LYRIC__") : -2]
            continue
        if pending is not None and line.startswith("<note>") and "<rest/>" not in line:
            line = line.replace(
                "</note>",
                f'<lyric number="1"><syllabic>single</syllabic><text>{pending}</text></lyric></note>',
                1,
            )
            pending = None
        out.append(line)
    return "\n".join(out)


def _note_xml(
    pitch: int, length: float, spell: Mapping[int, tuple[str, int]], *, tie_in: bool, tie_out: bool
) -> list[str]:
    letter, alter = spell[pitch % 12]
    octave = (pitch - alter) // 12 - 1
    pieces = _pieces(length)
    out = []
    for k, (value, name, dots) in enumerate(pieces):
        start = tie_out or k < len(pieces) - 1
        stop = tie_in or k > 0
        ties = ('<tie type="stop"/>' if stop else "") + ('<tie type="start"/>' if start else "")
        tied = ('<tied type="stop"/>' if stop else "") + ('<tied type="start"/>' if start else "")
        out.append(
            "<note><pitch><step>"
            + letter
            + "</step>"
            + (f"<alter>{alter}</alter>" if alter else "")
            + f"<octave>{octave}</octave></pitch>"
            + f"<duration>{round(value * _DIV)}</duration>"
            + ties
            + (f"<type>{name}</type>" if name else "")
            + "<dot/>" * dots
            + (f"<notations>{tied}</notations>" if tied else "")
            + "</note>"
        )
    return out


def _rest_xml(length: float) -> list[str]:
    out = []
    for value, name, dots in _pieces(length):
        out.append(
            f"<note><rest/><duration>{round(value * _DIV)}</duration>"
            + (f"<type>{name}</type>" if name else "")
            + "<dot/>" * dots
            + "</note>"
        )
    return out


# -- WAV --------------------------------------------------------------------------------
@dataclass(frozen=True)
class SoundFont:
    """The SoundFont a preview is played with, named without its path."""

    path: str
    name: str
    licence: str

    def describe(self) -> str:
        return f"{self.name} ({self.licence})"


_FONT_PLACES = (
    ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "FluidR3_GM", "MIT"),
    ("/usr/share/soundfonts/FluidR3_GM.sf2", "FluidR3_GM", "MIT"),
)


def soundfont() -> SoundFont | None:
    """The SoundFont previews use (see the module docstring), or None if there is none."""
    env = os.environ.get("COCREATE_SOUNDFONT")
    if env and Path(env).is_file():
        return SoundFont(
            env, Path(env).stem, os.environ.get("COCREATE_SOUNDFONT_LICENCE", "unknown")
        )
    for path, name, licence in _FONT_PLACES:
        if Path(path).is_file():
            return SoundFont(path, name, licence)
    spec = importlib.util.find_spec("pretty_midi")
    if spec is not None and spec.submodule_search_locations:
        for place in spec.submodule_search_locations:
            font = Path(place) / "TimGM6mb.sf2"
            if font.is_file():
                return SoundFont(str(font), "TimGM6mb (pretty_midi)", "GPL-2.0")
    return None


class _Synth:
    """One loaded SoundFont, shared by the previews of a process, one preview at a time."""

    _lock = threading.Lock()
    _loaded: dict[tuple[str, int], Any] = {}

    @classmethod
    def get(cls, font: SoundFont, rate: int) -> Any:
        try:
            import tinysoundfont
        except ImportError:
            raise MissingExtra(
                "a WAV preview needs the 'tinysoundfont' package: "
                "pip install --no-deps tinysoundfont (or pip install 'cocreate[music]')"
            ) from None
        key = (font.path, rate)
        synth = cls._loaded.get(key)
        if synth is None:
            synth = tinysoundfont.Synth(samplerate=rate, gain=-6)
            sfid = synth.sfload(font.path)
            synth.cocreate_sfid = sfid
            cls._loaded[key] = synth
        return synth


def to_wav(genome: Mapping[str, Any], seconds: float | None = PREVIEW_SECONDS) -> bytes:
    """A mono 16-bit WAV of the phrase played through a General MIDI SoundFont."""
    font = soundfont()
    if font is None:
        raise MissingExtra(
            "a WAV preview needs a General MIDI SoundFont: apt-get install fluid-soundfont-gm "
            "(FluidR3_GM, MIT), pip install pretty_midi (TimGM6mb, GPL-2), or set "
            "$COCREATE_SOUNDFONT to a .sf2 file"
        )
    rate = SAMPLE_RATE
    spq = 60.0 / float(genome["tempo"])  # seconds per quarter
    channels = _channels(genome)
    events: list[tuple[int, int, int, int, int]] = []  # sample, on?, channel, pitch, velocity
    limit = None if seconds is None else float(seconds)
    for voice, notes in genome["voices"].items():
        ch = channels[voice]
        for p, o, d, v in notes:
            start = o * spq
            if limit is not None and start >= limit:
                continue
            end = (o + d) * spq
            if limit is not None:
                end = min(end, limit)
            events.append((round(start * rate), 1, ch, int(p), int(v)))
            events.append((round(end * rate), 0, ch, int(p), 0))
    events.sort()
    total = (events[-1][0] if events else 0) + round(TAIL * rate)
    with _Synth._lock:
        synth = _Synth.get(font, rate)
        sfid = synth.cocreate_sfid
        synth.notes_off()
        synth.sounds_off()
        synth.generate(round(0.05 * rate))  # the voices cut off fade out: start from silence
        program = int(genome.get("program", 0))
        for ch in set(channels.values()):
            if ch == 9:
                synth.program_select(9, sfid, 128, 0, True)
            else:
                synth.program_select(ch, sfid, 0, program)
        chunks: list[np.ndarray] = []
        now = 0
        for at, on, ch, p, v in events:
            if at > now:
                chunks.append(np.frombuffer(synth.generate(at - now), dtype=np.float32).copy())
                now = at
            if on:
                synth.noteon(ch, p, v)
            else:
                synth.noteoff(ch, p)
        if total > now:
            chunks.append(np.frombuffer(synth.generate(total - now), dtype=np.float32).copy())
        synth.notes_off()
        synth.sounds_off()
    stereo = np.concatenate(chunks) if chunks else np.zeros(2, dtype=np.float32)
    mono = stereo.reshape(-1, 2).mean(axis=1)
    pcm = np.clip(np.round(mono * 32767 * 0.9), -32768, 32767).astype("<i2")
    return _wav_bytes(
        pcm.tobytes(), rate, f"cocreate music partner; tinysoundfont; {font.describe()}"
    )


def _wav_bytes(data: bytes, rate: int, comment: str) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    text = comment.encode("ascii", "replace") + b"\x00"
    if len(text) % 2:
        text += b"\x00"
    info = b"INFO" + b"ISFT" + struct.pack("<I", len(text)) + text
    chunks = (
        b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"LIST"
        + struct.pack("<I", len(info))
        + info
        + b"data"
        + struct.pack("<I", len(data))
        + data
        + (b"\x00" if len(data) % 2 else b"")
    )
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


# -- piano roll -------------------------------------------------------------------------
_COLOURS = [
    (214, 69, 65),
    (230, 145, 56),
    (76, 153, 110),
    (60, 110, 180),
    (140, 90, 170),
    (120, 120, 120),
]


def to_png(genome: Mapping[str, Any], width: int | None = None) -> bytes:
    """A piano roll: time across, pitch up, a colour per voice, bar lines and beat ticks."""
    from PIL import Image, ImageDraw

    metre = metre_of(genome)
    from .genome import end_of

    end = max(end_of(genome), metre.bar)
    notes = [(v, n) for v, ns in genome["voices"].items() for n in ns]
    low = min(n[0] for _, n in notes) - 2
    high = max(n[0] for _, n in notes) + 2
    width = int(width or min(2000, max(320, round(end * 32))))
    row = max(3, min(10, 360 // max(1, high - low)))
    height = (high - low + 1) * row + 8
    sx = (width - 8) / end
    img = Image.new("RGB", (width, height), (250, 249, 245))
    draw = ImageDraw.Draw(img)
    for p in range(low, high + 1):
        if p % 12 in (1, 3, 6, 8, 10):
            y = 4 + (high - p) * row
            draw.rectangle([0, y, width, y + row - 1], fill=(240, 238, 232))
    b = 0.0
    while b <= end + 1e-9:
        for beat in metre.beats:
            x = 4 + (b + beat) * sx
            if b + beat <= end:
                draw.line([x, 0, x, height], fill=(200, 200, 200) if beat else (120, 120, 120))
        b += metre.bar
    order = {v: k for k, v in enumerate(genome["voices"])}
    for voice, (p, o, d, vel) in notes:
        colour = _COLOURS[order[voice] % len(_COLOURS)]
        shade = 0.55 + 0.45 * (vel / 127)
        fill = tuple(int(255 - (255 - c) * shade) for c in colour)
        x0, x1 = 4 + o * sx, 4 + (o + d) * sx - 1
        y = 4 + (high - p) * row
        draw.rectangle([x0, y, max(x0 + 1, x1), y + row - 1], fill=fill, outline=colour)
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=6)
    return buf.getvalue()
