"""Benchmark of attunement: how fast does each method find what a simulated creator likes?

Run ``python -m bench.attunement`` (``--quick``, the default: every method on
three goal tasks, 3 creators, about four minutes on 2 cores), ``--grid`` (every
task, 5 creators, GP anchors on two tasks: about half an hour), ``--goal`` (the
goal's tasks on 20 creators × 3 seeds, ours against evolution, about an hour)
or ``--full``; see ``--help``. Results go to ``bench/RESULTS.md`` (section
``## Attunement: quick run``, ``## Attunement``, or ``## Attunement: the goal
on 20 creators``, replaced on each run) and as JSON beside this file.

For each task (hidden taste shape × dimension), N and seed pair, every method
faces the same simulated creator (same taste, same random stream of choices)
for a fixed number of rounds. Measured: the round at which the best item
shown so far first reaches 90% (95%) of the best achievable utility, the
utility of the item the method recommends at the end, compute time per round
against the number of judgments recorded, and crashes.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

# one BLAS thread per worker: the workers run in parallel (oversubscription made runs 10× slower)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

if __package__ in (None, ""):  # run as a script: python bench/attunement/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    __package__ = "bench.attunement"

from .methods import METHODS, AttunedMethod, anchors_available  # noqa: E402
from .tasks import SHAPES, Creator, Task, parse_task  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "RESULTS.md"
MODEL_FREE = ("random", "evolution", "diverse")
GP = ("pairwise-gp", "optuna-prefgp")
#: what each method is, for the setup paragraph of a run's section (only those that ran)
METHOD_NOTES = {
    "attuned": "is `AttunedStrategy()` as a session uses it (two homes, stepping away) at the "
    "session's default surprise 0.3, on a 256-candidate pool made with the partner's operators",
    "attuned-s0": "the same at surprise 0",
    "attuned-1h": "the strategy before 2026-12-02 (one home, never stepping away)",
    "attuned-1h-s0": "the same at surprise 0",
    "attuned-bt-s0": "at surprise 0 with the Bradley–Terry model",
    "attuned-pool-s0": "at surprise 0 with both models pooled (`PooledTasteModel`: half the "
    "posterior draws from each)",
    "attuned-ts-s0": "at surprise 0 with the rule for the set that the strategy had before "
    "qEUBO (each taste slot the favourite of one posterior draw)",
    "attuned-2h": "with a taste of two homes, never stepping away",
    "attuned-2h-s0": "the same at surprise 0",
    "oracle-pool": "is a bound, not a contender: it knows the hidden utility and shows the N "
    "best of the same kind of pool, so it shows what the pool allows",
}
#: the quick run's tasks: one of each goal shape, cheap enough for minutes
QUICK_TASKS = (("smooth", 8), ("narrow", 8), ("multimodal", 4))
#: run only when named with --methods: opt-in models and probes, measured in their own runs
OPT_IN = (
    "attuned-1h",
    "attuned-1h-s0",
    "attuned-2h",
    "attuned-2h-s0",
    "attuned-2ha",
    "attuned-2ha-s0",
    "attuned-s0-pool48",
    "attuned-s0-hit90",
    "attuned-s0-hit80",
)


@dataclass
class Episode:
    method: str
    task: str
    shape: str
    dim: int
    n: int
    taste_seed: int
    method_seed: int
    rounds: int
    to90: int | None = None
    to95: int | None = None
    best_shown: float = 0.0
    recommended: float = float("nan")
    curve: list[float] = field(default_factory=list)
    compute: list[tuple[int, float]] = field(default_factory=list)
    seconds: float = 0.0
    crash: str | None = None


def run_episode(job: tuple) -> Episode:
    method, shape, dim, n, taste_seed, method_seed, rounds, budget_s = job
    task = Task.make(shape, dim, taste_seed)
    ep = Episode(method, task.name, shape, dim, n, taste_seed, method_seed, rounds)
    creator = Creator(task, np.random.default_rng([taste_seed, method_seed, 1]))
    t0 = time.perf_counter()
    best = 0.0
    try:
        m = METHODS[method](dim, n, taste_seed * 100 + method_seed)
        if hasattr(m, "task"):  # the oracle bound reads the hidden utility
            m.task = task
        for r in range(rounds):
            shown = m.propose(r)
            if len(shown) != n:
                raise RuntimeError(f"showed {len(shown)} items, not {n}")
            X = np.stack([m.x(g) for g in shown])
            u = task.utility(X)
            best = max(best, float(u.max()))
            ep.curve.append(best)
            if ep.to90 is None and best >= 0.9:
                ep.to90 = r + 1
            if ep.to95 is None and best >= 0.95:
                ep.to95 = r + 1
            m.tell(shown, creator.choose(X))
            if budget_s and time.perf_counter() - t0 > budget_s and r + 1 < rounds:
                ep.rounds = r + 1  # out of time: the rest counts as not reached
                break
        ep.recommended = float(task.utility(m.recommend()[None])[0])
        ep.compute = m.compute
    except Exception as exc:  # a crash is a result, not the end of the benchmark
        ep.crash = f"{type(exc).__name__}: {exc}"[:300]
        ep.crash += " | " + traceback.format_exc().strip().splitlines()[-3][:200]
    ep.best_shown = best
    ep.seconds = time.perf_counter() - t0
    return ep


# -- the timing benchmark ---------------------------------------------------------------------
def timing(
    dims: tuple[int, ...], rounds: int, n: int, seeds: int, method: type = AttunedMethod
) -> list[dict]:
    """select() time per round (model update + choosing N of 256) vs judgments recorded."""
    out = []
    for dim in dims:
        for seed in range(seeds):
            task = Task.make("multimodal", dim, 1000 + seed)
            creator = Creator(task, np.random.default_rng(seed))
            m = method(dim, n, seed)
            for r in range(rounds):
                shown = m.propose(r)
                m.tell(shown, creator.choose(np.stack([m.x(g) for g in shown])))
            out += [{"dim": dim, "seed": seed, "judgments": j, "s": s} for j, s in m.compute]
    return out


def timing_poster(rounds: int, n: int, seeds: int) -> list[dict]:
    """The same with the poster partner's 37 real features (a hidden taste over them)."""
    from cocreate.partners.poster import PosterPartner

    out = []
    for seed in range(seeds):
        m = AttunedMethod(8, n, seed)
        m.partner = PosterPartner()
        d = len(m.partner.feature_names)
        rng = np.random.default_rng(seed)
        target = rng.uniform(0.2, 0.8, d)
        for r in range(rounds):
            shown = m.propose(r)
            X = np.stack([m.x(g) for g in shown])
            u = np.exp(-np.mean((X - target) ** 2, axis=1) / 0.05)
            p = np.exp((u - u.max()) / 0.05)
            m.tell(shown, int(rng.choice(len(X), p=p / p.sum())))
        out += [{"dim": d, "seed": seed, "judgments": j, "s": s} for j, s in m.compute]
    return out


