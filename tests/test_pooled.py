"""The pooled taste model: two models' posteriors as one mixture, and the sets chosen with it."""

from __future__ import annotations

import numpy as np
import pytest

from cocreate.attunement import (
    AttunedStrategy,
    BayesianTasteModel,
    IdealPointTasteModel,
    PooledTasteModel,
    TasteModel,
    preference_data,
)
from cocreate.errors import InputError
from cocreate.model import Intention, Operator
from cocreate.proposing import Candidate, Comparison, Feedback, ProposalContext

D = 4
A_SPOT = np.array([0.2, 0.2, 0.8, 0.5])
B_SPOT = np.array([0.8, 0.8, 0.2, 0.5])


def _bump(X: np.ndarray, c: np.ndarray, width: float = 0.15) -> np.ndarray:
    return np.exp(-np.mean((X - c) ** 2, axis=1) / (2 * width**2))


def _simulate(utility, rounds: int, n: int, seed: int) -> Feedback:
    rng = np.random.default_rng(seed)
    fb = Feedback(work_id="w")
    for r in range(rounds):
        X = rng.uniform(size=(n, D))
        ids = [f"{seed}-{r}-{k}" for k in range(n)]
        for i, x in zip(ids, X, strict=True):
            fb.features[i] = x
        u = utility(X) / 0.05
        p = np.exp(u - u.max())
        c = int(rng.choice(n, p=p / p.sum()))
        fb.comparisons += [Comparison(ids[c], o, 1.0, "w", "choose") for o in ids if o != ids[c]]
    return fb


def _one(X: np.ndarray) -> np.ndarray:
    return _bump(X, A_SPOT)


def _two(X: np.ndarray) -> np.ndarray:
    return np.maximum(_bump(X, A_SPOT), _bump(X, B_SPOT))


def test_draws_are_shared_between_the_models_and_measured_from_what_was_judged() -> None:
    fb = _simulate(_one, 15, 4, seed=0)  # 60 artifacts: all of them set the level
    model = PooledTasteModel(n_draws=100, weights=[3, 1]).fit(fb)
    assert model.shares_ == [75, 25]
    ideal, bt = model.models_
    assert isinstance(ideal, IdealPointTasteModel) and isinstance(bt, BayesianTasteModel)
    items = preference_data(fb).items
    g = model.appeal_draws(items)
    assert g.shape == (100, len(items))
    # every draw is centred on the artifacts judged: a level per draw changes no choice
    assert np.allclose(g.mean(axis=1), 0.0, atol=1e-9)
    # the first share is the ideal-point model's own draws, shifted by their level
    own = ideal.appeal_draws(items)[:75]
    assert np.allclose(g[:75], own - own.mean(axis=1, keepdims=True))
    # the mean is each model's own mean, weighted by its share
    mean = model.predict(items)
    bt_mean = np.asarray(bt.predict(items))
    expect = 0.75 * (own.mean(axis=0) - own.mean()) + 0.25 * (bt_mean - g[75:].mean(axis=0).mean())
    assert np.allclose(mean, expect, atol=0.05 * np.ptp(mean))


def test_learns_a_taste_as_well_as_its_parts() -> None:
    fb = _simulate(_one, 30, 6, seed=1)
    rng = np.random.default_rng(5)
    A, B = rng.uniform(size=(400, D)), rng.uniform(size=(400, D))
    truth = _one(A) > _one(B)
    pooled = PooledTasteModel().fit(fb)
    right = (pooled.predict(A) > pooled.predict(B)) == truth
    assert right.mean() > 0.8
    # it is surer near what was judged than before any judgment
    mean, std = pooled.predict(np.stack([A_SPOT, 1 - A_SPOT]), return_std=True)
    assert mean[0] > mean[1]
    assert np.all(std > 0)


def test_a_taste_for_two_things_is_the_mixture_of_what_each_model_holds() -> None:
    """How often each liked spot is the favourite is the average over the two models' draws."""
    fb = _simulate(_two, 40, 6, seed=2)
    spots = np.stack([A_SPOT, B_SPOT, np.full(D, 0.5)])
    pooled = PooledTasteModel(n_draws=256).fit(fb)
    ideal, bt = pooled.models_
    g_ideal = ideal.appeal_draws(spots)[:128]
    g_bt = bt.sample(spots, 128, np.random.default_rng(pooled._seed_))

    def favourite(g: np.ndarray) -> np.ndarray:
        return np.bincount(np.argmax(g, axis=1), minlength=3) / len(g)

    mixed = favourite(pooled.appeal_draws(spots))
    assert np.allclose(mixed, 0.5 * favourite(g_ideal) + 0.5 * favourite(g_bt))
    # both liked spots are held possible, and the unliked middle hardly ever wins
    assert min(mixed[0], mixed[1]) > 0.1 and mixed[2] < 0.1, mixed


