"""From judgments to preferences: the names of :mod:`cocreate.attunement.feedback` and its curve.

What each kind of judgment teaches is :mod:`cocreate.attunement.feedback`; the
attunement curve is :mod:`cocreate.attunement.report`. This module keeps their
long-standing names importable from here.
"""

from __future__ import annotations

from .attunement.feedback import Comparison, Feedback, Rating, comparisons_of, feedback_from_states
from .attunement.report import attunement_curve, describe_attunement

__all__ = [
    "Comparison",
    "Feedback",
    "Rating",
    "attunement_curve",
    "comparisons_of",
    "describe_attunement",
    "feedback_from_states",
]
