"""Reading a person's music: MIDI, MusicXML (also compressed ``.mxl``), ABC and typed notation.

Every reader gives a :class:`Phrase`: voices of ``[pitch, onset, duration,
velocity]`` lists (quarter notes, from the first full bar: an upbeat is placed
before it at the end of a bar, as written), with the key, metre and tempo the
file says, if it says them. A file that cannot be music is refused with
:class:`~cocreate.errors.InvalidContent` naming what is wrong with it; one over
:data:`~.genome.MAX_BARS` bars or :data:`~.genome.MAX_NOTES` notes with
:class:`~cocreate.errors.ContentTooLarge`.

The typed notation is for people who type a melody::

    key: G minor
    metre: 3/4
    tempo: 80
    soprano: G4q Bb4q A4q | G4h D5q | C5e Bb4e A4q F#4q | G4h.

A note is a pitch (letter, ``#`` or ``b``, octave) and a length — ``w h q e s``
for whole, half, quarter, eighth, sixteenth, dots to lengthen it, or a number
of quarters after a colon (``G4:1.5``) — ``r`` is a rest, ``~`` after a note ties
it to the next, ``|`` a bar line (checked against the metre), a length left out
is the previous one's. A line without a voice name is the melody.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as xml_fromstring

from ...errors import ContentTooLarge, InputError, InvalidContent
from .genome import MAX_BARS, MAX_NOTES, TONICS
from .theory import Key, Metre, parse_pitch

MIDI = "audio/midi"
MUSICXML = "application/vnd.recordare.musicxml+xml"
TEXT = "text/plain"
ABC = "text/vnd.abc"
ACCEPTS = (MIDI, MUSICXML, TEXT)
_MAX_XML = 20 * 1024 * 1024


@dataclass
class Phrase:
    """Notes by voice, with what the file says of key, metre and tempo."""

    voices: dict[str, list[list[Any]]]
    key: Key | None = None
    metre: Metre | None = None
    tempo: float | None = None
    fermatas: tuple[float, ...] = ()
    source: str = ""
    title: str = ""
    program: int | None = None
    drums: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def notes(self) -> list[list[Any]]:
        return [n for ns in self.voices.values() for n in ns]

    @property
    def end(self) -> float:
        return max((n[1] + n[2] for n in self.notes), default=0.0)

    def melody(self) -> tuple[str, list[list[Any]]]:
        """The voice that carries the tune: the soprano, else the highest voice on average."""
        if self.voices.get("soprano"):
            return "soprano", self.voices["soprano"]
        named = [(v, ns) for v, ns in self.voices.items() if ns]
        if not named:
            raise InvalidContent("the music has no notes")
        return max(named, key=lambda vn: sum(n[0] for n in vn[1]) / len(vn[1]))


def _q(x: float) -> float:
    """A time on the grid of 1/48 of a quarter note."""
    return round(float(x) * 48) / 48


def _checked(phrase: Phrase) -> Phrase:
    total = sum(len(ns) for ns in phrase.voices.values())
    if total == 0:
        raise InvalidContent(f"the {phrase.source or 'music'} file has no notes")
    if total > MAX_NOTES:
        raise ContentTooLarge(
            f"the {phrase.source} file has {total:,} notes; cocreate takes at most {MAX_NOTES:,}"
        )
    bar = (phrase.metre or Metre(4, 4)).bar
    bars = math.ceil(phrase.end / bar - 1e-9)
    if bars > MAX_BARS:
        raise ContentTooLarge(
            f"the {phrase.source} file is {bars:,} bars long; cocreate takes at most {MAX_BARS}"
        )
    for ns in phrase.voices.values():
        ns.sort(key=lambda n: (n[1], n[0]))
    phrase.voices = {v: ns for v, ns in phrase.voices.items() if ns}
    return phrase


def sniff_format(content: bytes) -> str:
    """``"midi"``, ``"mxl"``, ``"musicxml"``, ``"abc"`` or ``"text"`` from the bytes."""
    if content[:4] == b"MThd":
        return "midi"
    if content[:2] == b"PK":
        return "mxl"
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] == b"<":
        return "musicxml"
    try:
        text = head.decode("utf-8", errors="replace")
    except Exception:  # pragma: no cover - decode with replace never fails
        text = ""
    if re.search(r"(?m)^\s*(X:\s*\d|K:)", text):
        return "abc"
    return "text"


def read(content: bytes, media_type: str | None = None) -> Phrase:
    """The phrase in ``content`` (any of the formats above), checked against ``media_type``."""
    if not isinstance(content, bytes | bytearray | memoryview):
        raise InvalidContent(f"music must be bytes, not {type(content).__name__}")
    content = bytes(content)
    if not content.strip():
        raise InvalidContent("the music file is empty")
    kind = sniff_format(content)
    if media_type == MIDI and kind != "midi":
        raise InvalidContent("content declared audio/midi is not a MIDI file (no MThd header)")
    if media_type == MUSICXML and kind not in ("musicxml", "mxl"):
        raise InvalidContent(f"content declared {MUSICXML} is not MusicXML")
    if kind == "midi":
        return _checked(read_midi(content))
    if kind in ("musicxml", "mxl"):
        return _checked(read_musicxml(content))
    text = _text(content)
    if kind == "abc":
        return _checked(read_abc(text))
    return _checked(read_typed(text))


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidContent("the music file is neither MIDI, MusicXML nor UTF-8 text") from None


# -- MIDI ---------------------------------------------------------------------------------
_CANONICAL = {
    "soprano": "soprano",
    "s": "soprano",
    "canto": "soprano",
    "cantus": "soprano",
    "melody": "soprano",
    "alto": "alto",
    "a": "alto",
    "tenor": "tenor",
    "t": "tenor",
    "bass": "bass",
    "b": "bass",
    "basso": "bass",
}


def voice_name(name: str, fallback: str) -> str:
    """A part's name as a voice: the four chorale voices by name, else a short slug."""
    low = name.strip().lower().rstrip(".")
    if low in _CANONICAL:
        return _CANONICAL[low]
    for word, canon in _CANONICAL.items():
        if len(word) > 1 and low.startswith(word):
            return canon
    slug = re.sub(r"[^a-z0-9]+", "-", low).strip("-")[:30]
    return slug or fallback


