"""The rough floor on rounds (bench/attunement/bound.py)."""

from __future__ import annotations

import numpy as np
import pytest

bound = pytest.importorskip("bench.attunement.bound", reason="run from the repository root")
tasks = pytest.importorskip("bench.attunement.tasks", reason="run from the repository root")


def test_floor_is_bits_over_bits_per_choice():
    assert bound.floor_rounds(1 / 16, 4) == pytest.approx(2.0)
    assert bound.floor_rounds(1 / 81, 9) == pytest.approx(2.0)
    assert bound.floor_rounds(1.0, 4) == 0.0
    with pytest.raises(ValueError, match="share"):
        bound.floor_rounds(0.0, 4)
    with pytest.raises(ValueError, match="at least 2"):
        bound.floor_rounds(0.5, 1)


def test_share_matches_uniform_sampling_of_the_utility():
    rng = np.random.default_rng(2)
    for shape, dim in (("smooth", 2), ("narrow", 3), ("multimodal", 4)):
        task = tasks.Task.make(shape, dim, 0)
        share = bound.share_above(task, 0.9, 40_000, np.random.default_rng(1))
        direct = float(np.mean(task.utility(rng.random((400_000, dim))) >= 0.9))
        assert share == pytest.approx(direct, rel=0.1), (shape, dim)
    # a narrower taste holds less of the space at 90%
    smooth = bound.share_above(tasks.Task.make("smooth", 8, 0), 0.9, 20_000, rng)
    narrow = bound.share_above(tasks.Task.make("narrow", 8, 0), 0.9, 20_000, rng)
    assert narrow < smooth / 50
    with pytest.raises(ValueError, match="decoys' height"):
        bound.share_above(tasks.Task.make("multimodal", 4, 0), 0.8, 100, rng)


def test_rows_and_cli(capsys):
    table = bound.rows(["smooth-4d", "narrow-4d"], [4, 9], creators=3, samples=20_000)
    assert [r["task"] for r in table] == ["smooth-4d", "narrow-4d"]
    assert table[0]["rounds"][4] < table[1]["rounds"][4]
    assert table[0]["rounds"][9] < table[0]["rounds"][4]
    assert bound.main(["--tasks", "smooth-4d", "--creators", "2", "--samples", "5000"]) == 0
    out = capsys.readouterr().out
    assert "| smooth-4d |" in out and "floor, N = 9" in out
    assert bound.main(["--tasks", "wobbly-4d"]) == 2
    assert "unknown task 'wobbly-4d'" in capsys.readouterr().err
