"""Choosing the N to show with a taste model: appeal, doubt, novelty, variety, surprise.

:class:`AttunedStrategy` fits its taste model to the round's
:class:`~cocreate.attunement.feedback.Feedback` and picks N of the pool:

1. **The predicted pick** — the candidate of highest posterior mean appeal;
   it is marked ``predicted=True`` (the model's guess of what the person will
   choose, for the attunement curve).
2. **The other N-1**, one at a time. The surprise dial ``s`` gives about
   ``s·(N-1)`` of them (the fractional part drawn at random) to *surprise
   slots*, the rest to *taste slots*. A taste slot takes the candidate
   maximising::

       z(gain) + novelty_weight · z(novelty) + diversity_weight · z(distance to picks)

   and a surprise slot the one maximising::

       z(novelty) - z(mean) + diversity_weight · z(distance to picks)

   where ``gain`` is how much the candidate adds to the *expected best
   appeal of the set shown* (qEUBO, Astudillo et al. 2023): over
   ``n_draws`` joint draws ``f`` from the posterior, the mean of
   ``max(f(picks so far), f(candidate))``. A candidate gains where some
   plausible version of the person's taste likes it more than everything
   already picked, so the set covers the posterior: it explores exactly where
   the model is unsure, and a near-copy of a pick gains nothing. The person's
   choice of the best of the set is then what teaches the model the most
   about where their favourite lies. ``novelty`` is the distance to
   everything already shown in this work (``context.seen``), and ``z``
   standardises over the pool. At ``s = 0`` every pick is what a plausible
   version of the person's taste likes most; at ``s = 1`` all but the
   predicted pick are far from what was seen and low in predicted appeal:
   "what I would never pick".

Each pick's reason says which of these made it win, in words a person reads
("predicted to suit your taste (82%)", "the model is unsure here: your pick
will teach it", "far from everything you have seen", "a surprise: unlike what
you usually pick"). The percentage is the model's probability that the person
prefers the pick to a typical candidate of the pool.

**Stepping away.** When the person's latest ``step_away`` picks in a row sit
close to the model's favourite (within ``away_radius``, RMS per feature), the
next set leaves the favourite and everything near it out, and is chosen from
the rest as above. A set that holds the favourite only teaches that the others
lose to it; a set without it makes the person say which of the other
directions is best, which is how a taste with a second, better home is found
(a decoy that looks best only because it was found first). The next set brings
the favourite back. The run is counted afresh each round against the current
favourite, and a set is stepped away from when it holds K, 2K, 4K, ... close
picks. A far pick over something close to the favourite ends the run; the
pick from a set that stepped away neither counts nor ends it (as long as
nothing in that set is within the radius of the favourite as it is now). While
the favourite still moves, the run often starts over, so the waits do not
simply double: on the benchmark the strategy steps away in about 30% of the
first ten rounds and 10–20% of later ones; counting the sets that stepped
away, so that the waits strictly double, stepped away less and needed more
rounds (``bench/RESULTS.md``). The predicted pick of such a
set says so in its reason, and every pick of it has ``away=True`` (the session
stores it, and the attunement curve marks the round); ``last_away_`` tells
whether the latest round stepped away. By default the strategy steps away after
two close picks outside the image domain (:data:`DOMAIN_STEP_AWAY`), where its
taste model has two homes (:data:`DEFAULT_MODEL`): the benchmark's multimodal
tasks need both.

Before the first judgment there is nothing to learn from: the picks are spread
out (farthest-first) so that the first choice teaches the most.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial

import numpy as np

from ..errors import InputError
from .base import Pick, ProposalContext, Strategy, farthest_first
from .feedback import Feedback
from .ideal import IdealPointTasteModel
from .pool import Candidate
from .taste import BayesianTasteModel, TasteModel, clone_model, preference_data
from .threads import model_threads

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_STEP_AWAY",
    "DOMAIN_MODELS",
    "DOMAIN_STEP_AWAY",
    "AttunedStrategy",
]

#: The taste model for a domain when none is given (any other domain: :data:`DEFAULT_MODEL`).
#: Images: their features are the picture's own statistics (colour, symmetry, texture), over
#: which a taste is seldom one spot; the Bradley–Terry model needs about half the rounds there
#: (``python -m bench.attunement.visual``).
DOMAIN_MODELS: dict[str, Callable[[], TasteModel]] = {"image": BayesianTasteModel}
#: Elsewhere: an ideal-point model with two homes, so that a second favourite can be found
#: (with stepping away, the fewest rounds over the benchmark's goal tasks).
DEFAULT_MODEL: Callable[[], TasteModel] = partial(IdealPointTasteModel, homes=2)
#: ``step_away`` for a domain when none is given (any other domain: :data:`DEFAULT_STEP_AWAY`).
#: Images: stepping away cost rounds on the image benchmark at N = 9.
DOMAIN_STEP_AWAY: dict[str, int] = {"image": 0}
DEFAULT_STEP_AWAY = 2

REASON_TASTE = "predicted to suit your taste ({pct}%)"
REASON_UNSURE = "the model is unsure here: your pick will teach it"
REASON_FAR = "far from everything you have seen"
REASON_SURPRISE = "a surprise: unlike what you usually pick"
REASON_GUESS = "a plausible guess at your taste ({pct}%) that the model wants to check"
REASON_AWAY = (
    "the best guess away from your favourite ({pct}%): your latest picks were all close to it,"
    " so this set leaves it out to learn what else you like"
)
REASON_START = "spread out to learn your taste: the model has nothing to go on yet"
REASON_START_PREDICTED = "a starting point: the model has no judgments to go on yet"


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(np.std(x))
    if not math.isfinite(sd) or sd < 1e-12:
        return np.zeros_like(x, dtype=float)
    return (x - float(np.mean(x))) / sd


def _min_dist(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Distance from each row of X to its nearest row of Y (RMS per feature)."""
    if Y is None or len(Y) == 0:
        return np.full(len(X), np.nan)
    d2 = (np.sum(X * X, axis=1)[:, None] - 2.0 * X @ Y.T + np.sum(Y * Y, axis=1)[None, :]).min(
        axis=1
    )
    return np.sqrt(np.maximum(d2, 0.0) / max(X.shape[1], 1))


