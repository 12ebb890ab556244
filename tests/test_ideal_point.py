"""The ideal-point taste model: what it learns, how it samples, how it fails."""

from __future__ import annotations

import numpy as np
import pytest

from cocreate.attunement import AttunedStrategy, IdealPointTasteModel, ideal_point, preference_data
from cocreate.attunement.ideal import surest
from cocreate.errors import InputError
from cocreate.model import Intention, Operator
from cocreate.proposing import Candidate, Comparison, Feedback, ProposalContext, Rating

D = 4
IDEAL = np.array([0.7, 0.25, 0.55, 0.4])


def _utility(X: np.ndarray, ideal: np.ndarray = IDEAL, width: float = 0.2) -> np.ndarray:
    r2 = np.mean((X - ideal) ** 2, axis=1)
    return np.exp(-r2 / (2 * width**2))


def _simulate(
    rounds: int, n: int, seed: int, ideal: np.ndarray = IDEAL, work: str = "w", fb=None
) -> Feedback:
    """A creator choosing one of ``n`` random items a round with Luce noise."""
    rng = np.random.default_rng(seed)
    fb = fb if fb is not None else Feedback(work_id=work)
    for r in range(rounds):
        X = rng.uniform(size=(n, D))
        ids = [f"{work}-{seed}-{r}-{k}" for k in range(n)]
        for i, x in zip(ids, X, strict=True):
            fb.features[i] = x
        u = _utility(X, ideal) / 0.05
        p = np.exp(u - u.max())
        c = int(rng.choice(n, p=p / p.sum()))
        fb.comparisons += [Comparison(ids[c], o, 1.0, work, "choose") for o in ids if o != ids[c]]
    return fb


def test_choices_of_one_of_n_become_choice_sets() -> None:
    fb = _simulate(3, 4, seed=0)
    fb.comparisons.append(Comparison("w-0-0-0", "w-0-0-1", 1.0, "w", "compare"))
    data = preference_data(fb)
    assert data.pair_group is not None and len(data.pair_group) == 10
    groups = data.pair_group[:9]
    assert len(set(groups.tolist())) == 3, "one set per round"
    assert all((groups[k * 3 : k * 3 + 3] == groups[k * 3]).all() for k in range(3))
    assert data.pair_group[-1] == -1, "a pairwise comparison is its own set"


def test_learns_the_ideal_point_and_predicts_held_out_choices() -> None:
    fb = _simulate(40, 6, seed=1)
    model = IdealPointTasteModel().fit(fb)
    assert np.sqrt(np.mean((model.ideal_ - IDEAL) ** 2)) < 0.08, model.ideal_
    assert 0.08 < model.width_ < 0.5
    assert 0.1 < model.acceptance_ < 0.6
    rng = np.random.default_rng(5)
    A, B = rng.uniform(size=(500, D)), rng.uniform(size=(500, D))
    right = (model.predict(A) > model.predict(B)) == (_utility(A) > _utility(B))
    assert right.mean() > 0.85
    # uncertainty: far less spread at the ideal's neighbourhood than before any data
    mean, std = model.predict(IDEAL[None], return_std=True)
    assert mean[0] > np.median(model.predict(rng.uniform(size=(200, D))))
    assert std.shape == (1,) and np.isfinite(std).all()


def test_pointing_past_everything_shown() -> None:
    """Choices among items all on one side of the ideal still point at it."""
    rng = np.random.default_rng(2)
    ideal = np.array([0.8, 0.8, 0.8, 0.8])
    fb = Feedback(work_id="w")
    for r in range(40):
        X = rng.uniform(0.0, 0.6, size=(5, D))  # never near the ideal
        ids = [f"{r}-{k}" for k in range(5)]
        fb.features.update(zip(ids, X, strict=True))
        c = int(np.argmax(_utility(X, ideal, 0.3)))
        fb.comparisons += [Comparison(ids[c], o, 1.0, "w", "choose") for o in ids if o != ids[c]]
    model = IdealPointTasteModel().fit(fb)
    shown_best = max(fb.features.values(), key=lambda x: float(_utility(x[None], ideal, 0.3)[0]))
    beyond = np.clip(shown_best + 0.15, 0, 1)
    assert model.predict(beyond[None])[0] > model.predict(shown_best[None])[0]


