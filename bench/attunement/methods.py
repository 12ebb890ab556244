"""The methods compared: each shows N items a round and hears which one was chosen.

* ``random`` — N fresh items each round;
* ``evolution`` — model-free interactive evolution, (1+λ) as in Picbreeder:
  the pick and N-1 variations of it;
* ``diverse`` — cocreate's model-free ``DiverseStrategy`` on the same pool as
  ``attuned``;
* ``attuned`` — cocreate's ``AttunedStrategy`` with its defaults (an
  ideal-point model with two homes, stepping away after two close picks;
  ``attuned-1h`` / ``attuned-1h-s0``: the default before 2026-12-02, one home
  and no stepping away), driven exactly as the session
  drives it: a pool of >= 200 candidates made with the partner's operators
  by the session's own builder, ``cocreate.proposing.make_pool`` (variations
  and crossovers of liked items plus fresh ones), ``.features``
  from ``partner.describe``, a ``Feedback`` built from the judgments, and
  ``strategy.select(pool, context)``; ``attuned-s0`` the same at surprise 0,
  ``attuned-bt-s0`` with the Bradley–Terry model instead (these variants
  never step away, as when they were measured), ``attuned-ts-s0``
  with the rule the strategy had before qEUBO (each taste slot the favourite
  of one posterior draw: Thompson sampling); ``attuned-2h`` / ``attuned-2h-s0``
  with a taste of two homes (``IdealPointTasteModel(homes=2)``); ``attuned-2ha`` /
  ``attuned-2ha-s0`` two homes stepping away from the favourite
  (``AttunedStrategy(step_away=2, away_radius=0.3)``, the same as the defaults);
* ``oracle-pool`` — not a contender but a bound: it *knows* the hidden
  utility and shows the N best of a pool made exactly as ``attuned``'s (its
  anchors are the best items shown so far). It tells how far the pool itself
  is from the goal, apart from what any taste model can learn from the
  choices;
* ``pairwise-gp`` — BoTorch ``PairwiseGP`` with the qEUBO acquisition
  (optional: needs torch and botorch);
* ``optuna-prefgp`` — optuna-dashboard's ``PreferentialGPSampler``, used as
  its human-in-the-loop loop does: the N active trials are shown, the pick
  beats the others, which are replaced (optional: needs optuna-dashboard).

Every method returns a recommendation: what it would hand the creator as
"the one" (the best shown item by its model, or the latest pick).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from cocreate.attunement import (
    AttunedStrategy,
    BayesianTasteModel,
    IdealPointTasteModel,
    PooledTasteModel,
)
from cocreate.model import Intention
from cocreate.partners.parametric import Float, ParametricSpace, parametric_partner
from cocreate.proposing import (
    VARIATION_STRENGTHS,
    Candidate,
    Comparison,
    DiverseStrategy,
    Feedback,
    ProposalContext,
    make_pool,
)


def bench_partner(dim: int):
    space = ParametricSpace([Float(f"p{i}", 0.0, 1.0) for i in range(dim)])
    cls = parametric_partner(f"bench{dim}", space, lambda params: b"{}", "application/json")
    return cls()


class Method:
    name = "?"
    model_based = False

    def __init__(self, dim: int, n: int, seed: int) -> None:
        self.dim, self.n, self.seed = dim, n, seed
        self.rng = np.random.default_rng([seed, 4242])
        self.partner = bench_partner(dim)
        self.compute: list[tuple[int, float]] = []  # (judgments recorded, seconds)

    def x(self, genome: dict) -> np.ndarray:
        return self.partner.describe(genome)

    def propose(self, round_no: int) -> list[dict]:
        raise NotImplementedError

    def tell(self, shown: list[dict], chosen: int) -> None:
        raise NotImplementedError

    def recommend(self) -> np.ndarray:
        raise NotImplementedError


class RandomMethod(Method):
    name = "random"

    def propose(self, round_no: int) -> list[dict]:
        return [self.partner.fresh(self.rng) for _ in range(self.n)]

    def tell(self, shown: list[dict], chosen: int) -> None:
        self.last = shown[chosen]

    def recommend(self) -> np.ndarray:
        return self.x(self.last)


class EvolutionMethod(Method):
    """(1+λ): the pick survives, λ = N-1 children of it."""

    name = "evolution"

    def propose(self, round_no: int) -> list[dict]:
        if round_no == 0:
            return [self.partner.fresh(self.rng) for _ in range(self.n)]
        kids = [
            self.partner.vary(self.parent, float(self.rng.choice(VARIATION_STRENGTHS)), self.rng)
            for _ in range(self.n - 1)
        ]
        return [self.parent, *kids]

    def tell(self, shown: list[dict], chosen: int) -> None:
        self.parent = shown[chosen]

    def recommend(self) -> np.ndarray:
        return self.x(self.parent)


class _PoolMethod(Method):
    """Builds the pool as the session does, and calls a cocreate Strategy."""

    pool_size = 256
    surprise = 0.3  # the session's default dial

    def __init__(self, dim: int, n: int, seed: int, surprise: float | None = None) -> None:
        super().__init__(dim, n, seed)
        if surprise is not None:
            self.surprise = surprise
        self.feedback = Feedback(work_id="bench")
        self.genomes: dict[str, dict] = {}
        self.picks: list[str] = []
        self.seen: list[np.ndarray] = []
        self.strategy = self.make_strategy()
        self.intention = Intention("bench")

    def make_strategy(self):
        raise NotImplementedError

    def anchors(self) -> list[str]:
        """Liked items to build on: the latest picks, most recent first."""
        return list(dict.fromkeys(reversed(self.picks)))[:4]

    def pool(self, anchors: list[str] | None = None) -> list[Candidate]:
        anchors = self.anchors() if anchors is None else anchors
        genomes = {a: self.genomes[a] for a in anchors}
        out = make_pool(self.partner, genomes, self.pool_size, self.rng, surprise=self.surprise)
        for c in out:
            c.features = np.asarray(self.partner.describe(c.genome), dtype=float)
        return out

    def propose(self, round_no: int) -> list[dict]:
        t0 = time.perf_counter()
        anchors = self.anchors()  # the strategy's work (it may fit its model here)
        spent = time.perf_counter() - t0
        pool = self.pool(anchors)
        ctx = ProposalContext(
            work_id="bench",
            creator="sim",
            domain="design",
            intention=self.intention,
            round=round_no + 1,
            n=self.n,
            surprise=self.surprise,
            feedback=self.feedback,
            seen=np.stack(self.seen) if self.seen else np.empty((0, self.dim)),
            rng=np.random.default_rng([self.seed, round_no, 99]),
        )
        t0 = time.perf_counter()
        picks = self.strategy.select(pool, ctx)
        self.compute.append((len(self.feedback), spent + time.perf_counter() - t0))
        self.round_no = round_no
        return [pool[p.index].genome for p in picks]

    def tell(self, shown: list[dict], chosen: int) -> None:
        ids = [f"r{self.round_no}-{k}" for k in range(len(shown))]
        for i, g in zip(ids, shown, strict=True):
            self.genomes[i] = g
            x = self.x(g)
            self.feedback.features[i] = x
            self.seen.append(x)
        win = ids[chosen]
        self.feedback.comparisons += [
            Comparison(win, o, 1.0, "bench", "choose") for o in ids if o != win
        ]
        self.picks.append(win)

    def recommend(self) -> np.ndarray:
        return self.feedback.features[self.picks[-1]]


class DiverseMethod(_PoolMethod):
    name = "diverse"

    def make_strategy(self):
        return DiverseStrategy()


class AttunedMethod(_PoolMethod):
    name = "attuned"
    model_based = True

    def make_strategy(self):
        return AttunedStrategy()

    def anchors(self) -> list[str]:
        # as the session asks: the strategy names the judged items to build on
        liked = list(dict.fromkeys(reversed(self.picks)))
        return self.strategy.anchors(liked, list(self.feedback.features), self.feedback, "bench")

    def recommend(self) -> np.ndarray:
        model = self.strategy.fit(self.feedback, "bench").model_
        ids = list(self.feedback.features)
        X = np.stack([self.feedback.features[i] for i in ids])
        return X[int(np.argmax(model.predict(X)))]


class AttunedGreedyMethod(AttunedMethod):
    """The attuned strategy with the surprise dial at 0."""

    name = "attuned-s0"
    surprise = 0.0


class AttunedOneHomeMethod(AttunedMethod):
    """The default before 2026-12-02: one home, never stepping away."""

    name = "attuned-1h"

    def make_strategy(self):
        return AttunedStrategy(IdealPointTasteModel(), step_away=0)


class AttunedOneHomeGreedyMethod(AttunedOneHomeMethod):
    """The same at surprise 0."""

    name = "attuned-1h-s0"
    surprise = 0.0


class AttunedBTGreedyMethod(AttunedGreedyMethod):
    """The attuned strategy at surprise 0 with the Bradley–Terry model instead."""

    name = "attuned-bt-s0"

    def make_strategy(self):
        return AttunedStrategy(BayesianTasteModel(), step_away=0)


class AttunedPooledGreedyMethod(AttunedGreedyMethod):
    """The attuned strategy at surprise 0 with both models pooled (half the draws each)."""

    name = "attuned-pool-s0"

    def make_strategy(self):
        return AttunedStrategy(PooledTasteModel(), step_away=0)


class AttunedTwoHomesMethod(AttunedMethod):
    """The attuned strategy with a taste of two homes (``IdealPointTasteModel(homes=2)``)."""

    name = "attuned-2h"

    def make_strategy(self):
        return AttunedStrategy(IdealPointTasteModel(homes=2), step_away=0)


class AttunedTwoHomesGreedyMethod(AttunedTwoHomesMethod):
    """The same at surprise 0."""

    name = "attuned-2h-s0"
    surprise = 0.0


class AttunedTwoHomesAwayGreedyMethod(AttunedTwoHomesGreedyMethod):
    """Two homes at surprise 0, stepping away after two picks close to the favourite."""

    name = "attuned-2ha-s0"

    def make_strategy(self):
        return AttunedStrategy(IdealPointTasteModel(homes=2), step_away=2, away_radius=0.3)


class AttunedTwoHomesAwayMethod(AttunedTwoHomesAwayGreedyMethod):
    """The same at the session's surprise (0.3)."""

    name = "attuned-2ha"
    surprise = AttunedMethod.surprise