# -- summaries --------------------------------------------------------------------------------
def _rounds(ep: dict, key: str) -> float:
    return float(ep[key]) if ep[key] is not None else float(ep["rounds_budget"] + 1)


def _fmt_round(x: float, budget: int) -> str:
    return f">{budget}" if x > budget else f"{x:g}"


def _fmt_rounds(values: list[float], budget: int) -> str:
    v = np.array(values)
    q1, q3 = np.percentile(v, [25, 75])
    return f"{_fmt_round(np.median(v), budget)} [{_fmt_round(q1, budget)}–{_fmt_round(q3, budget)}]"


def summarise(episodes: list[dict], methods: list[str]) -> list[str]:
    lines: list[str] = []
    groups: dict[tuple, dict[str, list[dict]]] = {}
    for ep in episodes:
        groups.setdefault((ep["shape"], ep["dim"], ep["n"]), {}).setdefault(
            ep["method"], []
        ).append(ep)
    lines.append(
        "| task | N | method | runs | crashes | rounds to 90% median [IQR] | reached 90% | "
        "rounds to 95% median [IQR] | recommended utility median | paired vs attuned "
        "(to 90%: attuned better / tie / worse) |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    for shape, dim, n in sorted(groups, key=lambda k: (k[1], SHAPES.index(k[0]), k[2])):
        by = groups[(shape, dim, n)]
        ref = {(e["taste_seed"], e["method_seed"]): e for e in by.get("attuned", [])}
        for method in methods:
            eps = by.get(method, [])
            if not eps:
                continue
            ok = [e for e in eps if not e["crash"]]
            budget = max(e["rounds_budget"] for e in eps)
            r90 = [_rounds(e, "to90") for e in ok]
            r95 = [_rounds(e, "to95") for e in ok]
            rec = [e["recommended"] for e in ok if np.isfinite(e["recommended"])]
            paired = ""
            if method != "attuned" and ref:
                better = tie = worse = 0
                for e in ok:
                    a = ref.get((e["taste_seed"], e["method_seed"]))
                    if a is None or a["crash"]:
                        continue
                    ra, rm = _rounds(a, "to90"), _rounds(e, "to90")
                    better += ra < rm
                    tie += ra == rm
                    worse += ra > rm
                paired = f"{better} / {tie} / {worse}"
            lines.append(
                f"| {shape}-{dim}d | {n} | {method} | {len(eps)} | {len(eps) - len(ok)} | "
                f"{_fmt_rounds(r90, budget) if ok else '–'} | "
                f"{sum(e['to90'] is not None for e in ok)}/{len(ok)} | "
                f"{_fmt_rounds(r95, budget) if ok else '–'} | "
                f"{np.median(rec):.3f} | {paired} |"
                if ok
                else f"| {shape}-{dim}d | {n} | {method} | {len(eps)} | {len(eps)} | – | – | – | – | |"
            )
    return lines


def goal_lines(
    episodes: list[dict],
    ours: tuple[str, ...] = (
        "attuned",
        "attuned-s0",
        "attuned-bt-s0",
        "attuned-pool-s0",
        "attuned-ts-s0",
        "attuned-2h",
        "attuned-2h-s0",
        "attuned-2ha",
        "attuned-2ha-s0",
    ),
) -> list[str]:
    """Rounds-to-90% ratios on the 8-/16-D and multimodal tasks, paired by seed."""
    lines = []
    by: dict[tuple, dict[str, dict]] = {}
    for e in episodes:
        if e["crash"]:
            continue
        key = (e["shape"], e["dim"], e["n"], e["taste_seed"], e["method_seed"])
        by.setdefault(key, {})[e["method"]] = e
    for mine in ours:
        for other in ("evolution", "pairwise-gp", "optuna-prefgp"):
            rows = []
            for (shape, dim, *_), ms in by.items():
                if (dim >= 8 or shape == "multimodal") and mine in ms and other in ms:
                    rows.append((_rounds(ms[other], "to90"), _rounds(ms[mine], "to90")))
            if not rows:
                continue
            o, a = np.array(rows).T
            lines.append(
                f"- {mine} vs {other} on the 8-/16-D and multimodal tasks ({len(rows)} paired "
                f"runs, not reached = budget+1): median rounds to 90% {np.median(a):g} vs "
                f"{np.median(o):g} (ratio of medians {np.median(o) / np.median(a):.2f}×), mean "
                f"{np.mean(a):.1f} vs {np.mean(o):.1f}; {mine} fewer rounds in "
                f"{int(np.sum(a < o))}, equal in {int(np.sum(a == o))}, more in "
                f"{int(np.sum(a > o))}."
            )
    return lines


def goal_table(episodes: list[dict], ours: tuple[str, ...]) -> list[str]:
    """Per goal task: medians [IQR] of rounds to 90%, and each of ours against evolution.

    Runs are paired by creator and method seed: both methods faced the same
    hidden taste and the same stream of choices.
    """
    by: dict[tuple, dict[str, dict[int, float]]] = {}
    budget = max(e["rounds_budget"] for e in episodes)
    for e in episodes:
        if not e["crash"]:
            key = (e["shape"], e["dim"], e["n"])
            run = (e["taste_seed"], e["method_seed"])  # the same creator and choice stream
            by.setdefault(key, {}).setdefault(e["method"], {})[run] = _rounds(e, "to90")
    mine = [m for m in ours if any(m in v for v in by.values())]
    head = "| task | N | runs | evolution | " + " | ".join(mine) + " | "
    head += " | ".join(f"{m} vs evolution: ratio of medians, fewer / same / more" for m in mine)
    lines = [head + " |", "|" + "---|" * (4 + 2 * len(mine))]
    for shape, dim, n in sorted(by, key=lambda k: (k[1], SHAPES.index(k[0]), k[2])):
        ms = by[(shape, dim, n)]
        evo = ms.get("evolution", {})
        if not evo or not all(m in ms for m in mine):
            continue
        seeds = sorted(set(evo).intersection(*(ms[m] for m in mine)))
        cells = [_fmt_rounds([evo[k] for k in seeds], budget)]
        cells += [_fmt_rounds([ms[m][k] for k in seeds], budget) for m in mine]
        for m in mine:
            a = np.array([ms[m][k] for k in seeds])
            o = np.array([evo[k] for k in seeds])
            cells.append(
                f"{np.median(o) / np.median(a):.2f}× ({int((a < o).sum())} / "
                f"{int((a == o).sum())} / {int((a > o).sum())})"
            )
        lines.append(f"| {shape}-{dim}d | {n} | {len(seeds)} | " + " | ".join(cells) + " |")
    return lines


def write_section(text: str) -> None:
    """Replace (or append) the section of bench/RESULTS.md that ``text``'s heading names."""
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    heading = text.strip("\n").splitlines()[0]
    start = old.find("\n" + heading + "\n")
    if start == -1 and old.startswith(heading + "\n"):
        start = 0
    if start == -1:
        new = old.rstrip("\n") + "\n\n" + text.strip("\n") + "\n"
    else:
        end = old.find("\n## ", start + 5)
        tail = old[end:] if end != -1 else ""
        new = old[:start].rstrip("\n") + "\n\n" + text.strip("\n") + "\n" + tail
    RESULTS.write_text(new)


# -- main -------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.attunement", description=__doc__)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        action="store_true",
        help="every method on smooth-8d, narrow-8d and multimodal-4d, N = 4 and 9, 3 creators; "
        "GP anchors on smooth-8d N = 4 with a 60 s cap (about four minutes on 2 cores; default)",
    )
    mode.add_argument(
        "--grid",
        action="store_true",
        help="every task (3 shapes × 4/8/16-D), N = 4 and 9, 5 creators; GP anchors on "
        "smooth-8d and multimodal-8d at N = 4 with a 90 s cap (about half an hour on 2 cores)",
    )
    mode.add_argument("--full", action="store_true", help="the whole grid (hours with GP anchors)")
    mode.add_argument(
        "--goal",
        action="store_true",
        help="the goal's tasks (8-/16-D and multimodal), 20 creators × 3 seeds, ours vs evolution",
    )
    ap.add_argument(
        "--methods",
        default="",
        help="comma-separated methods (default: all but the opt-in ones, "
        + ", ".join(OPT_IN)
        + ")",
    )
    ap.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    ap.add_argument("--gp-seeds", type=int, default=None, help="taste seeds for the GP anchors")
    ap.add_argument("--gp-budget-s", type=float, default=None, help="wall-clock cap per GP run")
    ap.add_argument(
        "--gp-tasks", default="", help="tasks for the GP anchors, e.g. smooth-16d,narrow-8d"
    )
    ap.add_argument("--gp-n", default="", help="N for the GP anchors, e.g. 4,9")
    ap.add_argument(
        "--tasks", default="", help="only these tasks, e.g. smooth-16d,narrow-8d (default: all)"
    )
    ap.add_argument(
        "--taste-seeds", type=int, default=None, help="taste seeds for the methods but the GP ones"
    )
    ap.add_argument(
        "--method-seeds",
        type=int,
        default=None,
        help="method seeds per creator (default: 3 for --goal and --full, else 1)",
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=50,
        help="rounds a run (default: 50, the protocol's; more measures cells that no method "
        "solves within 50)",
    )
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--no-write", action="store_true", help="do not touch bench/RESULTS.md")
    ap.add_argument("--tag", default="", help="name of the JSON results file")
    args = ap.parse_args(argv)
    full = bool(args.full)
    goal = bool(args.goal)
    grid = bool(args.grid)
    quick = not (full or goal or grid)
    if args.rounds < 1:
        ap.error(f"--rounds must be at least 1, not {args.rounds}")
    rounds = args.rounds
    if full:
        dims, ns, taste_seeds, method_seeds = (4, 8, 16), (4, 9), 20, 3
        gp_seeds = args.gp_seeds or 5
        gp_tasks = [(s, d) for d in (4, 8, 16) for s in SHAPES]
        gp_ns = (4, 9)
    elif quick:
        dims, ns, taste_seeds, method_seeds = (4, 8, 16), (4, 9), 3, 1
        gp_seeds = args.gp_seeds or 3
        gp_tasks = [("smooth", 8)]
        gp_ns = (4,)
    else:
        dims, ns, taste_seeds, method_seeds = (4, 8, 16), (4, 9), 5, 1
        gp_seeds = args.gp_seeds or 5
        gp_tasks = [("smooth", 8), ("multimodal", 8)]
        gp_ns = (4,)

    def task_list(option: str, value: str) -> list[tuple[str, int]]:
        out = []
        for name in value.split(","):
            try:
                out.append(parse_task(name))
            except ValueError as exc:
                ap.error(f"{option}: {exc}")
        return out

    if args.gp_tasks:
        gp_tasks = task_list("--gp-tasks", args.gp_tasks)
    only = set(task_list("--tasks", args.tasks)) if args.tasks else None
    if quick and only is None:
        only = set(QUICK_TASKS)
    if goal:  # the tasks the goal names, 20 creators, ours against evolution
        taste_seeds, method_seeds = args.taste_seeds or 20, 3
        gp_tasks = []
        if only is None:
            only = {(s, d) for s in SHAPES for d in dims if d >= 8 or s == "multimodal"}
        args.methods = args.methods or ",".join(GOAL_METHODS)
        args.no_timing = True
    if args.taste_seeds is not None:
        if args.taste_seeds < 1:
            ap.error(f"--taste-seeds must be at least 1, not {args.taste_seeds}")
        taste_seeds = args.taste_seeds
    if args.method_seeds is not None:
        if args.method_seeds < 1:
            ap.error(f"--method-seeds must be at least 1, not {args.method_seeds}")
        method_seeds = args.method_seeds
    if args.gp_n:
        gp_ns = tuple(int(x) for x in args.gp_n.split(","))
    default_budget = 900.0 if full else 60.0 if quick else 90.0
    gp_budget = args.gp_budget_s if args.gp_budget_s is not None else default_budget

    chosen = [m for m in args.methods.split(",") if m] or [m for m in METHODS if m not in OPT_IN]
    if goal:
        chosen = [m for m in chosen if m not in GP]  # the GP anchors are in the other runs
    unknown = [m for m in chosen if m not in METHODS]
    if unknown:
        ap.error(f"unknown method(s): {', '.join(unknown)} (known: {', '.join(METHODS)})")
    notes: list[str] = []
    for name, why in anchors_available().items():
        if name in chosen and why:
            print(f"[bench] skipping {name}: {why}", file=sys.stderr)
            notes.append(f"- {name} was not run: {why}.")
            chosen.remove(name)

    jobs = []
    for method in chosen:
        gp = method in GP
        for shape in SHAPES:
            for dim in dims:
                if gp and (shape, dim) not in gp_tasks:
                    continue
                if only is not None and (shape, dim) not in only:
                    continue
                for n in ns:
                    if gp and n not in gp_ns:
                        continue
                    for ts in range(gp_seeds if gp else taste_seeds):
                        for ms in range(1 if gp else method_seeds):
                            jobs.append(
                                (method, shape, dim, n, ts, ms, rounds, gp_budget if gp else 0)
                            )
    jobs.sort(key=lambda j: (j[0] not in GP, -j[2]))  # slow ones first
    print(f"[bench] {len(jobs)} episodes on {args.workers} worker(s): {', '.join(chosen)}")
    t0 = time.time()
    episodes: list[dict] = []
    with mp.get_context("fork").Pool(args.workers, maxtasksperchild=50) as pool:
        for k, ep in enumerate(pool.imap_unordered(run_episode, jobs), 1):
            d = asdict(ep)
            d["rounds_budget"] = rounds
            episodes.append(d)
            if k % 25 == 0 or ep.method in GP:
                print(
                    f"[bench] {k}/{len(jobs)} {ep.method} {ep.task} N={ep.n} to90={ep.to90} "
                    f"rec={ep.recommended:.3f} {ep.seconds:.1f}s"
                    + (f" CRASH {ep.crash}" if ep.crash else ""),
                    flush=True,
                )
    wall = time.time() - t0

    tim: list[dict] = []
    tim_poster: list[dict] = []
    if not args.no_timing:
        tim = timing((16,), rounds=70, n=9, seeds=3 if not full else 5)
        tim_poster = timing_poster(rounds=70, n=9, seeds=2 if not full else 5)

    tag = args.tag or ("full" if full else "goal" if goal else "grid" if grid else "quick")
    raw = HERE / f"results-{tag}.json"
    for e in episodes:
        e["compute"] = [[j, round(s, 5)] for j, s in e["compute"]]
    raw.write_text(json.dumps({"episodes": episodes, "timing": tim, "timing_poster": tim_poster}))

    methods_order = [m for m in METHODS if m in chosen]
    ran = [f"{sh}-{d}d" for d in dims for sh in SHAPES if any(j[1:3] == (sh, d) for j in jobs)]
    if goal:
        text = "\n".join(goal_section(episodes, argv, wall, args.workers, raw.name)) + "\n"
        print(text)
        if not args.no_write:
            write_section(text)
        return 0
    lines = [
        "## Attunement: quick run" if quick else "## Attunement",
        "",
        f"Run: `python -m bench.attunement {' '.join(argv if argv is not None else sys.argv[1:])}` "
        f"({time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
        f"{args.workers} workers, {wall / 60:.1f} min for the episodes). "
        f"Raw results: `bench/attunement/{raw.name}` (written by the run, not committed).",
        "",
        f"Setup: {rounds} rounds; tasks = hidden utilities (smooth, narrow, multimodal with "
        f"decoys) over the parametric partner's parameters: {', '.join(ran)}; "
        f"N = {', '.join(map(str, ns))}; {taste_seeds} taste seeds × {method_seeds} method "
        f"seed(s) for random/evolution/diverse/attuned; the same simulated creator (taste and "
        f"choice stream) for every method. Creators choose with Luce noise (temperature 0.05 on "
        f"utilities in [0, 1]) and click at random 5% of the time. "
        + "; ".join(f"'{m}' {METHOD_NOTES[m]}" for m in methods_order if m in METHOD_NOTES)
        + f". A run that never "
        f"reaches the level counts as {rounds + 1} rounds in medians and pairs.",
        "",
    ]
    if quick:
        lines += [QUICK_CAUTION.format(seeds=taste_seeds), ""]
    gp_run = [m for m in chosen if m in GP]
    if gp_run:
        lines.append(
            f"GP anchors ({', '.join(gp_run)}) are slow, so they ran on {gp_seeds} taste seeds, "
            f"N in {gp_ns}, tasks {', '.join(f'{s}-{d}d' for s, d in gp_tasks)} only, with a "
            f"wall-clock cap of {gp_budget:.0f} s per run (rounds after the cap count as not "
            f"reached). PairwiseGP: `optimize_acqf(qEUBO, q=N, num_restarts=4, raw_samples=64)`."
        )
        lines.append("")
    lines += notes
    lines += summarise(episodes, methods_order)
    lines.append("")
    lines += goal_lines(episodes)
    lines.append("")
    lines += compute_lines(episodes, tim, tim_poster)
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section(text)
    return 0


