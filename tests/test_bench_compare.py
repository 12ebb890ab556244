"""The benchmark's cross-run pairing (bench/attunement/compare.py) on result files made here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

compare = pytest.importorskip("bench.attunement.compare", reason="run from the repository root")


def _episode(method: str, seed: int, to90: int | None, *, rounds: int = 50) -> dict:
    return {
        "method": method,
        "task": "narrow-8d",
        "shape": "narrow",
        "dim": 8,
        "n": 4,
        "taste_seed": seed,
        "method_seed": 0,
        "rounds": rounds,
        "rounds_budget": 50,
        "to90": to90,
        "best_shown": 0.95 if to90 else 0.7,
        "recommended": 0.9,
        "crash": None,
    }


def _write(path: Path, episodes: list[dict]) -> Path:
    path.write_text(json.dumps({"episodes": episodes}))
    return path


def test_pairs_runs_across_files_by_creator_and_seed(tmp_path, capsys):
    goal = _write(
        tmp_path / "goal.json",
        [_episode("evolution", s, r) for s, r in enumerate([20, 30, None, 10])]
        + [_episode("attuned-s0", s, r) for s, r in enumerate([10, 10, 12, 10])],
    )
    # the slow reference ran on the first two creators only, one of them stopped by its cap
    gp = _write(
        tmp_path / "gp.json",
        [_episode("pairwise-gp", 0, 15), _episode("pairwise-gp", 1, None, rounds=31)],
    )
    assert (
        compare.main(
            [str(goal), str(gp), "--methods", "attuned-s0", "--vs", "evolution,pairwise-gp"]
        )
        == 0
    )
    out = capsys.readouterr().out
    # evolution: medians 25 (20, 30, 51, 10) against 10: 2.5x, fewer in 3, same in 1
    assert "| narrow-8d | 4 | attuned-s0 | evolution | 4 | 10 vs 25 | 2.50× | 3 / 1 / 0 |" in out
    # the GP pairs only where it ran: (15, 51) against (10, 10)
    assert "| narrow-8d | 4 | attuned-s0 | pairwise-gp | 2 | 10 vs 33 | 3.30× | 2 / 0 / 0 |" in out
    assert (
        "| narrow-8d | 4 | pairwise-gp | 2 (1 stopped by the time cap) | 33 [24–42] | 1/2 |" in out
    )


def test_a_later_file_replaces_the_same_run(tmp_path, capsys):
    old = _write(
        tmp_path / "old.json", [_episode("attuned-s0", 0, 40), _episode("evolution", 0, 20)]
    )
    new = _write(tmp_path / "new.json", [_episode("attuned-s0", 0, 5)])
    compare.main([str(old), str(new), "--methods", "attuned-s0"])
    assert "| 1 | 5 vs 20 | 4.00× | 1 / 0 / 0 |" in capsys.readouterr().out


def test_names_what_is_missing(tmp_path, capsys):
    path = _write(tmp_path / "r.json", [_episode("evolution", 0, 20)])
    with pytest.raises(SystemExit):
        compare.main([str(path), "--methods", "attuned-s0"])
    assert "no episodes of attuned-s0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        compare.main([str(tmp_path / "nope.json"), "--methods", "evolution"])
    assert "no results file" in capsys.readouterr().err
