"""Paired tables across benchmark runs: ``python -m bench.attunement.compare FILE...``.

An episode is a function of its creator (taste seed), method seed and method:
the creator's choices come from their own random stream, so two runs of the
same method on the same creator give the same rounds, whenever they ran. That
is what lets a slow method's run (the GP anchors, on fewer creators) pair with
the goal run's episodes as if side by side. Methods with a wall-clock cap
(the GP anchors) are the exception: where they hit the cap, their rounds move
with the machine's load, which the table says.

Prints Markdown: per task and N, each method's rounds to 90% (median [IQR]),
runs that reached it, the best utility shown by the run's last round and the utility of
what it recommends (medians); then each method against each reference, on the
runs both have: ratio of medians and fewer / same / more rounds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from .run import HERE, SHAPES, _fmt_round, _fmt_rounds, _rounds
from .tasks import parse_task

Key = tuple[str, int, int, int]  # task, N, taste seed, method seed


def load(paths: list[Path]) -> dict[str, dict[Key, dict]]:
    """Episodes by method and run; a run found again in a later file replaces the earlier."""
    out: dict[str, dict[Key, dict]] = {}
    for path in paths:
        for e in json.loads(path.read_text())["episodes"]:
            if not e["crash"]:
                key = (e["task"], e["n"], e["taste_seed"], e["method_seed"])
                out.setdefault(e["method"], {})[key] = e
    return out


def _order(cell: tuple[str, int]) -> tuple:
    shape, dim = parse_task(cell[0])
    return (dim, SHAPES.index(shape), cell[1])


def tables(runs: dict[str, dict[Key, dict]], methods: list[str], refs: list[str]) -> list[str]:
    """The two Markdown tables (see the module docstring)."""
    cells = sorted({k[:2] for m in methods + refs for k in runs.get(m, {})}, key=_order)
    lines = [
        "| task | N | method | runs | rounds to 90% median [IQR] | reached 90% | "
        "best shown by the last round | recommended |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for task, n in cells:
        for m in dict.fromkeys(refs + methods):
            eps = [e for k, e in runs.get(m, {}).items() if k[:2] == (task, n)]
            if not eps:
                continue
            budget = max(e["rounds_budget"] for e in eps)
            capped = sum(e["rounds"] < budget for e in eps)
            note = f" ({capped} stopped by the time cap)" if capped else ""
            lines.append(
                f"| {task} | {n} | {m} | {len(eps)}{note} | "
                f"{_fmt_rounds([_rounds(e, 'to90') for e in eps], budget)} | "
                f"{sum(e['to90'] is not None for e in eps)}/{len(eps)} | "
                f"{np.median([e['best_shown'] for e in eps]):.3f} | "
                f"{np.nanmedian([e['recommended'] for e in eps]):.3f} |"
            )
    lines += [
        "",
        "| task | N | method | against | paired runs | median vs median | ratio of medians | "
        "fewer / same / more rounds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for task, n in cells:
        for m in methods:
            for ref in refs:
                if ref == m:
                    continue
                mine, theirs = runs.get(m, {}), runs.get(ref, {})
                keys = [k for k in mine if k[:2] == (task, n) and k in theirs]
                if not keys:
                    continue
                a = np.array([_rounds(mine[k], "to90") for k in keys])
                o = np.array([_rounds(theirs[k], "to90") for k in keys])
                budget = max(mine[k]["rounds_budget"] for k in keys)
                lines.append(
                    f"| {task} | {n} | {m} | {ref} | {len(keys)} | "
                    f"{_fmt_round(np.median(a), budget)} vs {_fmt_round(np.median(o), budget)} | "
                    f"{np.median(o) / np.median(a):.2f}× | "
                    f"{int((a < o).sum())} / {int((a == o).sum())} / {int((a > o).sum())} |"
                )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.attunement.compare", description=__doc__)
    ap.add_argument(
        "files", nargs="+", help="results JSON files (a bare name is looked up in bench/attunement)"
    )
    ap.add_argument("--methods", required=True, help="comma-separated methods to compare")
    ap.add_argument("--vs", default="evolution", help="comma-separated references")
    ap.add_argument("--tasks", default="", help="only these tasks, e.g. narrow-8d,smooth-16d")
    args = ap.parse_args(argv)
    paths = []
    for name in args.files:
        path = Path(name) if Path(name).exists() else HERE / name
        if not path.exists():
            ap.error(f"no results file {name!r} (nor {HERE / name})")
        paths.append(path)
    runs = load(paths)
    methods, refs = args.methods.split(","), args.vs.split(",")
    missing = [m for m in methods + refs if m not in runs]
    if missing:
        ap.error(f"no episodes of {', '.join(missing)} in those files (found: {', '.join(runs)})")
    if args.tasks:
        only = set(args.tasks.split(","))
        runs = {m: {k: e for k, e in r.items() if k[0] in only} for m, r in runs.items()}
    print("\n".join(tables(runs, methods, refs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