def _drum_lane(pitch: int) -> str:
    if pitch in (35, 36, 41, 43, 45, 47):
        return "low"
    if pitch in (37, 38, 39, 40, 48, 50):
        return "mid"
    return "high"


def read_midi(content: bytes) -> Phrase:
    """A Standard MIDI File's notes, a voice per track (or per channel of a one-track file)."""
    import mido

    try:
        mid = mido.MidiFile(file=io.BytesIO(content))
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise InvalidContent(f"the MIDI file could not be read: {exc}") from None
    if mid.type == 2:
        raise InvalidContent("the MIDI file is type 2 (independent patterns); give type 0 or 1")
    tpb = mid.ticks_per_beat or 480
    key = metre = tempo = None
    program = None
    drums = False
    by_voice: dict[str, list[list[Any]]] = {}
    names: dict[int, str] = {}
    for ti, track in enumerate(mid.tracks):
        for msg in track:
            if msg.type == "track_name" and msg.name.strip():
                names[ti] = msg.name
                break
    channels_of: dict[int, set[int]] = {}
    for ti, track in enumerate(mid.tracks):
        for msg in track:
            if msg.type in ("note_on", "note_off"):
                channels_of.setdefault(ti, set()).add(msg.channel)
    for ti, track in enumerate(mid.tracks):
        t = 0
        sounding: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for msg in track:
            t += msg.time
            if msg.is_meta:
                if msg.type == "set_tempo" and tempo is None:
                    tempo = round(mido.tempo2bpm(msg.tempo), 2)
                elif msg.type == "time_signature" and metre is None:
                    try:
                        metre = Metre(msg.numerator, msg.denominator)
                    except InputError:
                        metre = None
                elif msg.type == "key_signature" and key is None:
                    key = _midi_key(msg.key)
                continue
            if msg.type == "program_change" and program is None and msg.channel != 9:
                program = msg.program
            if msg.type == "note_on" and msg.velocity > 0:
                sounding.setdefault((msg.channel, msg.note), []).append((t, msg.velocity))
            elif msg.type in ("note_off", "note_on"):
                starts = sounding.get((msg.channel, msg.note))
                if not starts:
                    continue
                start, vel = starts.pop(0)
                if t <= start:
                    continue
                several = len(channels_of.get(ti, ())) > 1
                if msg.channel == 9:
                    drums = True
                    voice = _drum_lane(msg.note)
                else:
                    label = names.get(ti, "")
                    fallback = f"track{ti}" + (f"-ch{msg.channel + 1}" if several else "")
                    voice = voice_name(label, fallback) if label and not several else fallback
                by_voice.setdefault(voice, []).append(
                    [int(msg.note), _q(start / tpb), _q((t - start) / tpb), int(vel)]
                )
    return Phrase(
        voices=by_voice,
        key=key,
        metre=metre,
        tempo=tempo,
        source="MIDI",
        program=program,
        drums=drums,
    )


def _midi_key(text: str) -> Key | None:
    minor = text.endswith("m")
    tonic = text[:-1] if minor else text
    if tonic not in TONICS:
        return None
    return Key(TONICS[tonic], "minor" if minor else "major")


