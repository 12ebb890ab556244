"""Simulated creators: hidden tastes over a parametric partner, and how they choose.

A task is a hidden utility ``u(x)`` in [0, 1] (max 1, reached inside the
space) over the partner's normalised parameters ``x`` in [0, 1]^d:

* ``smooth``: one wide Gaussian bump, ``exp(-r² / (2·0.3²))``;
* ``narrow``: one narrow bump, σ = 0.15;
* ``multimodal``: the true bump (height 1, σ = 0.15) and three decoys
  (heights 0.75–0.85, σ = 0.22, easier to find); only the true bump reaches
  90% of the best.

``r`` is the root-mean-square distance per parameter, each parameter
weighted by a random relevance (mean square 1), so some parameters matter
more than others. A creator chooses one of the N shown with Luce /
Bradley–Terry noise, ``P(i) ∝ exp(u_i / temperature)``, and clicks at random
with probability ``p_random``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHAPES = ("smooth", "narrow", "multimodal")


def parse_task(name: str) -> tuple[str, int]:
    """``"narrow-8d"`` as ``("narrow", 8)``; a ``ValueError`` naming the problem otherwise."""
    shape, _, d = name.strip().rpartition("-")
    if shape not in SHAPES or not d.endswith("d") or not d[:-1].isdigit():
        raise ValueError(
            f"unknown task {name!r}: not SHAPE-DIMd such as narrow-8d (shapes: {', '.join(SHAPES)})"
        )
    return shape, int(d[:-1])


@dataclass
class Task:
    shape: str
    dim: int
    seed: int
    target: np.ndarray
    relevance: np.ndarray
    sigma: float
    decoys: list[tuple[np.ndarray, float, float]]  # centre, height, sigma

    @classmethod
    def make(cls, shape: str, dim: int, seed: int) -> Task:
        rng = np.random.default_rng([7919, dim, SHAPES.index(shape), seed])
        target = rng.uniform(0.15, 0.85, dim)
        rel = rng.uniform(0.3, 1.0, dim)
        rel = rel / np.sqrt(np.mean(rel**2))
        decoys: list[tuple[np.ndarray, float, float]] = []
        sigma = {"smooth": 0.3, "narrow": 0.15, "multimodal": 0.15}[shape]
        if shape == "multimodal":
            while len(decoys) < 3:
                c = rng.uniform(0.1, 0.9, dim)
                if np.sqrt(np.mean((c - target) ** 2)) > 0.3:  # decoys are elsewhere
                    decoys.append((c, float(rng.uniform(0.75, 0.85)), 0.22))
        return cls(shape, dim, seed, target, rel, sigma, decoys)

    def _bump(self, X: np.ndarray, c: np.ndarray, sigma: float) -> np.ndarray:
        r2 = np.mean(((X - c) * self.relevance) ** 2, axis=1)
        return np.exp(-r2 / (2 * sigma**2))

    def utility(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=float))
        u = self._bump(X, self.target, self.sigma)
        for c, h, s in self.decoys:
            u = np.maximum(u, h * self._bump(X, c, s))
        return u

    @property
    def name(self) -> str:
        return f"{self.shape}-{self.dim}d"


@dataclass
class Creator:
    """Chooses with Luce noise and the odd random click, from its own random stream."""

    task: Task
    rng: np.random.Generator
    temperature: float = 0.05
    p_random: float = 0.05

    def choose(self, X: np.ndarray) -> int:
        u = self.task.utility(X)
        if self.rng.random() < self.p_random:
            return int(self.rng.integers(len(X)))
        p = np.exp((u - u.max()) / self.temperature)
        return int(self.rng.choice(len(X), p=p / p.sum()))
