"""Attunement on the music partner: the hidden taste reads the notes.

    python -m bench.attunement.music            # about 4 minutes on 2 cores
    python -m bench.attunement.music --seeds 2  # quicker
    python -m bench.attunement.music --seeds 20 --method-seeds 3 --rounds 50  # the protocol

A simulated composer likes a register for the melody, a degree of stepwise
motion, a rhythmic activity and a mode (major or minor). Its utility is
computed from the notes with its own code — the soprano's mean pitch, its share
of moves of one or two semitones, its notes per beat, and the third above the
final bass note — not from the partner's features, so the attuned strategy
must learn the taste through the seventeen features the partner reads. Methods,
side by side on the same composers and random streams: random fresh phrases,
(1+λ) interactive evolution (variations of the pick), and the attuned strategy
driving the same pool the studio builds. Measured: rounds until the best phrase
shown reaches 90% of the best utility any method found for that composer, and
the utility reached — the same report as the visual benchmark's.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from multiprocessing import Pool

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from cocreate.attunement import AttunedStrategy, IdealPointTasteModel
from cocreate.model import Intention
from cocreate.partners.music import MusicPartner
from cocreate.proposing import VARIATION_STRENGTHS, Comparison, Feedback, ProposalContext, make_pool

INTENT = Intention("a chorale phrase")
_PARTNER: MusicPartner | None = None


def partner() -> MusicPartner:
    global _PARTNER
    if _PARTNER is None:
        _PARTNER = MusicPartner(bars=4)
    return _PARTNER


def _rng(*key: int, ms: int = 0) -> np.random.Generator:
    return np.random.default_rng([*key, ms] if ms else list(key))


class NoteComposer:
    """Likes a melodic register, stepwise motion, an activity and a mode (see the docstring)."""

    def __init__(self, seed: int, ms: int = 0) -> None:
        rng = np.random.default_rng([5151, seed])
        self.register = float(rng.uniform(63, 73))  # mean soprano pitch
        self.steps = float(rng.uniform(0.45, 0.9))  # share of moves that are steps
        self.activity = float(rng.uniform(0.9, 1.5))  # soprano notes per beat
        self.minor = bool(rng.random() < 0.5)
        self.rng = _rng(5152, seed, ms=ms)

    def utility(self, genome: dict) -> float:
        sop = sorted(
            genome["voices"].get("soprano") or max(genome["voices"].values(), key=len),
            key=lambda n: n[1],
        )
        pitches = np.array([n[0] for n in sop], dtype=float)
        moves = np.abs(np.diff(pitches)) if len(pitches) > 1 else np.zeros(1)
        moving = moves[moves > 0]
        steps = float(np.mean(moving <= 2)) if len(moving) else 0.0
        metre = genome["metre"].split(":")[0]
        num, den = (int(x) for x in metre.split("/"))
        beats = max(1.0, genome["bars"] * num * 4 / den)
        activity = len(sop) / beats
        bass = sorted(genome["voices"].get("bass") or sop, key=lambda n: n[1])
        root = bass[-1][0]
        last_onset = bass[-1][1]
        final = [
            n[0] for ns in genome["voices"].values() for n in ns if n[1] <= last_onset < n[1] + n[2]
        ]
        thirds = {(p - root) % 12 for p in final}
        minor = 3 in thirds and 4 not in thirds
        u = 0.35 * np.exp(-((pitches.mean() - self.register) ** 2) / (2 * 2.5**2))
        u += 0.25 * np.exp(-((steps - self.steps) ** 2) / (2 * 0.08**2))
        u += 0.25 * np.exp(-((activity - self.activity) ** 2) / (2 * 0.15**2))
        u += 0.15 * (1.0 if minor == self.minor else 0.0)
        return float(u)

    def choose(self, genomes: list[dict], temperature: float = 0.03) -> tuple[int, list[float]]:
        u = np.array([self.utility(g) for g in genomes])
        p = np.exp((u - u.max()) / temperature)
        return int(self.rng.choice(len(u), p=p / p.sum())), list(u)


def run_random(c: NoteComposer, n: int, rounds: int, seed: int, ms: int = 0) -> list[float]:
    rng = _rng(seed, 1, ms=ms)
    curve, best = [], 0.0
    for _ in range(rounds):
        shown = [partner().fresh(rng, INTENT) for _ in range(n)]
        _, u = c.choose(shown)
        best = max(best, *u)
        curve.append(best)
    return curve


def run_evolution(c: NoteComposer, n: int, rounds: int, seed: int, ms: int = 0) -> list[float]:
    rng = _rng(seed, 2, ms=ms)
    curve, best, parent = [], 0.0, None
    for _ in range(rounds):
        if parent is None:
            shown = [partner().fresh(rng, INTENT) for _ in range(n)]
        else:
            shown = [parent] + [
                partner().vary(parent, float(rng.choice(VARIATION_STRENGTHS)), rng)
                for _ in range(n - 1)
            ]
        k, u = c.choose(shown)
        parent = shown[k]
        best = max(best, *u)
        curve.append(best)
    return curve


def run_attuned(
    c: NoteComposer,
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
    fb = Feedback(work_id="bench", domain="music")
    genomes: dict[str, dict] = {}
    picks: list[str] = []
    seen: list[np.ndarray] = []
    curve, best, compute = [], 0.0, []
    p = partner()
    for r in range(rounds):
        t0 = time.perf_counter()
        liked = list(dict.fromkeys(reversed(picks)))
        anchors = strategy.anchors(liked, list(fb.features), fb, "bench")
        spent = time.perf_counter() - t0
        pool = make_pool(
            p,
            {a: genomes[a] for a in anchors},
            max(pool_size, 3 * n),
            rng,
            surprise=surprise,
            intention=INTENT,
        )
        rows = p.describe_many([x.genome for x in pool])
        for x, row in zip(pool, rows, strict=True):
            x.features = row
        ctx = ProposalContext(
            "bench",
            "sim",
            "music",
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
        shown = [pool[q.index] for q in chosen]
        k, u = c.choose([x.genome for x in shown])
        ids = [f"r{r}-{j}" for j in range(len(shown))]
        for i, x in zip(ids, shown, strict=True):
            genomes[i] = x.genome
            fb.features[i] = np.asarray(x.features, dtype=float)
            seen.append(fb.features[i])
        fb.comparisons += [
            Comparison(ids[k], o, 1.0, "bench", "choose") for o in ids if o != ids[k]
        ]
        picks.append(ids[k])
        best = max(best, *u)
        curve.append(best)
    return curve, compute


STRATEGIES: dict[str, Callable[[], AttunedStrategy]] = {
    "attuned": AttunedStrategy,
    "attuned-ip": lambda: AttunedStrategy(IdealPointTasteModel()),
}
METHODS = ("random", "evolution", *STRATEGIES)


def episode(job: tuple) -> dict:
    method, n, seed, ms, rounds, pool_size = job
    composer = NoteComposer(seed, ms)
    t0 = time.perf_counter()
    compute: list[float] = []
    if method == "random":
        curve = run_random(composer, n, rounds, seed, ms)
    elif method == "evolution":
        curve = run_evolution(composer, n, rounds, seed, ms)
    else:
        curve, compute = run_attuned(
            composer, n, rounds, seed, pool_size, make=STRATEGIES[method], ms=ms
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


def report(
    results: list[dict], methods: tuple[str, ...], args: argparse.Namespace, wall: float
) -> str:
    lines = [
        "## Attunement on the music partner",
        "",
        f"Command: `python -m bench.attunement.music --seeds {args.seeds} "
        + (f"--method-seeds {args.method_seeds} " if args.method_seeds > 1 else "")
        + f"--rounds {args.rounds} --pool {args.pool} --methods {','.join(methods)}` "
        f"({wall:.0f} s on {args.workers} workers). Phrases of 4 bars. The hidden taste reads "
        "the notes with its own code (the melody's register, its share of steps, its notes per "
        "beat, the mode of the final chord); 90% is of the best utility any method reached for "
        "that composer (in any of its runs). 'attuned' is `AttunedStrategy()` with its default "
        "taste model at surprise 0.3 on the pool the studio builds (its size the partner's, at least 3 N), 'attuned-ip' the same with "
        "the ideal-point model. Not reached counts as budget + 1.",
        "",
        "| N | method | median rounds to 90% (IQR) | reached within budget | median best utility |",
        "|---|---|---|---|---|",
    ]
    best_of: dict[tuple[int, int], float] = {}
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
        "Paired by run (composer and method seed; rounds to 90%; fewer / equal / more for "
        "'attuned'), and the ratio of medians (the other's over attuned's):",
        "",
    ]
    for n in (4, 9):
        for other in (m for m in methods if m not in ("attuned",)):
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
                f"max({args.pool}, 3 N)): p50 {np.median(comp) * 1000:.1f} ms, p95 "
                f"{np.percentile(comp, 95) * 1000:.1f} ms.",
            ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=6, help="simulated composers (tastes)")
    parser.add_argument("--method-seeds", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--pool", type=int, default=MusicPartner.pool_size, help="the round's pool (at least 3 N)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--methods", default="random,evolution,attuned")
    args = parser.parse_args(argv)
    methods = tuple(m for m in args.methods.split(",") if m)
    unknown = [m for m in methods if m not in METHODS]
    if unknown or "attuned" not in methods:
        parser.error(
            f"unknown methods: {', '.join(unknown)}" if unknown else "'attuned' must be among them"
        )
    for name in ("seeds", "method_seeds", "rounds", "pool"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    _ = partner().model  # trained (or read from the cache) once, before the workers start
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
    print(report(results, methods, args, time.time() - t0))


if __name__ == "__main__":
    main()
