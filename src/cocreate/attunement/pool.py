"""A round's pool: the candidates a strategy picks the N to show from.

Each round, the work builds a *pool* of candidate genomes with its partner's
operators (variations and crossovers of what the person liked, plus fresh
ones); the partner describes each as a feature vector, and a
:class:`~cocreate.attunement.base.Strategy` picks the N to show. Only those
are rendered.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..model import Genome, Intention, Operator

if TYPE_CHECKING:
    from ..partners.base import Partner

__all__ = ["VARIATION_STRENGTHS", "Candidate", "describe_candidate", "make_pool"]

#: How bold a pool's variations are when the person has not said: one of these at random.
VARIATION_STRENGTHS = (0.15, 0.35, 0.6, 0.85)


@dataclass
class Candidate:
    """A genome the partner could show, not yet rendered at full size."""

    genome: Genome
    operator: Operator
    parents: tuple[str, ...]
    seed: int
    strength: float | None = None
    features: np.ndarray | None = None
    note: str = ""  # what the operator did, for the reason shown
    params: dict | None = None  # generation parameters it was made with (a direct round's)


def make_pool(
    partner: Partner,
    anchors: Mapping[str, Genome],
    size: int,
    rng: np.random.Generator,
    *,
    surprise: float = 0.0,
    strength: float | None = None,
    only_children: bool = False,
    intention: Intention | None = None,
    adopted: Collection[str] = (),
) -> list[Candidate]:
    """A round's ``size`` candidates, built on ``anchors`` (artifact id to genome, best first).

    A share ``0.2 + 0.5 · surprise`` of them are fresh (all without anchors, none
    with ``only_children``); of the rest, 30% cross two anchors when the partner
    can, and the others vary one, the earlier anchors more often (weights
    1, 1/2, 1/3, ...), at ``strength`` or at one of :data:`VARIATION_STRENGTHS`.
    An ``adopted`` anchor (the person's own material, taken in by the partner)
    is also offered as it is, every fourth candidate it is picked for. Each
    candidate has its own seed, so that it can be made again from its recipe.
    """
    ids = list(anchors)
    can_cross = "cross" in partner.capabilities and len(ids) >= 2
    p_fresh = 1.0 if not ids else (0.0 if only_children else 0.2 + 0.5 * surprise)
    weights = np.array([1.0 / (1 + r) for r in range(len(ids))])
    pool: list[Candidate] = []
    for k in range(size):
        seed = int(rng.integers(2**31))
        crng = np.random.default_rng(seed)
        if rng.random() < p_fresh:
            pool.append(Candidate(partner.fresh(crng, intention), Operator.FRESH, (), seed))
            continue
        if can_cross and rng.random() < 0.3:
            i, j = rng.choice(len(ids), 2, replace=False)
            pa, pb = ids[int(i)], ids[int(j)]
            genome = partner.cross(anchors[pa], anchors[pb], crng)
            pool.append(Candidate(genome, Operator.CROSS, (pa, pb), seed))
            continue
        pa = ids[int(rng.choice(len(ids), p=weights / weights.sum()))]
        st = strength if strength is not None else float(rng.choice(VARIATION_STRENGTHS))
        if pa in adopted and k % 4 == 0:
            pool.append(Candidate(anchors[pa], Operator.ADOPT, (pa,), seed))
            continue
        genome = partner.vary(anchors[pa], st, crng)
        pool.append(Candidate(genome, Operator.VARY, (pa,), seed, strength=st))
    return pool


def describe_candidate(c: Candidate, parent_labels: dict[str, str]) -> str:
    """A truthful one-line account of how a candidate was made."""
    names = [parent_labels.get(p, p[:8]) for p in c.parents]
    if c.operator is Operator.FRESH:
        return "a fresh direction, unrelated to anything so far"
    if c.operator is Operator.VARY:
        size = "small" if (c.strength or 0) < 0.34 else "bold" if (c.strength or 0) > 0.66 else ""
        return f"a {size + ' ' if size else ''}variation of {names[0]}"
    if c.operator is Operator.CROSS:
        return f"a cross of {names[0]} and {names[1]}"
    if c.operator is Operator.INTERPOLATE:
        return f"an in-between of {names[0]} and {names[1]}"
    if c.operator is Operator.ADOPT:
        return f"built from {names[0]}" if names else "built from your material"
    return c.note or str(c.operator)