# -- MusicXML -----------------------------------------------------------------------------
def _unzip_mxl(content: bytes) -> bytes:
    try:
        z = zipfile.ZipFile(io.BytesIO(content))
        infos = {i.filename: i for i in z.infolist()}
        target = None
        if "META-INF/container.xml" in infos:
            container = xml_fromstring(z.read("META-INF/container.xml"))
            for el in container.iter():
                if el.tag.endswith("rootfile") and el.get("full-path"):
                    target = el.get("full-path")
                    break
        if target not in infos:
            target = next(
                (
                    n
                    for n in infos
                    if not n.startswith("META-INF") and n.endswith((".xml", ".musicxml"))
                ),
                None,
            )
        if target is None:
            raise InvalidContent("the .mxl archive holds no MusicXML score")
        if infos[target].file_size > _MAX_XML:
            raise ContentTooLarge(f"the MusicXML inside the .mxl is over {_MAX_XML:,} bytes")
        return z.read(target)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise InvalidContent(f"the compressed MusicXML (.mxl) could not be read: {exc}") from None
    except (ParseError, DefusedXmlException) as exc:
        raise InvalidContent(f"the .mxl archive's container is not readable: {exc}") from None


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(el: Element, name: str) -> Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _text_of(el: Element | None, name: str, default: str = "") -> str:
    if el is None:
        return default
    c = _child(el, name)
    return (c.text or "").strip() if c is not None and c.text else default


def read_musicxml(content: bytes) -> Phrase:
    """A partwise MusicXML score (or ``.mxl``): a voice per part (and per voice within a part)."""
    if content[:2] == b"PK":
        content = _unzip_mxl(content)
    if len(content) > _MAX_XML:
        raise ContentTooLarge(f"the MusicXML is over {_MAX_XML:,} bytes")
    try:
        root = xml_fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise InvalidContent(
            "the MusicXML is refused: it declares entities or external references"
        ) from None
    except ParseError as exc:
        raise InvalidContent(f"the MusicXML is not well-formed XML: {exc}") from None
    tag = _local(root.tag)
    if tag == "score-timewise":
        raise InvalidContent("timewise MusicXML is not read; export it as partwise MusicXML")
    if tag != "score-partwise":
        raise InvalidContent(
            f"the XML is not a MusicXML score: its root is <{tag[:40]}>, not <score-partwise>"
        )
    part_names: dict[str, str] = {}
    part_list = _child(root, "part-list")
    if part_list is not None:
        for sp in part_list:
            if _local(sp.tag) == "score-part":
                part_names[sp.get("id", "")] = _text_of(sp, "part-name")
    key = metre = tempo = None
    voices: dict[str, list[list[Any]]] = {}
    fermatas: list[float] = []
    used: set[str] = set()
    title = _text_of(_child(root, "work"), "work-title") or _text_of(root, "movement-title")
    parts = [p for p in root if _local(p.tag) == "part"]
    if not parts:
        raise InvalidContent("the MusicXML score has no parts")
    shift = None
    for pi, part in enumerate(parts):
        pname = part_names.get(part.get("id", ""), "")
        base = voice_name(pname, f"part{pi + 1}") if pname else f"part{pi + 1}"
        while base in used:
            base = f"{base}-{pi + 1}"
        used.add(base)
        found = _read_part(part, pi == 0)
        if key is None:
            key = found["key"]
        if metre is None:
            metre = found["metre"]
        if tempo is None:
            tempo = found["tempo"]
        if shift is None:
            shift = found["shift"]
        by_v: dict[str, list[list[Any]]] = found["voices"]
        if pi == 0:
            fermatas = found["fermatas"]
        nonempty = {v: ns for v, ns in by_v.items() if ns}
        if len(nonempty) <= 1:
            for ns in nonempty.values():
                voices[base] = ns
        else:
            for k, (_, ns) in enumerate(sorted(nonempty.items())):
                voices[f"{base}.{k + 1}"] = ns
    s = shift or 0.0
    if s:
        for ns in voices.values():
            for n in ns:
                n[1] = _q(n[1] + s)
        fermatas = [_q(f + s) for f in fermatas]
    return Phrase(
        voices=voices,
        key=key,
        metre=metre,
        tempo=tempo,
        fermatas=tuple(fermatas),
        source="MusicXML",
        title=title,
    )


