"""The strategy interface: what a round knows, what it picks, and the model-free strategy.

A :class:`Strategy` picks N of a round's pool
(:mod:`cocreate.attunement.pool`), each with a short, truthful reason.
Strategies plug in like scikit-learn estimators: hyper-parameters in
``__init__``, deterministic given the context's generator, learned state in
attributes ending in ``_``. :class:`DiverseStrategy` is the model-free one;
the attuned strategy is :class:`cocreate.attunement.AttunedStrategy`.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model import Intention, Operator
from ..params import Params
from .feedback import Feedback
from .pool import Candidate

__all__ = ["DiverseStrategy", "Pick", "ProposalContext", "Strategy", "farthest_first"]


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
