"""Attunement on the visual partner (task b): the hidden taste reads rendered pixels.

    python -m bench.attunement.visual            # about 5 minutes on 2 cores
    python -m bench.attunement.visual --seeds 2  # quicker
    python -m bench.attunement.visual --seeds 20 --method-seeds 3 --rounds 50 \
        --methods random,evolution,attuned       # the protocol: 20 creators x 3 seeds

A simulated creator likes one colour and a degree of mirror symmetry. Its
utility is computed from the rendered pixels with its own code (plain HSV
hue and a left-right pixel difference), not from the partner's features, so
the attuned strategy must learn the taste through the CPPN's OKLab, symmetry
and texture features. Methods, side by side on the same creators and random
streams: random fresh images, (1+λ) interactive evolution (children of the
pick, as in Picbreeder), and the attuned strategy driving the same pool the
session builds. Measured: rounds until the best image shown reaches 90% of
the best utility any method found for that creator (the true optimum over
CPPN images is unknown), and the utility reached.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from cocreate.attunement import (
    AttunedStrategy,
    IdealPointTasteModel,
    PooledTasteModel,
)
from cocreate.model import Intention
from cocreate.partners.cppn import CPPNPartner
from cocreate.partners.cppn.network import pixels
from cocreate.proposing import VARIATION_STRENGTHS, Comparison, Feedback, ProposalContext, make_pool

SIZE = 48
PARTNER = CPPNPartner()
INTENT = Intention("an emblem")


def _rng(*key: int, ms: int = 0) -> np.random.Generator:
    """The random stream named by ``key`` for method seed ``ms``.

    Method seed 0 is the stream of the runs made before there were method
    seeds, so their results reproduce.
    """
    return np.random.default_rng([*key, ms] if ms else list(key))


class PixelCreator:
    """Likes a hue (with enough saturation) and a degree of left-right symmetry.

    The taste is the creator's (``seed``); the stream of choices is the run's
    (``seed`` and the method seed ``ms``).
    """

    def __init__(self, seed: int, ms: int = 0) -> None:
        rng = np.random.default_rng([4242, seed])
        self.hue = float(rng.uniform(0, 1))
        self.symmetry = float(rng.choice([0.0, 1.0]))
        self.rng = _rng(4243, seed, ms=ms)

    def utility(self, genome: dict) -> float:
        rgb = pixels(genome, SIZE).astype(float) / 255.0
        mx, mn = rgb.max(axis=2), rgb.min(axis=2)
        sat = np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-9), 0.0)
        r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
        hue = (np.arctan2(np.sqrt(3) * (g - b), 2 * r - g - b) / (2 * np.pi)) % 1.0
        dist = np.minimum(np.abs(hue - self.hue), 1 - np.abs(hue - self.hue))
        colour = float(np.mean(sat * np.exp(-(dist**2) / (2 * 0.06**2))))
        lr = 1.0 - float(np.mean(np.abs(rgb - rgb[:, ::-1]))) * 2
        sym = 1.0 - abs(self.symmetry - max(lr, 0.0))
        return 0.7 * colour + 0.3 * sym

    def choose(self, genomes: list[dict], temperature: float = 0.05) -> tuple[int, list[float]]:
        u = np.array([self.utility(g) for g in genomes])
        p = np.exp((u - u.max()) / temperature)
        return int(self.rng.choice(len(u), p=p / p.sum())), list(u)


def run_random(creator: PixelCreator, n: int, rounds: int, seed: int, ms: int = 0) -> list[float]:
    rng = _rng(seed, 1, ms=ms)
    curve, best = [], 0.0
    for _ in range(rounds):
        shown = [PARTNER.fresh(rng, INTENT) for _ in range(n)]
        _, u = creator.choose(shown)
        best = max(best, *u)
        curve.append(best)
    return curve


def run_evolution(
    creator: PixelCreator, n: int, rounds: int, seed: int, ms: int = 0
) -> list[float]:
    rng = _rng(seed, 2, ms=ms)
    curve, best, parent = [], 0.0, None
    for _ in range(rounds):
        if parent is None:
            shown = [PARTNER.fresh(rng, INTENT) for _ in range(n)]
        else:
            shown = [parent] + [
                PARTNER.vary(parent, float(rng.choice(VARIATION_STRENGTHS)), rng)
                for _ in range(n - 1)
            ]
        k, u = creator.choose(shown)
        parent = shown[k]
        best = max(best, *u)
        curve.append(best)
    return curve


def run_attuned(
    creator: PixelCreator,
    n: int,
    rounds: int,
    seed: int,
    pool_size: int,
    surprise: float = 0.3,
    make: Callable[[], AttunedStrategy] = AttunedStrategy,
    ms: int = 0,
) -> tuple[list[float], list[float]]:
    rng = _rng(seed, 3, ms=ms)
    strategy = make()
    fb = Feedback(work_id="bench", domain="image")
    genomes: dict[str, dict] = {}
    picks: list[str] = []
    seen: list[np.ndarray] = []
    curve, best, compute = [], 0.0, []
    for r in range(rounds):
        # as the session does: the strategy names what to build on, the first most
        t0 = time.perf_counter()
        liked = list(dict.fromkeys(reversed(picks)))
        anchors = strategy.anchors(liked, list(fb.features), fb, "bench")
        spent = time.perf_counter() - t0
        genomes_of = {a: genomes[a] for a in anchors}
        pool = make_pool(PARTNER, genomes_of, pool_size, rng, surprise=surprise, intention=INTENT)
        for c in pool:
            c.features = PARTNER.describe(c.genome)
        ctx = ProposalContext(
            "bench",
            "sim",
            "image",
            INTENT,
            r + 1,
            n,
            surprise,
            fb,
            np.stack(seen) if seen else np.empty((0, 0)),
            _rng(seed, r, ms=ms),
        )
        t0 = time.perf_counter()
        chosen = strategy.select(pool, ctx)
        compute.append(spent + time.perf_counter() - t0)
        shown = [pool[p.index] for p in chosen]
        k, u = creator.choose([c.genome for c in shown])
        ids = [f"r{r}-{j}" for j in range(len(shown))]
        for i, c in zip(ids, shown, strict=True):
            genomes[i] = c.genome
            fb.features[i] = np.asarray(c.features, dtype=float)
            seen.append(fb.features[i])
        fb.comparisons += [
            Comparison(ids[k], o, 1.0, "bench", "choose") for o in ids if o != ids[k]
        ]
        picks.append(ids[k])
        best = max(best, *u)
        curve.append(best)
    return curve, compute


#: the strategy behind each attuned method
STRATEGIES: dict[str, Callable[[], AttunedStrategy]] = {
    "attuned": AttunedStrategy,  # the default for images (DOMAIN_MODELS): Bradley–Terry
    "attuned-ip": lambda: AttunedStrategy(IdealPointTasteModel()),
    "attuned-pool": lambda: AttunedStrategy(PooledTasteModel()),
    # stepping away from the favourite, with the image default model
    "attuned-away": lambda: AttunedStrategy(step_away=2, away_radius=0.3),
}
METHODS = ("random", "evolution", *STRATEGIES)


def episode(job: tuple) -> dict:
    method, n, seed, ms, rounds, pool_size = job
    creator = PixelCreator(seed, ms)
    t0 = time.perf_counter()
    compute: list[float] = []
    if method == "random":
        curve = run_random(creator, n, rounds, seed, ms)
    elif method == "evolution":
        curve = run_evolution(creator, n, rounds, seed, ms)
    else:
        curve, compute = run_attuned(
            creator, n, rounds, seed, pool_size, make=STRATEGIES[method], ms=ms
        )
    return {
        "method": method,
        "n": n,
        "seed": seed,
        "method_seed": ms,
        "curve": curve,
        "compute": compute,
        "seconds": time.perf_counter() - t0,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=6, help="simulated creators (tastes)")
    parser.add_argument(
        "--method-seeds",
        type=int,
        default=1,
        help="runs per creator, each with its own streams of choices and proposals (default: 1)",
    )
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--pool", type=int, default=96)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--methods",
        default="random,evolution,attuned-ip,attuned-pool,attuned",
        help=f"comma-separated, 'attuned' among them (of: {', '.join(METHODS)})",
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    methods = tuple(m for m in args.methods.split(",") if m)
    unknown = [m for m in methods if m not in METHODS]
    if unknown or "attuned" not in methods:
        parser.error(
            f"unknown methods: {', '.join(unknown)}" if unknown else "'attuned' must be among them"
        )
    for name in ("seeds", "method_seeds", "rounds", "pool"):
        if getattr(args, name) < 1:
            parser.error(
                f"--{name.replace('_', '-')} must be at least 1, not {getattr(args, name)}"
            )
    jobs = [
        (m, n, s, ms, args.rounds, args.pool)
        for n in (4, 9)
        for s in range(args.seeds)
        for ms in range(args.method_seeds)
        for m in methods
    ]
    t0 = time.time()
    with Pool(args.workers) as pool:
        results = pool.map(episode, jobs)
    lines = [
        "## Attunement on the visual partner (task b)",
        "",
        f"Command: `python -m bench.attunement.visual --seeds {args.seeds} "
        + (f"--method-seeds {args.method_seeds} " if args.method_seeds > 1 else "")
        + f"--rounds {args.rounds} "
        f"--pool {args.pool} --methods {','.join(methods)}` ({time.time() - t0:.0f} s on "
        f"{args.workers} workers). The hidden "
        "taste reads rendered pixels (a hue and a degree of mirror symmetry) with its own code; "
        "90% is of the best utility any method reached for that creator (in any of its runs). "
        "'attuned' is "
        "`AttunedStrategy` with its default taste model for images (the Bradley–Terry model) at "
        "surprise 0.3, 'attuned-ip' the same with the ideal-point model (the default elsewhere), "
        "'attuned-pool' with both pooled (`PooledTasteModel`), 'attuned-away' the default "
        "stepping away from the favourite (`step_away=2`). Not reached counts as budget + 1.",
        "",
        "| N | method | median rounds to 90% (IQR) | reached within budget | median best utility |",
        "|---|---|---|---|---|",
    ]
    best_of: dict[tuple[int, int], float] = {}  # (n, creator) -> the best any method reached
    for r in results:
        key = (r["n"], r["seed"])
        best_of[key] = max(best_of.get(key, 0.0), r["curve"][-1])

    def rounds_to(r: dict, n: int) -> int:
        goal = 0.9 * best_of[(n, r["seed"])]
        hit = next((k + 1 for k, v in enumerate(r["curve"]) if v >= goal), None)
        return hit if hit is not None else args.rounds + 1

    for n in (4, 9):
        for m in methods:
            runs = [r for r in results if r["n"] == n and r["method"] == m]
            to90 = [rounds_to(r, n) for r in runs]
            q1, med, q3 = np.percentile(to90, [25, 50, 75])
            reached = sum(t <= args.rounds for t in to90)
            best = float(np.median([r["curve"][-1] for r in runs]))
            lines.append(
                f"| {n} | {m} | {med:.1f} ({q1:.0f}–{q3:.0f}) | {reached}/{len(runs)} | {best:.3f} |"
            )
    lines += [
        "",
        "Paired by run (creator and method seed; rounds to 90%; fewer / equal / more for "
        "'attuned'), and the ratio of medians (the other's over attuned's):",
        "",
    ]
    for n in (4, 9):
        for other in (m for m in methods if m not in ("attuned", "random")):
            a, o = (
                {
                    (r["seed"], r["method_seed"]): rounds_to(r, n)
                    for r in results
                    if r["n"] == n and r["method"] == m
                }
                for m in ("attuned", other)
            )
            f = sum(a[k] < o[k] for k in a)
            e = sum(a[k] == o[k] for k in a)
            ratio = float(np.median(list(o.values())) / np.median(list(a.values())))
            lines.append(
                f"- N = {n}, attuned vs {other}: {f} / {e} / {len(a) - f - e}; {ratio:.2f}×"
            )
    for m in methods:
        comp = [c for r in results if r["method"] == m for c in r["compute"]]
        if comp:
            lines += [
                "",
                f"{m} compute per round (model update, anchors, choosing N from a pool of "
                f"{args.pool}): p50 {np.median(comp) * 1000:.1f} ms, p95 "
                f"{np.percentile(comp, 95) * 1000:.1f} ms.",
            ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        path = Path(__file__).resolve().parents[1] / "RESULTS.md"
        old = path.read_text() if path.exists() else "# Benchmark results\n"
        head = "## Attunement on the visual partner (task b)"
        if head in old:
            start = old.index(head)
            end = old.find("\n## ", start + len(head))
            old = old[:start] + (old[end + 1 :] if end != -1 else "")
        path.write_text(old.rstrip() + "\n\n" + text)


if __name__ == "__main__":
    main()
