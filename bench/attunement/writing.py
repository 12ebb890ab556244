"""Text attunement: simulated writers with hidden tastes judge the writing partner's options.

    python -m bench.attunement.writing [--writers 8] [--rounds 12] [--options 4] [--backend light]

Each simulated writer has a hidden taste: a random direction over five measures
this benchmark reads from a passage with its own code (not the partner's
features): *brevity* (short sentences), *dialogue* (sentences with speech),
*gloom* (dark words against bright ones, from its own lists), *plainness*
(short words) and *wonder* (questions and exclamations). A writer starts a
text work, types an opening, and for ``--rounds`` rounds asks for
``--options`` continuations (``work.propose``), picks one with Luce noise
(``P(i) ∝ exp(u_i / 0.05)``) and accepts it into the draft (``work.choose``).

Reported per round number, over all writers, with the chance level beside it:

* *hit*: how often the option the studio marked as its guess (``predicted``:
  its taste model's pick) is the one the writer took;
* *utility*: the hidden utility, scaled to the round's options (0 = the worst
  shown, 1 = the best), of the studio's guess, of a random option, and of the
  model's untuned sampling (the option it generated first, before the strategy
  ordered them).

``--backend light`` (default) uses the n-gram generator (seconds for a run);
``--backend builtin`` the real model (minutes). Deterministic for a ``--seed``.
"""

from __future__ import annotations

import argparse
import json
import re
import time

import numpy as np

import cocreate

MEASURES = ("brevity", "dialogue", "gloom", "plainness", "wonder")
OPENINGS = (
    "The lighthouse keeper had not spoken to anyone in three winters, until",
    "Nobody in the village could say when the ferry had last been on time, and",
    "She found the map folded inside a tin of biscuits, which was",
    "On the third day of the storm the radio began to speak in a voice",
)
_DARK = frozenset(
    "dark cold grey night storm drowned dead wreck alone lost silent bleak fog".split()  # noqa: SIM905
)
_BRIGHT = frozenset("sun warm bright laugh light gold glad tea friend morning kind soft".split())  # noqa: SIM905
_WORD = re.compile(r"[A-Za-z']+")


def measures(text: str) -> np.ndarray:
    """The benchmark's own reading of a passage, each in [0, 1]."""
    words = _WORD.findall(text)
    if not words:
        return np.full(len(MEASURES), 0.5)
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    per = len(words) / max(1, len(sentences))
    lower = [w.lower() for w in words]
    dark = sum(w in _DARK for w in lower)
    bright = sum(w in _BRIGHT for w in lower)
    return np.array(
        [
            1.0 / (1.0 + per / 12.0),
            sum(('"' in s or "“" in s) for s in sentences) / max(1, len(sentences)),
            0.5 + 0.5 * np.tanh((dark - bright) / 2.0),
            float(np.mean([len(w) <= 5 for w in words])),
            min(1.0, (text.count("?") + text.count("!")) / max(1, len(sentences))),
        ]
    )


class Writer:
    """A hidden taste: a direction over :data:`MEASURES`; picks with Luce noise."""

    def __init__(self, rng: np.random.Generator, noise: float = 0.05) -> None:
        w = rng.standard_normal(len(MEASURES))
        self.w = w / np.linalg.norm(w)
        self.noise = noise
        self.rng = rng

    def utility(self, text: str) -> float:
        return float(self.w @ (measures(text) - 0.5))

    def pick(self, utilities: np.ndarray) -> int:
        z = (utilities - utilities.max()) / self.noise
        p = np.exp(z) / np.exp(z).sum()
        return int(self.rng.choice(len(utilities), p=p))


def episode(seed: int, rounds: int, n: int, backend: str) -> list[dict]:
    rng = np.random.default_rng(seed)
    writer = Writer(rng)
    studio = cocreate.Studio("memory://", seed=seed)
    params = {"backend": backend, "threads": 1, "max_tokens": 32, "embeddings": "off"}
    work = studio.create_work(
        domain="text", creator="writer", intention="a short story at sea", partner_params=params
    )
    work.type(OPENINGS[seed % len(OPENINGS)], by="writer")
    out = []
    for r in range(rounds):
        opts = work.propose(n)
        texts = [studio.media.get(o.content_hash).decode() for o in opts]
        u = np.array([writer.utility(t) for t in texts])
        span = float(u.max() - u.min()) or 1.0
        scaled = (u - u.min()) / span
        chosen = writer.pick(u)
        guess = next((k for k, o in enumerate(opts) if o.predicted), None)
        first = next(k for k, o in enumerate(opts) if o.recipe.genome.get("option") == 0)
        out.append(
            {
                "round": r + 1,
                "hit": None if guess is None else float(guess == chosen),
                "guess": None if guess is None else float(scaled[guess]),
                "random": float(scaled.mean()),  # the expected scaled utility of a random pick
                "untuned": float(scaled[first]),
                "spread": span,
            }
        )
        work.choose(opts[chosen], by="writer")
    studio.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--options", type=int, default=4)
    ap.add_argument("--backend", default="light")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the per-round rows here")
    args = ap.parse_args()
    t0 = time.perf_counter()
    rows = [
        row
        for w in range(args.writers)
        for row in episode(args.seed + w, args.rounds, args.options, args.backend)
    ]
    took = time.perf_counter() - t0
    print(
        f"# {args.writers} writers × {args.rounds} rounds × {args.options} options, "
        f"backend {args.backend}, seed {args.seed}: {took:.1f} s"
    )
    print(
        f"| rounds | hit (chance {1 / args.options:.2f}) | guess's utility | random | untuned sampling |"
    )
    print("|---|---|---|---|---|")
    blocks = (
        [(1, 3), (4, 6), (7, 9), (10, args.rounds)] if args.rounds >= 10 else [(1, args.rounds)]
    )
    for lo, hi in blocks:
        sel = [r for r in rows if lo <= r["round"] <= hi]

        def mean(key: str, sel: list[dict] = sel) -> float:
            values = [r[key] for r in sel if r[key] is not None]
            return float(np.mean(values)) if values else float("nan")

        print(
            f"| {lo}–{hi} | {mean('hit'):.2f} | {mean('guess'):.2f} | {mean('random'):.2f} | {mean('untuned'):.2f} |"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f)


if __name__ == "__main__":
    main()
