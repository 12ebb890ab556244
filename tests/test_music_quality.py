"""The music partner on the whole corpus: trained within a minute, better than n-grams on
music it never saw, and writing four parts as cleanly as the held-out chorales (slow)."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("music21")
pytest.importorskip("mido")

from cocreate.partners.music import model as M
from cocreate.partners.music.corpus import chorales
from cocreate.partners.music.generate import harmonise_melody
from cocreate.partners.music.quality import Report, check

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[M.StyleModel, float]:
    folder: Path = tmp_path_factory.mktemp("music-full")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COCREATE_CACHE_DIR", str(folder))
        M.forget_loaded()
        t0 = time.perf_counter()
        model = M.load_model("bach-chorales")
        seconds = time.perf_counter() - t0
        M.forget_loaded()
    return model, seconds


def test_training_on_the_chorales_takes_under_a_minute(full: tuple[M.StyleModel, float]) -> None:
    model, seconds = full
    assert seconds < 60
    assert len(model.training) > 300 and model.notes > 15_000


def test_held_out_melodies_are_better_predicted_than_by_n_grams(
    full: tuple[M.StyleModel, float],
) -> None:
    model, _ = full
    held = list(chorales(split="held-out"))
    train = list(chorales())
    assert len(held) >= 30 and not {p.name for p in held} & set(model.training)

    def bits(m: object) -> float:
        lp = n = 0.0
        for p in held:
            a, b = m.melody_logprob(p)  # type: ignore[attr-defined]
            lp += a
            n += b
        return -lp / n / math.log(2)

    ours, bigram, unigram = (
        bits(model),
        bits(M.Baseline(1).fit(train)),
        bits(M.Baseline(0).fit(train)),
    )
    assert ours < bigram - 0.2 < unigram


def test_harmonised_soprano_lines_beside_bach(full: tuple[M.StyleModel, float]) -> None:
    model, _ = full
    held = list(chorales(split="held-out"))
    bach, ours = Report(), Report()
    rng = np.random.default_rng(7)
    for p in held:
        bach.add(check(p.phrase.voices, p.metre, p.key.tonic))
        melody = p.phrase.voices["soprano"]
        end = math.ceil(p.phrase.end / p.metre.bar - 1e-9) * p.metre.bar
        cadences = {f: "end" for f in p.phrase.fermatas}
        voices, _ = harmonise_melody(model, melody, p.key, p.metre, rng, cadences=cadences, end=end)
        assert voices["soprano"] == melody
        ours.add(check(voices, p.metre, p.key.tonic))
    assert ours.parallel_rate <= max(2 * bach.parallel_rate, 1e-9) and ours.parallel_rate < 0.03
    assert ours.range_share >= 0.95