GOAL_METHODS = ("evolution", "attuned", "attuned-s0")
QUICK_CAUTION = (
    "With {seeds} creators a cell this run checks that every method runs and gives a rough "
    'picture, no more: a ratio over so few runs can be far off (section "the Bradley–Terry '
    'model on 20 creators" has one that was). Compare methods with `--goal` (20 creators × 3 '
    "seeds) or a paired run of as many."
)


def goal_section(
    episodes: list[dict], argv: list[str] | None, wall: float, workers: int, raw: str
) -> list[str]:
    creators = len({e["taste_seed"] for e in episodes})
    seeds = len({e["method_seed"] for e in episodes})
    cmd = " ".join(argv if argv is not None else sys.argv[1:])
    crashes = sum(bool(e["crash"]) for e in episodes)
    ours = tuple(m for m in METHODS if m not in ("evolution", "random", *GP))
    budget = max(e["rounds_budget"] for e in episodes)
    return [
        "## Attunement: the goal on 20 creators",  # the heading stays, for write_section
        "",
        f"Run: `python -m bench.attunement {cmd}` ({time.strftime('%Y-%m-%d')}, "
        f"{platform.machine()}, {os.cpu_count()} cores, {workers} workers, {wall / 60:.1f} min, "
        f"{len(episodes)} episodes, {crashes} crashes). Raw results: `bench/attunement/{raw}`. "
        f"The tasks the goal names (8-/16-D and multimodal), {creators} simulated creators a "
        f"task × {seeds} method seed{'s' if seeds > 1 else ''} (each seed also its own stream of "
        "the creator's choices), every method facing the same creator and stream; 'attuned' is "
        "the default strategy "
        "at the session's surprise 0.3, 'attuned-s0' at surprise 0. Median [IQR] rounds to 90% "
        f"(not reached in {budget} = {budget + 1}), paired by run (creator and seed):",
        "",
        *goal_table(episodes, ours),
        "",
        *goal_lines(episodes, ours),
    ]