def _read_part(part: Element, first: bool) -> dict[str, Any]:
    divisions = 1.0
    t = 0.0
    measure_start = 0.0
    key = metre = tempo = None
    fifths = None
    voices: dict[str, list[list[Any]]] = {}
    open_ties: dict[tuple[str, int], list[Any]] = {}
    fermatas: list[float] = []
    last_onset = 0.0
    shift = 0.0
    for mi, measure in enumerate(m for m in part if _local(m.tag) == "measure"):
        measure_start = t
        longest = t
        for el in measure:
            name = _local(el.tag)
            if name == "attributes":
                d = _text_of(el, "divisions")
                if d:
                    try:
                        divisions = float(d) or 1.0
                    except ValueError:
                        raise InvalidContent(f"bad <divisions> {d[:20]!r} in MusicXML") from None
                k = _child(el, "key")
                if k is not None and fifths is None:
                    try:
                        fifths = int(_text_of(k, "fifths", "0"))
                    except ValueError:
                        fifths = 0
                    mode = _text_of(k, "mode", "major")
                    key = _key_from_fifths(fifths, mode)
                tm = _child(el, "time")
                if tm is not None and metre is None:
                    try:
                        metre = Metre(int(_text_of(tm, "beats")), int(_text_of(tm, "beat-type")))
                    except (ValueError, InputError):
                        metre = None
            elif name == "direction":
                for snd in el.iter():
                    if _local(snd.tag) == "sound" and snd.get("tempo") and tempo is None:
                        try:
                            tempo = float(snd.get("tempo", ""))
                        except ValueError:
                            tempo = None
            elif name == "sound" and el.get("tempo") and tempo is None:
                try:
                    tempo = float(el.get("tempo", ""))
                except ValueError:
                    tempo = None
            elif name == "backup":
                t -= _duration(el, divisions)
            elif name == "forward":
                t += _duration(el, divisions)
                longest = max(longest, t)
            elif name == "note":
                if _child(el, "grace") is not None or _child(el, "cue") is not None:
                    continue
                dur = _duration(el, divisions)
                chord = _child(el, "chord") is not None
                onset = last_onset if chord else t
                if not chord:
                    last_onset = t
                    t += dur
                    longest = max(longest, t)
                pitch_el = _child(el, "pitch")
                if pitch_el is None or dur <= 0:
                    continue
                pitch = _xml_pitch(pitch_el)
                voice = _text_of(el, "voice", "1")
                ties = {tie.get("type") for tie in el if _local(tie.tag) == "tie"}
                notations = _child(el, "notations")
                if notations is not None:
                    ties |= {c.get("type") for c in notations if _local(c.tag) == "tied"}
                    if first and any(_local(c.tag) == "fermata" for c in notations):
                        fermatas.append(_q(onset))
                vel = 80
                dyn = el.get("dynamics")
                if dyn:
                    try:
                        vel = max(1, min(127, round(float(dyn) * 90 / 100)))
                    except ValueError:
                        vel = 80
                held = open_ties.get((voice, pitch))
                if "stop" in ties and held is not None and abs(held[1] + held[2] - onset) < 1e-6:
                    held[2] = _q(held[2] + dur)
                    note = held
                else:
                    note = [pitch, _q(onset), _q(dur), vel]
                    voices.setdefault(voice, []).append(note)
                if "start" in ties:
                    open_ties[(voice, pitch)] = note
                else:
                    open_ties.pop((voice, pitch), None)
        t = max(t, longest)
        if mi == 0 and metre is not None:
            length = t - measure_start
            if 0 < length < metre.bar - 1e-6:
                shift = metre.bar - length  # an upbeat: the first full bar starts at a bar line
    return {
        "voices": voices,
        "key": key,
        "metre": metre,
        "tempo": tempo,
        "fermatas": fermatas,
        "shift": shift,
    }


def _duration(el: Element, divisions: float) -> float:
    d = _text_of(el, "duration", "0")
    try:
        value = float(d) / divisions
    except ValueError:
        raise InvalidContent(f"bad <duration> {d[:20]!r} in MusicXML") from None
    if not math.isfinite(value) or value < 0 or value > 4 * MAX_BARS * 4:
        raise InvalidContent(f"a MusicXML duration of {d[:20]} divisions is out of range")
    return value


def _xml_pitch(el: Element) -> int:
    step = _text_of(el, "step")
    try:
        octave = int(_text_of(el, "octave"))
        alter = round(float(_text_of(el, "alter", "0")))
    except ValueError:
        raise InvalidContent("a MusicXML pitch has a bad octave or alter") from None
    if step not in ("C", "D", "E", "F", "G", "A", "B"):
        raise InvalidContent(f"a MusicXML pitch has step {step[:5]!r}")
    p = 12 * (octave + 1) + {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}[step] + alter
    if not 0 <= p <= 127:
        raise InvalidContent(f"a MusicXML pitch ({step}{octave}) is outside the MIDI range")
    return p


