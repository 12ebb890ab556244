"""A creator's taste, summarised for people: what the model learned and how sure it is.

:func:`fit_from_feedback` fits a taste model to a creator's feedback in a
domain; :meth:`TasteProfile.from_model` (or :func:`taste_profile`) turns it
into a :class:`TasteProfile` that can be shown, compared and exported
(``to_dict`` is JSON-serialisable). Resetting a taste is the session's
business (a ``taste.reset`` event makes later feedback start empty); the
model itself can be emptied with ``model.reset()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..proposing import Feedback
from .taste import BayesianTasteModel, TasteModel, preference_data

__all__ = ["FeatureWeight", "TasteProfile", "fit_from_feedback", "taste_profile"]


@dataclass(frozen=True)
class FeatureWeight:
    """How one feature moves appeal near the artifacts judged so far."""

    name: str
    weight: float  # mean d(appeal)/d(feature), in logits per unit of the feature
    std: float  # its posterior standard deviation

    @property
    def sure(self) -> bool:
        """The sign is known with about 95% posterior probability."""
        return abs(self.weight) > 1.64 * self.std

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "weight": self.weight, "std": self.std, "sure": self.sure}


@dataclass(frozen=True)
class TasteProfile:
    """A readable summary of one creator's taste in one domain.

    ``confidence`` runs from 0 (the model knows nothing: posterior spread of
    appeal over the judged artifacts equals the prior's) to 1; ``accuracy``
    is the share of the recorded preferences the model orders right (NaN
    without comparisons). ``favourites`` are the judged artifacts of highest
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
            "top_features": [f.to_dict() for f in self.top_features],
            "favourites": list(self.favourites),
            "model": self.model,
        }

    def summary(self) -> str:
        """One or two lines for people."""
        if not self.n_judgments:
            return "No judgments yet: the model knows nothing of this taste."
        likes = [f for f in self.top_features if f.sure][:3]
        parts = [f"{self.n_judgments} judgments, confidence {self.confidence:.0%}"]
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
    ) -> TasteProfile:
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
        weights: list[FeatureWeight] = []
        if isinstance(model, BayesianTasteModel):
            g, gs = model.gradient(X)
            order = np.argsort(-np.abs(g) / (gs + 1e-9))[:top]
            weights = [FeatureWeight(names[k], float(g[k]), float(gs[k])) for k in order]
        fav = [ids[k] for k in np.argsort(-mean)[:3]]
        return cls(
            confidence=1.0 - uncertainty,
            uncertainty=uncertainty,
            accuracy=model.score(preference_data(feedback)),
            top_features=tuple(weights),
            favourites=tuple(fav),
            **base,
        )


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
