"""The taste model and the attuned strategy."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cocreate.attunement import (
    AttunedStrategy,
    BayesianTasteModel,
    IdealPointTasteModel,
    PreferenceData,
    TasteProfile,
    fit_from_feedback,
    held_out,
    preference_data,
    taste_profile,
    taste_report,
)
from cocreate.attunement.report import feature_effects
from cocreate.errors import InputError
from cocreate.model import Intention, Operator
from cocreate.proposing import (
    Candidate,
    Comparison,
    DiverseStrategy,
    Feedback,
    ProposalContext,
    Rating,
)

D = 6
NAMES = [f"f{k}" for k in range(D)]


def _choose(u: np.ndarray, rng: np.random.Generator, temp: float = 0.05) -> int:
    p = np.exp((u - u.max()) / temp)
    return int(rng.choice(len(u), p=p / p.sum()))


def _simulate(utility, rounds: int, n: int, seed: int, d: int = D) -> tuple[Feedback, list]:
    """A creator choosing one of n random items per round."""
    rng = np.random.default_rng(seed)
    fb = Feedback(work_id="w")
    for r in range(rounds):
        X = rng.uniform(size=(n, d))
        ids = [f"{r}-{k}" for k in range(n)]
        for i, x in zip(ids, X, strict=True):
            fb.features[i] = x
        c = _choose(utility(X), rng)
        fb.comparisons += [Comparison(ids[c], o, 1.0, "w", "choose") for o in ids if o != ids[c]]
    return fb, []


def _heldout_accuracy(model, utility, seed: int = 99, d: int = D) -> float:
    rng = np.random.default_rng(seed)
    A, B = rng.uniform(size=(600, d)), rng.uniform(size=(600, d))
    truth = utility(A) > utility(B)
    return float(np.mean((model.predict(A) > model.predict(B)) == truth))


W_TRUE = np.array([2.0, -1.5, 1.0, 0.0, 0.5, -0.5])


def linear_u(X):
    return X @ W_TRUE / 3


TARGET = np.array([0.3, 0.7, 0.5, 0.2, 0.8, 0.6])


def bump_u(X):
    return np.exp(-np.sum((X - TARGET) ** 2, axis=1) / 0.3)


@pytest.mark.parametrize("utility", [linear_u, bump_u], ids=["linear", "bump"])
def test_learns_hidden_taste_from_choices(utility) -> None:
    fb, _ = _simulate(utility, rounds=40, n=4, seed=1)
    model = BayesianTasteModel().fit(fb)
    acc = _heldout_accuracy(model, utility)
    assert acc > 0.75, acc  # chance is 0.5
    few = BayesianTasteModel().fit(_simulate(utility, rounds=3, n=4, seed=1)[0])
    assert acc > _heldout_accuracy(few, utility)


def test_uncertainty_shrinks_with_data() -> None:
    X = np.random.default_rng(5).uniform(size=(200, D))
    stds = []
    for rounds in (0, 5, 20, 80):
        fb, _ = _simulate(linear_u, rounds=rounds, n=4, seed=2)
        fb.features.setdefault("probe", X[0])
        model = BayesianTasteModel().fit(fb)
        _, std = model.predict(X, return_std=True)
        stds.append(float(np.mean(std)))
    assert stds == sorted(stds, reverse=True) and stds[-1] < 0.7 * stds[0], stds


def _two_items() -> Feedback:
    fb = Feedback(work_id="w")
    fb.features["a"] = np.full(D, 0.2)
    fb.features["b"] = np.full(D, 0.8)
    fb.features["c"] = np.full(D, 0.5)
    return fb


def _gap(fb: Feedback) -> float:
    m = BayesianTasteModel().fit(fb)
    pa, pb = m.predict(np.stack([fb.features["a"], fb.features["b"]]))
    return float(pa - pb)


@pytest.mark.parametrize("source", ["choose", "rank", "compare", "reject", "edit"])
def test_each_comparison_kind_moves_the_model(source: str) -> None:
    fb = _two_items()
    before = _gap(fb)
    fb.comparisons.append(Comparison("a", "b", 0.5 if source == "reject" else 1.0, "w", source))
    assert _gap(fb) > before + 0.05
    fb2 = _two_items()
    fb2.comparisons.append(Comparison("b", "a", 1.0, "w", source))
    assert _gap(fb2) < before - 0.05


def test_ratings_move_the_model_both_ways() -> None:
    fb = _two_items()
    base = BayesianTasteModel().fit(fb)
    xa = fb.features["a"][None]
    fb.ratings.append(Rating("a", 5, "w"))
    up = BayesianTasteModel().fit(fb).predict(xa)[0]
    fb.ratings[-1] = Rating("a", 1, "w")
    down = BayesianTasteModel().fit(fb).predict(xa)[0]
    assert down < base.predict(xa)[0] < up
    fb.ratings = [Rating("a", 4, "w"), Rating("b", 2, "w")]
    assert _gap(fb) > 0.1
    # a 3-star rating alone says "neutral": nothing changes
    fb.ratings = [Rating("a", 3, "w")]
    assert _gap(fb) == pytest.approx(_gap(_two_items()), abs=1e-9)


def test_skip_teaches_nothing() -> None:
    fb = _two_items()
    fb.comparisons.append(Comparison("a", "b", 1.0, "w", "choose"))
    m1 = BayesianTasteModel().fit(fb)
    # a skip adds no comparison; the skipped artifact's features may be there
    fb.features["skipped"] = np.full(D, 0.9)
    m2 = BayesianTasteModel().fit(fb)
    assert np.allclose(m1.coef_, m2.coef_) and np.allclose(m1.covariance_, m2.covariance_)


def test_current_work_counts_more_and_other_works_are_the_prior() -> None:
    fb = _two_items()
    fb.comparisons.append(Comparison("a", "b", 1.0, "earlier", "choose"))
    prior_only = _gap(fb)
    assert prior_only > 0.05  # the earlier work is a prior for this one
    fb2 = _two_items()
    fb2.comparisons.append(Comparison("a", "b", 1.0, "w", "choose"))
    assert _gap(fb2) > prior_only  # the current work weighs more
    data = preference_data(fb)
    assert not data.pair_current.any() and data.n_works == 1


def _learned(model) -> np.ndarray:
    """What a fit changes: the weights of one model, the posterior draws of the other."""
    return model.coef_ if isinstance(model, BayesianTasteModel) else model.particles_


@pytest.mark.parametrize("taste", [BayesianTasteModel, IdealPointTasteModel])
def test_select_with_500_judgments_refits_only_on_change(taste) -> None:
    """With a long history the strategy still picks well, and refits only when told more."""
    target = np.linspace(0.2, 0.8, 16)

    def bump16(X):
        return np.exp(-np.sum((X - target) ** 2, axis=1) / 0.6)

    fb, _ = _simulate(bump16, rounds=167, n=4, seed=3, d=16)  # 501 comparisons
    strategy = AttunedStrategy(taste())
    rng = np.random.default_rng(0)
    pool = _pool(rng, 256, d=16)
    picks = strategy.select(pool, _context(fb, 9, 0.3, 0, d=16))
    assert len({p.index for p in picks}) == 9 and sum(p.predicted for p in picks) == 1
    model = strategy.model_
    assert isinstance(model, taste)
    coef = _learned(model).copy()
    strategy.select(pool, _context(fb, 9, 0.3, 1, d=16))
    assert strategy.model_ is model and np.array_equal(_learned(model), coef), (
        "no new judgment: no refit"
    )
    fb.comparisons.append(fb.comparisons[0])
    strategy.select(pool, _context(fb, 9, 0.3, 2, d=16))
    assert not np.array_equal(_learned(strategy.model_), coef), "a new judgment refits"
    best = max(picks, key=lambda p: p.score)
    assert best.predicted
    assert bump16(pool[best.index].features[None])[0] > np.median(
        bump16(np.stack([c.features for c in pool]))
    )


def test_profile_names_the_features_that_matter() -> None:
    fb, _ = _simulate(linear_u, rounds=60, n=4, seed=4)
    prof = taste_profile(fb, NAMES, creator="ana", domain="design")
    assert isinstance(prof, TasteProfile)
    assert prof.n_judgments == len(fb) and prof.n_works == 1
    assert prof.accuracy > 0.7
    test = prof.held_out
    assert test.choices == 60 and test.chance == pytest.approx(0.25)
    assert test.above_chance and test.accuracy > 0.6, "a consistent taste is foreseen"
    assert prof.confidence == pytest.approx((test.accuracy - 0.25) / 0.75)
    top = {f.name: f for f in prof.top_features[:3]}
    assert "f0" in top and top["f0"].weight > 0 and top["f0"].sure
    assert "f1" in top and top["f1"].weight < 0
    exported = json.loads(json.dumps(prof.to_dict()))
    assert exported["format"] == "cocreate-taste/1" and exported["creator"] == "ana"
    assert f"foresees {test.accuracy:.0%} of your picks (chance 25%)" in prof.summary()
    assert "seems to like more f0" in prof.summary()
    assert exported["held_out"]["choices"] == 60
    empty = taste_profile(Feedback(work_id="w"), NAMES)
    assert empty.n_judgments == 0 and empty.confidence == 0.0
    assert fit_from_feedback(fb).is_fitted


def test_profile_of_an_ideal_point_taste_names_its_directions_too() -> None:
    # a model without a closed-form slope: read from its posterior draws
    fb, _ = _simulate(linear_u, rounds=60, n=4, seed=4)
    prof = taste_profile(fb, NAMES, model=IdealPointTasteModel(homes=2))
    assert prof.model["model"] == "ideal-point/1" and prof.held_out.above_chance
    top = {f.name: f for f in prof.top_features[:3]}
    assert "f0" in top and top["f0"].weight > 0 and top["f0"].sure
    assert "f1" in top and top["f1"].weight < 0 and top["f1"].sure
    assert "seems to like more f0" in prof.summary()
    # and it is the slope of appeal: a bump's is positive below the peak, negative above
    bump, _ = _simulate(bump_u, rounds=60, n=4, seed=6)
    fitted = IdealPointTasteModel().fit(bump)
    below, _, _ = feature_effects(fitted, np.full((20, D), 0.05))
    above, _, _ = feature_effects(fitted, np.full((20, D), 0.95))
    assert below[TARGET > 0.5].min() > 0 and above[TARGET < 0.5].max() < 0


def test_taste_report_speaks_for_the_model_it_is_given() -> None:
    fb, _ = _simulate(bump_u, rounds=30, n=4, seed=8)
    bt = taste_report(fb, NAMES)
    assert bt["model"]["model"]["model"] == "bayesian-bradley-terry/1" and "ideal_point" not in bt
    ip = taste_report(fb, NAMES, IdealPointTasteModel(homes=2), creator="ana", domain="design")
    assert ip["model"]["model"]["model"] == "ideal-point/1" and ip["model"]["creator"] == "ana"
    assert list(ip["ideal_point"]["ideal"]) == NAMES and len(ip["ideal_point"]["homes"]) == 2
    assert ip["model"]["held_out"]["choices"] == 30 and "judgments" in ip["summary"]
    json.dumps(ip)  # plain data
    empty = taste_report(Feedback(work_id="w"), NAMES, IdealPointTasteModel())
    assert empty["ideal_point"] is None and empty["model"]["n_judgments"] == 0
    assert empty["summary"].startswith("No judgments yet")


def test_profile_of_random_clicks_claims_no_taste() -> None:
    # a model fitted to random clicks orders most of them right; held out, it foresees chance
    fb, _ = _simulate(lambda X: np.zeros(len(X)), rounds=60, n=4, seed=5)
    prof = taste_profile(fb, NAMES)
    assert prof.accuracy > 0.8, "in-sample, random clicks look learned"
    assert prof.held_out.choices == 60 and not prof.held_out.above_chance
    assert prof.held_out.accuracy < 0.4 and prof.confidence < 0.2
    assert "no taste it can tell from chance yet" in prof.summary()
    assert "seems to like" not in prof.summary()


def test_held_out_counts_choices_of_every_kind_and_needs_enough() -> None:
    fb, _ = _simulate(linear_u, rounds=3, n=4, seed=4)
    few = held_out(BayesianTasteModel(), fb)
    assert few.choices == 3 and not few.tested and np.isnan(few.accuracy)
    assert few.skill == 0.0 and "too few choices" in taste_profile(fb, NAMES).summary()
    # pairwise judgments are choices of one of two; a skip (weight 0) is none
    rng = np.random.default_rng(0)
    for k in range(6):
        a, b = f"p{k}a", f"p{k}b"
        fb.features[a], fb.features[b] = rng.uniform(size=D), rng.uniform(size=D)
        hi, lo = (
            (a, b)
            if linear_u(fb.features[a][None])[0] > linear_u(fb.features[b][None])[0]
            else (b, a)
        )
        fb.comparisons.append(Comparison(hi, lo, 1.0, "w", "pairwise"))
    fb.comparisons.append(Comparison("p0a", "p0b", 0.0, "w", "skip"))
    test = held_out(BayesianTasteModel(), fb)
    assert test.choices == 9 and test.tested
    assert test.chance == pytest.approx((3 * 0.25 + 6 * 0.5) / 9)
    assert held_out(BayesianTasteModel(), fb, max_choices=4).choices == 4


def test_model_reset_and_params() -> None:
    fb, _ = _simulate(linear_u, rounds=5, n=4, seed=4)
    m = BayesianTasteModel(n_fourier=16).fit(fb)
    assert m.is_fitted and m.get_params()["n_fourier"] == 16
    m.reset()
    assert not m.is_fitted
    with pytest.raises(RuntimeError):
        m.predict(np.zeros((1, D)))
    with pytest.raises(ValueError):
        m.set_params(nope=1)


def narrow_u(X):
    return np.exp(-np.mean((X - TARGET) ** 2, axis=1) / (2 * 0.12**2))


def test_lengthscale_is_chosen_by_evidence() -> None:
    sharp = BayesianTasteModel().fit(_simulate(narrow_u, rounds=40, n=4, seed=1)[0])
    broad = BayesianTasteModel().fit(_simulate(linear_u, rounds=40, n=4, seed=1)[0])
    for m in (sharp, broad):
        assert set(m.evidence_) == set(m.lengthscale_choices)
        assert m.lengthscale_ == max(m.evidence_, key=m.evidence_.get)
        assert m.to_dict()["lengthscale"] == m.lengthscale_
    # a sharp taste gets a shorter lengthscale than a linear one
    assert sharp.lengthscale_ < broad.lengthscale_


def test_lengthscale_is_chosen_again_as_judgments_grow() -> None:
    fb, _ = _simulate(narrow_u, rounds=60, n=4, seed=2)
    comps = list(fb.comparisons)
    m = BayesianTasteModel()
    fb.comparisons = comps[:60]
    m.fit(fb)
    assert m.chosen_at_ == 60
    fb.comparisons = comps[:80]  # grew by a third: refit the chosen model only
    m.fit(fb)
    assert m.chosen_at_ == 60 and m.n_observations_ == 80
    fb.comparisons = comps[:90]  # grew by half: choose again
    m.fit(fb)
    assert m.chosen_at_ == 90
    fixed = BayesianTasteModel(lengthscale=0.4, lengthscale_choices=None).fit(fb)
    assert fixed.lengthscale_ == 0.4 and not hasattr(fixed, "evidence_")
    assert "lengthscale=0.4" in repr(fixed)
    # the same data give the same choice and the same predictions
    again = BayesianTasteModel().fit(fb)
    X = np.random.default_rng(3).uniform(size=(20, D))
    assert again.lengthscale_ == m.lengthscale_
    np.testing.assert_allclose(again.predict(X), BayesianTasteModel().fit(fb).predict(X))


def test_preference_data_from_pairs() -> None:
    rng = np.random.default_rng(0)
    A, B = rng.uniform(size=(30, D)), rng.uniform(size=(30, D))
    win = np.where((linear_u(A) > linear_u(B))[:, None], A, B)
    lose = np.where((linear_u(A) > linear_u(B))[:, None], B, A)
    m = BayesianTasteModel().fit(PreferenceData.from_pairs(win, lose))
    assert m.score(PreferenceData.from_pairs(win, lose)) > 0.9
    p = m.predict_proba(win, lose)
    assert np.all((p > 0) & (p < 1)) and np.mean(p) > 0.7


# -- the strategy -------------------------------------------------------------------------
def _pool(rng: np.random.Generator, size: int, d: int = D) -> list[Candidate]:
    X = rng.uniform(size=(size, d))
    return [Candidate({}, Operator.FRESH, (), k, features=x) for k, x in enumerate(X)]


def _context(fb: Feedback, n: int, surprise: float, seed: int, d: int = D, seen=None):
    return ProposalContext(
        work_id="w",
        creator="ana",
        domain="design",
        intention=Intention("x"),
        round=1,
        n=n,
        surprise=surprise,
        feedback=fb,
        seen=np.empty((0, d)) if seen is None else seen,
        rng=np.random.default_rng(seed),
    )


@pytest.mark.parametrize("rounds", [0, 10])
@pytest.mark.parametrize("n", [1, 4, 9])
def test_strategy_picks_n_distinct_with_reasons(rounds: int, n: int) -> None:
    fb, _ = _simulate(linear_u, rounds=rounds, n=4, seed=6)
    pool = _pool(np.random.default_rng(1), 200)
    seen = np.stack(list(fb.features.values())) if fb.features else None
    picks = AttunedStrategy().select(pool, _context(fb, n, 0.5, 0, seen=seen))
    assert len(picks) == n and len({p.index for p in picks}) == n
    assert all(p.reason for p in picks)
    assert sum(p.predicted for p in picks) == 1
    small = AttunedStrategy().select(pool[:3], _context(fb, n, 0.5, 0))
    assert len(small) == min(n, 3)


def test_predicted_pick_is_the_best_guess() -> None:
    fb, _ = _simulate(linear_u, rounds=30, n=4, seed=7)
    pool = _pool(np.random.default_rng(2), 200)
    strategy = AttunedStrategy()
    picks = strategy.select(pool, _context(fb, 4, 0.0, 0))
    X = np.stack([c.features for c in pool])
    predicted = next(p for p in picks if p.predicted)
    assert predicted.index == int(np.argmax(strategy.model_.predict(X)))
    assert predicted.reason.startswith("predicted to suit your taste (")
    # and it is really good under the hidden taste
    assert linear_u(X[[predicted.index]])[0] > np.quantile(linear_u(X), 0.9)


def test_surprise_dial_moves_picks_away_from_taste() -> None:
    fb, _ = _simulate(linear_u, rounds=25, n=4, seed=8)
    seen = np.stack(list(fb.features.values()))
    liked = np.stack([fb.features[c.winner] for c in fb.comparisons])
    gaps, far = [], []
    for seed in range(8):
        pool = _pool(np.random.default_rng(100 + seed), 200)
        X = np.stack([c.features for c in pool])
        out = {}
        for s in (0.0, 1.0):
            picks = AttunedStrategy().select(pool, _context(fb, 6, s, seed, seen=seen))
            idx = [p.index for p in picks if not p.predicted]
            dist = np.min(np.linalg.norm(X[idx][:, None] - liked[None], axis=2), axis=1)
            out[s] = (linear_u(X[idx]).mean(), dist.mean())
        gaps.append(out[0.0][0] - out[1.0][0])
        far.append(out[1.0][1] - out[0.0][1])
    assert np.mean(gaps) > 0 and np.mean(np.array(gaps) > 0) >= 0.75, gaps
    assert np.mean(far) > 0, far


def test_surprise_reasons_are_said() -> None:
    fb, _ = _simulate(linear_u, rounds=25, n=4, seed=8)
    seen = np.stack(list(fb.features.values()))
    pool = _pool(np.random.default_rng(3), 200)
    picks = AttunedStrategy().select(pool, _context(fb, 6, 1.0, 0, seen=seen))
    reasons = " | ".join(p.reason for p in picks)
    assert "surprise" in reasons or "far from everything" in reasons
    picks0 = AttunedStrategy().select(pool, _context(fb, 6, 0.0, 0, seen=seen))
    assert not any("surprise" in p.reason for p in picks0)


def test_strategy_is_deterministic_given_a_seed() -> None:
    fb, _ = _simulate(bump_u, rounds=15, n=4, seed=9)
    pool = _pool(np.random.default_rng(4), 200)
    a = AttunedStrategy().select(pool, _context(fb, 6, 0.4, 11))
    b = AttunedStrategy().select(pool, _context(fb, 6, 0.4, 11))
    assert a == b
    # with fewer draws than the posterior holds, the generator picks which draws count
    a16 = AttunedStrategy(n_draws=16).select(pool, _context(fb, 6, 0.4, 11))
    assert a16 == AttunedStrategy(n_draws=16).select(pool, _context(fb, 6, 0.4, 11))
    c16 = AttunedStrategy(n_draws=16).select(pool, _context(fb, 6, 0.4, 12))
    assert [p.index for p in c16] != [p.index for p in a16]


def test_strategy_survives_odd_feedback() -> None:
    fb = Feedback(work_id="w")
    fb.features["a"] = np.zeros(D)
    fb.features["b"] = np.ones(3)  # another feature length: left out
    fb.comparisons.append(Comparison("a", "b", 1.0, "w", "choose"))
    fb.comparisons.append(Comparison("a", "missing", 1.0, "w", "choose"))
    picks = AttunedStrategy().select(_pool(np.random.default_rng(0), 50), _context(fb, 4, 0.3, 0))
    assert len(picks) == 4 and sum(p.predicted for p in picks) == 1


def test_strategy_anchors_put_the_models_favourites_first() -> None:
    fb, _ = _simulate(linear_u, rounds=20, n=4, seed=8)
    strategy = AttunedStrategy()
    ids = list(fb.features)
    liked = [ids[0], ids[5]]  # what the person picked lately (made up)
    out = strategy.anchors(liked, ids, fb, "w", k=4)
    mean = strategy.model_.predict(np.stack([fb.features[i] for i in ids]))
    top = [ids[j] for j in np.argsort(-mean)[:3]]
    assert out[:3] == top and len(out) == 4 and out[3] in liked
    # nothing learned yet: the latest likes, as any strategy does
    assert AttunedStrategy().anchors(liked, ids, Feedback(work_id="w"), "w") == liked
    assert DiverseStrategy().anchors(ids, ids, fb, "w") == ids[:4]


class _TwoMindsModel(IdealPointTasteModel):
    """A posterior split between two favourite spots (half the draws each): for the set test."""

    def __init__(self, a: np.ndarray, b: np.ndarray) -> None:
        super().__init__()
        self.a, self.b = a, b
        self.n_features_in_ = len(a)

    def appeal_draws(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(X)
        ga = np.exp(-np.sum((X - self.a) ** 2, axis=1) / 0.02)
        gb = 0.9 * np.exp(-np.sum((X - self.b) ** 2, axis=1) / 0.02)
        return np.array([ga] * 32 + [gb] * 32)

    def predict(self, X, return_std=False):
        g = self.appeal_draws(X)
        return (g.mean(0), g.std(0)) if return_std else g.mean(0)

    def sample(self, X, n_samples, rng):
        g = self.appeal_draws(X)
        return g[rng.choice(len(g), n_samples, replace=n_samples > len(g))]


def test_taste_slots_cover_the_posterior_not_one_spot() -> None:
    # Where the posterior is torn between two spots, the set shown holds the best of each:
    # a near-copy of the predicted pick adds nothing to the expected best of the set.
    rng = np.random.default_rng(5)
    a, b = np.full(D, 0.25), np.full(D, 0.75)
    X = np.concatenate([a + 0.03 * rng.normal(size=(40, D)), b + 0.03 * rng.normal(size=(40, D))])
    X = np.concatenate([X, rng.uniform(size=(120, D))])
    model = _TwoMindsModel(a, b)
    strategy = AttunedStrategy()
    picks = strategy._choose(model, X, 2, 0.0, np.empty((0, D)), np.random.default_rng(0))
    near_a = np.linalg.norm(X - a, axis=1) < np.linalg.norm(X - b, axis=1)
    first, second = (p.index for p in picks)
    assert picks[0].predicted and near_a[first]
    assert not near_a[second]  # the other mind's favourite, not a second copy of the first
    # and the set is the best of its size by the model's own measure: E[max appeal of the set]
    G = model.appeal_draws(X)
    ours = G[:, [first, second]].max(axis=1).mean()
    top2 = np.argsort(-G.mean(axis=0))[:2]
    assert ours > G[:, top2].max(axis=1).mean() + 0.2


def test_strategy_names_a_bad_draw_count() -> None:
    with pytest.raises(ValueError, match="n_draws"):
        AttunedStrategy(n_draws=0)


def test_bradley_terry_maps_each_artifact_once_and_leaves_out_a_switched_off_block() -> None:
    fb, _ = _simulate(bump_u, 15, 5, seed=21)
    data = preference_data(fb)
    rows = PreferenceData.from_pairs(data.winners, data.losers, data.pair_weight)
    assert rows.items is None and data.items is not None
    a = BayesianTasteModel(lengthscale_choices=None).fit(data)
    b = BayesianTasteModel(lengthscale_choices=None).fit(rows)
    assert np.allclose(a.coef_, b.coef_, atol=1e-8), "mapped once per artifact or per row: same fit"
    assert a.n_map_ == 1 + D + a.n_fourier, "quadratic_scale=0: no quadratic block at all"
    q = BayesianTasteModel(lengthscale_choices=None, quadratic_scale=0.3).fit(data)
    assert q.n_map_ == 1 + D + D * (D + 1) // 2 + q.n_fourier
    # the single-precision cosines agree with double precision to far below a choice's scale
    X = np.random.default_rng(0).uniform(size=(50, D))
    exact = np.cos(X @ a._omega_ + a._phase_) * np.sqrt(2.0 / a.n_fourier)
    assert np.max(np.abs(a._phi(X)[:, 1 + D :] - exact)) < 1e-5


def test_the_default_model_follows_the_domain() -> None:
    from cocreate.attunement.strategy import DOMAIN_MODELS

    fb, _ = _simulate(bump_u, rounds=8, n=4, seed=3)
    image = Feedback("w", fb.features, fb.comparisons, fb.ratings, domain="image")
    design = Feedback("w", fb.features, fb.comparisons, fb.ratings, domain="design")
    strategy = AttunedStrategy()
    assert DOMAIN_MODELS["image"] is BayesianTasteModel
    assert isinstance(strategy.fit(image).model_, BayesianTasteModel)
    fitted = strategy.model_
    assert strategy.fit(image).model_ is fitted  # nothing changed: no refit
    # another domain, same strategy: its own kind of model, fitted afresh
    assert isinstance(strategy.fit(design).model_, IdealPointTasteModel)
    assert strategy.model_.homes == 2  # elsewhere a taste may have two homes
    assert isinstance(strategy.fit(image).model_, BayesianTasteModel)
    assert isinstance(AttunedStrategy().fit(fb).model_, IdealPointTasteModel)  # domain unknown
    # a model given is used in every domain
    chosen = AttunedStrategy(IdealPointTasteModel(n_particles=32))
    assert isinstance(chosen.fit(image).model_, IdealPointTasteModel)
    assert chosen.model_.n_particles == 32
    picks = strategy.select(_pool(np.random.default_rng(0), 50), _context(image, 4, 0.0, 0))
    assert len(picks) == 4 and isinstance(strategy.model_, BayesianTasteModel)


def test_stepping_away_follows_the_domain_unless_given() -> None:
    from cocreate.attunement.strategy import DEFAULT_STEP_AWAY, DOMAIN_STEP_AWAY

    default = AttunedStrategy()
    assert default.step_away is None  # as given: the domain decides
    assert default.step_away_for("image") == DOMAIN_STEP_AWAY["image"] == 0
    assert default.step_away_for("design") == default.step_away_for("") == DEFAULT_STEP_AWAY == 2
    assert AttunedStrategy(step_away=0).step_away_for("design") == 0
    assert AttunedStrategy(step_away=3).step_away_for("image") == 3
    with pytest.raises(InputError, match="step_away"):
        AttunedStrategy(step_away=True)
    with pytest.raises(InputError, match="step_away"):
        AttunedStrategy(step_away="2")
