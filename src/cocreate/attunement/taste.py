"""A Bayesian model of one creator's taste, learned from their judgments.

The model is a Bradley–Terry (logistic) preference model on an expanded
feature map, with a Gaussian prior on its weights and a Laplace-approximated
Gaussian posterior. For artifacts with feature vectors ``x`` (a partner's
``describe``), the latent appeal is::

    f(x) = w · φ(x)          P(a preferred to b) = sigmoid(f(a) - f(b))

where ``φ`` stacks

* a bias (it cancels in comparisons and only matters for ratings),
* the centred features (a linear taste),
* their centred products (a quadratic taste: one preferred region, a bowl;
  only the squares when there are more than ``quadratic_max_features``),
* random Fourier features of an RBF kernel (any smooth, multimodal taste),

each block with its own prior scale, so the weight-space model is a Gaussian
process with the sum of a linear, a quadratic and an RBF kernel.
The RBF lengthscale is chosen among a few candidates by the Laplace evidence
(the marginal likelihood, as a Gaussian process fits its kernel), so the model
matches how sharp the creator's taste is.

What each judgment teaches is read from a :class:`~cocreate.attunement.feedback.Feedback`:

* every :class:`~cocreate.attunement.feedback.Comparison` (from choose-one-of-N,
  best/worst, pairwise, rejections, edits) is one weighted Bradley–Terry
  observation of ``winner`` over ``loser``;
* a :class:`~cocreate.attunement.feedback.Rating` of ``r`` stars is compared with an
  implicit 3-star reference of appeal 0 (``r > 3`` beats it, ``r < 3`` loses
  to it, with weight ``|r - 3| / 2``), and two ratings of the same work with
  different values make a comparison weighted by half their difference;
* a skip is not in the feedback at all, so it teaches nothing.

Across works: comparisons of the creator's earlier works in the domain enter
with weight ``other_work_weight`` (they act as the prior for this work), and
the comparisons of the current work also inform a per-work linear offset with
prior scale ``work_offset_scale``, so the model adapts to this work's
intention without forgetting the creator.

The posterior is found by Newton's method on the convex log-posterior
(warm-started from the previous fit when the feature map is unchanged); its
Hessian gives the Laplace covariance. With a few hundred judgments a fit
takes a few milliseconds.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..params import Params
from .feedback import Feedback

__all__ = [
    "BayesianTasteModel",
    "PreferenceData",
    "TasteModel",
    "preference_data",
]

_LOG2PI = math.log(2 * math.pi)


@dataclass(frozen=True)
class PreferenceData:
    """Judgments as arrays, ready to fit.

    ``pair_*`` are Bradley–Terry observations (``winners[i]`` preferred to
    ``losers[i]``); ``abs_*`` compare one artifact with the neutral reference
    of appeal 0 (``abs_sign`` +1: it beats the reference, -1: it loses).
    ``*_current`` marks observations from the current work.
    """

    winners: np.ndarray
    losers: np.ndarray
    pair_weight: np.ndarray
    pair_current: np.ndarray
    abs_x: np.ndarray
    abs_sign: np.ndarray
    abs_weight: np.ndarray
    abs_current: np.ndarray
    n_judgments: int = 0
    n_works: int = 0
    #: per comparison, the id of its choice set (the comparisons of one
    #: choose-one-of-N share one, and are consecutive), or -1; ``None``: all -1
    pair_group: np.ndarray | None = None
    #: the distinct artifacts, in order of first appearance, and each row's index
    #: into them (``winners == items[winner_index]``); ``None`` when not known
    items: np.ndarray | None = None
    winner_index: np.ndarray | None = None
    loser_index: np.ndarray | None = None
    abs_index: np.ndarray | None = None

    @property
    def n_features(self) -> int:
        for a in (self.winners, self.abs_x):
            if a.ndim == 2 and a.shape[0]:
                return int(a.shape[1])
        return 0

    def __len__(self) -> int:
        return int(len(self.winners) + len(self.abs_x))

    @classmethod
    def from_pairs(
        cls,
        winners: np.ndarray,
        losers: np.ndarray,
        weight: np.ndarray | Sequence[float] | None = None,
        current: np.ndarray | Sequence[bool] | None = None,
    ) -> PreferenceData:
        """Pairwise observations only (all of the current work unless told)."""
        w = np.atleast_2d(np.asarray(winners, dtype=float))
        lo = np.atleast_2d(np.asarray(losers, dtype=float))
        m = len(w)
        if lo.shape != w.shape:
            raise ValueError(f"winners {w.shape} and losers {lo.shape} differ in shape")
        d = w.shape[1]
        return cls(
            winners=w,
            losers=lo,
            pair_weight=np.ones(m) if weight is None else np.asarray(weight, dtype=float),
            pair_current=np.ones(m, bool) if current is None else np.asarray(current, bool),
            abs_x=np.empty((0, d)),
            abs_sign=np.empty(0),
            abs_weight=np.empty(0),
            abs_current=np.empty(0, bool),
            n_judgments=m,
            n_works=1,
        )


def preference_data(
    feedback: Feedback, work_id: str | None = None, *, max_rating_pairs: int = 2000
) -> PreferenceData:
    """Turn a :class:`Feedback` into arrays (see the module docstring).

    Comparisons or ratings whose artifacts have no features, or features of
    another length than the most common one, are left out.
    """
    current_work = feedback.work_id if work_id is None else work_id
    feats = feedback.features
    lengths: dict[int, int] = {}
    for v in feats.values():
        n = int(np.size(v))
        lengths[n] = lengths.get(n, 0) + 1
    d = max(lengths, key=lambda k: (lengths[k], k)) if lengths else 0

    # every artifact's features checked once (not once per comparison), all in one array
    ids_d = [a for a, v in feats.items() if np.size(v) == d]
    table = (
        np.stack([np.asarray(feats[a], dtype=float).ravel() for a in ids_d])
        if ids_d
        else np.empty((0, d))
    )
    finite = np.isfinite(table).all(axis=1)
    row_of = {a: k for k, a in enumerate(ids_d) if finite[k]}

    def ok(a: str) -> bool:
        return a in row_of

    comps = [c for c in feedback.comparisons if c.weight > 0 and ok(c.winner) and ok(c.loser)]
    comps = [c for c in comps if c.winner != c.loser]
    ratings = [r for r in feedback.ratings if ok(r.artifact) and math.isfinite(r.value)]
    wins = [c.winner for c in comps]
    loses = [c.loser for c in comps]
    # the comparisons of one choice (one pick over the rest of a round) form a choice set
    groups: list[int] = []
    for k, c in enumerate(comps):
        prev = comps[k - 1] if k else None
        same = (
            prev is not None
            and c.source == prev.source == "choose"
            and c.winner == prev.winner
            and c.work_id == prev.work_id
        )
        groups.append(groups[-1] if same else (k if c.source == "choose" else -1))
    weights = [float(c.weight) for c in comps]
    current = [c.work_id == current_work for c in comps]
    # ratings against each other, within a work
    by_work: dict[str, list[tuple[str, float]]] = {}
    for r in ratings:
        by_work.setdefault(r.work_id, []).append((r.artifact, float(r.value)))
    pairs = 0
    for wid, rs in by_work.items():
        rs = rs[-64:]  # the latest ratings of a work are enough
        for i in range(len(rs)):
            for j in range(i + 1, len(rs)):
                (a, ra), (b, rb) = rs[i], rs[j]
                if ra == rb or a == b or pairs >= max_rating_pairs:
                    continue
                hi, lo = (a, b) if ra > rb else (b, a)
                wins.append(hi)
                loses.append(lo)
                weights.append(abs(ra - rb) / 2)
                current.append(wid == current_work)
                pairs += 1
    abs_ids = [r.artifact for r in ratings if r.value != 3]
    abs_sign = [1.0 if r.value > 3 else -1.0 for r in ratings if r.value != 3]
    abs_w = [abs(r.value - 3) / 2 for r in ratings if r.value != 3]
    abs_cur = [r.work_id == current_work for r in ratings if r.value != 3]

    # each distinct artifact once, numbered in order of first appearance (pair by pair,
    # then the ratings), so that judgments added later leave the earlier numbers alone
    number: dict[str, int] = {}
    for w, lo in zip(wins, loses, strict=True):
        number.setdefault(w, len(number))
        number.setdefault(lo, len(number))
    for a in abs_ids:
        number.setdefault(a, len(number))
    items = table[np.fromiter((row_of[i] for i in number), dtype=np.intp, count=len(number))]

    def index(ids: list[str]) -> np.ndarray:
        return np.fromiter((number[i] for i in ids), dtype=np.intp, count=len(ids))

    wi, li, ai = index(wins), index(loses), index(abs_ids)
    works = {c.work_id for c in comps} | {r.work_id for r in ratings}
    return PreferenceData(
        winners=items[wi],
        losers=items[li],
        pair_weight=np.asarray(weights, dtype=float),
        pair_current=np.asarray(current, dtype=bool),
        abs_x=items[ai],
        abs_sign=np.asarray(abs_sign, dtype=float),
        abs_weight=np.asarray(abs_w, dtype=float),
        abs_current=np.asarray(abs_cur, dtype=bool),
        n_judgments=len(feedback),
        n_works=len(works),
        pair_group=np.concatenate(
            [np.asarray(groups, dtype=int), np.full(len(wins) - len(groups), -1, dtype=int)]
        ),
        items=items,
        winner_index=wi,
        loser_index=li,
        abs_index=ai,
    )


class TasteModel(ABC):
    """What a strategy needs from a taste model (scikit-learn conventions).

    ``fit`` returns ``self``; learned state lives in attributes ending in ``_``.
    """

    @abstractmethod
    def fit(self, data: Feedback | PreferenceData, work_id: str | None = None) -> TasteModel:
        """Learn from every judgment in ``data``."""

    @abstractmethod
    def predict(
        self, X: np.ndarray, return_std: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Posterior mean appeal of each row of ``X`` (and its standard deviation)."""

    @abstractmethod
    def sample(self, X: np.ndarray, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """``n_samples`` posterior draws of the appeal of each row, shape ``(n_samples, len(X))``."""

    @property
    @abstractmethod
    def prior_std(self) -> float:
        """The prior standard deviation of an artifact's appeal (what 'unsure' means)."""

    def predict_proba(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """P(row of ``A`` is preferred to the same row of ``B``), from mean and variance."""
        A, B = np.atleast_2d(A), np.atleast_2d(B)
        ma, sa = self.predict(A, return_std=True)  # type: ignore[misc]
        mb, sb = self.predict(B, return_std=True)  # type: ignore[misc]
        var = sa**2 + sb**2  # ignores the covariance of a and b: a little conservative
        return _sigmoid((ma - mb) / np.sqrt(1 + math.pi * var / 8))

    def score(self, data: Feedback | PreferenceData) -> float:
        """Share of the pairwise preferences in ``data`` the model orders right."""
        if isinstance(data, Feedback):
            data = preference_data(data)
        if not len(data.winners):
            return float("nan")
        diff = self.predict(data.winners) - self.predict(data.losers)  # type: ignore[operator]
        w = data.pair_weight
        return float(np.sum(w * ((diff > 0) + 0.5 * (diff == 0))) / np.sum(w))


def clone_model(model: TasteModel) -> TasteModel:
    """An unfitted copy of ``model`` with the same hyper-parameters (scikit-learn's ``clone``)."""
    params = model.get_params() if hasattr(model, "get_params") else None
    if params is not None:
        return type(model)(**params)
    import copy

    return copy.deepcopy(model)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -x)


class HyperParameters(Params):
    """scikit-learn plumbing for taste models (:class:`cocreate.params.Params`).

    Learned state lives in attributes ending in ``_``; :meth:`reset` forgets it.
    """

    def reset(self) -> Any:
        """Forget everything learned (the hyper-parameters stay)."""
        for k in list(vars(self)):
            if k.endswith("_") and not k.startswith("__"):
                delattr(self, k)
        return self


class BayesianTasteModel(HyperParameters, TasteModel):
    """Bradley–Terry on linear + quadratic + random Fourier features, Laplace posterior.

    Parameters
    ----------
    linear_scale, quadratic_scale, rbf_scale:
        Prior standard deviation of the appeal each block contributes over
        random artifacts (0 switches a block off). Appeal is in logits of
        the choice model, so 1.5 means "one artifact can be picked over
        another with odds of e^3 just by this block". The defaults (0.5, 0,
        2.0) make the model mostly a kernel (RBF) model, which stays near its
        prior far from what was judged, plus a small linear trend that the
        taste profile reads; the quadratic block extrapolated too boldly in
        bench/attunement (see bench/RESULTS.md).
    lengthscale:
        RBF lengthscale as a root-mean-square distance per feature (the
        kernel reads ``exp(-|x - y|² / (2 d lengthscale²))``); used as given
        when ``lengthscale_choices`` is ``None``.
    lengthscale_choices:
        Candidate lengthscales; ``fit`` keeps the one of highest Laplace
        evidence (type-II maximum likelihood, as a Gaussian process fits its
        kernel), so a creator with a sharp taste gets a short one. The choice
        is made again whenever the observations have grown by half since the
        last choice (and on the first fit); in between only the chosen model
        is refitted, so most rounds cost one fit. ``None`` fixes ``lengthscale``.
    n_fourier:
        Number of random Fourier features (an approximation of the kernel).
    quadratic_max_features:
        Up to this many input features use every product ``x_i x_j``; above
        it, only the squares (keeps the model small for long feature vectors).
    other_work_weight:
        Weight of the comparisons from the creator's other works (their taste
        so far is the prior for this work).
    work_offset_scale:
        Prior scale of the current work's own linear offset (0 switches it off).
    max_iter, tol:
        Newton's method stops after ``max_iter`` steps or when no weight moves
        more than ``tol`` (weights are in logits: 1e-3 changes no choice).
    random_state:
        Seeds the random Fourier features (the model is deterministic).

    Attributes (after ``fit``)
    --------------------------
    coef_ : posterior mean of the weights (MAP).
    covariance_ : Laplace posterior covariance of the weights.
    n_features_in_ : length of the artifact feature vectors.
    n_observations_ : pairwise and reference observations fitted.
    n_judgments_, n_works_ : from the feedback.
    n_iter_ : Newton steps taken.
    lengthscale_ : the lengthscale in use.
    evidence_ : log evidence of each of ``lengthscale_choices`` at the latest choice.
    chosen_at_ : the number of observations at the latest choice.
    """

    def __init__(
        self,
        *,
        linear_scale: float = 0.5,
        quadratic_scale: float = 0.0,
        rbf_scale: float = 2.0,
        bias_scale: float = 1.0,
        lengthscale: float = 0.3,
        lengthscale_choices: Sequence[float] | None = (0.15, 0.3, 0.5),
        n_fourier: int = 128,
        quadratic_max_features: int = 20,
        other_work_weight: float = 0.5,
        work_offset_scale: float = 0.5,
        max_iter: int = 25,
        tol: float = 1e-3,
        random_state: int = 0,
    ) -> None:
        self.linear_scale = linear_scale
        self.quadratic_scale = quadratic_scale
        self.rbf_scale = rbf_scale
        self.bias_scale = bias_scale
        self.lengthscale = lengthscale
        self.lengthscale_choices = lengthscale_choices
        self.n_fourier = n_fourier
        self.quadratic_max_features = quadratic_max_features
        self.other_work_weight = other_work_weight
        self.work_offset_scale = work_offset_scale
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def __repr__(self) -> str:
        return f"BayesianTasteModel(n_fourier={self.n_fourier}, lengthscale={self._lengthscale()})"

    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "coef_")

    @property
    def prior_std(self) -> float:
        return math.sqrt(self.linear_scale**2 + self.quadratic_scale**2 + self.rbf_scale**2)

    # -- the feature map ---------------------------------------------------------------------
    def _build_map(self, d: int) -> None:
        rng = np.random.default_rng(self.random_state)
        self.n_features_in_ = d
        self._full_quad_ = d <= self.quadratic_max_features
        if self.quadratic_scale == 0:
            # the block is switched off: leave it out rather than carry weights fixed at 0
            self._qi_ = self._qj_ = np.arange(0)
        elif self._full_quad_:
            iu = np.triu_indices(d)
            self._qi_, self._qj_ = iu
        else:
            self._qi_ = self._qj_ = np.arange(d)
        n_quad = len(self._qi_)
        ell = max(self._lengthscale(), 1e-6) * math.sqrt(max(d, 1))
        self._omega_ = rng.normal(0.0, 1.0 / ell, size=(d, self.n_fourier))
        self._phase_ = rng.uniform(0.0, 2 * math.pi, size=self.n_fourier)
        self._omega32_ = self._omega_.astype(np.float32)
        self._phase32_ = self._phase_.astype(np.float32)
        # prior variances of the blocks: [bias | linear | quadratic | fourier]
        # Centred features in [0, 1] have variance ~1/12; scale each block so that
        # its appeal has roughly the stated standard deviation over random artifacts.
        lin_c = math.sqrt(12.0 / max(d, 1))
        quad_c = 12.0 / math.sqrt(max(n_quad, 1))
        self._lin_c_, self._quad_c_ = lin_c, quad_c
        self.n_map_ = 1 + d + n_quad + self.n_fourier
        var = np.empty(self.n_map_)
        var[0] = self.bias_scale**2
        var[1 : 1 + d] = self.linear_scale**2
        var[1 + d : 1 + d + n_quad] = self.quadratic_scale**2
        var[1 + d + n_quad :] = self.rbf_scale**2
        self._offset_dim_ = d if self.work_offset_scale > 0 else 0
        off_var = np.full(self._offset_dim_, self.work_offset_scale**2)
        self._prior_var_ = np.maximum(np.concatenate([var, off_var]), 1e-12)

    def _phi(self, X: np.ndarray) -> np.ndarray:
        """The expanded feature map (without the per-work offset block)."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"features have {X.shape[1]} entries; the model was fitted on {self.n_features_in_}"
            )
        n = len(X)
        Xc = X - 0.5
        parts = [np.ones((n, 1)), Xc * self._lin_c_]
        parts.append(Xc[:, self._qi_] * Xc[:, self._qj_] * self._quad_c_)
        if self.n_fourier:
            # single precision: the cosines cost a tenth, and the kernel is an approximation anyway
            proj = X.astype(np.float32) @ self._omega32_ + self._phase32_
            parts.append(np.cos(proj) * np.float32(math.sqrt(2.0 / self.n_fourier)))
        return np.concatenate(parts, axis=1, dtype=float)

    def _phi_current(self, X: np.ndarray) -> np.ndarray:
        """Feature map for the current work: with the offset block."""
        base = self._phi(X)
        if not self._offset_dim_:
            return base
        off = (np.atleast_2d(np.asarray(X, dtype=float)) - 0.5) * self._lin_c_
        return np.concatenate([base, off], axis=1)

    # -- fitting ----------------------------------------------------------------------------
    def fit(
        self, data: Feedback | PreferenceData, work_id: str | None = None
    ) -> BayesianTasteModel:
        """Fit the Laplace posterior to every judgment in ``data``; returns ``self``.

        With ``lengthscale_choices``, also chooses the lengthscale (see the
        class docstring); ``lengthscale_`` and ``evidence_`` record the choice.
        """
        if isinstance(data, Feedback):
            data = preference_data(data, work_id)
        choices = tuple(self.lengthscale_choices or ())
        if len(choices) > 1 and len(data):
            n = len(data)
            chosen_at = getattr(self, "chosen_at_", 0)
            same_d = getattr(self, "n_features_in_", -1) == data.n_features
            if not (self.is_fitted and same_d and chosen_at and n < 1.5 * chosen_at):
                return self._choose_lengthscale(data, choices)
        return self._fit(data)

    def _lengthscale(self) -> float:
        """The lengthscale in use; before any choice, the given one (or the only choice)."""
        if "lengthscale_" in vars(self):
            return self.lengthscale_
        choices = tuple(self.lengthscale_choices or ())
        return float(choices[0]) if len(choices) == 1 else self.lengthscale

    def _choose_lengthscale(
        self, data: PreferenceData, choices: Sequence[float]
    ) -> BayesianTasteModel:
        best: BayesianTasteModel | None = None
        evidence: dict[float, float] = {}
        for ell in choices:
            m = type(self)(
                **{**self.get_params(), "lengthscale": float(ell), "lengthscale_choices": None}
            )
            m._fit(data)
            evidence[float(ell)] = m.log_evidence(data)
            if best is None or evidence[float(ell)] > evidence[best.lengthscale]:
                best = m
        assert best is not None
        self.reset()
        for k, v in vars(best).items():
            if k.endswith("_"):
                setattr(self, k, v)
        self.evidence_ = evidence
        self.chosen_at_ = len(data)
        return self

    def _fit(self, data: PreferenceData) -> BayesianTasteModel:
        d = data.n_features
        if d == 0:
            d = getattr(self, "n_features_in_", 0)
        keep_warm = self.is_fitted and getattr(self, "n_features_in_", -1) == d
        w0 = self.coef_ if keep_warm else None
        if not keep_warm:
            ell = self._lengthscale()
            self.reset()
            self.lengthscale_ = ell
            if d == 0:
                # nothing learned and no dimension yet: a prior over nothing
                self.n_features_in_ = 0
                self.coef_ = np.zeros(0)
                self.n_iter_ = 0
                self.n_observations_ = 0
                self.n_judgments_ = data.n_judgments
                self.n_works_ = 0
                return self
            self._build_map(d)
        Z, c = self._design(data)
        D = len(self._prior_var_)
        prec = 1.0 / self._prior_var_
        w = np.zeros(D) if w0 is None or len(w0) != D else w0.copy()
        n_iter = 0
        H = np.diag(prec)
        if len(Z):
            obj = self._objective(Z, c, prec, w)
            converged = False
            for n_iter in range(1, self.max_iter + 1):  # noqa: B007
                s = Z @ w
                p = _sigmoid(s)
                grad = Z.T @ (c * (1.0 - p)) - prec * w
                h = c * p * (1.0 - p)
                H = (Z.T * h) @ Z
                H[np.diag_indices(D)] += prec
                step = np.linalg.solve(H, grad)
                t = 1.0
                for _ in range(20):  # backtracking: the objective must not drop
                    new = self._objective(Z, c, prec, w + t * step)
                    if new >= obj - 1e-10:
                        break
                    t *= 0.5
                w = w + t * step
                obj = new
                converged = bool(np.max(np.abs(t * step)) < self.tol)
                if converged:
                    break
            if not converged:
                # at convergence the Hessian of the last step is the Hessian at w, to ``tol``
                p = _sigmoid(Z @ w)
                h = c * p * (1.0 - p)
                H = (Z.T * h) @ Z
                H[np.diag_indices(D)] += prec
        self.coef_ = w
        self.hessian_ = H
        cov = np.linalg.inv(H)
        self.covariance_ = 0.5 * (cov + cov.T)
        self._cov_chol_ = None
        self.n_iter_ = n_iter
        self.n_observations_ = len(Z)
        self.n_judgments_ = data.n_judgments
        self.n_works_ = data.n_works
        return self

    def _design(self, data: PreferenceData) -> tuple[np.ndarray, np.ndarray]:
        """Rows ``z`` with P(observation) = sigmoid(w · z), and their weights."""
        rows: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        D = len(self._prior_var_)
        if len(data.winners):
            if data.items is not None and data.winner_index is not None:
                # each distinct artifact mapped once, however many comparisons it is in
                P = self._phi(data.items)
                zw = P[data.winner_index] - P[data.loser_index]
            else:
                zw = self._phi(data.winners) - self._phi(data.losers)
            cur = data.pair_current
            zo = np.zeros((len(zw), D - zw.shape[1]))
            if self._offset_dim_:
                zo[cur] = (data.winners[cur] - data.losers[cur]) * self._lin_c_
            rows.append(np.concatenate([zw, zo], axis=1))
            weights.append(data.pair_weight * np.where(cur, 1.0, self.other_work_weight))
        if len(data.abs_x):
            za = self._phi(data.abs_x) * data.abs_sign[:, None]
            cur = data.abs_current
            zo = np.zeros((len(za), D - za.shape[1]))
            if self._offset_dim_:
                zo[cur] = (data.abs_x[cur] - 0.5) * self._lin_c_ * data.abs_sign[cur, None]
            rows.append(np.concatenate([za, zo], axis=1))
            weights.append(data.abs_weight * np.where(cur, 1.0, self.other_work_weight))
        if not rows:
            return np.empty((0, D)), np.empty(0)
        return np.concatenate(rows), np.concatenate(weights)

    @staticmethod
    def _objective(Z: np.ndarray, c: np.ndarray, prec: np.ndarray, w: np.ndarray) -> float:
        return float(np.sum(c * _log_sigmoid(Z @ w)) - 0.5 * np.sum(prec * w * w))

    # -- predicting ------------------------------------------------------------------------
    def _prior_for(self, d: int) -> None:
        """Before any judgment: the prior over features of length ``d``."""
        self._build_map(d)
        self.coef_ = np.zeros(len(self._prior_var_))
        self.covariance_ = np.diag(self._prior_var_)
        self.hessian_ = np.diag(1.0 / self._prior_var_)
        self._cov_chol_ = None

    def _check(self) -> None:
        if not self.is_fitted:
            raise RuntimeError("this BayesianTasteModel is not fitted yet; call fit() first")

    def _map_for_prediction(self, X: np.ndarray) -> np.ndarray:
        """The current work's feature map of ``X`` (the prior's, before any judgment)."""
        self._check()
        X = np.atleast_2d(np.asarray(X, dtype=float))
        if self.n_features_in_ == 0:
            self._prior_for(X.shape[1])
        return self._phi_current(X)

    def predict(
        self, X: np.ndarray, return_std: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Posterior mean appeal (logits) of each row of ``X`` for the current work."""
        P = self._map_for_prediction(X)
        mean = P @ self.coef_
        if not return_std:
            return mean
        # the bias (column 0) only sets the level against the 3-star reference and is
        # never learned from comparisons: leave it out of the spread of appeal
        Q = P[:, 1:]
        var = np.einsum("ij,jk,ik->i", Q, self.covariance_[1:, 1:], Q, optimize=True)
        return mean, np.sqrt(np.maximum(var, 0.0))

    def sample(self, X: np.ndarray, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Posterior draws of appeal, shape ``(n_samples, len(X))`` (Thompson sampling)."""
        P = self._map_for_prediction(X)
        mean = P @ self.coef_
        if self._cov_chol_ is None:
            D = len(self.coef_)
            jitter = 1e-9 * float(np.mean(np.diag(self.covariance_)))
            self._cov_chol_ = np.linalg.cholesky(self.covariance_ + jitter * np.eye(D))
        eps = rng.standard_normal((len(self.coef_), n_samples))
        return (mean[:, None] + P @ (self._cov_chol_ @ eps)).T

    def gradient(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean over rows of ``X`` of d(appeal)/d(feature), with its posterior std.

        What the model thinks each feature does to appeal near the artifacts
        in ``X`` (e.g. those the creator judged): positive means "more of
        this feature is liked".
        """
        self._check()
        X = np.atleast_2d(np.asarray(X, dtype=float))
        d = self.n_features_in_
        D = len(self.coef_)
        A = np.zeros((d, D))  # A @ w is the mean gradient
        A[:, 1 : 1 + d] = np.eye(d) * self._lin_c_
        Xc = X - 0.5
        n_quad = len(self._qi_)
        q0 = 1 + d
        for k in range(n_quad):
            i, j = self._qi_[k], self._qj_[k]
            A[i, q0 + k] += np.mean(Xc[:, j]) * self._quad_c_
            A[j, q0 + k] += np.mean(Xc[:, i]) * self._quad_c_
        if self.n_fourier:
            f0 = q0 + n_quad
            s = -np.sin(X @ self._omega_ + self._phase_) * math.sqrt(2.0 / self.n_fourier)
            A[:, f0 : f0 + self.n_fourier] = self._omega_ * np.mean(s, axis=0)
        if self._offset_dim_:
            o0 = f0 + self.n_fourier if self.n_fourier else q0 + n_quad
            A[:, o0 : o0 + d] = np.eye(d) * self._lin_c_
        mean = A @ self.coef_
        std = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", A, self.covariance_, A), 0.0))
        return mean, std

    def log_evidence(self, data: Feedback | PreferenceData) -> float:
        """Laplace approximation of the log marginal likelihood (for model choice)."""
        self._check()
        if isinstance(data, Feedback):
            data = preference_data(data)
        Z, c = self._design(data)
        prec = 1.0 / self._prior_var_
        obj = self._objective(Z, c, prec, self.coef_)
        _, logdet_h = np.linalg.slogdet(self.hessian_)
        return float(obj - 0.5 * logdet_h - 0.5 * np.sum(np.log(self._prior_var_)))

    def to_dict(self, include_posterior: bool = False) -> dict[str, Any]:
        """The model's hyper-parameters and state, JSON-serialisable."""
        out: dict[str, Any] = {"model": "bayesian-bradley-terry/1", "params": self.get_params()}
        if self.is_fitted:
            out.update(
                n_features_in=int(self.n_features_in_),
                n_observations=int(self.n_observations_),
                n_judgments=int(self.n_judgments_),
                n_works=int(self.n_works_),
                lengthscale=float(self._lengthscale()),
            )
            if include_posterior and hasattr(self, "covariance_"):
                out["coef"] = [float(x) for x in self.coef_]
                out["covariance"] = [[float(x) for x in row] for row in self.covariance_]
        return out
