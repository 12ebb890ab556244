"""A creator's taste, summarised for people: what the model learned and how well it knows it.

:func:`fit_from_feedback` fits a taste model to a creator's feedback in a
domain; :meth:`TasteProfile.from_model` (or :func:`taste_profile`) turns it
into a :class:`TasteProfile` that can be shown, compared and exported
(``to_dict`` is JSON-serialisable). Resetting a taste is the session's
business (a ``taste.reset`` event makes later feedback start empty); the
model itself can be emptied with ``model.reset()``.

How well the model knows a taste is measured on choices it was not fitted on
(:func:`held_out`): a model fitted to a few dozen judgments orders nearly all
of them right even when they were random clicks, and its posterior narrows
with the number of judgments whether or not they agree, so neither tells a
person whether their taste was learned.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model import JudgmentKind, Origin
from .feedback import Comparison, Feedback
from .taste import BayesianTasteModel, TasteModel, clone_model, preference_data

if TYPE_CHECKING:
    from ..state import WorkState

__all__ = [
    "FeatureWeight",
    "HeldOut",
    "TasteProfile",
    "attunement_curve",
    "attunement_rows",
    "describe_attunement",
    "feature_effects",
    "fit_from_feedback",
    "held_out",
    "taste_profile",
    "taste_report",
]

#: fewer choices than this are too few to test a model on
MIN_HELD_OUT = 5


@dataclass(frozen=True)
class FeatureWeight:
    """How one feature moves appeal near the artifacts judged so far."""

    name: str
    weight: float  # mean d(appeal)/d(feature), in logits per unit of the feature
    std: float  # its posterior standard deviation
    agree: float = float("nan")  # posterior probability of the sign of ``weight``

    @property
    def sure(self) -> bool:
        """The sign is known with at least 95% posterior probability."""
        agree = self.agree if np.isfinite(self.agree) else _sign_probability(self.weight, self.std)
        return bool(agree >= 0.95)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "weight": self.weight,
            "std": self.std,
            "agree": self.agree,
            "sure": self.sure,
        }


def _sign_probability(mean: Any, std: Any) -> Any:
    """P(the sign of ``mean``) under a normal posterior."""
    z = np.abs(np.asarray(mean, dtype=float)) / (np.asarray(std, dtype=float) + 1e-12)
    return 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))


@dataclass(frozen=True)
class HeldOut:
    """How often the model foresees a choice it was not fitted on (see :func:`held_out`)."""

    choices: int  # the choices it was tested on
    accuracy: float  # share whose pick it ranked first (ties share the credit); NaN: too few
    chance: float  # the share a blind guess foresees: the mean of 1 / (options of the choice)

    @property
    def tested(self) -> bool:
        return self.choices >= MIN_HELD_OUT and np.isfinite(self.accuracy)

    @property
    def above_chance(self) -> bool:
        """Tested, and foreseen more often than chance by a one-sided 95% margin."""
        if not self.tested:
            return False
        margin = 1.645 * math.sqrt(self.chance * (1.0 - self.chance) / self.choices)
        return self.accuracy > self.chance + margin

    @property
    def skill(self) -> float:
        """0 at chance (or untested), 1 when every held-out pick is foreseen."""
        if not self.tested or self.chance >= 1:
            return 0.0
        return float(np.clip((self.accuracy - self.chance) / (1.0 - self.chance), 0.0, 1.0))

    def to_dict(self) -> dict[str, Any]:
        acc = round(float(self.accuracy), 4) if np.isfinite(self.accuracy) else None
        chance = round(float(self.chance), 4) if np.isfinite(self.chance) else None
        return {
            "choices": self.choices,
            "accuracy": acc,
            "chance": chance,
            "tested": bool(self.tested),
            "above_chance": bool(self.above_chance),
        }


def _choices(feedback: Feedback, d: int) -> list[list[Comparison]]:
    """The judgments as choices: one pick over the rest of a round, or one comparison."""
    feats = feedback.features

    def usable(a: str) -> bool:
        return a in feats and np.size(feats[a]) == d and bool(np.all(np.isfinite(feats[a])))

    out: list[list[Comparison]] = []
    for c in feedback.comparisons:
        if c.weight <= 0 or c.winner == c.loser or not (usable(c.winner) and usable(c.loser)):
            continue
        prev = out[-1][-1] if out else None
        if (
            prev is not None
            and c.source == prev.source == "choose"
            and c.winner == prev.winner
            and c.work_id == prev.work_id
        ):
            out[-1].append(c)
        else:
            out.append([c])
    return out


def held_out(
    model: TasteModel,
    feedback: Feedback,
    *,
    folds: int = 5,
    max_choices: int = 300,
    current_work_id: str | None = None,
) -> HeldOut:
    """Cross-validate ``model`` (unfitted copies of it) on the choices in ``feedback``.

    The choices (a pick over the rest of its round, or one pairwise, best/worst,
    rejection or edit comparison) are dealt into ``folds`` folds in turn; each
    fold's choices are predicted by a copy fitted to everything else (ratings
    included), and a choice is foreseen when its pick has the highest
    predicted appeal among its options. Only the latest ``max_choices`` are
    tested (every judgment still trains), which bounds the cost at ``folds``
    fits; a model that chose its lengthscale by the evidence (the Bradley–Terry
    model) keeps, in every fold, the one it chose on all the judgments, so each
    fold is one fit, not one per candidate lengthscale. A studio's feedback
    holds at most the latest judgments of a person's earlier works
    (:data:`~cocreate.attunement.lifetime.PRIOR_LESSONS`), so a look at a taste
    costs the same however many works they made. Fewer than
    :data:`MIN_HELD_OUT` choices: accuracy NaN.
    """
    d = int(getattr(model, "n_features_in_", 0) or 0)
    if not d:
        lengths = [int(np.size(v)) for v in feedback.features.values()]
        d = max(set(lengths), key=lengths.count) if lengths else 0
    choices = _choices(feedback, d) if d else []
    tested = choices[-int(max_choices) :] if max_choices else choices
    chance = float(np.mean([1.0 / (1 + len(c)) for c in tested])) if tested else float("nan")
    if len(tested) < MIN_HELD_OUT:
        return HeldOut(len(tested), float("nan"), chance)
    k = max(2, min(int(folds), len(tested)))
    work = feedback.work_id if current_work_id is None else current_work_id
    hits = 0.0
    for f in range(k):
        test = tested[f::k]
        out = {id(c) for choice in test for c in choice}
        train = replace(feedback, comparisons=[c for c in feedback.comparisons if id(c) not in out])
        fitted = _fold_model(model).fit(train, work)
        for choice in test:
            ids = [choice[0].winner, *(c.loser for c in choice)]
            X = np.stack([np.asarray(feedback.features[i], dtype=float).ravel() for i in ids])
            mean = np.asarray(fitted.predict(X), dtype=float)
            top = np.flatnonzero(mean >= mean.max() - 1e-12)
            hits += 1.0 / len(top) if top[0] == 0 else 0.0
    return HeldOut(len(tested), hits / len(tested), chance)


def _fold_model(model: TasteModel) -> TasteModel:
    """An unfitted copy of ``model`` for one fold, with its chosen lengthscale fixed."""
    copy = clone_model(model)
    chosen = getattr(model, "lengthscale_", None)
    if (
        chosen is not None
        and getattr(copy, "lengthscale_choices", None)
        and hasattr(copy, "set_params")
    ):
        copy.set_params(lengthscale=float(chosen), lengthscale_choices=None)
    return copy


@dataclass(frozen=True)
class TasteProfile:
    """A readable summary of one creator's taste in one domain.

    ``held_out`` says how often the model foresees a choice it was not
    fitted on (:func:`held_out`), against chance; ``confidence`` is that as
    skill, from 0 (no better than chance, or too few choices to tell) to 1
    (every held-out pick foreseen). ``uncertainty`` is the posterior spread of
    appeal over the judged artifacts against the prior's (1: as unsure as
    before any judgment); it narrows with every judgment, consistent or not.
    ``accuracy`` is the share of the recorded preferences the fitted model
    orders right (NaN without comparisons): how well it fits, not how well it
    knows the taste. ``favourites`` are the judged artifacts of highest
    predicted appeal.
    """

    work_id: str
    n_judgments: int
    n_comparisons: int
    n_ratings: int
    n_works: int
    confidence: float
    uncertainty: float
    accuracy: float
    top_features: tuple[FeatureWeight, ...] = ()
    favourites: tuple[str, ...] = ()
    held_out: HeldOut = HeldOut(0, float("nan"), float("nan"))
    creator: str | None = None
    domain: str | None = None
    model: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable export (no artifact content, no features)."""
        acc = None if not np.isfinite(self.accuracy) else round(float(self.accuracy), 4)
        return {
            "format": "cocreate-taste/1",
            "creator": self.creator,
            "domain": self.domain,
            "work_id": self.work_id,
            "n_judgments": self.n_judgments,
            "n_comparisons": self.n_comparisons,
            "n_ratings": self.n_ratings,
            "n_works": self.n_works,
            "confidence": round(float(self.confidence), 4),
            "uncertainty": round(float(self.uncertainty), 4),
            "accuracy": acc,
            "held_out": self.held_out.to_dict(),
            "top_features": [f.to_dict() for f in self.top_features],
            "favourites": list(self.favourites),
            "model": self.model,
        }

    def summary(self) -> str:
        """One or two lines for people."""
        if not self.n_judgments:
            return "No judgments yet: the model knows nothing of this taste."
        likes = [f for f in self.top_features if f.sure][:3]
        test = self.held_out
        if test.tested:
            told = (
                f"tested on choices it was not fitted on, it foresees {test.accuracy:.0%} of your"
                f" picks (chance {test.chance:.0%})"
            )
        else:
            told = "too few choices yet to test it on ones it was not fitted on"
        parts = [f"{self.n_judgments} judgments", told]
        if test.tested and not test.above_chance:
            parts.append("no taste it can tell from chance yet")
            likes = []
        if likes:
            said = ", ".join(f"{'more' if f.weight > 0 else 'less'} {f.name}" for f in likes)
            parts.append(f"seems to like {said}")
        return "; ".join(parts) + "."

    @classmethod
    def from_model(
        cls,
        model: TasteModel,
        feedback: Feedback,
        feature_names: Sequence[str] | None = None,
        *,
        top: int = 8,
        creator: str | None = None,
        domain: str | None = None,
        validate: bool = True,
    ) -> TasteProfile:
        """Summarise a fitted ``model``; ``validate=False`` skips :func:`held_out` (its fits)."""
        ids = list(feedback.features)
        n_works = len(
            {c.work_id for c in feedback.comparisons} | {r.work_id for r in feedback.ratings}
        )
        base = dict(
            work_id=feedback.work_id,
            n_judgments=len(feedback),
            n_comparisons=len(feedback.comparisons),
            n_ratings=len(feedback.ratings),
            n_works=n_works,
            creator=creator,
            domain=domain,
            model=model.to_dict() if hasattr(model, "to_dict") else {},
        )
        d = int(getattr(model, "n_features_in_", 0) or 0)
        ids = [i for i in ids if np.size(feedback.features[i]) == d]
        if not ids or not d or not getattr(model, "is_fitted", True):
            return cls(confidence=0.0, uncertainty=1.0, accuracy=float("nan"), **base)
        X = np.stack([np.asarray(feedback.features[i], dtype=float).ravel() for i in ids])
        mean, std = model.predict(X, return_std=True)  # type: ignore[misc]
        uncertainty = float(np.clip(np.mean(std) / model.prior_std, 0.0, 1.0))
        names = list(feature_names) if feature_names else [f"feature {k}" for k in range(d)]
        if len(names) != d:
            names = [f"feature {k}" for k in range(d)]
        g, gs, agree = feature_effects(model, X)
        order = np.lexsort((-np.abs(g), -np.round(agree, 3)))[:top]  # surest, then strongest
        weights = [
            FeatureWeight(names[k], float(g[k]), float(gs[k]), float(agree[k])) for k in order
        ]
        fav = [ids[k] for k in np.argsort(-mean)[:3]]
        test = held_out(model, feedback) if validate else HeldOut(0, float("nan"), float("nan"))
        return cls(
            confidence=test.skill,
            uncertainty=uncertainty,
            held_out=test,
            accuracy=model.score(preference_data(feedback)),
            top_features=tuple(weights),
            favourites=tuple(fav),
            **base,
        )