class AttunedSmallPoolGreedyMethod(AttunedGreedyMethod):
    """``attuned-s0`` choosing from 48 candidates, the session's pool before partners set it."""

    name = "attuned-s0-pool48"
    pool_size = 48


class _Hits:
    """A taste model whose posterior draws read "within ``level`` of this draw's best in the pool"
    (a logistic step ``soft`` wide) instead of appeal; everything else is the model's."""

    def __init__(self, model: Any, level: float, soft: float) -> None:
        self.model, self.level, self.soft = model, level, soft

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def sample(self, X: np.ndarray, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        g = self.model.sample(X, n_samples, rng)
        top = np.maximum(g.max(axis=1, keepdims=True), 1e-9)
        z = np.clip((g / top - self.level) / self.soft, -50, 50)
        return 1.0 / (1.0 + np.exp(-z))


class HitChanceStrategy(AttunedStrategy):
    """The attuned strategy whose qEUBO maximises the chance that the set holds a hit (tried)."""

    level, soft = 0.9, 0.03

    def _choose(self, model, X, n, s, seen, rng, away=False, predicted=None):
        hits = _Hits(model, self.level, self.soft)
        return super()._choose(hits, X, n, s, seen, rng, away=away, predicted=predicted)


class HitChance80Strategy(HitChanceStrategy):
    """A bar of 80% and a softer step."""

    level, soft = 0.8, 0.05


class AttunedHit90GreedyMethod(AttunedGreedyMethod):
    """``attuned-s0`` choosing each set for the chance of an item within 90% of the best."""

    name = "attuned-s0-hit90"

    def make_strategy(self):
        return HitChanceStrategy()


class AttunedHit80GreedyMethod(AttunedGreedyMethod):
    """The same with a bar of 80% and a softer step."""

    name = "attuned-s0-hit80"

    def make_strategy(self):
        return HitChance80Strategy()


class ThompsonStrategy(AttunedStrategy):
    """The attuned strategy as it was before qEUBO: each taste slot follows one posterior draw
    (the k-th taste slot of a set the k-th draw)."""

    def _choose(self, model, X, n, s, seen, rng, away=False, predicted=None):
        self._slot = 0  # the taste slots are asked for in turn, from the first
        return super()._choose(model, X, n, s, seen, rng, away=away, predicted=predicted)

    def _gain(self, draws: np.ndarray, best: np.ndarray) -> np.ndarray:
        self._slot += 1
        return draws[(self._slot - 1) % len(draws)]


class AttunedThompsonGreedyMethod(AttunedGreedyMethod):
    """The attuned strategy at surprise 0 with Thompson draws for the taste slots (the old rule)."""

    name = "attuned-ts-s0"

    def make_strategy(self):
        return ThompsonStrategy(IdealPointTasteModel(), step_away=0)


class OraclePoolMethod(_PoolMethod):
    """Knows the hidden utility; shows the N best of the same kind of pool (a bound)."""

    name = "oracle-pool"
    surprise = 0.0
    task: Any = None  # the benchmark sets the task it runs on

    def make_strategy(self):
        return None

    def _utility(self, X: np.ndarray) -> np.ndarray:
        if self.task is None:
            raise RuntimeError("oracle-pool needs .task (the hidden utility) set by the runner")
        return self.task.utility(X)

    def anchors(self) -> list[str]:
        ids = list(self.feedback.features)
        if not ids:
            return []
        u = self._utility(np.stack([self.feedback.features[i] for i in ids]))
        best = [ids[j] for j in np.argsort(-u, kind="stable")[:3]]
        liked = list(dict.fromkeys(reversed(self.picks)))
        return list(dict.fromkeys(best + liked[:2]))[:4]

    def propose(self, round_no: int) -> list[dict]:
        pool = self.pool(self.anchors())
        u = self._utility(np.stack([c.features for c in pool]))
        self.round_no = round_no
        self.compute.append((len(self.feedback), 0.0))
        return [pool[i].genome for i in np.argsort(-u, kind="stable")[: self.n]]

    def recommend(self) -> np.ndarray:
        X = np.stack(list(self.feedback.features.values()))
        return X[int(np.argmax(self._utility(X)))]


# -- anchors from other libraries (optional) -----------------------------------------------------
def anchors_available() -> dict[str, str | None]:
    """Which optional anchors can run: name -> None, or the reason they cannot."""
    out: dict[str, str | None] = {}
    try:
        import botorch  # noqa: F401
        import torch  # noqa: F401

        out["pairwise-gp"] = None
    except ImportError as exc:
        out["pairwise-gp"] = f"not installed ({exc.name}); pip install 'cocreate[bench]'"
    try:
        import optuna_dashboard.preferential  # noqa: F401

        out["optuna-prefgp"] = None
    except ImportError as exc:
        out["optuna-prefgp"] = f"not installed ({exc.name}); pip install 'cocreate[bench]'"
    return out


class PairwiseGPMethod(Method):
    """BoTorch PairwiseGP (Laplace) + qEUBO, optimised over the box."""

    name = "pairwise-gp"
    model_based = True

    def __init__(self, dim: int, n: int, seed: int) -> None:
        super().__init__(dim, n, seed)
        import torch

        torch.set_num_threads(1)
        self.torch = torch
        self.X: list[np.ndarray] = []
        self.comps: list[tuple[int, int]] = []
        self.model = None

    def _fit(self):
        import warnings

        from botorch.fit import fit_gpytorch_mll
        from botorch.models.pairwise_gp import PairwiseGP, PairwiseLaplaceMarginalLogLikelihood

        t = self.torch
        X = t.tensor(np.stack(self.X), dtype=t.float64)
        C = t.tensor(self.comps, dtype=t.long)
        model = PairwiseGP(X, C)
        mll = PairwiseLaplaceMarginalLogLikelihood(model.likelihood, model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit_gpytorch_mll(mll)
        self.model = model
        return model

    def propose(self, round_no: int) -> list[dict]:
        t0 = time.perf_counter()
        if not self.comps:
            xs = self.rng.uniform(size=(self.n, self.dim))
        else:
            import warnings

            from botorch.acquisition.preference import qExpectedUtilityOfBestOption
            from botorch.optim import optimize_acqf

            t = self.torch
            t.manual_seed(self.seed * 1000 + round_no)
            model = self._fit()
            acq = qExpectedUtilityOfBestOption(pref_model=model)
            bounds = t.stack([t.zeros(self.dim), t.ones(self.dim)]).to(t.float64)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cand, _ = optimize_acqf(
                    acq,
                    bounds=bounds,
                    q=self.n,
                    num_restarts=4,
                    raw_samples=64,
                    options={"maxiter": 50},
                )
            xs = cand.detach().numpy()
        self.compute.append((len(self.comps), time.perf_counter() - t0))
        return [self.partner._genome({f"p{i}": float(v) for i, v in enumerate(x)}, {}) for x in xs]

    def tell(self, shown: list[dict], chosen: int) -> None:
        base = len(self.X)
        for g in shown:
            self.X.append(self.x(g))
        self.comps += [(base + chosen, base + k) for k in range(len(shown)) if k != chosen]

    def recommend(self) -> np.ndarray:
        model = self.model if self.model is not None else self._fit()
        t = self.torch
        X = np.stack(self.X)
        with t.no_grad():
            mean = model.posterior(t.tensor(X, dtype=t.float64)).mean.squeeze(-1).numpy()
        return X[int(np.argmax(mean))]


class OptunaPrefGPMethod(Method):
    """optuna-dashboard's PreferentialGPSampler in its own human-in-the-loop loop."""

    name = "optuna-prefgp"
    model_based = True

    def __init__(self, dim: int, n: int, seed: int) -> None:
        super().__init__(dim, n, seed)
        import logging

        import optuna
        from optuna_dashboard.preferential import create_study
        from optuna_dashboard.preferential.samplers.gp import PreferentialGPSampler

        optuna.logging.set_verbosity(logging.WARNING)
        self.study = create_study(
            n_generate=n, sampler=PreferentialGPSampler(seed=seed), storage=None
        )
        self.active: list[Any] = []
        self.x_of: dict[int, np.ndarray] = {}

    def propose(self, round_no: int) -> list[dict]:
        t0 = time.perf_counter()
        while len(self.active) < self.n:
            trial = self.study.ask()
            x = np.array([trial.suggest_float(f"p{i}", 0.0, 1.0) for i in range(self.dim)])
            self.x_of[trial.number] = x
            self.active.append(trial)
        n_prefs = len(self.study.preferences) if round_no else 0
        self.compute.append((n_prefs, time.perf_counter() - t0))
        return [
            self.partner._genome({f"p{i}": float(v) for i, v in enumerate(self.x_of[t.number])}, {})
            for t in self.active
        ]

    def tell(self, shown: list[dict], chosen: int) -> None:
        frozen = {t.number: t for t in self.study.trials}
        best = frozen[self.active[chosen].number]
        worse = [frozen[t.number] for k, t in enumerate(self.active) if k != chosen]
        self.study.report_preference(best, worse)
        self.active = [self.active[chosen]]
        self.last = self.x_of[best.number]

    def recommend(self) -> np.ndarray:
        return self.last


METHODS: dict[str, type[Method]] = {
    "random": RandomMethod,
    "evolution": EvolutionMethod,
    "diverse": DiverseMethod,
    "attuned": AttunedMethod,
    "attuned-s0": AttunedGreedyMethod,
    "attuned-1h": AttunedOneHomeMethod,
    "attuned-1h-s0": AttunedOneHomeGreedyMethod,
    "attuned-bt-s0": AttunedBTGreedyMethod,
    "attuned-pool-s0": AttunedPooledGreedyMethod,
    "attuned-ts-s0": AttunedThompsonGreedyMethod,
    "attuned-2h": AttunedTwoHomesMethod,
    "attuned-2h-s0": AttunedTwoHomesGreedyMethod,
    "attuned-2ha": AttunedTwoHomesAwayMethod,
    "attuned-2ha-s0": AttunedTwoHomesAwayGreedyMethod,
    "attuned-s0-pool48": AttunedSmallPoolGreedyMethod,
    "attuned-s0-hit90": AttunedHit90GreedyMethod,
    "attuned-s0-hit80": AttunedHit80GreedyMethod,
    "oracle-pool": OraclePoolMethod,
    "pairwise-gp": PairwiseGPMethod,
    "optuna-prefgp": OptunaPrefGPMethod,
}