def _key_from_fifths(fifths: int, mode: str) -> Key:
    major_tonic = (7 * fifths) % 12
    if mode == "minor":
        return Key((major_tonic + 9) % 12, "minor")
    return Key(major_tonic, "major")


# -- ABC ----------------------------------------------------------------------------------
_ABC_MODES = {
    "": (0, "major"),
    "maj": (0, "major"),
    "ion": (0, "major"),
    "m": (3, "minor"),
    "min": (3, "minor"),
    "aeo": (3, "minor"),
    "dor": (-2 + 12, "minor"),
    "phr": (-4 + 12, "minor"),
    "lyd": (-5 + 12, "major"),
    "mix": (5, "major"),
    "loc": (1, "minor"),
}
# the semitones a mode's tonic lies above the tonic of the major key with its signature
_MODE_OFFSET = {"": 0, "maj": 0, "ion": 0, "m": 9, "min": 9, "aeo": 9, "dor": 2, "phr": 4}
_MODE_OFFSET |= {"lyd": 5, "mix": 7, "loc": 11}
_ABC_NOTE = re.compile(
    r"(\^\^|\^|__|_|=)?([A-Ga-gzZx])([,']*)(\d*)(/*)(\d*)",
)
_SHARP_ORDER = "FCGDAEB"


