"""Choosing what to show: the names of :mod:`cocreate.attunement`'s pool and strategy interface.

The taste code lives in one package, :mod:`cocreate.attunement`: the pool of
candidates (:mod:`~cocreate.attunement.pool`), the :class:`Strategy` interface
that picks the N shown (:mod:`~cocreate.attunement.base`) and what each
judgment teaches (:mod:`~cocreate.attunement.feedback`). This module keeps
their long-standing names importable from here.
"""

from __future__ import annotations

from .attunement.base import DiverseStrategy, Pick, ProposalContext, Strategy, farthest_first
from .attunement.feedback import Comparison, Feedback, Rating
from .attunement.pool import VARIATION_STRENGTHS, Candidate, describe_candidate, make_pool

__all__ = [
    "VARIATION_STRENGTHS",
    "Candidate",
    "Comparison",
    "DiverseStrategy",
    "Feedback",
    "Pick",
    "ProposalContext",
    "Rating",
    "Strategy",
    "describe_candidate",
    "farthest_first",
    "make_pool",
]
