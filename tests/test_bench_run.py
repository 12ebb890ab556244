"""The attunement benchmark's runner (bench/attunement/run.py): its options and the goal table."""

from __future__ import annotations

import pytest

run = pytest.importorskip("bench.attunement.run", reason="run from the repository root")


def _episode(method: str, seed: int, to90: int | None, budget: int) -> dict:
    return {
        "method": method,
        "task": "narrow-16d",
        "shape": "narrow",
        "dim": 16,
        "n": 9,
        "taste_seed": seed,
        "method_seed": 0,
        "rounds": budget,
        "rounds_budget": budget,
        "to90": to90,
        "crash": None,
    }


def test_rounds_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run.main(["--rounds", "0", "--no-write", "--no-timing"])
    assert exc.value.code == 2
    assert "--rounds must be at least 1, not 0" in capsys.readouterr().err


def test_a_run_keeps_to_its_rounds() -> None:
    ep = run.run_episode(("evolution", "smooth", 4, 4, 0, 0, 7, 0))
    assert ep.crash is None and ep.rounds == 7 and len(ep.curve) == 7
    assert ep.curve == sorted(ep.curve), "the best shown so far never falls"


def test_the_small_pool_probe_differs_only_in_its_pool() -> None:
    from bench.attunement.methods import METHODS

    assert "attuned-s0-pool48" in run.OPT_IN  # a probe: only when named
    small, usual = METHODS["attuned-s0-pool48"](8, 4, 0), METHODS["attuned-s0"](8, 4, 0)
    assert len(small.pool()) == 48 and len(usual.pool()) == 256
    assert small.surprise == usual.surprise == 0.0
    ep = run.run_episode(("attuned-s0-pool48", "smooth", 8, 4, 0, 0, 3, 0))
    assert ep.crash is None and ep.rounds == 3


def test_the_hit_chance_probe_reads_each_draw_against_its_own_best() -> None:
    import numpy as np
    from bench.attunement.methods import _Hits

    class Draws:  # two posterior draws over three candidates
        def sample(self, X: object, n: int, rng: object) -> np.ndarray:
            return np.array([[10.0, 9.5, 2.0], [1.0, 4.0, 3.9]])

    hits = _Hits(Draws(), level=0.9, soft=0.03).sample(None, 2, None)
    # within 90% of the draw's best: near 1; below: near 0, whatever the scale of the draw
    assert np.allclose(hits.round(), [[1, 1, 0], [0, 1, 1]])
    assert {"attuned-s0-hit90", "attuned-s0-hit80"} <= set(run.OPT_IN)
    for method in ("attuned-s0-hit90", "attuned-s0-hit80"):
        ep = run.run_episode((method, "narrow", 8, 4, 0, 0, 4, 0))
        assert ep.crash is None and ep.rounds == 4


def test_the_goal_table_counts_a_longer_budget() -> None:
    episodes = [_episode("evolution", s, None, 100) for s in range(3)]
    episodes += [_episode("attuned-s0", s, 60 + s, 100) for s in range(3)]
    text = "\n".join(run.goal_section(episodes, ["--rounds", "100"], 60.0, 2, "r.json"))
    assert "(not reached in 100 = 101)" in text
    row = next(line for line in text.splitlines() if line.startswith("| narrow-16d | 9 |"))
    assert ">100" in row and "61" in row, row


def test_the_quick_mode_runs_one_task_of_each_goal_shape(
    tmp_path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    monkeypatch.setattr(run, "HERE", tmp_path)
    assert run.main(["--methods", "random", "--no-write", "--no-timing", "--workers", "1"]) == 0
    episodes = json.loads((tmp_path / "results-quick.json").read_text())["episodes"]
    assert {(e["task"], e["n"]) for e in episodes} == {
        (t, n) for t in ("smooth-8d", "narrow-8d", "multimodal-4d") for n in (4, 9)
    }
    assert len(episodes) == 6 * 3 and all(e["crash"] is None for e in episodes)
    assert (
        "With 3 creators a cell this run checks that every method runs" in capsys.readouterr().out
    )


def test_the_grid_mode_runs_every_task(
    tmp_path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    monkeypatch.setattr(run, "HERE", tmp_path)
    args = ["--grid", "--methods", "random", "--taste-seeds", "1", "--rounds", "2"]
    assert run.main([*args, "--no-write", "--no-timing", "--workers", "1"]) == 0
    episodes = json.loads((tmp_path / "results-grid.json").read_text())["episodes"]
    assert len({e["task"] for e in episodes}) == 9 and len(episodes) == 18
    assert "checks that every method runs" not in capsys.readouterr().out


def test_profile_cost_times_both_models_on_the_same_judgments(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cost = pytest.importorskip("bench.attunement.profile_cost")
    fb = cost.judgments(12)
    assert len(fb.comparisons) == 36 and len(fb.features) == 48
    assert all(v.shape == (37,) for v in fb.features.values())
    cost.main(["--rounds", "12", "--repeat", "1"])
    rows = [r for r in capsys.readouterr().out.splitlines() if r.startswith("| 36 |")]
    assert len(rows) == 1, "one row for 12 rounds of 4"
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert len(cells) == 7
    seconds, ratios = [float(cells[k]) for k in (1, 2, 4)], [float(cells[k][:-1]) for k in (3, 5)]
    assert all(s >= 0 for s in seconds) and all(r > 0 for r in ratios)
    assert cells[6].endswith("(chance 0.25)"), "one of 4 a round"


def test_history_bench_sends_less_for_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "bench_history.py"
    spec = importlib.util.spec_from_file_location("bench_history", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    full, page = module.main(["--rounds", "3", "-n", "4", "--repeat", "2"])
    assert full["name"] == "full" and 0 < page["bytes"] < 0.8 * full["bytes"]
    lines = [r for r in capsys.readouterr().out.splitlines() if r.startswith("| ")]
    assert len(lines) == 3 and all("| 12 |" in row for row in lines[1:])  # header, two rows