def test_warm_start_when_judgments_are_added_and_cold_otherwise() -> None:
    model = IdealPointTasteModel(burn_in=120, n_steps=20)
    fb = _simulate(10, 4, seed=3)
    model.fit(fb)
    assert model.sweeps_ == 120
    _simulate(2, 4, seed=4, fb=fb)
    model.fit(fb)
    assert model.sweeps_ == 20, "only new judgments: the chain goes on"
    model.fit(_simulate(10, 4, seed=8))
    assert model.sweeps_ == 120, "other judgments: a fresh start"


def test_reproducible_and_sklearn_conventions() -> None:
    fb = _simulate(15, 4, seed=6)
    X = np.random.default_rng(0).uniform(size=(20, D))
    a = IdealPointTasteModel(random_state=3).fit(fb).predict(X)
    b = IdealPointTasteModel(random_state=3).fit(fb).predict(X)
    assert np.array_equal(a, b)
    model = IdealPointTasteModel(width=0.3)
    assert model.get_params()["width"] == 0.3
    clone = type(model)(**model.get_params())
    assert clone.get_params() == model.get_params()
    model.fit(fb)
    assert model.is_fitted
    model.set_params(lapse=0.1)
    assert not model.is_fitted, "new hyper-parameters forget the fit"
    draws = IdealPointTasteModel().fit(fb).sample(X, 7, np.random.default_rng(1))
    assert draws.shape == (7, 20) and np.isfinite(draws).all()
    assert model.to_dict()["model"] == "ideal-point/1"


def test_ratings_alone_teach_it() -> None:
    rng = np.random.default_rng(7)
    fb = Feedback(work_id="w")
    for k in range(60):
        x = rng.uniform(size=D)
        fb.features[f"r{k}"] = x
        fb.ratings.append(
            Rating(f"r{k}", float(np.clip(round(1 + 4 * _utility(x[None])[0]), 1, 5)), "w")
        )
    model = IdealPointTasteModel().fit(fb)
    rng = np.random.default_rng(5)
    A, B = rng.uniform(size=(500, D)), rng.uniform(size=(500, D))
    right = (model.predict(A) > model.predict(B)) == (_utility(A) > _utility(B))
    assert right.mean() > 0.9, "ratings alone order unseen pairs"


def test_the_current_work_may_move_the_ideal() -> None:
    usual = np.array([0.3, 0.3, 0.3, 0.3])
    fb = _simulate(30, 5, seed=9, ideal=usual, work="old")
    fb.work_id = "new"
    _simulate(30, 5, seed=10, ideal=IDEAL, work="new", fb=fb)
    model = IdealPointTasteModel(work_offset_scale=0.3).fit(fb, "new")
    assert np.linalg.norm(model.ideal_ - IDEAL) < np.linalg.norm(model.ideal_ - usual)
    only_old = _simulate(30, 5, seed=9, ideal=usual, work="old")
    only_old.work_id = "new"
    prior = IdealPointTasteModel().fit(only_old, "new")
    assert np.sqrt(np.mean((prior.ideal_ - usual) ** 2)) < 0.12, "earlier works are the prior"


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"width": 0}, "width must be a positive number"),
        ({"decisiveness": -1.0}, "decisiveness must be a positive number"),
        ({"lapse": 1.0}, "lapse must be in [0, 1)"),
        ({"n_particles": 2}, "n_particles must be at least 8"),
        ({"homes": 0}, "homes must be a whole number from 1 to 4"),
        ({"homes": 1.5}, "homes must be a whole number from 1 to 4"),
    ],
)
def test_bad_hyper_parameters_are_named(params: dict, words: str) -> None:
    with pytest.raises(ValueError) as info:
        IdealPointTasteModel(**params).fit(_simulate(3, 3, seed=0))
    assert words in str(info.value)


def test_predicting_before_fit_or_with_other_features_is_refused() -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        IdealPointTasteModel().predict(np.zeros((1, D)))
    model = IdealPointTasteModel().fit(_simulate(3, 3, seed=0))
    with pytest.raises(ValueError, match="features have 3 entries"):
        model.predict(np.zeros((2, 3)))


