"""Several taste models at once: their posterior draws pooled into one posterior.

No single model of taste fits every creator. The ideal-point model
(:class:`~cocreate.attunement.ideal.IdealPointTasteModel`) learns a favourite
spot fast, but it has only one: a creator who likes two different things, or
who was lured towards a decoy, leaves it stuck on one of them. The
Bradley–Terry kernel model
(:class:`~cocreate.attunement.taste.BayesianTasteModel`) can hold any number
of liked regions, but learns each of them more slowly.

:class:`PooledTasteModel` fits both and treats the pair as one posterior, a
mixture of the two: half of its joint draws of appeal come from each model.
A strategy that picks the set with the best expected appeal over those draws
(see :class:`~cocreate.attunement.strategy.AttunedStrategy`) then shows what
the ideal point expects *and* what the kernel model still holds possible, and
the creator's choice tells the two apart. With ``weights="evidence"`` the
shares follow how well each model foresaw the creator's choices so far
(Bayesian model averaging, with a floor so that neither model drops out).

Each model's draws are in logits of the same choice model, so they are
comparable as they are, except for a constant per draw (which changes no
choice): every draw is measured from its mean appeal over the artifacts
judged, so that the mixture's spread is doubt about differences in appeal,
not about its level.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from .feedback import Feedback
from .ideal import IdealPointTasteModel
from .taste import (
    BayesianTasteModel,
    HyperParameters,
    PreferenceData,
    TasteModel,
    _sigmoid,
    clone_model,
    preference_data,
)

__all__ = ["PooledTasteModel"]

#: judged artifacts that set each draw's level (the latest ones, when there are more)
_MAX_REFERENCE = 64


class PooledTasteModel(HyperParameters, TasteModel):
    """A mixture of the posteriors of several taste models (see the module docstring).

    Parameters
    ----------
    models:
        The taste models to pool; by default an ideal-point and a
        Bradley–Terry kernel model. They are cloned when fitted: the ones
        given are never changed.
    weights:
        Share of the draws each model contributes: equal by default; a
        number per model; or ``"evidence"``, Bayesian model averaging: shares
        follow how well each model foresaw the creator's comparisons so far
        (its prequential log evidence), each keeping at least ``min_share``.
    min_share:
        With ``weights="evidence"``, the least share of draws of any model.
    n_draws:
        Joint draws of appeal in all (split among the models by ``weights``).
    random_state:
        Seed of the draws of models that sample afresh. Each fit draws anew;
        within one fit every call sees the same draws, so that a mean, a
        spread and a set chosen from them agree.

    Attributes
    ----------
    models_ : the fitted clones of ``models``.
    shares_ : the number of draws each model contributes.
    scores_ : per model, the log probability it gave the comparisons added since
        the first fit, before it saw them (``weights="evidence"`` reads it).
    """

    def __init__(
        self,
        *,
        models: Sequence[TasteModel] | None = None,
        weights: Sequence[float] | str | None = None,
        min_share: float = 0.1,
        n_draws: int = 256,
        random_state: int = 0,
    ) -> None:
        self.models = models
        self.weights = weights
        self.min_share = min_share
        self.n_draws = n_draws
        self.random_state = random_state

    def __repr__(self) -> str:
        names = ", ".join(type(m).__name__ for m in self._models())
        return f"PooledTasteModel({names})"

    def _models(self) -> list[TasteModel]:
        if self.models is None:
            # half of 256 draws each: the ideal-point model's last two sweeps are its half
            return [IdealPointTasteModel(draw_sweeps=2), BayesianTasteModel()]
        return list(self.models)

    def _shares(self, k: int, scores: np.ndarray) -> list[int]:
        if isinstance(self.weights, str) and self.weights == "evidence":
            # Bayesian model averaging on the running score, with a floor: each model
            # keeps at least ``min_share`` of the draws, so a taste that changes is caught
            z = np.exp(scores - scores.max())
            floor = min(max(float(self.min_share), 0.0), 1.0 / k)
            w = floor + (1.0 - k * floor) * z / z.sum()
        elif self.weights is None:
            w = np.ones(k)
        elif isinstance(self.weights, str):
            raise InputError(f"weights must be 'evidence' or numbers, not {self.weights!r}")
        else:
            try:
                w = np.asarray(self.weights, dtype=float)
            except (TypeError, ValueError):
                w = np.full(0, np.nan)
        if w.shape != (k,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise InputError(
                f"weights must be {k} non-negative numbers, not all zero, one per model; "
                f"got {self.weights!r}"
            )
        n = int(self.n_draws)
        shares = np.floor(n * w / w.sum()).astype(int)
        shares[np.argmax(w)] += n - int(shares.sum())
        return [int(s) for s in shares]

    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "models_")

    @property
    def prior_std(self) -> float:
        models = self.models_ if self.is_fitted else self._models()
        return float(np.mean([m.prior_std for m in models]))

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, data: Feedback | PreferenceData, work_id: str | None = None) -> PooledTasteModel:
        """Fit every model to ``data``; returns ``self``."""
        if isinstance(data, Feedback):
            data = preference_data(data, work_id)
        if int(self.n_draws) < 1:
            raise InputError(f"n_draws must be at least 1, not {self.n_draws!r}")
        models = self._models()
        if not models:
            raise InputError("a PooledTasteModel needs at least one model")
        fitted = self.models_ if self.is_fitted and len(self.models_) == len(models) else None
        scores = np.zeros(len(models))
        if fitted is None:
            fitted = [clone_model(m) for m in models]
        else:
            scores = self._score_new(data)
        shares = self._shares(len(models), scores)
        self.models_ = [m.fit(data) for m in fitted]
        self.scores_ = scores
        self._pairs_ = (data.winners, data.losers)
        self.shares_ = shares
        self.n_features_in_ = int(getattr(self.models_[0], "n_features_in_", data.n_features))
        self.n_judgments_ = data.n_judgments
        # fresh draws for each fit (as a Markov chain's move on), the same within one fit
        self._seed_ = (int(self.random_state), len(data), data.n_judgments)
        ref = _reference(data)
        self._levels_ = [
            self._raw_draws(m, ref, s).mean(axis=1) if len(ref) else np.zeros(s)
            for m, s in zip(self.models_, shares, strict=True)
        ]
        self._cache_: tuple[np.ndarray, np.ndarray] | None = None
        return self

    def _score_new(self, data: PreferenceData) -> np.ndarray:
        """Running scores plus how well each model foresaw the comparisons added since its fit.

        The score is the log posterior predictive probability of each comparison, with a 5%
        chance of a random click: summed over rounds it is the log evidence of the model
        (prequentially), the same measure for any kind of model.
        """
        scores = self.scores_
        old_w, old_l = self._pairs_
        k = len(old_w)
        same = (
            len(data.winners) >= k
            and data.winners.shape[1:] == old_w.shape[1:]
            and np.array_equal(data.winners[:k], old_w)
            and np.array_equal(data.losers[:k], old_l)
        )
        if not same:
            return np.zeros(len(self.models_))  # other judgments: start the scores again
        if len(data.winners) == k:
            return scores.copy()
        W, L, c = data.winners[k:], data.losers[k:], data.pair_weight[k:]
        X = np.concatenate([W, L])
        out = scores.copy()
        for j, m in enumerate(self.models_):
            g = self._raw_draws(m, X, max(self.shares_[j], 32))
            p = _sigmoid(g[:, : len(W)] - g[:, len(W) :]).mean(axis=0)
            out[j] += float(np.sum(c * np.log(0.95 * p + 0.025)))
        return out

    # -- predicting -------------------------------------------------------------------------
    def _check(self, X: np.ndarray) -> np.ndarray:
        if not self.is_fitted:
            raise RuntimeError("this PooledTasteModel is not fitted yet; call fit() first")
        return np.atleast_2d(np.asarray(X, dtype=float))

    def _raw_draws(self, model: TasteModel, X: np.ndarray, n: int) -> np.ndarray:
        if n == 0:
            return np.empty((0, len(X)))
        if _has_draws(model):
            g = model.appeal_draws(X)  # type: ignore[attr-defined]
            if len(g) >= n:
                return g[:n]
        return model.sample(X, n, np.random.default_rng(self._seed_))

    def appeal_draws(self, X: np.ndarray) -> np.ndarray:
        """Pooled draws of the appeal of each row of ``X``: (draws, rows)."""
        X = self._check(X)
        cache = self._cache_
        if cache is not None and cache[0].shape == X.shape and np.array_equal(cache[0], X):
            return cache[1]
        parts = [
            self._raw_draws(m, X, s) - lv[:, None]
            for m, s, lv in zip(self.models_, self.shares_, self._levels_, strict=True)
        ]
        g = np.concatenate(parts)
        self._cache_ = (X.copy(), g)
        return g

    def predict(
        self, X: np.ndarray, return_std: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """The mixture's mean appeal (each model's own mean), and its spread from the draws."""
        X = self._check(X)
        g = self.appeal_draws(X) if return_std else None
        mean = np.zeros(len(X))
        start = 0
        for m, s, lv in zip(self.models_, self.shares_, self._levels_, strict=True):
            if not s:
                continue
            if not _has_draws(m):
                own = np.asarray(m.predict(X)) - float(lv.mean())
            elif g is not None:
                own = g[start : start + s].mean(axis=0)  # the draws already made
            else:
                own = self._raw_draws(m, X, s).mean(axis=0) - float(lv.mean())
            mean += s * own
            start += s
        mean /= sum(self.shares_)
        return mean if g is None else (mean, g.std(axis=0))

    def sample(self, X: np.ndarray, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        g = self.appeal_draws(X)
        n = int(n_samples)
        if n == len(g):
            return g
        return g[rng.choice(len(g), n, replace=n > len(g))]

    def to_dict(self) -> dict[str, Any]:
        """The pooled models' own summaries, with the share of draws of each."""
        out: dict[str, Any] = {
            "model": "pooled/1",
            "params": {"weights": self.weights, "n_draws": self.n_draws},
        }
        models = self.models_ if self.is_fitted else self._models()
        out["models"] = [m.to_dict() if hasattr(m, "to_dict") else repr(m) for m in models]
        if self.is_fitted:
            out["shares"] = list(self.shares_)
        return out


def _has_draws(model: TasteModel) -> bool:
    """Whether the model holds a fixed set of draws (the same on every call), as MCMC does."""
    return callable(getattr(model, "appeal_draws", None))


def _reference(data: PreferenceData) -> np.ndarray:
    """The judged artifacts (the latest ones when there are many)."""
    if data.items is not None:
        items = data.items
    else:
        parts = [a for a in (data.winners, data.losers, data.abs_x) if a.ndim == 2 and len(a)]
        items = np.concatenate(parts) if parts else np.empty((0, data.n_features))
    return items[-_MAX_REFERENCE:]
