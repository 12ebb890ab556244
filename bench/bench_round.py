"""Benchmark of a whole round through the public API: ``work.propose(9)`` after a choice.

Run from the repository root, on an idle machine::

    python bench/bench_round.py [--rounds 100] [--quick] [--seed 0] [--domain image design]

For each domain it makes a ``cocreate.Studio("memory://", seed=...)`` work and plays
``rounds`` rounds: ``propose(9)``, then ``choose`` one of the nine (at random, seeded).
A round's time includes everything the person waits for: the pool built with the
partner's operators, every candidate described as features, the strategy (taste model
included) picking nine, the nine rendered and the round recorded. Beside it, two parts:

* *describe the pool*: the time spent in the partner's ``describe_many`` (or, in a
  version without it, ``describe``) during ``propose``, timed by wrapping the partner's
  class for the run;
* the round's CPU time (``time.process_time``, all threads): on a shared machine it moves
  less with others' load than the wall-clock time does;
* *render only*: ``partner.render`` of the nine shown genomes, on a partner of its own
  after the round (what rendering the round costs, were nothing else done).

The first round is a warm-up (imports, caches) and is not counted. Figures are in
milliseconds with the share of the round.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

import cocreate
from cocreate.partners import create, for_domain

INTENTIONS = {
    "image": "a calm, symmetric emblem in warm colours",
    "design": "Spring concert in the park",
}


@contextmanager
def timed(cls: type, names: tuple[str, ...], spent: list[float]) -> Iterator[None]:
    """Add the time spent in ``cls``'s methods ``names`` to ``spent[0]`` while inside.

    The outermost call only: the default ``describe_many`` calls ``describe``.
    """
    saved = {n: cls.__dict__.get(n) for n in names}
    depth = [0]

    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            depth[0] += 1
            start = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    spent[0] += time.perf_counter() - start

        return call

    for n in names:
        if hasattr(cls, n):
            setattr(cls, n, wrap(getattr(cls, n)))
    try:
        yield
    finally:
        for n, f in saved.items():
            if f is None:
                if n in cls.__dict__:
                    delattr(cls, n)
            else:
                setattr(cls, n, f)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def bench(domain: str, rounds: int, seed: int) -> dict[str, list[float]]:
    studio = cocreate.Studio("memory://", seed=seed)
    work = studio.create_work(domain=domain, creator="bench", intention=INTENTIONS[domain])
    cls = for_domain(domain)[0]
    alone = create(work.partner_name)
    rng = np.random.default_rng(seed)
    out: dict[str, list[float]] = {"propose": [], "cpu": [], "describe": [], "render": []}
    spent = [0.0]
    with timed(cls, ("describe", "describe_many"), spent):
        for r in range(rounds + 1):
            spent[0] = 0.0
            start, cpu = time.perf_counter(), time.process_time()
            shown = work.propose(9)
            took, cpu = time.perf_counter() - start, time.process_time() - cpu
            described = spent[0]
            work.choose(shown[int(rng.integers(len(shown)))])
            start = time.perf_counter()
            for a in shown:
                alone.render(a.recipe.genome)
            rendered = time.perf_counter() - start
            if r == 0:
                continue  # warm-up
            out["propose"].append(took * 1e3)
            out["cpu"].append(cpu * 1e3)
            out["describe"].append(described * 1e3)
            out["render"].append(rendered * 1e3)
    pool = studio.pool_size or cls.pool_size
    print(f"\n== {domain}: partner {work.partner_name}, pool {pool}, {rounds} rounds of 9")
    p50, p95 = statistics.median(out["propose"]), percentile(out["propose"], 95)
    print(f"{'':24s} {'median':>9s} {'p95':>9s}   share of the round (medians)")
    print(f"{'propose(9), the round':24s} {p50:7.1f}ms {p95:7.1f}ms   100%")
    c50, c95 = statistics.median(out["cpu"]), percentile(out["cpu"], 95)
    print(f"{'  its CPU time (threads)':24s} {c50:7.1f}ms {c95:7.1f}ms")
    for key, label in (("describe", "describe the pool"), ("render", "render only (the 9)")):
        m, q = statistics.median(out[key]), percentile(out[key], 95)
        print(f"{label:24s} {m:7.1f}ms {q:7.1f}ms   {m / p50:4.0%}")
    rest = [
        p - d - r for p, d, r in zip(out["propose"], out["describe"], out["render"], strict=True)
    ]
    print(
        f"{'the rest (pool, pick,':24s} {statistics.median(rest):7.1f}ms "
        f"{percentile(rest, 95):7.1f}ms   {statistics.median(rest) / p50:4.0%}"
    )
    print(f"{' record; render counted)':24s}")
    last = out["propose"][-max(1, rounds // 10) :]
    print(f"last {len(last)} rounds: median {statistics.median(last):.1f} ms")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="20 rounds per domain")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--domain", nargs="+", default=["image", "design"], choices=INTENTIONS)
    args = parser.parse_args()
    rounds = 20 if args.quick else args.rounds
    load = os.getloadavg()
    print(
        f"cocreate {cocreate.__version__}, python {platform.python_version()}, "
        f"numpy {np.__version__}, {os.cpu_count()} CPUs, {platform.machine()}, {sys.platform}; "
        f"load average {load[0]:.2f} at the start"
    )
    for domain in args.domain:
        bench(domain, rounds, args.seed)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