def test_the_strategy_shows_both_liked_spots() -> None:
    fb = _simulate(_two, 40, 6, seed=3)
    rng = np.random.default_rng(9)
    near_a = np.clip(A_SPOT + rng.normal(0, 0.03, (40, D)), 0, 1)
    near_b = np.clip(B_SPOT + rng.normal(0, 0.03, (40, D)), 0, 1)
    others = rng.uniform(size=(120, D))
    X = np.concatenate([near_a, near_b, others])
    pool = [Candidate({}, Operator.FRESH, (), 0, features=x) for x in X]
    ctx = ProposalContext(
        work_id="w",
        creator="c",
        domain="d",
        intention=Intention("b"),
        round=41,
        n=4,
        surprise=0.0,
        feedback=fb,
        seen=np.empty((0, D)),
        rng=np.random.default_rng(0),
    )
    picks = AttunedStrategy(PooledTasteModel()).select(pool, ctx)
    shown = {p.index for p in picks}
    assert shown & set(range(40)), "something near the first liked spot"
    assert shown & set(range(40, 80)), "something near the second liked spot"


def test_the_models_given_are_never_changed_and_conventions_hold() -> None:
    ideal, bt = IdealPointTasteModel(n_particles=32), BayesianTasteModel(n_fourier=32)
    model = PooledTasteModel(models=[ideal, bt], n_draws=64)
    fb = _simulate(_one, 10, 4, seed=4)
    model.fit(fb)
    assert not ideal.is_fitted and not bt.is_fitted
    assert model.models_[0] is not ideal and model.models_[0].n_particles == 32
    assert model.get_params()["n_draws"] == 64
    again = PooledTasteModel(models=[ideal, bt], n_draws=64).fit(fb)
    X = np.random.default_rng(0).uniform(size=(20, D))
    assert np.array_equal(model.appeal_draws(X), again.appeal_draws(X)), "reproducible"
    assert np.array_equal(model.sample(X, 64, np.random.default_rng(1)), model.appeal_draws(X))
    assert model.sample(X, 10, np.random.default_rng(1)).shape == (10, 20)
    assert model.to_dict()["shares"] == [32, 32]
    model.reset()
    assert not model.is_fitted
    with pytest.raises(RuntimeError, match="not fitted"):
        model.predict(X)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"weights": [1.0]}, "weights must be 2"),
        ({"weights": [1.0, -1.0]}, "non-negative"),
        ({"weights": [0.0, 0.0]}, "not all zero"),
        ({"weights": "votes"}, "'evidence' or numbers"),
        ({"weights": ["a", "b"]}, "non-negative numbers"),
        ({"n_draws": 0}, "n_draws must be at least 1"),
        ({"models": []}, "at least one model"),
    ],
)
def test_bad_parameters_are_named(params: dict, words: str) -> None:
    fb = _simulate(_one, 3, 4, seed=5)
    with pytest.raises(InputError, match=words):
        PooledTasteModel(**params).fit(fb)


class _Indifferent(TasteModel):
    """Likes everything the same: it foresees no choice."""

    def get_params(self, deep: bool = True) -> dict:
        return {}

    def fit(self, data, work_id=None):
        self.n_features_in_ = data.n_features if hasattr(data, "n_features") else D
        return self

    def predict(self, X, return_std=False):
        z = np.zeros(len(np.atleast_2d(X)))
        return (z, z + 1.0) if return_std else z

    def sample(self, X, n_samples, rng):
        return np.zeros((n_samples, len(np.atleast_2d(X))))

    @property
    def prior_std(self) -> float:
        return 1.0


def test_the_model_that_foresees_the_choices_earns_more_of_the_draws() -> None:
    model = PooledTasteModel(
        models=[IdealPointTasteModel(), _Indifferent()], weights="evidence", min_share=0.1
    )
    fb = Feedback(work_id="w")
    shares = []
    for rounds in range(2, 14, 2):
        fb = _simulate(_one, rounds, 6, seed=6)  # the same creator, two rounds more each time
        model.fit(fb)
        shares.append(model.shares_)
    assert shares[0] == [128, 128], "no evidence yet: equal shares"
    ideal_share, flat_share = shares[-1]
    assert ideal_share > 200, shares
    assert flat_share >= round(0.1 * 256) - 1, "the floor keeps every model in the mixture"
    assert model.scores_[0] > model.scores_[1]
    # judgments that do not extend the last ones start the scores again
    model.fit(_simulate(_one, 3, 6, seed=7))
    assert np.all(model.scores_ == 0) and model.shares_ == [128, 128]
