"""An ideal-point taste model: the creator has a favourite spot, and appeal falls off around it.

The oldest model of taste in psychology (Coombs' unfolding) and marketing:
each person has an *ideal point* ``c`` in the space of features, and an
artifact appeals to them the more, the nearer it is::

    g(x) = A · exp(-|x - c|² / (2 d s²))

with ``s`` the width of the taste (as a root-mean-square distance per
feature) and ``A`` how decisive the person is (appeal in logits of the choice
model). Choices follow Luce's rule on ``g`` with a small *lapse* rate: with
probability ``lapse`` the person clicks at random (a psychophysics staple, so
one stray click cannot throw the model).

Because it has few parameters (``d + 2``), the model learns much faster than a
free-form one when taste is one region of the space, which is the common
case for a brief, and it can point *past* everything shown towards where the
ideal must be. The posterior over ``(c, s, A)`` is sampled by a population
Markov chain (differential-evolution moves between two halves of the
ensemble, plus adaptive random-walk moves), warm-started from the previous
fit when judgments were only added, so that a round costs a few
milliseconds. The population at each of the last few sweeps serves as the
posterior draws (``draws_``), so a strategy has several hundred draws at no
extra cost, and the likelihood is computed in single precision.

What each judgment teaches (read through
:func:`~cocreate.attunement.taste.preference_data`): a choice of one of N is one
Luce observation (the pick against all the others, not N-1 independent
pairs); every other comparison (pairwise, best/worst, rejection, edit) is a
choice of one of two, with its weight; a rating above or below 3 stars says
the artifact beats, or loses to, an artifact of half the ideal's appeal.
Earlier works of the domain count with ``other_work_weight``; when both
earlier and current works have judgments, the ideal of the current work may
move from the creator's usual one by ``work_offset_scale`` (its intention).

A taste may have several homes (``homes=2``: two favourite spots, each with
its own height, sharing the width): appeal is then that of the nearest home,
weighted by its height, ``g(x) = A · max_k h_k exp(-|x - c_k|² / (2 d s²))``
with ``h_1 = 1`` and ``log h_k`` a priori a little below 0. A home that no
judgment has pinned down yet spreads its posterior over the unexplored part
of the space, which is where a strategy then looks for a better favourite.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from .feedback import Feedback
from .taste import HyperParameters, PreferenceData, TasteModel, preference_data

__all__ = ["IdealPointTasteModel", "ideal_point"]


class IdealPointTasteModel(HyperParameters, TasteModel):
    """Bayesian ideal-point model (see the module docstring); scikit-learn conventions.

    Parameters
    ----------
    width, width_spread:
        Prior of the width ``s``: log-normal around ``width`` (RMS distance per
        feature) with ``width_spread`` the standard deviation of ``log s``.
    decisiveness, decisiveness_spread:
        Prior of ``A`` (logits between the ideal and a far artifact): log-normal
        around ``decisiveness``.
    centre_spread:
        Prior standard deviation of each coordinate of the ideal around 0.5
        (features are expected in about [0, 1]).
    lapse:
        Probability that a choice is a random click.
    other_work_weight, work_offset_scale:
        Weight of judgments from earlier works; prior standard deviation of
        the current work's shift of the ideal (0: no shift).
    homes:
        How many favourite spots the taste has (1: the classic ideal point).
        Each extra home adds ``d + 1`` parameters and costs about as much
        compute as the first.
    n_particles, burn_in, n_steps:
        Size of the sampled population; sweeps for a fresh fit and for a
        warm-started one (fewer once there are more than 300 distinct
        artifacts judged, so that a round costs about the same work).
    draw_sweeps:
        The posterior draws are the population as it stood at each of the
        last ``draw_sweeps`` sweeps, two apart: ``draw_sweeps × n_particles``
        draws for predictions and for choosing a set, at no extra cost.
    random_state:
        Seed of the sampler, so that fits are reproducible.

    Attributes
    ----------
    particles_ : the sampled population at the end of the latest fit, one row each.
    draws_ : posterior draws of the parameters (the population at its last sweeps).
    ideal_ : posterior mean of the ideal point (the current work's; with several homes,
        the highest of ``homes_``).
    homes_ : with several homes, the posterior mean of each home (highest first; each
        draw's homes matched to the same spots first), one row each; shape (homes, features).
    home_heights_ : each home's height against the highest (1 first), from posterior medians.
    width_, decisiveness_ : posterior medians of ``s`` and ``A``.
    acceptance_ : share of moves accepted in the latest fit.
    sweeps_ : sweeps of the latest fit (``burn_in`` fresh, up to ``n_steps`` warm-started).
    """

    def __init__(
        self,
        *,
        width: float = 0.25,
        width_spread: float = 0.6,
        decisiveness: float = 10.0,
        decisiveness_spread: float = 0.8,
        centre_spread: float = 0.35,
        lapse: float = 0.05,
        other_work_weight: float = 0.5,
        work_offset_scale: float = 0.1,
        homes: int = 1,
        n_particles: int = 64,
        burn_in: int = 200,
        n_steps: int = 30,
        draw_sweeps: int = 4,
        random_state: int = 0,
    ) -> None:
        self.width = width
        self.width_spread = width_spread
        self.decisiveness = decisiveness
        self.decisiveness_spread = decisiveness_spread
        self.centre_spread = centre_spread
        self.lapse = lapse
        self.other_work_weight = other_work_weight
        self.work_offset_scale = work_offset_scale
        self.homes = homes
        self.n_particles = n_particles
        self.burn_in = burn_in
        self.n_steps = n_steps
        self.draw_sweeps = draw_sweeps
        self.random_state = random_state

    #: the likelihood in single precision: about 40% faster, and its error (~1e-4 in
    #: the log-posterior) is far below what moves an acceptance decision
    _likelihood_dtype: type = np.float32
    #: prior of the log height of every home after the first: a little below the first
    _home_height_mean, _home_height_spread = -0.5, 1.0

    def __repr__(self) -> str:
        homes = f", homes={self.homes}" if self.homes != 1 else ""
        return f"IdealPointTasteModel(width={self.width}, decisiveness={self.decisiveness}{homes})"

    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "particles_")

    @property
    def prior_std(self) -> float:
        # appeal ranges over [0, A]: about half of A is its spread over random artifacts
        return 0.5 * self.decisiveness

    # -- fitting ----------------------------------------------------------------------------
    def fit(
        self, data: Feedback | PreferenceData, work_id: str | None = None
    ) -> IdealPointTasteModel:
        """Sample the posterior given every judgment in ``data``; returns ``self``."""
        if isinstance(data, Feedback):
            data = preference_data(data, work_id)
        self._check_params()
        d = data.n_features
        obs = _Observations.build(data, self.other_work_weight)
        shift = bool(self.work_offset_scale > 0 and obs.has_current and obs.has_other)
        dim = self._n_params(d) + (d if shift else 0)
        rng = np.random.default_rng([self.random_state, len(data), d])
        warm = (
            self.is_fitted
            and self.n_features_in_ == d
            and self.particles_.shape[1] == dim
            and obs.extends(self._obs_)
        )
        if warm:
            theta, scale = self.particles_.copy(), self._scale_.copy()
            # about constant work per round: with many judgments the posterior moves
            # little per round, so fewer sweeps over more data keep it in step
            steps = max(8, min(int(self.n_steps), int(self.n_steps * 300 / max(obs.n_items, 1))))
        else:
            theta, steps = self._from_prior(rng, d, shift), self.burn_in
            home = [np.full(d, 0.03), [0.1]]
            scale = np.concatenate(
                [
                    np.full(d, 0.03),
                    [0.1, 0.1],
                    *home * (int(self.homes) - 1),
                    np.full(dim - self._n_params(d), 0.02),
                ]
            )
        self.n_features_in_ = d
        self._shift_ = shift
        logp = self._log_post(theta, obs, d)
        keep = min(int(self.draw_sweeps), (steps + 1) // 2)
        theta, logp, scale, acc, draws = self._sample(theta, logp, obs, d, steps, scale, rng, keep)
        self.particles_, self._scale_, self._obs_ = theta, scale, obs
        self.draws_ = draws
        self.acceptance_ = acc
        self.sweeps_ = steps
        if int(self.homes) > 1:
            centres, heights = self._matched_homes(d)
            self.homes_ = centres.mean(axis=0)
            log_height = np.median(heights, axis=0)
            self.home_heights_ = np.exp(log_height - log_height.max())
            self.ideal_ = self.homes_[0]  # not the mean over draws of whichever home is highest
        else:
            self.ideal_ = self._centres(draws, d, current=True).mean(axis=0)
        self.width_ = float(np.exp(np.median(draws[:, d])))
        self.decisiveness_ = float(np.exp(np.median(draws[:, d + 1])))
        self.n_judgments_ = data.n_judgments
        return self

    def _check_params(self) -> None:
        for name in ("width", "width_spread", "decisiveness", "decisiveness_spread"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a positive number, not {v!r}")
        if not 0 <= self.lapse < 1:
            raise ValueError(f"lapse must be in [0, 1), not {self.lapse!r}")
        if int(self.n_particles) < 8:
            raise ValueError(f"n_particles must be at least 8, not {self.n_particles!r}")
        if int(self.draw_sweeps) < 1:
            raise ValueError(f"draw_sweeps must be at least 1, not {self.draw_sweeps!r}")
        if not (isinstance(self.homes, int | np.integer) and 1 <= self.homes <= 4):
            raise ValueError(f"homes must be a whole number from 1 to 4, not {self.homes!r}")

    def _n_params(self, d: int) -> int:
        """Parameters without the work's shift: the first home, width, decisiveness, more homes."""
        return d + 2 + (int(self.homes) - 1) * (d + 1)

    def _from_prior(self, rng: np.random.Generator, d: int, shift: bool) -> np.ndarray:
        p = int(self.n_particles)
        parts = [
            np.clip(0.5 + self.centre_spread * rng.normal(size=(p, d)), -0.5, 1.5),
            (math.log(self.width) + self.width_spread * rng.normal(size=p))[:, None],
            (math.log(self.decisiveness) + self.decisiveness_spread * rng.normal(size=p))[:, None],
        ]
        for _ in range(int(self.homes) - 1):
            parts.append(np.clip(0.5 + self.centre_spread * rng.normal(size=(p, d)), -0.5, 1.5))
            mean, spread = self._home_height_mean, self._home_height_spread
            parts.append((mean + spread * rng.normal(size=p))[:, None])
        if shift:
            parts.append(self.work_offset_scale * rng.normal(size=(p, d)))
        return np.concatenate(parts, axis=1)

    def _centres(self, theta: np.ndarray, d: int, *, current: bool) -> np.ndarray:
        """The ideal of each draw: its highest home's centre, shape (draws, features)."""
        if int(self.homes) == 1:
            c = theta[:, :d]
            if current and theta.shape[1] > d + 2:
                c = c + theta[:, d + 2 :]
            return c
        centres, heights = self._homes(theta, d, current=current)
        return centres[np.arange(len(theta)), np.argmax(heights, axis=1)]

    def _homes(self, theta: np.ndarray, d: int, *, current: bool) -> tuple[np.ndarray, np.ndarray]:
        """Every home's centre (draws, homes, features) and log height (draws, homes)."""
        k = int(self.homes)
        base = self._n_params(d)
        extra = theta[:, d + 2 : base].reshape(len(theta), k - 1, d + 1)
        centres = np.concatenate([theta[:, None, :d], extra[:, :, :d]], axis=1)
        heights = np.concatenate([np.zeros((len(theta), 1), theta.dtype), extra[:, :, d]], axis=1)
        if current and theta.shape[1] > base:
            centres = centres + theta[:, None, base:]
        return centres, heights

    def _matched_homes(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        """Every draw's homes in one order, highest first (see :func:`_matched_homes`).

        The order starts from how much of the judged artifacts' appeal each home
        holds, so that a home the judgments use is not confused with one that
        roams the unexplored space (which may be a draw's first home as well).
        """
        obs = self._obs_
        usage = np.exp(self._home_logits(self.draws_, obs.items, d, True, obs.items_sq)).sum(axis=2)
        return _matched_homes(*self._homes(self.draws_, d, current=True), usage)

    def _appeal(
        self,
        theta: np.ndarray,
        X: np.ndarray,
        d: int,
        current: bool,
        x_sq: np.ndarray | None = None,
    ) -> np.ndarray:
        """``g`` of each row of X under each particle: shape (particles, rows)."""
        if x_sq is None:
            x_sq = np.sum(X * X, axis=1)
        if int(self.homes) > 1:
            return self._appeal_homes(theta, X, d, current, x_sq)
        r2 = _sq_dist(self._centres(theta, d, current=current), X, x_sq)
        r2 *= (-0.5 / max(d, 1)) * np.exp(-2 * theta[:, d])[:, None]
        np.exp(r2, out=r2)
        r2 *= np.exp(theta[:, d + 1])[:, None]
        return r2

    def _home_logits(
        self, theta: np.ndarray, X: np.ndarray, d: int, current: bool, x_sq: np.ndarray
    ) -> np.ndarray:
        """Each home's log appeal of each row of X, before decisiveness: (particles, homes, rows)."""
        centres, heights = self._homes(theta, d, current=current)
        p, k = heights.shape
        r2 = _sq_dist(centres.reshape(p * k, d), X, x_sq).reshape(p, k, len(X))
        r2 *= ((-0.5 / max(d, 1)) * np.exp(-2 * theta[:, d]))[:, None, None]
        r2 += heights[:, :, None]
        return r2

    def _appeal_homes(
        self, theta: np.ndarray, X: np.ndarray, d: int, current: bool, x_sq: np.ndarray
    ) -> np.ndarray:
        """``g`` with several homes: the nearest home, weighted by its height."""
        g = self._home_logits(theta, X, d, current, x_sq).max(axis=1)
        np.exp(g, out=g)
        g *= np.exp(theta[:, d + 1])[:, None]
        return g

    def _log_prior(self, theta: np.ndarray, d: int) -> np.ndarray:
        c = theta[:, :d]
        lp = -0.5 * np.sum(((c - 0.5) / self.centre_spread) ** 2, axis=1)
        lp -= 0.5 * ((theta[:, d] - math.log(self.width)) / self.width_spread) ** 2
        lp -= (
            0.5 * ((theta[:, d + 1] - math.log(self.decisiveness)) / self.decisiveness_spread) ** 2
        )
        base = self._n_params(d)
        if base > d + 2:  # the other homes: centres as the first's, log heights a little below
            extra = theta[:, d + 2 : base].reshape(len(theta), -1, d + 1)
            lp -= 0.5 * np.sum(((extra[:, :, :d] - 0.5) / self.centre_spread) ** 2, axis=(1, 2))
            h = (extra[:, :, d] - self._home_height_mean) / self._home_height_spread
            lp -= 0.5 * np.sum(h**2, axis=1)
        if theta.shape[1] > base:
            lp -= 0.5 * np.sum((theta[:, base:] / self.work_offset_scale) ** 2, axis=1)
        return lp

    def _log_post(self, theta: np.ndarray, obs: _Observations, d: int) -> np.ndarray:
        lp = self._log_prior(theta, d)
        if obs.n_items == 0:
            return lp
        cur = obs.item_current
        if self._likelihood_dtype == np.float32:
            items, items_sq = obs.items32, obs.items_sq32
        else:
            items, items_sq = obs.items, obs.items_sq
        t = theta.astype(self._likelihood_dtype, copy=False)
        if self._shift_:
            g = np.empty((len(theta), obs.n_items), dtype=self._likelihood_dtype)
            g[:, cur] = self._appeal(t, items[cur], d, True, items_sq[cur])
            g[:, ~cur] = self._appeal(t, items[~cur], d, False, items_sq[~cur])
        else:
            g = self._appeal(t, items, d, False, items_sq)
        eps = self.lapse
        if len(obs.pair_w):
            # Luce: P(winner) = 1 / (1 + sum over the set of exp(g_loser - g_winner))
            diff = g[:, obs.pair_l]
            diff -= g[:, obs.pair_w]
            np.minimum(diff, 50.0, out=diff)
            np.exp(diff, out=diff)
            z = 1.0 + np.add.reduceat(diff, obs.group_start, axis=1)
            p = (1 - eps) / z + eps / obs.group_size
            lp = lp + np.log(p) @ obs.group_weight
        if len(obs.abs_i):
            amp = np.exp(theta[:, d + 1])
            m = obs.abs_sign * (g[:, obs.abs_i] - 0.5 * amp[:, None])
            p = (1 - eps) * 0.5 * (1.0 + np.tanh(0.5 * m)) + eps * 0.5
            lp = lp + np.log(p) @ obs.abs_weight
        return lp

    def _sample(
        self,
        theta: np.ndarray,
        logp: np.ndarray,
        obs: _Observations,
        d: int,
        steps: int,
        scale: np.ndarray,
        rng: np.random.Generator,
        keep: int = 1,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, np.ndarray]:
        """``steps`` sweeps; also the population at each of the last ``keep`` sweeps, two apart."""
        p, dim = theta.shape
        kept: list[np.ndarray] = []
        half = p // 2
        halves = (np.arange(half), np.arange(half, p))
        gamma = 2.38 / math.sqrt(2 * dim)
        accepted = tried = 0
        for step in range(steps):
            for k in (0, 1):
                me, other = halves[k], halves[1 - k]
                if step % 2 == 0:  # differential evolution from the other half
                    a = other[rng.integers(len(other), size=len(me))]
                    b = other[rng.integers(len(other), size=len(me))]
                    g = 1.0 if step % 10 == 8 else gamma  # now and then, a jump between modes
                    prop = theta[me] + g * (theta[a] - theta[b])
                    prop += rng.normal(size=prop.shape) * scale * 0.05
                else:  # adaptive random walk
                    prop = theta[me] + rng.normal(size=(len(me), dim)) * scale
                new = self._log_post(prop, obs, d)
                ok = np.log(rng.random(len(me))) < new - logp[me]
                ok &= np.isfinite(new)
                theta[me[ok]] = prop[ok]
                logp[me[ok]] = new[ok]
                accepted += int(ok.sum())
                tried += len(me)
                if step % 2 == 1:  # tune the walk towards ~25% acceptance
                    scale *= math.exp(0.5 * (float(ok.mean()) - 0.25))
            if (steps - 1 - step) % 2 == 0 and (steps - 1 - step) // 2 < keep:
                kept.append(theta.copy())
        draws = np.concatenate(kept[::-1]) if kept else theta.copy()
        return theta, logp, scale, accepted / max(tried, 1), draws

    # -- predicting -------------------------------------------------------------------------
    def _check(self, X: np.ndarray) -> np.ndarray:
        if not self.is_fitted:
            raise RuntimeError("IdealPointTasteModel is not fitted yet: call fit() first")
        X = np.atleast_2d(np.asarray(X, dtype=float))
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"features have {X.shape[1]} entries; the model was fitted on {self.n_features_in_}"
            )
        return X

    def appeal_draws(self, X: np.ndarray) -> np.ndarray:
        """The appeal of each row of ``X`` under every posterior draw: (draws, rows)."""
        X = self._check(X)
        return self._appeal(self.draws_, X, self.n_features_in_, True)

    def predict(
        self, X: np.ndarray, return_std: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        g = self.appeal_draws(X)
        mean = g.mean(axis=0)
        return (mean, g.std(axis=0)) if return_std else mean

    def sample(self, X: np.ndarray, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        g = self.appeal_draws(X)
        rows = rng.choice(len(g), int(n_samples), replace=int(n_samples) > len(g))
        return g[rows]

    def to_dict(self) -> dict[str, Any]:
        """What was learned, as plain data: the ideal point, width and decisiveness."""
        out: dict[str, Any] = {"model": "ideal-point/1", "params": self.get_params()}
        if self.is_fitted:
            out.update(
                n_features_in=int(self.n_features_in_),
                n_judgments=int(self.n_judgments_),
                ideal=[float(v) for v in self.ideal_],
                width=self.width_,
                decisiveness=self.decisiveness_,
            )
            if int(self.homes) > 1:
                out["homes"] = [
                    {"ideal": [float(v) for v in c], "height": float(h)}
                    for c, h in zip(self.homes_, self.home_heights_, strict=True)
                ]
        return out


#: A home is pinned down when its spot's posterior spread (mean standard deviation per
#: feature, features in [0, 1]) is at most this; the prior's is 0.35, a uniform guess's 0.29.
PINNED_SPREAD = 0.2


def ideal_point(
    feedback: Feedback,
    names: list[str] | None = None,
    homes: int = 2,
    *,
    model: IdealPointTasteModel | None = None,
) -> dict[str, Any] | None:
    """Where the creator's favourite spots are, feature by feature (``None`` before any judgment).

    Fitted as the default strategy's model (``homes``, two), or read from
    ``model`` when it is given already fitted (``feedback`` is then unused):
    ``ideal`` and ``uncertainty`` (posterior mean and standard deviation) are
    the highest home's, and ``homes`` lists every home with its height against
    the highest, whether the judgments have ``pinned`` it down
    (:data:`PINNED_SPREAD`) and its ``surest`` features (:func:`surest`);
    ``pinned`` at the top is the highest home's.
    """
    if model is None:
        data = preference_data(feedback)
        if len(data) == 0:
            return None
        model = IdealPointTasteModel(homes=homes).fit(data)
    elif not (model.is_fitted and model.n_judgments_ and model.n_features_in_):
        return None
    homes = int(model.homes)
    d = model.n_features_in_
    keys = list(names) if names is not None and len(names) == d else [f"x{k}" for k in range(d)]
    if homes > 1:
        centres, _ = model._matched_homes(d)
        heights = model.home_heights_
    else:
        centres, heights = model._centres(model.draws_, d, current=True)[:, None, :], [1.0]
    mean, spread = centres.mean(axis=0), centres.std(axis=0)

    def named(v: np.ndarray) -> dict[str, float]:
        return {k: round(float(x), 4) for k, x in zip(keys, v, strict=True)}

    pinned = [bool(spread[h].mean() <= PINNED_SPREAD) for h in range(len(heights))]
    return {
        "ideal": named(model.ideal_),
        "uncertainty": named(spread[0]),
        "pinned": pinned[0],
        "homes": [
            {
                "ideal": named(mean[h]),
                "uncertainty": named(spread[h]),
                "height": round(float(x), 3),
                "pinned": pinned[h],
                "surest": surest(named(mean[h]), named(spread[h])),
            }
            for h, x in enumerate(heights)
        ],
        "width": round(model.width_, 4),
        "decisiveness": round(model.decisiveness_, 3),
        "n_judgments": model.n_judgments_,
    }


def surest(
    ideal: dict[str, float], uncertainty: dict[str, float], k: int = 5
) -> list[dict[str, Any]]:
    """The ``k`` features a spot is surest of, as rows ``feature, value, spread`` (surest first).

    A choice's options (features named ``"param=option"``, one-hot) make one row,
    its likeliest option (the one nearest the spot), with ``option`` set: a person
    reads "font=courier", not every font's coordinate.
    """
    rows: dict[str, dict[str, Any]] = {}
    for name, value in ideal.items():
        param, is_choice, option = name.partition("=")
        row = {"feature": name, "value": value, "spread": uncertainty[name]}
        if not is_choice:
            rows[name] = row
        elif param not in rows or value > rows[param]["value"]:
            rows[param] = {**row, "option": option}
    return sorted(rows.values(), key=lambda r: r["spread"])[:k]


class _Observations:
    """Judgments as index arrays over the distinct artifacts (see the module docstring)."""

    def __init__(self) -> None:
        self.items = np.empty((0, 0))
        self.items_sq = np.empty(0)
        self.items32 = np.empty((0, 0), np.float32)
        self.items_sq32 = np.empty(0, np.float32)
        self.item_current = np.empty(0, bool)
        self.pair_w = self.pair_l = self.group_start = np.empty(0, int)
        self.group_size = self.group_weight = np.empty(0)
        self.abs_i = np.empty(0, int)
        self.abs_sign = self.abs_weight = np.empty(0)
        self.pair_weight = np.empty(0)

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def has_current(self) -> bool:
        return bool(self.item_current.any())

    @property
    def has_other(self) -> bool:
        return bool((~self.item_current).any())

    def extends(self, old: _Observations) -> bool:
        """True when these observations are the old ones plus more (a warm start is safe)."""
        for new_a, old_a in (
            (self.items, old.items),
            (self.pair_w, old.pair_w),
            (self.pair_l, old.pair_l),
            (self.pair_weight, old.pair_weight),
            (self.abs_i, old.abs_i),
            (self.abs_sign, old.abs_sign),
            (self.abs_weight, old.abs_weight),
        ):
            k = len(old_a)
            if k > len(new_a) or new_a.shape[1:] != old_a.shape[1:]:
                return False
            if not np.array_equal(new_a[:k], old_a):
                return False
        return True

    @classmethod
    def build(cls, data: PreferenceData, other_weight: float) -> _Observations:
        obs = cls()
        d = data.n_features
        m = len(data.winners)
        if data.items is not None and data.winner_index is not None:
            items = data.items
            wi, li = data.winner_index, data.loser_index
            ai = data.abs_index
        else:
            items, wi, li, ai = _distinct(data)
        if not len(items):
            obs.items = np.empty((0, d))
            return obs
        obs.items = items
        obs.items_sq = np.sum(items * items, axis=1)
        obs.items32 = items.astype(np.float32)
        obs.items_sq32 = obs.items_sq.astype(np.float32)
        cur = np.zeros(len(items), bool)
        cur[wi[data.pair_current]] = True
        cur[li[data.pair_current]] = True
        cur[ai[data.abs_current]] = True
        obs.item_current = cur
        tempered = np.where(data.pair_current, 1.0, other_weight) * data.pair_weight
        if m:
            group = data.pair_group if data.pair_group is not None else np.full(m, -1)
            # a new choice set starts wherever the group id changes, or has none (-1)
            start = np.ones(m, bool)
            start[1:] = (group[1:] != group[:-1]) | (group[1:] < 0)
            obs.group_start = np.flatnonzero(start)
            obs.group_size = np.diff(np.append(obs.group_start, m)) + 1.0
            obs.group_weight = tempered[obs.group_start]
        obs.pair_w, obs.pair_l = wi, li
        obs.pair_weight = tempered
        obs.abs_i = ai
        obs.abs_sign = data.abs_sign
        obs.abs_weight = np.where(data.abs_current, 1.0, other_weight) * data.abs_weight
        return obs


def _sq_dist(c: np.ndarray, X: np.ndarray, x_sq: np.ndarray) -> np.ndarray:
    """Squared distance of every row of ``X`` to every centre: (centres, rows)."""
    r2 = c @ X.T
    r2 *= -2.0
    r2 += x_sq[None, :]
    r2 += np.sum(c * c, axis=1)[:, None]
    np.maximum(r2, 0.0, out=r2)
    return r2


def _matched_homes(
    centres: np.ndarray, heights: np.ndarray, usage: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The homes of every draw in one order: each draw's k-th home is the same spot.

    A draw's homes are interchangeable (the sampler may hold them in any
    order), so each draw's order is the one most likely under a Gaussian per
    spot (the mean and spread of the matched draws), refined a few times;
    highest home first. Scaling by the spread matters: a home the judgments
    have pinned down is tight, one that roams the unexplored space is wide,
    and plain nearest matching would swap them whenever the roaming one lies
    beyond the pinned one. The first order is by ``usage`` (draws, homes)
    when given, else by height.
    """
    p, k, d = centres.shape
    perms = np.array(list(itertools.permutations(range(k))))
    rows = np.arange(p)[:, None]
    order = np.argsort(-(heights if usage is None else usage), axis=1, kind="stable")
    for _ in range(4):
        matched = centres[rows, order]
        ref = matched.mean(axis=0)
        var = np.maximum(np.mean((matched - ref) ** 2, axis=(0, 2)), 1e-6)  # per spot
        d2 = np.sum((centres[:, :, None, :] - ref[None, None, :, :]) ** 2, axis=3)  # home, ref
        nll = d2 / (2 * var) + 0.5 * d * np.log(var)
        cost = nll[:, perms, np.arange(k)].sum(axis=2)  # (draws, permutations)
        order = perms[np.argmin(cost, axis=1)]
    matched = centres[rows, order]
    h = heights[rows, order]
    by_height = np.argsort(-np.median(h, axis=0), kind="stable")
    return matched[:, by_height], h[:, by_height]


def _distinct(data: PreferenceData) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct rows of the data in order of first appearance, and each row's index."""
    m, d = len(data.winners), data.n_features
    pairs = np.stack([data.winners, data.losers], axis=1).reshape(2 * m, d)  # w0, l0, w1, l1, ...
    allx = np.concatenate([pairs, data.abs_x.reshape(-1, d)])
    if not len(allx):
        return np.empty((0, d)), *(np.empty(0, np.intp) for _ in range(3))
    rows, first, inverse = np.unique(allx, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    inverse = rank[inverse.ravel()]
    return rows[order], inverse[0 : 2 * m : 2], inverse[1 : 2 * m : 2], inverse[2 * m :]
