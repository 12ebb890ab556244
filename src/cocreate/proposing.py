"""Choosing what to show: the pool of candidates and the strategy that picks N of them.

Each round, the work builds a *pool* of candidate genomes with its partner's
operators (variations and crossovers of what the person liked, plus fresh
ones), describes each as a feature vector, and hands the pool to a
:class:`Strategy`, which picks the N to show, each with a short, truthful
reason. Strategies plug in like scikit-learn estimators: hyper-parameters in
``__init__``, deterministic given the context's generator.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .model import Genome, Intention, Operator
from .params import Params

if TYPE_CHECKING:
    from .partners.base import Partner

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


@dataclass(frozen=True)
class Comparison:
    """One preference read from a judgment: ``winner`` over ``loser``."""

    winner: str
    loser: str
    weight: float
    work_id: str
    source: str  # the judgment kind or "edit"


@dataclass(frozen=True)
class Rating:
    artifact: str
    value: float  # 1..5 stars
    work_id: str


@dataclass
class Feedback:
    """Everything a creator has taught about their taste in one domain.

    Preferences come from every work of the creator in the domain (earlier
    works act as the prior for this one); ``work_id`` names the current work.
    """

    work_id: str
    features: dict[str, np.ndarray] = field(default_factory=dict)
    comparisons: list[Comparison] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    domain: str = ""  # the domain these judgments are about ("" when unknown)

    def __len__(self) -> int:
        return len(self.comparisons) + len(self.ratings)


@dataclass
class ProposalContext:
    """What a strategy knows when it picks the N to show."""

    work_id: str
    creator: str
    domain: str
    intention: Intention
    round: int
    n: int
    surprise: float  # 0 = more of what I like ... 1 = what I would never pick
    feedback: Feedback
    seen: np.ndarray  # features of everything already shown in this work, shape (k, d)
    rng: np.random.Generator


@dataclass(frozen=True)
class Pick:
    """One candidate chosen to be shown."""

    index: int  # into the pool
    reason: str
    score: float | None = None  # predicted appeal, if the strategy has a model
    predicted: bool = False  # the strategy's guess of what the person will choose
    away: bool = False  # the set leaves the favourite out on purpose (a strategy's step away)


class Strategy(Params, ABC):
    """Picks N of a pool; see the module docstring.

    scikit-learn's conventions (:class:`cocreate.params.Params`): the arguments
    of ``__init__`` are the hyper-parameters, kept as attributes of the same
    names; ``get_params`` and ``set_params`` read and change them
    (``model__width`` reaches a parameter's own), and learned state lives in
    attributes ending in ``_``.
    """

    def __repr__(self) -> str:
        try:
            sig = inspect.signature(type(self).__init__).parameters
            changed = [
                f"{k}={v!r}"
                for k, v in self.get_params(deep=False).items()
                if sig[k].default is inspect.Parameter.empty or v != sig[k].default
            ]
        except (AttributeError, KeyError, ValueError):  # not following the conventions
            return object.__repr__(self)
        return f"{type(self).__name__}({', '.join(changed)})"

    @abstractmethod
    def select(self, pool: Sequence[Candidate], context: ProposalContext) -> list[Pick]:
        """Return ``context.n`` distinct picks (fewer only if the pool is smaller)."""

    def steer(self, context: ProposalContext) -> dict[str, float]:
        """Generation parameters for a partner that makes its round directly.

        By default the surprise dial as a sampling temperature (0.7 at 0 to
        1.3 at 1); a strategy with a taste model may steer by what it learned.
        """
        return {"temperature": round(0.7 + 0.6 * float(context.surprise), 3)}

    def anchors(
        self,
        liked: Sequence[str],
        candidates: Sequence[str],
        feedback: Feedback,
        work_id: str,
        k: int = 4,
    ) -> list[str]:
        """The artifacts to build the next pool on, best first.

        ``liked`` are what the person spoke for in this work, most recent
        first; ``candidates`` are this work's judged artifacts that may be
        built on. By default: the ``k`` latest liked.
        """
        return list(liked)[:k]


def farthest_first(
    features: np.ndarray, k: int, start: Sequence[int] = (), avoid: np.ndarray | None = None
) -> list[int]:
    """Greedy max-min diversity: indices of ``k`` rows far from each other and from ``avoid``."""
    count = len(features)
    if count == 0 or k <= 0:
        return []
    chosen = list(dict.fromkeys(start))[:k]
    nearest = np.full(count, np.inf)
    anchors = [features[i] for i in chosen]
    if avoid is not None and len(avoid):
        anchors.extend(avoid)
    for a in anchors:
        nearest = np.minimum(nearest, np.linalg.norm(features - a, axis=1))
    if not chosen and not anchors:
        chosen.append(0)
        nearest = np.linalg.norm(features - features[0], axis=1)
    while len(chosen) < min(k, count):
        masked = nearest.copy()
        masked[chosen] = -1.0
        i = int(np.argmax(masked))
        chosen.append(i)
        nearest = np.minimum(nearest, np.linalg.norm(features - features[i], axis=1))
    return chosen


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


class DiverseStrategy(Strategy):
    """No taste model: mostly children of what was liked, spread far apart.

    The share of fresh candidates grows with the surprise dial. This is the
    model-free baseline (Picbreeder-like interactive evolution).
    """

    def select(self, pool: Sequence[Candidate], context: ProposalContext) -> list[Pick]:
        n = min(context.n, len(pool))
        feats = (
            np.stack([np.asarray(c.features, float) for c in pool]) if pool else np.empty((0, 0))
        )
        kids = [i for i, c in enumerate(pool) if c.operator is not Operator.FRESH]
        fresh = [i for i, c in enumerate(pool) if c.operator is Operator.FRESH]
        want_fresh = n if not kids else round(n * (0.15 + 0.7 * context.surprise))
        want_fresh = min(max(want_fresh, 0), len(fresh))
        want_kids = min(n - want_fresh, len(kids))
        want_fresh = n - want_kids
        picks: list[int] = []
        if want_kids:
            sub = farthest_first(feats[kids], want_kids)
            picks += [kids[i] for i in sub]
        if want_fresh:
            seen = context.seen if len(context.seen) else None
            sub = farthest_first(feats[fresh], want_fresh, avoid=seen)
            picks += [fresh[i] for i in sub]
        return [Pick(index=i, reason="") for i in picks]
