"""Attunement: learning a person's taste from their judgments, and proposing with it.

Everything about taste lives here, one module a job:

* :mod:`~cocreate.attunement.feedback` — what each judgment teaches:
  :class:`Comparison`, :class:`Rating`, a :class:`Feedback` (everything a person
  taught in a domain, with the features it names);
* :mod:`~cocreate.attunement.lifetime` — a person's taste across a lifetime of
  works, kept compact beside the ledger (:class:`TasteMemory`), so a round
  reads only what changed;
* the taste models: :class:`BayesianTasteModel` (:mod:`~cocreate.attunement.taste`,
  a Bradley–Terry model with a Laplace posterior, with :class:`TasteModel` and
  :func:`preference_data`), :class:`IdealPointTasteModel`
  (:mod:`~cocreate.attunement.ideal`, one or more favourite spots, sampled by a
  population Markov chain) and :class:`PooledTasteModel`
  (:mod:`~cocreate.attunement.pooled`, several models as one posterior);
* :mod:`~cocreate.attunement.pool` — a round's pool of candidates
  (:class:`Candidate`, :func:`make_pool`);
* :mod:`~cocreate.attunement.base` — the :class:`Strategy` interface that picks
  the N shown (:class:`ProposalContext`, :class:`Pick`) and the model-free
  :class:`DiverseStrategy`; :mod:`~cocreate.attunement.strategy` — the
  :class:`AttunedStrategy`, which picks them with a taste model;
* :mod:`~cocreate.attunement.report` — what was learned, for people:
  :class:`TasteProfile`, :func:`held_out` (how often the model foresees choices
  it was not fitted on), :func:`taste_report`, and the attunement curve;
* :mod:`~cocreate.attunement.threads` — the BLAS threads model work may use.

``cocreate.proposing`` and ``cocreate.preferences`` keep their old names
importable.
"""

from .base import DiverseStrategy, Pick, ProposalContext, Strategy, farthest_first
from .feedback import Comparison, Feedback, Rating
from .ideal import IdealPointTasteModel, ideal_point
from .lifetime import TasteMemory
from .pool import Candidate, make_pool
from .pooled import PooledTasteModel
from .report import (
    FeatureWeight,
    HeldOut,
    TasteProfile,
    attunement_curve,
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
    "Candidate",
    "Comparison",
    "DiverseStrategy",
    "FeatureWeight",
    "Feedback",
    "HeldOut",
    "IdealPointTasteModel",
    "Pick",
    "PooledTasteModel",
    "PreferenceData",
    "ProposalContext",
    "Rating",
    "Strategy",
    "TasteMemory",
    "TasteModel",
    "TasteProfile",
    "attunement_curve",
    "farthest_first",
    "fit_from_feedback",
    "held_out",
    "ideal_point",
    "make_pool",
    "preference_data",
    "taste_profile",
    "taste_report",
]