def _judgments(feedback: Feedback, work_id: str) -> list[tuple[str, list[str]]]:
    """The work's judgments as (winner, the items it beat), newest first."""
    out: list[tuple[str, list[str]]] = []
    for c in reversed(feedback.comparisons):
        if c.work_id != work_id:
            continue
        if out and out[-1][0] == c.winner:
            out[-1][1].append(c.loser)
        else:
            out.append((c.winner, [c.loser]))
    return out


class AttunedStrategy(Strategy):
    """Picks N with a Bayesian taste model (see the module docstring).

    Parameters
    ----------
    model:
        The taste model to fit each round. By default the domain's model in
        :data:`DOMAIN_MODELS` (the Bradley–Terry model for images), else
        :data:`DEFAULT_MODEL` (an :class:`IdealPointTasteModel` with two
        homes); the domain is the feedback's. It is cloned: the strategy never
        changes the one given.
    novelty_weight:
        Bonus for candidates far from everything already shown, at any surprise.
    diversity_weight:
        Bonus for candidates far from the picks already made in this round.
    n_draws:
        Joint posterior draws behind the expected best appeal of the set.
    unsure_quantile, far_quantile:
        A pick is called "unsure" / "far" when its posterior std / novelty is in
        the top share of the pool given by these quantiles.
    step_away:
        After this many picks in a row close to the favourite, one set without it,
        then after twice as many, ... (0: never); see the module docstring. By
        default the domain's in :data:`DOMAIN_STEP_AWAY` (0 for images), else
        :data:`DEFAULT_STEP_AWAY` (2).
    away_radius:
        How close (RMS per feature, features in [0, 1]) counts as close to the favourite.

    Attributes
    ----------
    model_ : the taste model fitted in the latest round (``None`` before any judgment).
    last_scores_ : per pick of the latest round, its mean, std and novelty.
    last_away_ : whether the latest round stepped away from the favourite.
    """

    def __init__(
        self,
        model: TasteModel | None = None,
        *,
        novelty_weight: float = 0.05,
        diversity_weight: float = 0.1,
        n_draws: int = 256,
        unsure_quantile: float = 0.75,
        far_quantile: float = 0.8,
        step_away: int | None = None,
        away_radius: float = 0.3,
    ) -> None:
        if model is not None and not all(
            callable(getattr(model, m, None)) for m in ("fit", "predict", "sample")
        ):
            raise InputError(
                f"model must be a taste model (with fit, predict and sample), not {model!r}"
            )
        if int(n_draws) < 1:
            raise InputError(f"n_draws must be at least 1, not {n_draws!r}")
        if step_away is not None and not (
            isinstance(step_away, int | float)
            and not isinstance(step_away, bool)
            and step_away >= 0
            and float(step_away).is_integer()
        ):
            raise InputError(
                f"step_away must be a whole number of picks, 0 or more, not {step_away!r}"
            )
        if not (isinstance(away_radius, int | float) and 0.0 < away_radius < 1.0):
            raise InputError(f"away_radius must be between 0 and 1, not {away_radius!r}")
        self.model = model
        self.novelty_weight = novelty_weight
        self.diversity_weight = diversity_weight
        self.n_draws = int(n_draws)
        self.unsure_quantile = unsure_quantile
        self.far_quantile = far_quantile
        self.step_away = None if step_away is None else int(step_away)
        self.away_radius = float(away_radius)
        self.model_: TasteModel | None = None
        self.last_away_ = False
        self._fingerprint: tuple | None = None

    # -- the model ----------------------------------------------------------------------
    def taste_model(self, domain: str = "") -> TasteModel:
        """A new, unfitted copy of the taste model this strategy fits in ``domain``."""
        if self.model is not None:
            return clone_model(self.model)
        return DOMAIN_MODELS.get(domain, DEFAULT_MODEL)()

    def step_away_for(self, domain: str) -> int:
        """``step_away`` in ``domain``: the one given, else the domain's default."""
        if self.step_away is not None:
            return self.step_away
        return DOMAIN_STEP_AWAY.get(domain, DEFAULT_STEP_AWAY)

    @staticmethod
    def _key(fb: Feedback) -> tuple:
        last_c = fb.comparisons[-1] if fb.comparisons else None
        last_r = fb.ratings[-1] if fb.ratings else None
        return (
            fb.work_id,
            fb.domain,
            len(fb.comparisons),
            len(fb.ratings),
            len(fb.features),
            last_c,
            last_r,
        )

    def fit(self, feedback: Feedback, work_id: str | None = None) -> AttunedStrategy:
        """Fit the taste model to ``feedback``; reuses the fit when nothing changed."""
        key = (*self._key(feedback), work_id)
        if self.model_ is not None and key == self._fingerprint:
            return self
        with model_threads():
            return self._fit(feedback, work_id, key)

    def _fit(self, feedback: Feedback, work_id: str | None, key: tuple) -> AttunedStrategy:
        data = preference_data(feedback, work_id)
        if self._fingerprint is not None and self._fingerprint[1] != feedback.domain:
            self.model_ = None  # another domain: another taste, perhaps another kind of model
        if len(data) == 0:
            self.model_ = None
        else:
            model = self.model_ if self.model_ is not None else self.taste_model(feedback.domain)
            self.model_ = model.fit(data)
        self._fingerprint = key
        return self

    # -- choosing -----------------------------------------------------------------------
    def anchors(
        self,
        liked: Sequence[str],
        candidates: Sequence[str],
        feedback: Feedback,
        work_id: str,
        k: int = 4,
    ) -> list[str]:
        """Build on what the model likes best as well as on the latest picks.

        The judged artifacts of highest predicted appeal (``k - 1`` of them)
        come first, then the latest liked, up to ``k`` in all: a pick the
        model has since learned was a lucky compromise gives way to the best
        of what was shown.
        """
        with model_threads():
            return self._anchors(liked, candidates, feedback, work_id, k)

    def _anchors(
        self,
        liked: Sequence[str],
        candidates: Sequence[str],
        feedback: Feedback,
        work_id: str,
        k: int,
    ) -> list[str]:
        self.fit(feedback, work_id)
        model = self.model_
        ids = [i for i in dict.fromkeys(candidates) if i in feedback.features]
        d = getattr(model, "n_features_in_", 0)
        ids = [i for i in ids if np.size(feedback.features[i]) == d]
        if model is None or not ids or k <= 1:
            return list(liked)[:k]
        X = np.stack([np.asarray(feedback.features[i], dtype=float).ravel() for i in ids])
        mean = np.asarray(model.predict(np.nan_to_num(X, nan=0.5)))
        best = [ids[j] for j in np.argsort(-mean, kind="stable")[: k - 1]]
        return list(dict.fromkeys(best + list(liked)[:2]))[:k]

    def select(self, pool: Sequence[Candidate], context: ProposalContext) -> list[Pick]:
        with model_threads():
            return self._select(pool, context)

    def _select(self, pool: Sequence[Candidate], context: ProposalContext) -> list[Pick]:
        n = min(int(context.n), len(pool))
        if n <= 0:
            return []
        feats = [c.features for c in pool]
        if any(f is None for f in feats):
            raise InputError("every candidate of the pool needs .features (partner.describe)")
        X = np.stack([np.asarray(f, dtype=float).ravel() for f in feats])
        if not np.all(np.isfinite(X)):
            X = np.nan_to_num(X, nan=0.5, posinf=1.0, neginf=0.0)
        s = float(np.clip(context.surprise, 0.0, 1.0))
        seen = np.asarray(context.seen, dtype=float)
        if seen.ndim != 2 or seen.shape[1] != X.shape[1]:
            seen = np.empty((0, X.shape[1]))
        self.fit(context.feedback, context.work_id)
        model = self.model_
        self.last_away_ = False
        if model is None or getattr(model, "n_features_in_", X.shape[1]) != X.shape[1]:
            return self._cold_start(X, n, seen)
        mean, std = model.predict(X, return_std=True)  # type: ignore[misc]
        keep = self._away_from_favourite(X, mean, n, context.feedback, context.work_id)
        if keep is None:
            return self._choose(model, X, n, s, seen, context.rng, predicted=(mean, std))
        self.last_away_ = True
        picks = self._choose(
            model, X[keep], n, s, seen, context.rng, away=True, predicted=(mean[keep], std[keep])
        )
        return [replace(p, index=int(keep[p.index]), away=True) for p in picks]

    def _away_from_favourite(
        self, X: np.ndarray, mean: np.ndarray, n: int, feedback: Feedback, work_id: str
    ) -> np.ndarray | None:
        """The pool's rows far from the favourite when this round steps away, else ``None``."""
        k = self.step_away_for(feedback.domain)
        if k <= 0:
            return None
        favourite = X[[int(np.argmax(mean))]]
        run = self._run_at(favourite, feedback, work_id)
        times, rest = divmod(run, k)
        if times == 0 or rest or times & (times - 1):  # a run of K picks close to it, 2K, 4K, ...
            return None
        keep = np.flatnonzero(_min_dist(X, favourite) > self.away_radius)
        return keep if len(keep) >= n else None

    def _run_at(self, favourite: np.ndarray, feedback: Feedback, work_id: str) -> int:
        """How many of the latest picks in a row sat close to ``favourite``.

        A set with nothing close to it (one that stepped away) neither counts
        nor breaks the run; a far pick over something close breaks it. Right
        after a set that stepped away, 0: not twice in a row.
        """
        d = favourite.shape[1]
        judged = []
        for winner, losers in _judgments(feedback, work_id):
            items = [winner, *losers]
            if any(np.size(feedback.features.get(i, ())) != d for i in items):
                break
            judged.append(items)
        if not judged:
            return 0
        flat = [i for items in judged for i in items]
        F = np.stack([np.asarray(feedback.features[i], dtype=float).ravel() for i in flat])
        close = _min_dist(np.nan_to_num(F, nan=0.5), favourite) <= self.away_radius
        run, at = 0, 0
        for k, items in enumerate(judged):
            near, at = close[at : at + len(items)], at + len(items)
            if near[0]:
                run += 1
            elif near.any():
                break
            elif k == 0:
                return 0
        return run

    @staticmethod
    def _gain(draws: np.ndarray, best: np.ndarray) -> np.ndarray:
        """What each candidate adds to the expected best appeal of the set (qEUBO)."""
        return np.maximum(draws, best[:, None]).mean(axis=0)

    def _cold_start(self, X: np.ndarray, n: int, seen: np.ndarray) -> list[Pick]:
        # the first pick nearest the pool's centre, then spread out from it and from what was seen
        centre = int(np.argmin(np.linalg.norm(X - X.mean(axis=0), axis=1)))
        order = farthest_first(X, n, start=[centre], avoid=seen if len(seen) else None)
        self.last_scores_ = []
        return [
            Pick(
                index=i, reason=REASON_START_PREDICTED if k == 0 else REASON_START, predicted=k == 0
            )
            for k, i in enumerate(order)
        ]

    def _choose(
        self,
        model: TasteModel,
        X: np.ndarray,
        n: int,
        s: float,
        seen: np.ndarray,
        rng: np.random.Generator,
        away: bool = False,
        predicted: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> list[Pick]:
        """Pick ``n`` of ``X``; ``predicted``: the model's mean and std there, if known."""
        if predicted is None:
            predicted = model.predict(X, return_std=True)  # type: ignore[assignment]
        mean, std = predicted
        m = len(X)
        novelty = _min_dist(X, seen)
        has_seen = bool(np.isfinite(novelty).all())
        nov_z = _z(novelty) if has_seen else np.zeros(m)
        mean_z = _z(mean)
        surprise_term = nov_z - mean_z
        # joint posterior draws of the appeal of every candidate: (draws, m)
        draws = model.sample(X, self.n_draws, rng) if n > 1 else np.empty((0, m))
        # P(pick preferred to a typical candidate), with the probit correction
        typical = float(np.median(mean))

        def pct(i: int) -> int:
            p = 1.0 / (
                1.0 + math.exp(-(mean[i] - typical) / math.sqrt(1 + math.pi * std[i] ** 2 / 8))
            )
            return round(100 * p)

        first = int(np.argmax(mean))
        chosen = [first]
        why: dict[int, str] = {first: "taste"}
        best_so_far = draws[:, first].copy()  # per draw, the best appeal of the set
        dist_to_chosen = _min_dist(X, X[[first]])
        # the surprise dial sets how many of the other n-1 slots go to surprises
        expected = s * (n - 1)
        n_surprise = math.floor(expected) + int(rng.random() < expected - math.floor(expected))
        for k in range(1, n):
            slot_is_surprise = k >= n - n_surprise
            if slot_is_surprise:
                score = surprise_term + self.diversity_weight * _z(dist_to_chosen)
            else:
                score = (
                    _z(self._gain(draws, best_so_far))
                    + self.novelty_weight * nov_z
                    + self.diversity_weight * _z(dist_to_chosen)
                )
            score[chosen] = -np.inf
            i = int(np.argmax(score))
            chosen.append(i)
            why[i] = "surprise" if slot_is_surprise else "gain"
            np.maximum(best_so_far, draws[:, i], out=best_so_far)
            dist_to_chosen = np.minimum(dist_to_chosen, _min_dist(X, X[[i]]))

        q_std = np.quantile(std, self.unsure_quantile)
        q_nov = np.quantile(novelty, self.far_quantile) if has_seen else np.inf
        q_mean = np.quantile(mean, 0.75)
        med_mean = float(np.median(mean))
        picks: list[Pick] = []
        self.last_scores_ = []
        for i in chosen:
            if i == first:
                reason = (REASON_AWAY if away else REASON_TASTE).format(pct=pct(i))
            elif why[i] == "surprise" and mean[i] < med_mean:
                reason = REASON_SURPRISE
            elif why[i] == "surprise" and has_seen and novelty[i] >= q_nov:
                reason = REASON_FAR
            elif std[i] >= q_std:
                reason = REASON_UNSURE
            elif has_seen and novelty[i] >= q_nov:
                reason = REASON_FAR
            elif mean[i] >= q_mean:
                reason = REASON_TASTE.format(pct=pct(i))
            else:
                reason = REASON_GUESS.format(pct=pct(i))
            picks.append(Pick(index=i, reason=reason, score=float(mean[i]), predicted=i == first))
            self.last_scores_.append(
                {
                    "index": i,
                    "mean": float(mean[i]),
                    "std": float(std[i]),
                    "novelty": float(novelty[i]) if has_seen else None,
                }
            )
        return picks