def compute_lines(episodes: list[dict], tim: list[dict], tim_poster: list[dict]) -> list[str]:
    lines = ["Compute per round (the method's own work per round, seconds):", ""]
    lines.append("| method | judgments recorded | rounds | median | p95 | max |")
    lines.append("|---|---|---|---|---|---|")
    by: dict[tuple[str, str], list[float]] = {}
    for e in episodes:
        if e["method"] == "oracle-pool":  # knows the answer: no work to time
            continue
        for j, s in e["compute"]:
            band = "0–99" if j < 100 else "100–299" if j < 300 else "300+"
            by.setdefault((e["method"], band), []).append(s)
    for (m, band), v in sorted(by.items()):
        a = np.array(v)
        lines.append(
            f"| {m} | {band} | {len(a)} | {np.median(a):.4f} | {np.quantile(a, 0.95):.4f} | "
            f"{a.max():.4f} |"
        )
    for name, rows in (("16 parameters", tim), ("the poster's 37 features", tim_poster)):
        big = np.array([r["s"] for r in rows if r["judgments"] >= 500])
        if len(big):
            lines.append("")
            lines.append(
                "AttunedStrategy per round (model update, anchors, choosing 9 of a 256-candidate "
                f"pool) with "
                f"500–630 judgments recorded, {name}: median {1000 * np.median(big):.1f} ms, "
                f"p95 {1000 * np.quantile(big, 0.95):.1f} ms, max {1000 * big.max():.1f} ms "
                f"over {len(big)} rounds (goal: p95 < 50 ms)."
            )
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
