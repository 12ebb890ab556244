"""The music partner: its files read back by music21 and mido, its operators, its learned model,
what a person's melody keeps, bad input, and who made each note."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("music21")
mido = pytest.importorskip("mido")

import cocreate  # noqa: E402
from cocreate.authorship.attribution import RecipeUnitizer, unitizer_for  # noqa: E402
from cocreate.errors import ContentTooLarge, InputError, InvalidContent  # noqa: E402
from cocreate.model import Intention  # noqa: E402
from cocreate.partners.music import (  # noqa: E402
    MusicPartner,
    harmonise,
    read,
    render_as,
)
from cocreate.partners.music import genome as G  # noqa: E402
from cocreate.partners.music import model as M  # noqa: E402
from cocreate.partners.music.corpus import chorales, corpus_root, folk  # noqa: E402
from cocreate.partners.music.quality import check  # noqa: E402
from cocreate.partners.music.theory import VOICES, Key, Metre  # noqa: E402
from cocreate.partners.music.transforms import TRANSFORMS  # noqa: E402
from cocreate.rounds import Request  # noqa: E402
from cocreate.testing import PartnerConformance  # noqa: E402

LIMIT = 30
"""Tests train on the first 30 training chorales (a few seconds), cached for the session."""
CHORALE = Intention("a chorale phrase in G minor, 3/4")
MELODY = b"""key: G minor
metre: 3/4
tempo: 80
soprano: D4q | G4q Bb4q A4q | G4h D5q | C5e Bb4e A4q F#4q | G4h
"""


@pytest.fixture(scope="module", autouse=True)
def music_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Models are trained into a temporary cache, never the user's."""
    folder = tmp_path_factory.mktemp("music-cache")
    old = os.environ.get("COCREATE_CACHE_DIR")
    os.environ["COCREATE_CACHE_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("COCREATE_CACHE_DIR", None)
    else:
        os.environ["COCREATE_CACHE_DIR"] = old
    M.forget_loaded()


@pytest.fixture(scope="module")
def partner(music_cache: Path) -> MusicPartner:
    return MusicPartner(limit=LIMIT)


@pytest.fixture(scope="module")
def phrase(partner: MusicPartner) -> dict:
    return partner.fresh(np.random.default_rng(11), CHORALE)


class TestMusicConformance(PartnerConformance):
    partner = MusicPartner(limit=LIMIT)


# -- what a proposal is -------------------------------------------------------------------
def test_a_fresh_phrase_follows_the_intention(phrase: dict) -> None:
    assert (phrase["key"], phrase["mode"], phrase["metre"]) == ("G", "minor", "3/4")
    assert phrase["bars"] == 8 and list(phrase["voices"]) == list(VOICES)
    assert G.end_of(phrase) == 24.0
    style = phrase["style"]
    assert style["corpus"] == "bach-chorales" and "Bach" in style["training"]
    assert style["model"].startswith("bach-chorales-first30-")
    # the melody ends on the tonic, the bass too, in root position
    assert phrase["voices"]["soprano"][-1][0] % 12 == 7
    assert phrase["voices"]["bass"][-1][0] % 12 == 7


def test_the_controls_come_from_the_request(partner: MusicPartner) -> None:
    req = Request(operator="propose", params={"key": "D major", "metre": "4/4", "bars": 4})
    g = partner.fresh_request(req, np.random.default_rng(2), CHORALE)
    assert (g["key"], g["mode"], g["metre"], g["bars"]) == ("D", "major", "4/4", 4)
    with pytest.raises(InputError, match="metre"):
        partner.fresh_request(Request(params={"metre": "seven"}), np.random.default_rng(0))


def test_midi_reads_back_with_mido_and_music21(partner: MusicPartner, phrase: dict) -> None:
    import music21

    data = partner.render(phrase)
    mid = mido.MidiFile(file=io.BytesIO(data))
    names = [t.name for t in mid.tracks[1:]]
    assert names == list(VOICES)
    score = music21.converter.parseData(data, format="midi")
    assert len(score.parts) == 4
    for part, voice in zip(score.parts, VOICES, strict=True):
        got = [
            (n.pitch.midi, float(n.offset), float(n.quarterLength)) for n in part.flatten().notes
        ]
        want = [(p, o, d) for p, o, d, _ in phrase["voices"][voice]]
        assert got == want
    ts = score.recurse().getElementsByClass("TimeSignature").first()
    assert ts.ratioString == "3/4"


def test_musicxml_reads_back_with_music21(phrase: dict) -> None:
    import music21

    data = render_as(phrase, "musicxml")
    score = music21.converter.parseData(data.decode(), format="musicxml").stripTies()
    assert len(score.parts) == 4
    for part, voice in zip(score.parts, VOICES, strict=True):
        got = [
            (n.pitch.midi, float(n.offset), float(n.quarterLength)) for n in part.flatten().notes
        ]
        assert got == [(p, o, d) for p, o, d, _ in phrase["voices"][voice]]
    key = score.recurse().getElementsByClass("KeySignature").first()
    assert key.sharps == -2
    # the chords are written under the bass as Roman numerals
    lyrics = [n.lyric for n in score.parts[3].flatten().notes if n.lyric]
    assert lyrics and lyrics[-1] in ("i", "I")
    # and this package reads its own MusicXML back to the same notes
    assert read(data).voices == {
        v: [[*n[:3], 80] for n in ns] for v, ns in phrase["voices"].items()
    }


def test_wav_preview_names_its_soundfont(phrase: dict) -> None:
    from cocreate.partners.music.render import soundfont

    pytest.importorskip("tinysoundfont")
    font = soundfont()
    if font is None:
        pytest.skip("no General MIDI SoundFont installed")
    data = render_as(phrase, "wav")
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert font.name.encode() in data[:400] and font.licence.encode() in data[:400]
    import wave

    with wave.open(io.BytesIO(data)) as w:
        seconds = w.getnframes() / w.getframerate()
    assert abs(seconds - (24 * 60 / phrase["tempo"] + 0.6)) < 0.1
    other = dict(phrase, tempo=120)
    render_as(other, "wav")
    assert render_as(phrase, "wav") == data  # the same bytes whatever played before


def test_piano_roll_and_typed_text(phrase: dict) -> None:
    from PIL import Image

    png = render_as(phrase, "png")
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.width >= 320
    text = render_as(phrase, "text").decode()
    assert text.startswith("key: G minor\nmetre: 3/4")
    back = read(text.encode())
    assert {v: [n[:3] for n in ns] for v, ns in back.voices.items()} == {
        v: [n[:3] for n in ns] for v, ns in phrase["voices"].items()
    }
    with pytest.raises(InputError, match="formats"):
        render_as(phrase, "mp3")


# -- reading a person's files --------------------------------------------------------------
def test_typed_notation() -> None:
    p = read(MELODY)
    assert p.key == Key(7, "minor") and p.metre == Metre(3, 4) and p.tempo == 80
    notes = p.voices["soprano"]
    assert notes[0] == [62, 2.0, 1.0, 80]  # the upbeat sits before the first bar line
    assert [n[0] for n in notes[-3:]] == [69, 66, 67]
    tied = read(b"C4h~ C4q D4e E4e")
    assert tied.voices["soprano"][0] == [60, 0.0, 3.0, 80]
    with pytest.raises(InvalidContent, match=r"line 1.*'H9x' is not a note"):
        read(b"C4q H9x")
    with pytest.raises(InvalidContent, match="bar of soprano lasts 4"):
        read(b"metre: 3/4\nC4q D4q E4q F4q | G4h.")


def test_abc_reads_as_music21_does() -> None:
    import music21

    path = corpus_root() / "essenFolksong" / "erk10.abc"
    text = path.read_text(encoding="latin-1")
    first = text[: text.index("\nX:", 10)]
    ours = read(first.encode()).voices["soprano"]
    theirs = music21.converter.parseData(first, format="abc").stripTies().flatten().notes
    assert [n[0] for n in ours] == [n.pitch.midi for n in theirs]
    assert [n[2] for n in ours] == [float(n.quarterLength) for n in theirs]


def test_corpus_musicxml_reads_as_music21_does() -> None:
    import music21

    piece = next(chorales(limit=1))
    ours = piece.phrase.voices["soprano"]
    score = music21.corpus.parse(piece.name).stripTies()
    theirs = score.parts[0].flatten().notes
    assert [n[0] for n in ours] == [n.pitch.midi for n in theirs]
    assert [n[2] for n in ours] == [float(n.quarterLength) for n in theirs]
    assert piece.phrase.fermatas, "the fermatas mark the phrase ends"


def test_midi_from_elsewhere_and_compressed_musicxml(phrase: dict) -> None:
    import music21

    s = music21.stream.Stream()
    for p in (60, 62, 64, 65, 67):
        s.append(music21.note.Note(p, quarterLength=1))
    path = io.BytesIO()
    mf = music21.midi.translate.streamToMidiFile(s)
    data = mf.writestr()
    del path
    got = read(data)
    assert [n[0] for ns in got.voices.values() for n in ns] == [60, 62, 64, 65, 67]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "META-INF/container.xml",
            '<container><rootfiles><rootfile full-path="score.xml"/></rootfiles></container>',
        )
        z.writestr("score.xml", render_as(phrase, "musicxml"))
    assert read(buf.getvalue(), "application/vnd.recordare.musicxml+xml").voices.keys() == set(
        VOICES
    )