def _abc_key(field: str) -> tuple[Key, dict[str, int]]:
    """The key and the key signature's accidentals by letter for a ``K:`` field."""
    text = field.strip().split("%")[0].strip()
    m = re.match(r"^([A-G])([#b]?)\s*([A-Za-z]*)", text)
    if not m or text.lower().startswith(("none", "hp")):
        return Key(0, "major"), {}
    letter, acc, mode_word = m.groups()
    mode = mode_word[:3].lower()
    if mode_word.lower() == "m":
        mode = "m"
    if mode not in _MODE_OFFSET:
        mode = ""
    tonic = ({"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}[letter]) + (
        1 if acc == "#" else -1 if acc == "b" else 0
    )
    tonic %= 12
    major = (tonic - _MODE_OFFSET[mode]) % 12
    fifths = (major * 7) % 12
    if fifths > 6:
        fifths -= 12
    sig: dict[str, int] = {}
    if fifths > 0:
        for ch in _SHARP_ORDER[:fifths]:
            sig[ch] = 1
    elif fifths < 0:
        for ch in _SHARP_ORDER[::-1][:-fifths]:
            sig[ch] = -1
    family = "minor" if _MODE_OFFSET[mode] in (9, 2, 4, 11) else "major"
    return Key(tonic, family), sig


def _abc_fraction(text: str, default: Fraction) -> Fraction:
    try:
        num, _, den = text.partition("/")
        return Fraction(int(num), int(den)) if den else Fraction(int(num), 1)
    except (ValueError, ZeroDivisionError):
        return default


def read_abc(text: str) -> Phrase:
    """The first tune of an ABC file (one voice)."""
    tunes = list(abc_tunes(text, limit=1))
    if not tunes:
        raise InvalidContent("the ABC text holds no tune (no K: field and notes)")
    return tunes[0]


def abc_tunes(text: str, limit: int | None = None) -> Iterable[Phrase]:
    """Each tune of an ABC file, as a one-voice phrase (repeats are read once)."""
    block: list[str] = []
    count = 0
    for line in [*text.splitlines(), "X:"]:
        if line.startswith("X:") and block:
            phrase = _abc_tune(block)
            block = []
            if phrase is not None:
                yield phrase
                count += 1
                if limit is not None and count >= limit:
                    return
        block.append(line)


def _abc_tune(lines: list[str]) -> Phrase | None:
    headers: dict[str, str] = {}
    body: list[str] = []
    in_body = False
    for raw in lines:
        line = raw.split("%", 1)[0].rstrip() if not raw.startswith("%%") else ""
        if not line.strip():
            continue
        m = re.match(r"^([A-Za-z]):(.*)$", line)
        if m and (not in_body or m.group(1) in "KMLQ"):
            field, value = m.group(1), m.group(2).strip()
            if field in ("w", "W"):
                continue
            if in_body:
                body.append(f"[{field}:{value}]")
            else:
                headers.setdefault(field, value)
            if field == "K":
                in_body = True
            continue
        if in_body:
            body.append(line)
    if "K" not in headers or not body:
        return None
    metre = _abc_metre(headers.get("M", "4/4"))
    if "L" in headers:
        unit = _abc_fraction(headers["L"], Fraction(1, 8))
    else:
        unit = Fraction(1, 16) if metre is not None and metre.bar / 4 < 0.75 else Fraction(1, 8)
    key, sig = _abc_key(headers["K"])
    tempo = _abc_tempo(headers.get("Q", ""))
    notes: list[list[Any]] = []
    t = Fraction(0)
    bar_start = Fraction(0)
    bar_acc: dict[tuple[str, int], int] = {}
    tie_next = False
    broken: tuple[str, int] | None = None
    tuplet: list[Fraction] = []  # [factor, notes left]
    prev: list[Any] | None = None
    first_bar = None
    src = " ".join(body)
    i = 0
    while i < len(src):
        ch = src[i]
        if ch == "[" and re.match(r"\[[KLMQ]:", src[i : i + 3]):
            end = src.find("]", i)
            end = len(src) if end == -1 else end
            field, value = src[i + 1], src[i + 3 : end]
            if field == "K":
                key, sig = _abc_key(value)
            elif field == "L":
                unit = _abc_fraction(value.strip(), unit)
            elif field == "M":
                metre = _abc_metre(value) or metre
            i = end + 1
            continue
        if ch == '"':
            end = src.find('"', i + 1)
            i = len(src) if end == -1 else end + 1
            continue
        if ch in "!+":
            end = src.find(ch, i + 1)
            i = i + 1 if end == -1 or end - i > 40 else end + 1
            continue
        if ch == "{":
            end = src.find("}", i)
            i = len(src) if end == -1 else end + 1
            continue
        if ch == "|" or ch == ":" or (ch == "[" and src[i + 1 : i + 2] in ("1", "2", "|")):
            if ch == "|" or ch == ":":
                if first_bar is None and t > 0:
                    first_bar = t
                bar_start = t
                bar_acc = {}
            i += 1
            while i < len(src) and src[i] in "|:]0123456789,":
                i += 1
            continue
        if ch == "(" and i + 1 < len(src) and src[i + 1].isdigit():
            p = int(src[i + 1])
            q = {2: 3, 3: 2, 4: 3, 6: 2, 5: 2, 7: 2, 9: 2}.get(p, 2)
            tuplet = [Fraction(q, p), Fraction(p)]
            i += 2
            while i < len(src) and src[i] in ":0123456789":
                i += 1
            continue
        if ch in ">" or ch == "<":
            n = 1
            while i + n < len(src) and src[i + n] == ch:
                n += 1
            broken = (ch, n)
            i += n
            continue
        if ch == "-":
            tie_next = True
            i += 1
            continue
        if ch == "[":  # a chord: the highest note carries the tune
            end = src.find("]", i)
            if end == -1:
                i += 1
                continue
            inner = src[i + 1 : end]
            tail = re.match(r"(\d*)(/*)(\d*)", src[end + 1 :])
            chord_notes = list(_ABC_NOTE.finditer(inner))
            if not chord_notes:
                i = end + 1
                continue
            best = max(
                chord_notes,
                key=lambda m: _abc_pitch(m, sig, bar_acc, dry=True) or -1,
            )
            fake = best.group(0) + (tail.group(0) if tail else "")
            m = _ABC_NOTE.match(fake)
            i = end + 1 + (len(tail.group(0)) if tail else 0)
        else:
            m = _ABC_NOTE.match(src, i)
            if not m or m.end() == i:
                i += 1
                continue
            i = m.end()
        assert m is not None
        length = _abc_length(m.group(4), m.group(5), m.group(6)) * unit * 4  # in quarters
        if broken is not None and prev is not None:
            ch_b, n = broken
            f = Fraction(1, 2**n)
            prev_len = Fraction(prev[2]).limit_denominator(48) if prev else length
            if ch_b == ">":
                change = prev_len * (1 - f)
                length = length * f
            else:
                change = -prev_len * (1 - f)
                length = length * (2 - f)
            if prev is not None and prev[0] >= 0:
                prev[2] = float(Fraction(prev[2]).limit_denominator(48) + change)
            t += change
            broken = None
        if tuplet:
            length = length * tuplet[0]
            tuplet[1] -= 1
            if tuplet[1] <= 0:
                tuplet = []
        pitch = _abc_pitch(m, sig, bar_acc)
        if pitch is None:  # a rest
            prev = [-1, float(t), float(length), 0]
            tie_next = False
        elif tie_next and prev is not None and prev[0] == pitch:
            prev[2] = float(Fraction(prev[2]).limit_denominator(48) + length)
            tie_next = False
        else:
            tie_next = False
            prev = [pitch, float(t), float(length), 80]
            notes.append(prev)
        t += length
        if len(notes) > MAX_NOTES:
            break
    del bar_start
    out = [[p, _q(o), _q(d), v] for p, o, d, v in notes if p >= 0 and d > 0]
    if (
        metre is not None
        and first_bar is not None
        and 0 < first_bar < Fraction(metre.bar).limit_denominator(48)
    ):
        shift = float(Fraction(metre.bar).limit_denominator(48) - first_bar)
        out = [[p, _q(o + shift), d, v] for p, o, d, v in out]
    return Phrase(
        voices={"soprano": out},
        key=key,
        metre=metre,
        tempo=tempo,
        source="ABC",
        title=headers.get("T", ""),
    )


def _abc_metre(text: str) -> Metre | None:
    text = text.strip()
    if text in ("C", "c"):
        return Metre(4, 4)
    if text in ("C|", "c|"):
        return Metre(2, 2)
    m = re.match(r"^(\d+)/(\d+)", text)
    if not m:
        return None
    try:
        return Metre(int(m.group(1)), int(m.group(2)))
    except InputError:
        return None


def _abc_tempo(text: str) -> float | None:
    m = re.search(r"(\d+)/(\d+)\s*=\s*(\d+)", text)
    if m:
        beat = Fraction(int(m.group(1)), int(m.group(2))) * 4
        return float(int(m.group(3)) * beat)
    m = re.match(r"^\s*(\d+)\s*$", text)
    return float(m.group(1)) if m else None


def _abc_length(num: str, slashes: str, den: str) -> Fraction:
    n = Fraction(int(num)) if num else Fraction(1)
    if slashes:
        d = int(den) if den else 2 ** len(slashes)
        if den and len(slashes) > 1:
            d = int(den) * 2 ** (len(slashes) - 1)
        n /= d
    return n


def _abc_pitch(
    m: re.Match[str], sig: Mapping[str, int], bar_acc: dict[tuple[str, int], int], dry: bool = False
) -> int | None:
    acc, letter, octs = m.group(1), m.group(2), m.group(3)
    if letter in "zZx":
        return None
    base = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}[letter.upper()]
    octave = 5 if letter.islower() else 4  # C is middle C (C4), c the octave above
    octave += octs.count("'") - octs.count(",")
    slot = (letter.upper(), octave)
    if acc:
        alter = {"^": 1, "^^": 2, "_": -1, "__": -2, "=": 0}[acc]
        if not dry:
            bar_acc[slot] = alter
    else:
        alter = bar_acc.get(slot, sig.get(letter.upper(), 0))
    p = 12 * (octave + 1) + base + alter
    return p if 0 <= p <= 127 else None


