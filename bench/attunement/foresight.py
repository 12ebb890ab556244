"""How often does a method foresee the pick? ``python -m bench.attunement.foresight``.

The attunement curve a person sees is the share of rounds in which the
strategy's predicted pick (the first item it shows) is what they chose. This
runs the same simulated creators as the main benchmark and reports that share
per task and N: over all rounds after the first, over rounds 2–11 and over
the last 20. For evolution the first item shown is the parent, so its share
is how often the creator keeps the parent; chance is 1/N.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from .methods import METHODS  # noqa: E402
from .tasks import Creator, Task, parse_task  # noqa: E402

TASKS = "smooth-8d,narrow-8d,multimodal-4d,smooth-16d,multimodal-8d"


def foreseen(method: str, shape: str, dim: int, n: int, seed: int, rounds: int) -> list[bool]:
    """Per round after the first: did the creator choose the first item shown?"""
    task = Task.make(shape, dim, seed)
    creator = Creator(task, np.random.default_rng([seed, 0, 1]))  # as run_episode, method seed 0
    m = METHODS[method](dim, n, seed * 100)
    out = []
    for r in range(rounds):
        shown = m.propose(r)
        k = creator.choose(np.stack([m.x(g) for g in shown]))
        if r > 0:
            out.append(k == 0)
        m.tell(shown, k)
    return out


def _job(args: tuple) -> tuple:
    method, shape, dim, n, seed, rounds = args
    return method, f"{shape}-{dim}d", n, foreseen(method, shape, dim, n, seed, rounds)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.attunement.foresight", description=__doc__)
    ap.add_argument("--methods", default="evolution,attuned,attuned-1h")
    ap.add_argument("--tasks", default=TASKS)
    ap.add_argument("--n", default="4,9")
    ap.add_argument("--creators", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    args = ap.parse_args(argv)
    methods = [m for m in args.methods.split(",") if m]
    unknown = [m for m in methods if m not in METHODS]
    try:
        if unknown:
            raise ValueError(f"unknown methods: {', '.join(unknown)} (known: {', '.join(METHODS)})")
        tasks = [parse_task(t) for t in args.tasks.split(",") if t]
        ns = [int(x) for x in args.n.split(",") if x]
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    jobs = [
        (m, shape, dim, n, seed, args.rounds)
        for m in methods
        for shape, dim in tasks
        for n in ns
        for seed in range(args.creators)
    ]
    if args.workers > 1:
        with mp.get_context("fork").Pool(args.workers) as pool:
            results = pool.map(_job, jobs, chunksize=1)
    else:
        results = [_job(j) for j in jobs]
    cells: dict[tuple, list[list[bool]]] = {}
    for method, task, n, hits in results:
        cells.setdefault((task, n, method), []).append(hits)
        cells.setdefault(("all", 0, method), []).append(hits)
    print("| task | N | method | creators | foreseen | rounds 2–11 | last 20 rounds | chance |")
    print("|---|---|---|---|---|---|---|---|")
    for task, n, method in sorted(cells, key=lambda k: (k[0] == "all", k[0], k[1], k[2])):
        runs = cells[(task, n, method)]
        share = [np.mean(h) for h in runs]
        early = [np.mean(h[:10]) for h in runs]
        late = [np.mean(h[-20:]) for h in runs]
        chance = "–" if task == "all" else f"{1 / n:.2f}"
        print(
            f"| {task} | {n or 'all'} | {method} | {len(runs)} | {np.mean(share):.2f} | "
            f"{np.mean(early):.2f} | {np.mean(late):.2f} | {chance} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