@pytest.mark.parametrize(
    ("content", "media_type", "error", "words"),
    [
        (b"", None, InvalidContent, "empty"),
        (
            b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01",
            "audio/midi",
            InvalidContent,
            "MIDI file could not be read",
        ),
        (b"not a midi file", "audio/midi", InvalidContent, "not a MIDI file"),
        (
            b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk\x00\x00\x00\x04\x00\xff\x2f\x00",
            "audio/midi",
            InvalidContent,
            "no notes",
        ),
        (b"<html><body>hello</body></html>", None, InvalidContent, "root is <html>"),
        (
            b"<?xml version='1.0'?><!DOCTYPE s [<!ENTITY a 'b'>]><score-partwise>&a;</score-partwise>",
            "application/vnd.recordare.musicxml+xml",
            InvalidContent,
            "entities",
        ),
        (b"<score-partwise><part-list/></score-partwise>", None, InvalidContent, "no parts"),
        (b"PK\x03\x04broken", None, InvalidContent, ".mxl"),
        (("metre: 4/4\n" + "C4w | " * 10_000).encode(), None, ContentTooLarge, "10,000 bars"),
    ],
)
def test_bad_files_are_refused_by_name(
    content: bytes, media_type: str | None, error: type, words: str
) -> None:
    with pytest.raises(error, match=words):
        read(content, media_type)


