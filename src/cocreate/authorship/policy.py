"""The policy that weighs contributions: declared, versioned and configurable.

An attribution report always says which policy produced it. The defaults are a
position, not a law: change them with ``Policy(...)`` or
``DEFAULT_POLICY.replace(...)`` and the report records the new weights.

Content weights say how much *new* content a step of a work's lineage adds;
the rest is inherited from its parents::

    fresh proposal           1.0 new AI content
    variation (strength s)   s new AI content, 1 - s inherited
    crossover                cross_novelty new AI content, the rest split among parents
    interpolation (t)        interpolate_novelty new, the rest (1 - t, t) from the two ends
    adoption                 adopt_novelty new AI content, the rest from the person's material
    person's material        1.0 human content
    parametric edit          parametric_edit new human content
    edit with a new file     file_edit new human content

Decision weights are per decision; a selection of one among N weighs
``selection_per_bit * log2(N)`` (the information in the choice), so picking
one of nine weighs more than picking one of two.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..errors import InputError


@dataclass(frozen=True)
class Policy:
    """Weights of the attribution model. All weights are non-negative."""

    name: str = "cocreate-default"
    version: str = "1"
    # How the two kinds of share combine into one share per contributor.
    content_weight: float = 0.5
    decision_weight: float = 0.5
    # -- content: the share of new content a lineage step adds ---------------------
    variation_default: float = 0.5  # a variation that recorded no strength
    variation_min: float = 0.05  # even the gentlest variation adds something
    cross_novelty: float = 0.2
    interpolate_novelty: float = 0.1
    adopt_novelty: float = 0.2
    parametric_edit: float = 0.25
    file_edit: float = 0.5
    # -- decisions: the weight of one decision --------------------------------------
    intention: float = 3.0  # the brief the work started from
    intention_revision: float = 1.5
    selection_per_bit: float = 1.0  # choosing 1 of N weighs log2(N) of these
    rank_per_bit: float = 1.0  # best-and-worst of N weighs log2(N * (N - 1)) of these
    comparison: float = 0.5
    rejection: float = 0.25
    rating: float = 0.25
    edit: float = 1.0  # the decision to change an artifact (its content counts apart)
    contribution: float = 1.0  # the decision to bring one's own material in
    restore: float = 0.5
    arrangement: float = 1.0  # directing a round (which to vary, cross, blend); ordering units
    ai_curation: float = 0.5  # the partner's choice of which N candidates to show
    # -- flags -------------------------------------------------------------------------
    de_minimis: float = 0.05  # AI content above this share must be disclosed

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            if f.name in ("name", "version"):
                continue
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InputError(f"policy weight {f.name} must be a number >= 0, not {value!r}")
        for name in (
            "variation_default",
            "variation_min",
            "cross_novelty",
            "interpolate_novelty",
            "adopt_novelty",
            "parametric_edit",
            "file_edit",
            "de_minimis",
        ):
            if getattr(self, name) > 1:
                raise InputError(f"policy share {name} must be between 0 and 1")
        if self.content_weight + self.decision_weight <= 0:
            raise InputError("policy content_weight and decision_weight cannot both be 0")

    def replace(self, **changes: Any) -> Policy:
        """A copy with some weights changed (unknown names are an error)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise InputError(f"unknown policy weight(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def coerce(cls, value: Policy | dict[str, Any] | None) -> Policy:
        """Accept a Policy, a mapping of weights to change, or None (the default)."""
        if value is None:
            return DEFAULT_POLICY
        if isinstance(value, Policy):
            return value
        if isinstance(value, dict):
            return DEFAULT_POLICY.replace(**value)
        raise InputError(f"a policy is a Policy or a dict of weights, not {type(value).__name__}")


DEFAULT_POLICY = Policy()