def _pool_and_context(
    fb: Feedback, size: int, n: int, round_no: int
) -> tuple[list[Candidate], ProposalContext]:
    """A pool of random candidates, and the context of a round at surprise 0 after ``fb``."""
    rng = np.random.default_rng(12)
    pool = []
    for k in range(size):
        c = Candidate({"k": k}, Operator.FRESH, (), k)
        c.features = rng.uniform(size=D)
        pool.append(c)
    ctx = ProposalContext(
        work_id="w", creator="ana", domain="toy", intention=Intention("x"), round=round_no, n=n,
        surprise=0.0, feedback=fb, seen=np.stack(list(fb.features.values())),
        rng=np.random.default_rng(0),
    )  # fmt: skip
    return pool, ctx


def test_the_attuned_strategy_proposes_with_it() -> None:
    fb = _simulate(25, 4, seed=11)
    pool, ctx = _pool_and_context(fb, size=120, n=5, round_no=26)
    strategy = AttunedStrategy(IdealPointTasteModel())
    picks = strategy.select(pool, ctx)
    assert len({p.index for p in picks}) == 5 and picks[0].predicted
    assert all(p.reason for p in picks)
    u = _utility(np.stack([c.features for c in pool]))
    assert u[picks[0].index] >= np.quantile(u, 0.9), "the predicted pick is among the best"
    assert isinstance(strategy.model_, IdealPointTasteModel)


def test_draws_come_from_the_last_sweeps_and_agree_with_the_population() -> None:
    fb = _simulate(20, 6, seed=12)
    model = IdealPointTasteModel(draw_sweeps=4).fit(fb)
    p, dim = model.particles_.shape
    assert model.draws_.shape == (4 * p, dim)
    assert np.array_equal(model.draws_[:p], model.particles_), "the newest sweep comes first"
    assert not np.array_equal(model.draws_[p : 2 * p], model.particles_)
    # the earlier sweeps are draws of the same posterior: the same ideal, within its spread
    spread = model.draws_[:, :D].std(axis=0)
    assert np.all(np.abs(model.draws_[p:, :D].mean(0) - model.particles_[:, :D].mean(0)) < spread)
    X = np.random.default_rng(0).uniform(size=(7, D))
    assert model.appeal_draws(X).shape == (4 * p, 7)
    one = IdealPointTasteModel(draw_sweeps=1).fit(fb)
    assert one.draws_.shape == (p, dim)


def test_single_precision_likelihood_matches_double() -> None:
    from cocreate.attunement.ideal import _Observations

    fb = _simulate(30, 6, seed=13)
    model = IdealPointTasteModel().fit(fb)
    obs = _Observations.build(preference_data(fb), model.other_work_weight)
    theta = model.particles_
    fast = model._log_post(theta, obs, D)
    model._likelihood_dtype = np.float64
    exact = model._log_post(theta, obs, D)
    assert np.max(np.abs(fast - exact)) < 1e-3
    assert not np.array_equal(fast, exact), "the fast path is really single precision"


@pytest.mark.parametrize("bad", [0, -2])
def test_a_bad_draw_sweeps_is_named(bad: int) -> None:
    with pytest.raises(ValueError, match="draw_sweeps"):
        IdealPointTasteModel(draw_sweeps=bad).fit(_simulate(2, 4, seed=0))


def test_pairs_without_artifact_ids_fit_and_warm_start() -> None:
    # PreferenceData.from_pairs knows no artifacts: the model finds the distinct ones itself,
    # in order of first appearance, so that adding pairs keeps the warm start
    from cocreate.attunement import PreferenceData

    rng = np.random.default_rng(21)
    X = rng.uniform(size=(60, D))
    u = _utility(X)
    a, b = rng.integers(60, size=(2, 120))
    keep = a != b
    a, b = a[keep], b[keep]
    w = np.where((u[a] > u[b])[:, None], X[a], X[b])
    lo = np.where((u[a] > u[b])[:, None], X[b], X[a])
    model = IdealPointTasteModel().fit(PreferenceData.from_pairs(w[:60], lo[:60]))
    assert model.sweeps_ == model.burn_in
    model.fit(PreferenceData.from_pairs(w, lo))
    assert model.sweeps_ < model.burn_in, "more pairs: a warm start"
    assert np.sqrt(np.mean((model.ideal_ - IDEAL) ** 2)) < 0.15
    model.fit(PreferenceData.from_pairs(lo, w))  # the same pairs reversed: not an extension
    assert model.sweeps_ == model.burn_in