def test_bad_melodies_for_harmonising(partner: MusicPartner) -> None:
    with pytest.raises(InputError, match="too low"):
        harmonise(partner, b"C2q D2q E2q F2q | G2w", None, 4)
    with pytest.raises(InputError, match="spans"):
        harmonise(partner, b"C4q C7q C4q C7q", None, 4)
    with pytest.raises(InputError, match="voices"):
        harmonise(partner, MELODY, None, 5)
    with pytest.raises(InvalidContent):
        harmonise(partner, b"\x00\x01 junk", "audio/midi", 4)


# -- harmonising ---------------------------------------------------------------------------
def test_harmonising_keeps_the_melody_note_for_note(partner: MusicPartner) -> None:
    melody = read(MELODY).voices["soprano"]
    for seed in range(3):
        g = harmonise(partner, MELODY, None, 4, np.random.default_rng(seed))
        assert g["voices"]["soprano"] == melody
        assert set(g["voices"]) == set(VOICES)
        assert g["kept"] == [["soprano", 0.0, 15.0]]
        report = check(g["voices"], Metre(3, 4), 7)
        assert report.parallel_rate < 0.03 and report.crossings == 0
    two = harmonise(partner, MELODY, None, 2, np.random.default_rng(0))
    assert set(two["voices"]) == {"soprano", "bass"}
    chords = harmonise(partner, MELODY, None, "chords", np.random.default_rng(0))
    assert set(chords["voices"]) == {"soprano", "chords"} and chords["chords"]