# -- typed notation ---------------------------------------------------------------------
_LENGTHS = {"w": 4.0, "h": 2.0, "q": 1.0, "e": 0.5, "s": 0.25, "t": 0.125}
_TOKEN = re.compile(
    r"^(?:(?P<rest>[rR])|(?P<pitch>[A-Ga-g](?:##|bb|#|b)?-?\d))"
    r"(?:(?P<len>[whqest])(?P<dots>\.*)|:(?P<num>\d+(?:\.\d+)?(?:/\d+)?))?(?P<tie>~)?$"
)
_HEADER = re.compile(r"^\s*(key|metre|meter|time|tempo|title)\s*[:=]\s*(.+?)\s*$", re.IGNORECASE)
_VOICE_LINE = re.compile(r"^\s*([A-Za-z][\w .-]{0,30}?)\s*:\s*(.*)$")


def read_typed(text: str) -> Phrase:
    """Typed notation (see the module docstring)."""
    key = metre = tempo = None
    title = ""
    lines: list[tuple[str, str, int]] = []
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if raw.lstrip().startswith("#") else raw.strip()
        if not line:
            continue
        h = _HEADER.match(line)
        if h:
            name, value = h.group(1).lower(), h.group(2)
            try:
                if name == "key":
                    key = Key.parse(value)
                elif name in ("metre", "meter", "time"):
                    metre = Metre.parse(value)
                elif name == "tempo":
                    tempo = float(value)
                    if not 20 <= tempo <= 400:
                        raise InputError(f"tempo {value} is not 20–400 beats a minute")
                else:
                    title = value[:200]
            except (InputError, ValueError) as exc:
                raise InvalidContent(f"line {no}: {exc}") from None
            continue
        v = _VOICE_LINE.match(line)
        if v and not _TOKEN.match(v.group(1).replace(" ", "")):
            lines.append((voice_name(v.group(1), "melody"), v.group(2), no))
        else:
            lines.append(("soprano", line, no))
    if not lines:
        raise InvalidContent("the text holds no notes (write them like: G4q Bb4q A4q | G4h.)")
    voices: dict[str, list[list[Any]]] = {}
    clocks: dict[str, tuple[float, float, list[Any] | None]] = {}
    bar = metre.bar if metre else None
    shift: float | None = None
    for voice, body, no in lines:
        t, last, prev = clocks.get(voice, (0.0, 1.0, None))
        notes = voices.setdefault(voice, [])
        bar_start = t
        short: float | None = None  # an underfull bar, fine only as the first or the last
        for tok in body.split():
            if tok == "|" or set(tok) <= {"|", ":"}:
                length = t - bar_start
                if bar is not None and length > 1e-6:
                    if short is not None or length > bar + 1e-6:
                        bad = short if short is not None else length
                        raise InvalidContent(
                            f"line {no}: a bar of {voice} lasts {bad:g} quarters, "
                            f"not the {bar:g} of {metre.name if metre else ''}"
                        )
                    if length < bar - 1e-6:
                        if bar_start == 0 and shift is None:
                            shift = bar - length  # an upbeat
                        elif not (bar_start == 0 and shift == bar - length):
                            short = length
                bar_start = t
                continue
            m = _TOKEN.match(tok)
            if not m:
                shown = tok[:20]
                raise InvalidContent(
                    f"line {no}: {shown!r} is not a note (write a pitch and a length: G4q, "
                    "Bb3e., F#5:1.5, or r for a rest)"
                )
            if m.group("len"):
                length = _LENGTHS[m.group("len")]
                dot = length
                for _ in m.group("dots"):
                    dot /= 2
                    length += dot
            elif m.group("num"):
                length = float(Fraction(m.group("num")))
            else:
                length = last
            if length <= 0 or length > 64:
                raise InvalidContent(f"line {no}: {tok!r} has a length of {length:g} quarters")
            last = length
            if m.group("rest"):
                prev = None
            else:
                try:
                    pitch = parse_pitch(m.group("pitch"))
                except InputError as exc:
                    raise InvalidContent(f"line {no}: {exc}") from None
                if prev is not None and prev[3] == "tie" and prev[0] == pitch:
                    prev[2] = _q(prev[2] + length)
                    prev[3] = 80
                else:
                    if prev is not None and prev[3] == "tie":
                        prev[3] = 80
                    prev = [pitch, _q(t), _q(length), 80]
                    notes.append(prev)
                if m.group("tie"):
                    prev[3] = "tie"
            t += length
            if len(notes) > MAX_NOTES:
                raise ContentTooLarge(f"the text has over {MAX_NOTES:,} notes")
        clocks[voice] = (t, last, prev)
    if shift:
        for ns in voices.values():
            for n in ns:
                n[1] = _q(n[1] + shift)
    for ns in voices.values():
        for n in ns:
            if n[3] == "tie":
                n[3] = 80
    return Phrase(
        voices=voices, key=key, metre=metre, tempo=tempo, source="typed notation", title=title
    )