# -- a taste with two homes -------------------------------------------------------------------
HOME_A = np.array([0.2, 0.25, 0.8, 0.75])
HOME_B = np.array([0.8, 0.7, 0.2, 0.3])


def _two_homes(X: np.ndarray, width: float = 0.15) -> np.ndarray:
    return np.maximum(_utility(X, HOME_A, width), 0.9 * _utility(X, HOME_B, width))


def _choices(utility, rounds: int, n: int, seed: int, fb: Feedback | None = None) -> Feedback:
    rng = np.random.default_rng(seed)
    fb = fb if fb is not None else Feedback(work_id="w")
    for r in range(rounds):
        X = rng.uniform(size=(n, D))
        ids = [f"{seed}-{r}-{k}" for k in range(n)]
        fb.features.update(zip(ids, X, strict=True))
        u = utility(X) / 0.05
        p = np.exp(u - u.max())
        c = int(rng.choice(n, p=p / p.sum()))
        fb.comparisons += [Comparison(ids[c], o, 1.0, "w", "choose") for o in ids if o != ids[c]]
    return fb


@pytest.mark.parametrize("seed", [1, 3])
def test_two_homes_finds_both_favourite_spots(seed: int) -> None:
    fb = _choices(_two_homes, 60, 6, seed)
    two = IdealPointTasteModel(homes=2).fit(fb)
    assert two.homes_.shape == (2, D) and two.home_heights_[0] == 1.0
    # each true home has a learned one near it (the posterior of the lower one is still wide
    # after 60 rounds of random sets: few draws hold both homes, so its mean blurs a little)
    for home in (HOME_A, HOME_B):
        assert np.sqrt(np.mean((two.homes_ - home) ** 2, axis=1)).min() < 0.13, two.homes_
    assert np.sqrt(np.mean((two.ideal_ - two.homes_[0]) ** 2)) < 1e-12
    rng = np.random.default_rng(seed + 50)
    A, B = rng.uniform(size=(2000, D)), rng.uniform(size=(2000, D))
    truth = _two_homes(A) > _two_homes(B)
    one = IdealPointTasteModel().fit(fb)
    right_two = ((two.predict(A) > two.predict(B)) == truth).mean()
    right_one = ((one.predict(A) > one.predict(B)) == truth).mean()
    assert right_two > right_one, (right_two, right_one)
    assert right_two > 0.85
    d = two.to_dict()
    assert [len(h["ideal"]) for h in d["homes"]] == [D, D] and d["params"]["homes"] == 2
    assert "homes" not in one.to_dict() and not hasattr(one, "homes_")


def test_two_homes_warm_start_shift_and_strategy() -> None:
    model = IdealPointTasteModel(homes=2, burn_in=120, n_steps=20)
    fb = _choices(_two_homes, 10, 4, seed=5)
    model.fit(fb)
    assert model.particles_.shape[1] == 2 * D + 3 and model.sweeps_ == 120
    _choices(_two_homes, 2, 4, seed=6, fb=fb)
    assert model.fit(fb).sweeps_ == 20, "only new judgments: the chain goes on"
    # an earlier work and this one: every home may move with the work's intention
    usual = np.array([0.3, 0.3, 0.3, 0.3])
    both = _simulate(30, 5, seed=9, ideal=usual, work="old")
    both.work_id = "new"
    _simulate(30, 5, seed=10, ideal=IDEAL, work="new", fb=both)
    moved = IdealPointTasteModel(homes=2, work_offset_scale=0.3).fit(both, "new")
    assert moved.particles_.shape[1] == 3 * D + 3
    assert np.isfinite(moved.predict(np.full((1, D), 0.5))).all()
    assert np.linalg.norm(moved.ideal_ - IDEAL) < np.linalg.norm(moved.ideal_ - usual)
    # the strategy proposes with it, each pick with its reason
    fb = _choices(_two_homes, 40, 6, seed=7)
    pool, ctx = _pool_and_context(fb, size=150, n=6, round_no=41)
    picks = AttunedStrategy(IdealPointTasteModel(homes=2)).select(pool, ctx)
    assert len({p.index for p in picks}) == 6 and all(p.reason for p in picks)
    u = _two_homes(np.stack([c.features for c in pool]))
    assert u[picks[0].index] >= np.quantile(u, 0.9), "the predicted pick is among the best"