def test_harmonising_held_out_folk_tunes_and_soprano_lines(partner: MusicPartner) -> None:
    tunes = list(folk("essen-german", limit=3, split="held-out"))
    sopranos = list(chorales(limit=2, split="held-out"))
    rng = np.random.default_rng(5)
    for piece in tunes + sopranos:
        line = piece.phrase.voices["soprano"]
        g = G.make(
            kind="melody",
            key=piece.key,
            metre=piece.metre,
            tempo=80,
            bars=1 + int(G._t(max(n[1] + n[2] for n in line)) // piece.metre.bar),
            voices={"soprano": line},
        )
        data = render_as(g, "midi")
        out = harmonise(partner, data, "audio/midi", 4, rng, key=piece.key.name)
        assert [n[:3] for n in out["voices"]["soprano"]] == [n[:3] for n in line], piece.name
        report = check(out["voices"], piece.metre, piece.key.tonic)
        assert report.parallel_rate < 0.05, piece.name


# -- operators -----------------------------------------------------------------------------
@pytest.mark.parametrize("op", [*TRANSFORMS, "harmonise", "continue", "rhythm"])
def test_every_operator_makes_a_valid_phrase(partner: MusicPartner, phrase: dict, op: str) -> None:
    out = partner.vary_request(phrase, Request(operator=op), 0.5, np.random.default_rng(1))
    G.validate(out)
    assert out != phrase
    mido.MidiFile(file=io.BytesIO(partner.render(out)))
    mel, new = phrase["voices"]["soprano"], out["voices"].get("soprano", [])
    if op == "transpose":
        semis = new[0][0] - mel[0][0]
        assert [n[0] - semis for n in new] == [n[0] for n in mel]
    elif op == "retrograde":
        assert [n[0] for n in new] == [n[0] for n in mel][::-1]
    elif op == "rerhythm":
        assert [n[0] for n in new] == [n[0] for n in mel]
    elif op == "augment":
        assert out["bars"] > phrase["bars"]
    elif op == "harmonise":
        assert new == mel
    elif op == "continue":
        assert out["bars"] == 16 and new[: len(mel)] == mel
    elif op == "rhythm":
        assert out["kind"] == "rhythm"
    elif op == "ornament":
        assert sum(map(len, out["voices"].values())) > sum(map(len, phrase["voices"].values()))


def test_a_selection_changes_only_its_voices_and_bars(partner: MusicPartner, phrase: dict) -> None:
    sel = {"voices": ["alto", "tenor"], "bars": [3, 4]}
    for seed in range(3):
        out = partner.vary_request(
            phrase, Request(operator="variations", selection=sel), 0.5, np.random.default_rng(seed)
        )
        for v in VOICES:
            old = [n for n in phrase["voices"][v] if not (v in sel["voices"] and 6 <= n[1] < 12)]
            new = [n for n in out["voices"][v] if not (v in sel["voices"] and 6 <= n[1] < 12)]
            assert new == old, v
        changed = [n for n in out["voices"]["alto"] if 6 <= n[1] < 12]
        assert changed != [n for n in phrase["voices"]["alto"] if 6 <= n[1] < 12]
        assert ["soprano", 0.0, 24.0] in out["kept"] and ["alto", 12.0, 24.0] in out["kept"]
    inverted = partner.vary_request(
        phrase,
        Request(operator="invert", selection={"bars": [5, 6]}),
        0.5,
        np.random.default_rng(0),
    )
    before = [n for n in phrase["voices"]["soprano"] if n[1] < 12]
    assert [n for n in inverted["voices"]["soprano"] if n[1] < 12] == before
    with pytest.raises(InputError, match="no voice 'viola'"):
        partner.vary_request(
            phrase, Request(selection={"voices": ["viola"]}), 0.5, np.random.default_rng(0)
        )
    with pytest.raises(InputError, match="bars 1 to 8"):
        partner.vary_request(
            phrase, Request(selection={"bars": [9]}), 0.5, np.random.default_rng(0)
        )


def test_rhythmic_patterns_for_a_metre(partner: MusicPartner) -> None:
    req = Request(operator="rhythm", params={"metre": "7/8", "bars": 4})
    g = partner.fresh_request(req, np.random.default_rng(3))
    assert g["kind"] == "rhythm" and g["metre"] == "7/8" and g["bars"] == 4
    assert set(g["voices"]) <= {"low", "mid", "high"}
    bar = 3.5
    lows = {n[1] % bar for n in g["voices"]["low"]}
    assert 0.0 in lows  # every bar is marked
    assert all(abs(n[1] * 4 - round(n[1] * 4)) < 1e-9 for ns in g["voices"].values() for n in ns)
    dense = partner.fresh_request(
        Request(operator="rhythm", params={"metre": "7/8", "density": 0.95}),
        np.random.default_rng(3),
    )
    sparse = partner.fresh_request(
        Request(operator="rhythm", params={"metre": "7/8", "density": 0.05}),
        np.random.default_rng(3),
    )
    assert sum(map(len, dense["voices"].values())) > sum(map(len, sparse["voices"].values()))
    mid = mido.MidiFile(file=io.BytesIO(partner.render(g)))
    assert {m.channel for t in mid.tracks for m in t if m.type == "note_on"} == {9}


def test_interpolation_runs_from_one_phrase_to_the_other(partner: MusicPartner) -> None:
    a = partner.fresh(np.random.default_rng(1), CHORALE)
    b = partner.fresh(np.random.default_rng(2), CHORALE)
    assert partner.interpolate(a, b, 0.0) == a and partner.interpolate(a, b, 1.0) == b
    steps = [partner.interpolate(a, b, t) for t in (0.25, 0.5, 0.75)]
    assert steps[1] == partner.interpolate(a, b, 0.5)  # the same pair and t, the same phrase
    fa, fb = partner.describe(a), partner.describe(b)
    d = [np.linalg.norm(partner.describe(s) - fa) for s in steps]
    assert d[0] < np.linalg.norm(fb - fa) + 0.5 and all(np.isfinite(d))


def test_surprise_picks_less_probable_continuations(partner: MusicPartner) -> None:
    model = partner.model
    from cocreate.partners.music.corpus import Piece

    def mean_lp(surprise: float) -> float:
        total = n = 0.0
        for seed in range(6):
            req = Request(params={"key": "G minor", "metre": "4/4"}, surprise=surprise)
            g = partner.fresh_request(req, np.random.default_rng(seed))
            ph = read(render_as(g, "midi"))
            lp, k = model.melody_logprob(Piece("x", ph, G.key_of(g), G.metre_of(g)))
            total += lp
            n += k
        return total / n

    assert mean_lp(0.0) > mean_lp(1.0)


def test_features_read_the_notes_alike_from_genome_and_file(
    partner: MusicPartner, phrase: dict
) -> None:
    a = partner.describe(phrase)
    b = partner.describe(None, partner.render(phrase))
    c = partner.describe(None, render_as(phrase, "musicxml"))
    assert np.allclose(a, b) and np.allclose(a[:15], c[:15])
    assert np.all((a >= 0) & (a <= 1))
    major = partner.fresh_request(Request(params={"key": "C major"}), np.random.default_rng(1))
    names = list(partner.feature_names)
    assert partner.describe(major)[names.index("minor")] < a[names.index("minor")]


def test_edit_adjustments(partner: MusicPartner, phrase: dict) -> None:
    slower = partner.edit(phrase, {"tempo": 60})
    assert slower["tempo"] == 60 and slower["voices"] == phrase["voices"]
    major = partner.edit(phrase, {"key": "G major"})
    assert major["mode"] == "major" and major["key"] == "G"
    with pytest.raises(InputError, match="no adjustment"):
        partner.edit(phrase, {"colour": 1})


# -- the model and its cache ------------------------------------------------------------------
def test_the_model_is_cached_and_retrained_when_damaged(music_cache: Path) -> None:
    M.forget_loaded()
    first = M.load_model("bach-chorales", 5)
    path = music_cache / "music" / f"bach-chorales-first5-{M.MODEL_VERSION}.json"
    assert path.exists()
    M.forget_loaded()
    again = M.load_model("bach-chorales", 5)
    assert again.to_dict() == first.to_dict()
    path.write_bytes(b"garbage\n{}")
    M.forget_loaded()
    healed = M.load_model("bach-chorales", 5)
    assert healed.to_dict()["training"] == first.to_dict()["training"]
    _, _, body = path.read_bytes().partition(b"\n")
    assert json.loads(body)["version"] == M.MODEL_VERSION
    with pytest.raises(InputError, match="unknown corpus"):
        M.load_model("mozart")


def test_the_model_beats_unigram_and_bigram_on_held_out_melodies(partner: MusicPartner) -> None:
    train = list(chorales(limit=LIMIT))
    held = list(chorales(limit=12, split="held-out"))
    ours = partner.model
    baselines = [M.Baseline(k).fit(train) for k in (0, 1)]

    def bits(model: object) -> float:
        lp = n = 0.0
        for p in held:
            a, b = model.melody_logprob(p)  # type: ignore[attr-defined]
            lp += a
            n += b
        return -lp / n

    assert bits(ours) < bits(baselines[1]) < bits(baselines[0])
    assert not {p.name for p in held} & set(ours.training)


# -- in a studio --------------------------------------------------------------------------
@pytest.fixture
def work(memory_studio: cocreate.Studio) -> cocreate.Work:
    return memory_studio.create_work(
        "music", "me", "a chorale phrase in G minor, 3/4", partner_params={"limit": LIMIT}
    )


def test_a_round_of_phrases(work: cocreate.Work) -> None:
    ps = work.propose(9)
    assert len(ps) == 9 and all(p.media_type == "audio/midi" for p in ps)
    assert all(p.genome["style"]["corpus"] == "bach-chorales" for p in ps)
    work.choose(ps[3])
    vs = work.variations(ps[3], 4, operator="invert")
    assert len(vs) == 4
    steps = work.interpolate(ps[1], ps[3], steps=3)
    assert len(steps) == 3


def test_each_note_has_its_maker(work: cocreate.Work) -> None:
    ps = work.propose(3)
    g = ps[0].genome
    mine = G.copy_genome(g)
    mine["voices"]["alto"][0][0] += 1  # the person changes three notes
    mine["voices"]["tenor"][1][2] = G._t(mine["voices"]["tenor"][1][2] / 2)
    mine["voices"]["bass"].append([36, 0.0, 0.5, 70])
    edited = work.edit(ps[0], render_as(mine, "midi"), by="me")
    att = work.attribution(edited)
    units = att.units
    assert {u.kind for u in units} == {"note"}
    assert abs(sum(u.weight for u in units) - 1.0) < 1e-9
    human = [u for u in units if u.contributor == "me"]
    assert len(human) == 3
    assert abs(att.human_content_share - 3 / len(units)) < 1e-9
    # the person's melody, varied by the partner: the notes it kept stay the person's
    melody = work.contribute(MELODY, "text/plain")
    vs = work.variations(melody, 3, strength=0.2)
    for v in vs:
        a = work.attribution(v)
        kept = {
            (n[0], n[1], n[2])
            for k in v.genome.get("kept", [])
            for n in v.genome["voices"][k[0]]
            if k[1] <= n[1] < k[2]
        } & {(n[0], n[1], n[2]) for n in read(MELODY).voices["soprano"]}
        assert abs(a.human_content_share - len(kept) / len(a.units)) < 1e-9
    assert isinstance(unitizer_for("image/png"), RecipeUnitizer)
