"""The music commands: ``cocreate harmonise``, and a music work's round saved as MIDI and WAV."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

mido = pytest.importorskip("mido")
pytest.importorskip("music21")

from typer.testing import CliRunner  # noqa: E402

from cocreate.cli import app  # noqa: E402
from cocreate.partners.music import read  # noqa: E402

runner = CliRunner()
MELODY = (
    "key: G minor\nmetre: 3/4\nsoprano: D4q | G4q Bb4q A4q | G4h D5q | C5e Bb4e A4q F#4q | G4h\n"
)


@pytest.fixture(autouse=True)
def music_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCREATE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "music-cache"))


def test_harmonise_writes_the_four_parts(tmp_path: Path) -> None:
    melody = tmp_path / "tune.txt"
    melody.write_text(MELODY)
    out = tmp_path / "tune.mid"
    result = runner.invoke(
        app, ["harmonise", str(melody), "-o", str(out), "--seed", "3", "--limit", "20"]
    )
    assert result.exit_code == 0, result.output
    assert "soprano, alto, tenor, bass in G minor, 3/4" in result.output
    mid = mido.MidiFile(file=io.BytesIO(out.read_bytes()))
    assert [t.name for t in mid.tracks[1:]] == ["soprano", "alto", "tenor", "bass"]
    assert read(out.read_bytes()).voices["soprano"] == read(MELODY.encode()).voices["soprano"]
    xml = tmp_path / "tune.musicxml"
    assert (
        runner.invoke(
            app, ["harmonise", str(melody), "-o", str(xml), "--voices", "chords", "--limit", "20"]
        ).exit_code
        == 0
    )
    assert set(read(xml.read_bytes()).voices) >= {"soprano"}


def test_harmonise_names_the_problem(tmp_path: Path) -> None:
    low = tmp_path / "low.txt"
    low.write_text("C2q D2q E2q F2q | G2w")
    result = runner.invoke(
        app, ["harmonise", str(low), "-o", str(tmp_path / "x.mid"), "--limit", "20"]
    )
    assert result.exit_code == 1 and "too low" in result.output
    result = runner.invoke(app, ["harmonise", str(low), "-o", str(tmp_path / "x.mp3")])
    assert result.exit_code == 2 and ".mp3" in result.output


@pytest.mark.slow  # the command trains the full model once (about ten seconds)
def test_a_music_round_saved_as_midi_and_wav(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'studio.db'}"
    result = runner.invoke(
        app,
        ["--db", db, "new", "music", "-i", "a chorale phrase in D major, 4/4", "-c", "me"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    work = result.output.split("created work ")[1].split()[0].strip("[]/bold")
    folder = tmp_path / "round"
    result = runner.invoke(app, ["--db", db, "propose", work[:8], "-n", "3", "--save", str(folder)])
    assert result.exit_code == 0, result.output
    mids = sorted(folder.glob("*.mid"))
    assert len(mids) == 3
    for m in mids:
        mido.MidiFile(file=io.BytesIO(m.read_bytes()))
    from cocreate.partners.music.render import soundfont

    if soundfont() is not None:
        pytest.importorskip("tinysoundfont")
        assert len(sorted(folder.glob("*.wav"))) == 3
