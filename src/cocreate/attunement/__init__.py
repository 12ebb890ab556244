"""Attunement: learning a creator's taste from their judgments, and proposing with it.

* :class:`BayesianTasteModel` — a Bayesian Bradley–Terry preference model
  (Laplace posterior) fitted to a :class:`~cocreate.proposing.Feedback`;
* :class:`IdealPointTasteModel` — a Bayesian ideal-point model (one preferred
  region, its width and how decisive the person is), sampled by a population
  Markov chain; few parameters, so it learns fast;
* :class:`PooledTasteModel` — several taste models as one posterior (a
  mixture of their draws): by default the ideal-point and the Bradley–Terry
  model, so that a taste for two different things stays in view;
* :class:`AttunedStrategy` — a :class:`~cocreate.proposing.Strategy` that picks
  the N to show from a pool, balancing appeal, doubt, novelty, variety and the
  surprise dial, with a truthful reason for each pick;
* :class:`TasteProfile` — what the model learned, for people and for export, and
  :func:`held_out`, how often it foresees choices it was not fitted on.
"""

from .ideal import IdealPointTasteModel, ideal_point
from .pooled import PooledTasteModel
from .profile import (
    FeatureWeight,
    HeldOut,
    TasteProfile,
    fit_from_feedback,
    held_out,
    taste_profile,
    taste_report,
)
from .strategy import AttunedStrategy
from .taste import BayesianTasteModel, PreferenceData, TasteModel, preference_data

__all__ = [
    "AttunedStrategy",
    "BayesianTasteModel",
    "FeatureWeight",
    "HeldOut",
    "IdealPointTasteModel",
    "PooledTasteModel",
    "PreferenceData",
    "TasteModel",
    "TasteProfile",
    "fit_from_feedback",
    "held_out",
    "ideal_point",
    "preference_data",
    "taste_profile",
    "taste_report",
]
