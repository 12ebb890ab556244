"""The visual benchmark's runs (bench/attunement/visual.py): creators, method seeds, options."""

from __future__ import annotations

import pytest

visual = pytest.importorskip("bench.attunement.visual", reason="run from the repository root")


def test_a_method_seed_keeps_the_taste_and_changes_the_streams() -> None:
    first, again, other = (
        visual.PixelCreator(3),
        visual.PixelCreator(3, 0),
        visual.PixelCreator(3, 2),
    )
    assert (first.hue, first.symmetry) == (other.hue, other.symmetry), "one creator, one taste"
    draws = [c.rng.random(4).tolist() for c in (first, again, other)]
    assert draws[0] == draws[1] and draws[0] != draws[2]


def test_an_episode_says_which_run_it_is() -> None:
    runs = [visual.episode(("evolution", 4, 0, ms, 3, 24)) for ms in (0, 1)]
    for ms, run in enumerate(runs):
        assert run["method_seed"] == ms and run["seed"] == 0 and len(run["curve"]) == 3
        assert run["curve"] == sorted(run["curve"]), "the best shown so far never falls"
    assert runs[0]["curve"] != runs[1]["curve"], "another seed, another run"


@pytest.mark.parametrize("option", ["--seeds", "--method-seeds", "--rounds", "--pool"])
def test_counts_must_be_positive(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        visual.main([option, "0", "--no-write"])
    assert f"{option} must be at least 1, not 0" in capsys.readouterr().err
