"""How few rounds could any method need? ``python -m bench.attunement.bound``.

Choosing one of N tells at most ``log2 N`` bits. To show an item of 90% of the
best utility, a method has to find a region that holds a share ``p`` of the
space, which takes about ``log2(1/p)`` bits when it is found by learning
rather than luck. So ``log2(1/p) / log2 N`` rounds is a rough floor for a
chooser that never errs; a real one (Luce noise, random clicks) tells less,
and a lucky set can still hit the region earlier. ``p`` is computed per
creator (the volume of the true bump's 90% ellipsoid, times the share of it
inside the parameter space); the table gives its median over creators.

It puts the goal's cells in proportion: where model-free evolution already
needs few rounds, "2× fewer" can ask for fewer rounds than the floor.
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from .tasks import Task, parse_task

GOAL_TASKS = (
    "multimodal-4d",
    "smooth-8d",
    "narrow-8d",
    "multimodal-8d",
    "smooth-16d",
    "narrow-16d",
    "multimodal-16d",
)


def share_above(task: Task, level: float, samples: int, rng: np.random.Generator) -> float:
    """Share of the unit cube where the task's utility reaches ``level`` (``level`` > 0.85).

    Above the decoys' heights only the true bump counts, whose region is an
    ellipsoid; its volume is exact, and the part of it inside the cube is
    estimated from ``samples`` points drawn uniformly in the ellipsoid.
    """
    top = max((h for _, h, _ in task.decoys), default=0.0)
    if not top < level < 1.0:
        raise ValueError(f"level must be between the decoys' height {top:.2f} and 1, not {level!r}")
    d = task.dim
    radius = math.sqrt(-2.0 * d * task.sigma**2 * math.log(level))  # in relevance-scaled units
    axes = radius / task.relevance
    log_volume = (
        0.5 * d * math.log(math.pi) - math.lgamma(0.5 * d + 1) + float(np.sum(np.log(axes)))
    )
    u = rng.normal(size=(samples, d))
    u *= (rng.random(samples) ** (1.0 / d) / np.linalg.norm(u, axis=1))[:, None]
    inside = np.all(np.abs(task.target + u * axes - 0.5) <= 0.5, axis=1)
    return float(min(1.0, math.exp(log_volume) * np.mean(inside)))


def floor_rounds(share: float, n: int) -> float:
    """Rounds of ``log2 n`` bits each to find a region of the given share."""
    if not 0.0 < share <= 1.0:
        raise ValueError(f"share must be in (0, 1], not {share!r}")
    if n < 2:
        raise ValueError(f"a choice needs at least 2 items, not {n!r}")
    return math.log2(1.0 / share) / math.log2(n)


def rows(
    tasks: list[str], ns: list[int], creators: int, samples: int, level: float = 0.9
) -> list[dict]:
    out = []
    rng = np.random.default_rng(2024)
    for name in tasks:
        shape, dim = parse_task(name)
        shares = [
            share_above(Task.make(shape, dim, seed), level, samples, rng)
            for seed in range(creators)
        ]
        share = float(np.median(shares))
        out.append(
            {
                "task": name,
                "share": share,
                "bits": math.log2(1.0 / share),
                "rounds": {n: floor_rounds(share, n) for n in ns},
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.attunement.bound", description=__doc__)
    ap.add_argument("--tasks", default=",".join(GOAL_TASKS))
    ap.add_argument("--n", default="4,9", help="set sizes, e.g. 4,9")
    ap.add_argument("--creators", type=int, default=20)
    ap.add_argument("--samples", type=int, default=100_000, help="points per creator")
    args = ap.parse_args(argv)
    try:
        ns = [int(x) for x in args.n.split(",") if x]
        table = rows([t for t in args.tasks.split(",") if t], ns, args.creators, args.samples)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    head = " | ".join(f"floor, N = {n}" for n in ns)
    print(f"| task | share of the space at 90% (median) | bits | {head} |")
    print("|---|---|---|" + "---|" * len(ns))
    for r in table:
        cells = " | ".join(f"{r['rounds'][n]:.1f}" for n in ns)
        print(f"| {r['task']} | {r['share']:.2g} | {r['bits']:.1f} | {cells} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
