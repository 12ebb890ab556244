"""Attunement: learning a creator's taste from their judgments, and proposing with it.

* :class:`BayesianTasteModel` — a Bayesian Bradley–Terry preference model
  (Laplace posterior) fitted to a :class:`~cocreate.proposing.Feedback`;
* :class:`AttunedStrategy` — a :class:`~cocreate.proposing.Strategy` that picks
  the N to show from a pool, balancing appeal, doubt, novelty, variety and the
  surprise dial, with a truthful reason for each pick;
* :class:`TasteProfile` — what the model learned, for people and for export.
"""

from .profile import FeatureWeight, TasteProfile, fit_from_feedback, taste_profile
from .strategy import AttunedStrategy
from .taste import BayesianTasteModel, PreferenceData, TasteModel, preference_data

__all__ = [
    "AttunedStrategy",
    "BayesianTasteModel",
    "FeatureWeight",
    "PreferenceData",
    "TasteModel",
    "TasteProfile",
    "fit_from_feedback",
    "preference_data",
    "taste_profile",
]