# -- stepping away from the favourite -----------------------------------------------------
FAR = np.array([0.1, 0.9, 0.1, 0.9])


def _picked(fb: Feedback, winner, work: str, tag: str, seed: int, over=None) -> None:
    """One judgment in ``work``: an item at ``winner`` chosen over ``over`` (or three random)."""
    over = np.random.default_rng(seed).uniform(size=(3, D)) if over is None else over
    ids = [f"{tag}-{k}" for k in range(1 + len(over))]
    fb.features.update(zip(ids, [np.asarray(winner), *over], strict=True))
    fb.comparisons += [Comparison(ids[0], o, 1.0, work, "choose") for o in ids[1:]]


def _history(work: str = "w") -> Feedback:
    """Thirty rounds of choices, then a far pick over the favourite: no run of close picks yet."""
    fb = _simulate(30, 5, seed=3, work=work)
    _picked(fb, FAR, work, f"{work}-break", seed=0, over=[IDEAL])
    return fb


def test_steps_away_after_picks_close_to_the_favourite() -> None:
    fb = _history()
    for k in range(2):  # two picks in a row at the learned favourite
        _picked(fb, IDEAL + 0.02 * k, "w", f"near{k}", seed=k)
    pool, ctx = _pool_and_context(fb, size=200, n=6, round_no=33)
    X = np.stack([c.features for c in pool])

    usual = AttunedStrategy(IdealPointTasteModel(), step_away=0)  # never steps away
    picks = usual.select(pool, ctx)
    favourite = int(np.argmax(usual.model_.predict(X)))
    assert picks[0].index == favourite and not usual.last_away_

    away = AttunedStrategy(IdealPointTasteModel(), step_away=2, away_radius=0.3)
    picks = away.select(pool, ctx)
    assert away.last_away_ and len({p.index for p in picks}) == 6
    dist = np.sqrt(np.mean((X[[p.index for p in picks]] - X[favourite]) ** 2, axis=1))
    assert dist.min() > 0.3, "nothing close to the favourite is shown"
    assert picks[0].predicted and picks[0].reason.startswith("the best guess away from your fav")
    assert all(p.reason for p in picks[1:]) and not any(p.predicted for p in picks[1:])
    # the predicted pick is still the model's best guess among what is shown
    shown = [p.index for p in picks]
    assert picks[0].index == shown[int(np.argmax(away.model_.predict(X[shown])))]

    def next_round(r: int) -> bool:
        pool, ctx = _pool_and_context(fb, size=200, n=6, round_no=r)
        picks = away.select(pool, ctx)
        favourite = int(np.argmax(away.model_.predict(X)))
        assert away.last_away_ or picks[0].index == favourite
        return away.last_away_

    # the person picks from a far set: the next set brings the favourite back
    _picked(fb, FAR, "w", "from-away", seed=5, over=[FAR + 0.05, FAR - 0.05])
    assert not next_round(34)
    # the wait doubles: a third close pick does not step away, a fourth does
    _picked(fb, IDEAL, "w", "near2", seed=2)
    assert not next_round(35)
    _picked(fb, IDEAL - 0.01, "w", "near3", seed=3)
    assert next_round(36)
    # a far pick over something close to the favourite ends the run
    _picked(fb, FAR, "w", "far", seed=7, over=[IDEAL + 0.03])
    assert not next_round(37)


