"""How often the benchmark's methods foresee the pick (bench/attunement/foresight.py)."""

from __future__ import annotations

import pytest

foresight = pytest.importorskip("bench.attunement.foresight", reason="run from the repository root")


def test_the_attuned_strategy_foresees_better_than_chance():
    runs = [foresight.foreseen("attuned", "narrow", 4, 4, seed=s, rounds=25) for s in range(3)]
    assert all(len(h) == 24 and all(isinstance(x, bool) for x in h) for h in runs)
    share = sum(map(sum, runs)) / 72
    assert share > 0.25 + 0.1  # chance is 1/4
    # deterministic: the same creator and seeds give the same rounds
    assert foresight.foreseen("attuned", "narrow", 4, 4, seed=0, rounds=25) == runs[0]


def test_cli_table_and_errors(capsys):
    args = ["--methods", "evolution,attuned", "--tasks", "smooth-4d", "--n", "4"]
    assert foresight.main([*args, "--creators", "1", "--rounds", "4", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "| smooth-4d | 4 | attuned | 1 |" in out and "| all | all | evolution | 1 |" in out
    assert "| 0.25 |" in out  # chance at N = 4
    assert foresight.main(["--methods", "oracle,attuned"]) == 2
    assert "unknown methods: oracle" in capsys.readouterr().err
    assert foresight.main(["--tasks", "flat-4d"]) == 2
    assert "unknown task 'flat-4d'" in capsys.readouterr().err