def format_typed(genome: Mapping[str, Any]) -> str:
    """A genome written in the typed notation (what ``read_typed`` reads back)."""
    from .genome import metre_of
    from .render import _lanes
    from .theory import pitch_name

    metre = metre_of(genome)
    bar = metre.bar
    lines = [
        f"key: {genome['key']} {genome['mode']}",
        f"metre: {metre.label}",
        f"tempo: {genome['tempo']:g}",
    ]
    for voice, notes in genome["voices"].items():
        lanes = _lanes(notes)
        for k, lane in enumerate(lanes):
            toks: list[str] = []
            t = 0.0

            def advance(until: float, head: str, tie: bool, toks: list[str] = toks) -> float:
                nonlocal t
                while until > t + 1e-9:
                    edge = (math.floor(t / bar + 1e-9) + 1) * bar
                    step = min(until, edge) - t
                    more = until > edge + 1e-9
                    toks.append(_len_token(head, step) + ("~" if tie and more else ""))
                    t += step
                    if abs(t - edge) < 1e-9:
                        toks.append("|")
                return t

            for p, o, d, _ in lane:
                advance(o, "r", False)
                advance(o + d, pitch_name(p), True)
            if toks and toks[-1] == "|":
                toks.pop()
            name = voice if len(lanes) == 1 else f"{voice}-{k + 1}"
            lines.append(f"{name}: {' '.join(toks)}")
    return "\n".join(lines) + "\n"


_NAMED = {4.0: "w", 2.0: "h", 1.0: "q", 0.5: "e", 0.25: "s", 3.0: "h.", 1.5: "q.", 0.75: "e."}
_NAMED |= {0.375: "s.", 0.125: "t"}


def _len_token(head: str, length: float) -> str:
    name = _NAMED.get(round(length * 8) / 8)
    if name is not None and abs(round(length * 8) / 8 - length) < 1e-9:
        return head + name
    return f"{head}:{Fraction(length).limit_denominator(48)}"
