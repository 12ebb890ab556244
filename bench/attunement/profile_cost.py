"""What a look at a taste costs: ``python -m bench.attunement.profile_cost``.

``Studio.taste`` fits the model that proposes in the domain and tests it on
choices it was not fitted on (five more fits). This times that profile for the
two models side by side, on the same simulated judgments (a creator choosing
one of 4 random poster-sized items, 37 features, a taste of one bump): the
ideal-point model (two homes, the default outside images) against the
Bradley–Terry model (images, and every domain's profile before 2026-12-03),
at 60, 170 and 600 rounds (180, 510 and 1,800 comparisons), and against what
a look cost before (the Bradley–Terry profile plus a separate ideal-point fit
for the favourite spots, on every look). It also reports how often each
model foresees a held-out pick. A studio keeps the profile until the next
judgment, so only the first look after a judgment pays this. Nothing here
touches storage: the fits are what costs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from cocreate.attunement import (
    BayesianTasteModel,
    IdealPointTasteModel,
    TasteProfile,
    fit_from_feedback,
    ideal_point,
)
from cocreate.proposing import Comparison, Feedback


def judgments(rounds: int, d: int = 37, n: int = 4, seed: int = 3) -> Feedback:
    """A simulated creator's choices of one of ``n`` random items a round (Luce, T = 0.05)."""
    rng = np.random.default_rng(seed)
    target = np.random.default_rng(1).uniform(0.2, 0.8, d)
    fb = Feedback(work_id="w")
    for r in range(rounds):
        X = rng.uniform(size=(n, d))
        u = np.exp(-np.mean((X - target) ** 2, axis=1) / (2 * 0.25**2))
        p = np.exp((u - u.max()) / 0.05)
        pick = int(rng.choice(n, p=p / p.sum()))
        ids = [f"{r}-{k}" for k in range(n)]
        fb.features.update(zip(ids, X, strict=True))
        fb.comparisons += [
            Comparison(ids[pick], o, 1.0, "w", "choose") for o in ids if o != ids[pick]
        ]
    return fb


def look(model, fb: Feedback, spots_apart: bool = False) -> tuple[float, TasteProfile]:
    """Seconds for one first look: fit, profile (held-out test included), favourite spots.

    ``spots_apart``: the spots from a fit of their own, as every look did before.
    """
    t0 = time.perf_counter()
    fitted = fit_from_feedback(fb, model=model)
    profile = TasteProfile.from_model(fitted, fb)
    if spots_apart:
        ideal_point(fb)
    elif isinstance(fitted, IdealPointTasteModel):
        ideal_point(fb, model=fitted)
    return time.perf_counter() - t0, profile


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", default="60,170,600", help="comma-separated rounds of 4")
    ap.add_argument("--repeat", type=int, default=3, help="looks per size (the median is shown)")
    args = ap.parse_args(argv)
    print(
        "| comparisons | ideal-point (s) | Bradley–Terry (s) | ratio"
        " | before: BT profile + spots (s) | ratio | held out: ideal-point / BT |"
    )
    print("|---|---|---|---|---|---|---|")
    for rounds in (int(r) for r in args.rounds.split(",")):
        fb = judgments(rounds)
        runs: dict[str, list] = {"ip": [], "bt": [], "before": []}
        for _ in range(args.repeat):  # side by side, alternating
            runs["ip"].append(look(IdealPointTasteModel(homes=2), fb))
            runs["bt"].append(look(BayesianTasteModel(), fb))
            runs["before"].append(look(BayesianTasteModel(), fb, spots_apart=True))
        ip, bt, before = (float(np.median([s for s, _ in runs[k]])) for k in ("ip", "bt", "before"))
        hi, hb = runs["ip"][0][1].held_out, runs["bt"][0][1].held_out
        print(
            f"| {len(fb.comparisons):,} | {ip:.2f} | {bt:.2f} | {ip / bt:.1f}× | {before:.2f} |"
            f" {ip / before:.1f}× | {hi.accuracy:.2f} / {hb.accuracy:.2f} (chance {hi.chance:.2f}) |"
        )


if __name__ == "__main__":
    main()