def test_only_this_works_picks_count_for_stepping_away() -> None:
    fb = _history(work="old")
    for k in range(2):  # the other work's latest picks sit at the favourite
        _picked(fb, IDEAL, "old", f"near{k}", seed=k)
    fb.work_id = "w"
    _picked(fb, IDEAL, "w", "one", seed=9)  # this work: only one pick so far
    pool, ctx = _pool_and_context(fb, size=200, n=6, round_no=2)
    strategy = AttunedStrategy(IdealPointTasteModel(), step_away=2, away_radius=0.3)
    strategy.select(pool, ctx)
    assert not strategy.last_away_
    _picked(fb, IDEAL + 0.01, "w", "two", seed=10)
    pool, ctx = _pool_and_context(fb, size=200, n=6, round_no=3)
    strategy.select(pool, ctx)
    assert strategy.last_away_


def test_stepping_away_needs_enough_far_candidates() -> None:
    fb = _history()
    for k in range(2):
        _picked(fb, IDEAL, "w", f"near{k}", seed=k)
    pool, ctx = _pool_and_context(fb, size=200, n=6, round_no=33)
    for c in pool:  # a pool all close to the favourite: nothing to step away to
        c.features = IDEAL + 0.05 * (c.features - 0.5)
    strategy = AttunedStrategy(IdealPointTasteModel(), step_away=2, away_radius=0.3)
    picks = strategy.select(pool, ctx)
    assert not strategy.last_away_ and len(picks) == 6
    assert picks[0].reason.startswith("predicted to suit your taste")


@pytest.mark.parametrize(
    ("kw", "named"),
    [
        ({"step_away": -1}, "step_away"),
        ({"step_away": 1.5}, "step_away"),
        ({"away_radius": 0.0}, "away_radius"),
        ({"away_radius": "far"}, "away_radius"),
    ],
)
def test_bad_step_away_settings_are_named(kw: dict, named: str) -> None:
    with pytest.raises(InputError, match=named):
        AttunedStrategy(**kw)


def test_the_profile_says_whether_a_favourite_spot_is_pinned_down() -> None:
    few = ideal_point(_simulate(2, 4, seed=5))
    assert few is not None and few["pinned"] is False
    assert [h["pinned"] for h in few["homes"]] == [False, False], "two choices pin nothing down"
    many = ideal_point(_simulate(80, 6, seed=5))
    assert many is not None and many["pinned"] is True and many["homes"][0]["pinned"] is True
    spread = np.mean(list(many["uncertainty"].values()))
    assert spread <= 0.2 < np.mean(list(few["uncertainty"].values())), spread
    ideal = np.array(list(many["ideal"].values()))
    assert np.sqrt(np.mean((ideal - IDEAL) ** 2)) < 0.06, ideal


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_a_roaming_second_home_does_not_blur_the_favourite_spot(seed: int) -> None:
    """One true favourite: the second home roams the unexplored space, and is not mistaken for it."""
    model = IdealPointTasteModel(homes=2).fit(_simulate(60, 6, seed))
    assert np.sqrt(np.mean((model.ideal_ - IDEAL) ** 2)) < 0.07, model.ideal_
    profile = ideal_point(_simulate(60, 6, seed))
    assert profile is not None and profile["pinned"] and not profile["homes"][1]["pinned"]


def test_a_choice_shows_as_its_likeliest_option() -> None:
    ideal = {"size": 0.3, "font=serif": 0.2, "font=mono": 0.8, "font=sans": 0.4, "bold=True": 0.6}
    spread = {
        "size": 0.25,
        "font=serif": 0.05,
        "font=mono": 0.1,
        "font=sans": 0.02,
        "bold=True": 0.3,
    }
    rows = surest(ideal, spread, k=3)
    assert [r["feature"] for r in rows] == ["font=mono", "size", "bold=True"]
    assert rows[0]["option"] == "mono" and rows[0]["spread"] == 0.1 and "option" not in rows[1]
    names = ["size", "font=serif", "font=mono", "font=sans"]
    profile = ideal_point(_simulate(30, 6, seed=2), names)
    assert profile is not None
    for home in profile["homes"]:
        fonts = [r for r in home["surest"] if r["feature"].startswith("font=")]
        assert len(fonts) == 1 and len(home["surest"]) == 2, home["surest"]
        best = max(names[1:], key=home["ideal"].get)
        assert fonts[0]["feature"] == best and fonts[0]["value"] == home["ideal"][best]
