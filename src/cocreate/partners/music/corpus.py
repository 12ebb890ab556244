"""The training music: the corpus that ships inside music21, read with this package's readers.

* ``"bach-chorales"`` — the 371 four-part chorales of J. S. Bach (music21's
  ``corpus.chorales`` list, read from ``music21/corpus/bach``): melody, rhythm and
  harmony;
* ``"essen-german"`` — German folk songs of the Essen Folksong Collection
  (``music21/corpus/essenFolksong``: the Erk, Böhme, Altdeutsch, ballad, DVA,
  Fink, Kinder and variant files): melody and rhythm, with the harmony of the
  chorales (folk songs come unharmonised);
* ``"essen-chinese"`` — the Han Chinese songs of the same collection (``han1``,
  ``han2``), likewise.

Pieces are split once and for all into training and held-out (every tenth by
name, from the fourth), so a quality figure is always measured on music the
model never saw. Reading the chorales takes a few seconds; nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError, MissingExtra
from .notation import Phrase, abc_tunes, read
from .theory import Key, Metre, key_scores

CORPORA: dict[str, dict[str, str]] = {
    "bach-chorales": {
        "description": "the 371 four-part chorales of J. S. Bach in music21's corpus (bach/bwv…)",
        "harmony": "bach-chorales",
    },
    "essen-german": {
        "description": "German folk songs of the Essen Folksong Collection in music21's corpus "
        "(essenFolksong: erk, boehme, altdeu, ballad, dva, fink, kinder, variant)",
        "harmony": "bach-chorales",
    },
    "essen-chinese": {
        "description": "Han Chinese folk songs of the Essen Folksong Collection in music21's "
        "corpus (essenFolksong: han1, han2)",
        "harmony": "bach-chorales",
    },
}
_ESSEN = {
    "essen-german": (
        "erk5",
        "erk10",
        "erk20",
        "erk30",
        "boehme10",
        "boehme20",
        "altdeu10",
        "altdeu20",
        "ballad10",
        "ballad20",
        "ballad30",
        "ballad40",
        "ballad50",
        "ballad60",
        "ballad70",
        "ballad80",
        "dva0",
        "fink0",
        "kinder0",
        "variant0",
    ),
    "essen-chinese": ("han1", "han2"),
}


@dataclass
class Piece:
    """One piece of the corpus, read, with its key decided."""

    name: str
    phrase: Phrase
    key: Key
    metre: Metre


def corpus_root() -> Path:
    """music21's corpus folder, found without importing music21."""
    spec = importlib.util.find_spec("music21")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtra(
            "the music partner learns from the corpus inside music21: pip install music21 "
            "(or pip install 'cocreate[music]')"
        )
    root = Path(next(iter(spec.submodule_search_locations))) / "corpus"
    if not (root / "bach").is_dir():
        raise MissingExtra(f"music21 is installed without its corpus (no {root.name}/bach)")
    return root


def check_corpus(name: str) -> str:
    if name not in CORPORA:
        raise InputError(f"unknown corpus {name!r} (corpora: {', '.join(CORPORA)})")
    return name


def held_out(name: str) -> bool:
    """Whether a piece is one of the held-out tenth (by a checksum of its name)."""
    return zlib.crc32(name.encode()) % 10 == 3


def chorale_names() -> list[str]:
    """The 371 chorales in music21's list (``bach/bwv269`` ...), as music21 numbers them."""
    from music21.corpus import chorales

    return list(chorales.Iterator(returnType="filename"))


def _chorale_key(phrase: Phrase, metre: Metre) -> Key:
    """The key: the signature's major or its relative minor, whichever the notes and the
    final bass note say."""
    sig = phrase.key or Key(0, "major")
    major = sig.tonic if sig.mode == "major" else (sig.tonic + 3) % 12
    minor = (major + 9) % 12
    import numpy as np

    h = np.zeros(12)
    for n in phrase.notes:
        h[n[0] % 12] += n[2]
    scores = key_scores(h)
    s_major, s_minor = scores[0, major], scores[1, minor]
    bass = phrase.voices.get("bass") or phrase.notes
    last = max(bass, key=lambda n: n[1])[0] % 12
    if last == major:
        s_major += 0.3
    elif last == minor:
        s_minor += 0.3
    return Key(minor, "minor") if s_minor > s_major else Key(major, "major")


def chorales(limit: int | None = None, split: str = "train") -> Iterator[Piece]:
    """The chorales with four voices named soprano, alto, tenor and bass.

    ``split`` is ``"train"``, ``"held-out"`` or ``"all"``; ``limit`` stops after that many.
    """
    root = corpus_root()
    count = 0
    for name in chorale_names():
        if split != "all" and held_out(name) != (split == "held-out"):
            continue
        path = next(
            (
                root / f"{name}{ext}"
                for ext in (".mxl", ".xml", ".musicxml")
                if (root / f"{name}{ext}").exists()
            ),
            None,
        )
        if path is None:
            continue
        try:
            phrase = read(path.read_bytes())
        except InputError:
            continue
        if not all(v in phrase.voices for v in ("soprano", "alto", "tenor", "bass")):
            continue
        phrase.voices = {v: phrase.voices[v] for v in ("soprano", "alto", "tenor", "bass")}
        metre = phrase.metre or Metre(4, 4)
        yield Piece(name, phrase, _chorale_key(phrase, metre), metre)
        count += 1
        if limit is not None and count >= limit:
            return


def folk(corpus: str, limit: int | None = None, split: str = "train") -> Iterator[Piece]:
    """The tunes of an Essen collection, one voice each."""
    root = corpus_root() / "essenFolksong"
    count = 0
    for stem in _ESSEN[corpus]:
        path = root / f"{stem}.abc"
        if not path.exists():
            continue
        text = path.read_text(encoding="latin-1")
        for k, phrase in enumerate(abc_tunes(text)):
            name = f"essenFolksong/{stem}#{k + 1}"
            if split != "all" and held_out(name) != (split == "held-out"):
                continue
            notes = phrase.voices.get("soprano") or []
            if len(notes) < 8 or phrase.metre is None:
                continue
            key = phrase.key or Key(0, "major")
            yield Piece(name, phrase, key, phrase.metre)
            count += 1
            if limit is not None and count >= limit:
                return


def pieces(corpus: str, limit: int | None = None, split: str = "train") -> Iterator[Piece]:
    check_corpus(corpus)
    if corpus == "bach-chorales":
        return chorales(limit, split)
    return folk(corpus, limit, split)