def feature_effects(
    model: TasteModel, X: np.ndarray, *, step: float = 0.05, n_draws: int = 200, latest: int = 200
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How each feature moves appeal near the artifacts ``X``, per feature.

    Returns the posterior mean and standard deviation of the slope
    d(appeal)/d(feature), in logits per unit of the feature, averaged over the
    ``latest`` artifacts, and the posterior probability of the mean's sign. The
    Bradley–Terry model has them in closed form (a normal posterior); for any
    other model they are read from ``n_draws`` joint posterior draws, each
    draw's slope a central difference of ``step`` (the same draw at every
    point, so a draw's slope is that of one plausible taste), whose magnitude
    may vary a lot across draws while its sign does not.
    """
    if isinstance(model, BayesianTasteModel):
        g, gs = model.gradient(X)
        return g, gs, _sign_probability(g, gs)
    X = np.asarray(X, dtype=float)[-int(latest) :]
    n, d = X.shape
    moves = step * np.eye(d)[:, None, :]
    points = np.concatenate([X[None] + moves, X[None] - moves]).reshape(-1, d)
    draws = model.sample(points, int(n_draws), np.random.default_rng(0))
    ahead, back = np.asarray(draws, dtype=float).reshape(-1, 2, d, n).transpose(1, 0, 2, 3)
    slope = ((ahead - back) / (2 * step)).mean(axis=2)  # (draws, features)
    mean = slope.mean(axis=0)
    agree = np.where(mean >= 0, (slope > 0).mean(axis=0), (slope < 0).mean(axis=0))
    return mean, slope.std(axis=0), agree


def fit_from_feedback(
    feedback: Feedback, current_work_id: str | None = None, model: TasteModel | None = None
) -> TasteModel:
    """Fit ``model`` (a new :class:`BayesianTasteModel` by default) to ``feedback``.

    ``current_work_id`` names the work whose judgments count fully and get the
    per-work offset (``feedback.work_id`` by default).
    """
    model = model if model is not None else BayesianTasteModel()
    return model.fit(feedback, current_work_id)


def taste_profile(
    feedback: Feedback,
    feature_names: Sequence[str] | None = None,
    *,
    current_work_id: str | None = None,
    model: TasteModel | None = None,
    creator: str | None = None,
    domain: str | None = None,
) -> TasteProfile:
    """Fit a model to ``feedback`` and summarise it."""
    fitted = fit_from_feedback(feedback, current_work_id, model)
    return TasteProfile.from_model(fitted, feedback, feature_names, creator=creator, domain=domain)


def taste_report(
    feedback: Feedback,
    feature_names: Sequence[str] | None = None,
    model: TasteModel | None = None,
    *,
    creator: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """What a fit of ``model`` to ``feedback`` says, as plain data (JSON-serialisable).

    ``model`` (unfitted; the Bradley–Terry model by default) is fitted here
    unless there is nothing to fit; the result has the profile (``model``: its
    ``to_dict()``), its ``summary`` for people and, when the model is an
    ideal-point one, its favourite spots (``ideal_point``).
    """
    from .ideal import IdealPointTasteModel, ideal_point

    model = model if model is not None else BayesianTasteModel()
    fitted = fit_from_feedback(feedback, model=model) if len(feedback) else model
    profile = TasteProfile.from_model(
        fitted, feedback, feature_names, creator=creator, domain=domain
    )
    out: dict[str, Any] = {"model": profile.to_dict(), "summary": profile.summary()}
    if isinstance(fitted, IdealPointTasteModel):
        names = list(feature_names) if feature_names is not None else None
        out["ideal_point"] = ideal_point(feedback, names, model=fitted)
    return out


def attunement_rows(state: WorkState) -> list[dict[str, Any]]:
    """One work's rounds for the attunement curve: the predicted pick and the choice of each.

    A choice of one of a round's AI proposals counts when the round marked a
    predicted pick; the rows are in the order the choices were made.
    """
    s = state
    rows: list[dict[str, Any]] = []
    for j in s.active_judgments():
        if j.kind is not JudgmentKind.CHOOSE or j.round is None:
            continue
        shown = s.rounds.get(j.round, [])
        if len(shown) < 2 or any(s.artifacts[i]["origin"] != Origin.AI for i in shown):
            continue
        predicted = next((i for i in shown if s.artifacts[i].get("predicted")), None)
        if predicted is None:
            continue
        rows.append(
            {
                "work_id": s.work_id,
                "round": j.round,
                "at": j.at,
                "n": len(shown),
                "predicted": predicted,
                "chosen": j.artifact,
                "hit": predicted == j.artifact,
                "away": bool(s.artifacts[predicted].get("away", False)),
            }
        )
    return rows


def attunement_curve(
    states: Iterable[WorkState], rows: Iterable[dict[str, Any]] = ()
) -> dict[str, Any]:
    """Round by round: did the partner's predicted pick match the person's choice?

    Over the works ``states`` (and ``rows`` already read with
    :func:`attunement_rows`), in the order the choices were made. The running
    accuracy is compared with chance, 1/N for a round of N. A round whose set
    left the favourite out on purpose (the strategy stepped away) is counted
    like any other and marked ``away``; ``with_favourite`` gives the accuracy
    and chance over the other rounds alone, and ``away_rounds`` how many
    rounds stepped away.
    """
    rows = [dict(r) for r in rows]
    for s in states:
        rows += attunement_rows(s)
    rows.sort(key=lambda r: r["at"])
    hits = 0
    chance = 0.0
    for k, r in enumerate(rows, 1):
        hits += r["hit"]
        chance += 1 / r["n"]
        r["accuracy"] = hits / k
        r["chance"] = chance / k
    home = [r for r in rows if not r["away"]]
    return {
        "rounds": rows,
        "accuracy": rows[-1]["accuracy"] if rows else None,
        "chance": rows[-1]["chance"] if rows else None,
        "away_rounds": len(rows) - len(home),
        "with_favourite": {
            "rounds": len(home),
            "accuracy": sum(r["hit"] for r in home) / len(home) if home else None,
            "chance": sum(1 / r["n"] for r in home) / len(home) if home else None,
        },
    }


def describe_attunement(curve: dict[str, Any]) -> str | None:
    """The attunement curve in one line a person reads (``None`` before any choice)."""
    if curve.get("accuracy") is None:
        return None
    line = f"attunement: foresaw {curve['accuracy']:.0%} of picks (chance {curve['chance']:.0%})"
    home = curve.get("with_favourite") or {}
    if curve.get("away_rounds") and home.get("accuracy") is not None:
        sets = "set" if curve["away_rounds"] == 1 else "sets"
        line += (
            f"; {home['accuracy']:.0%} (chance {home['chance']:.0%}) when its favourite was shown,"
            f" {curve['away_rounds']} {sets} left it out on purpose"
        )
    return line
