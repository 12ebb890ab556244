"""Benchmark of the visual partner (CPPN): preview rounds, export, and a naive baseline.

Run from the repository root::

    python bench/bench_cppn.py [--rounds 40] [--seed 0]

It times, in one process:

* a *round*: 9 variations of a chosen genome (``vary``) rendered as 256 × 256
  PNG previews, the way the studio fills a screen; p50 and p95 over rounds;
* an *export*: one 2048 × 2048 PNG of the same genome;
* a *pool*: the features of a round's 96 candidates (variations of the genome), one
  ``describe`` at a time as rounds did before, and in one ``describe_many`` call on one
  thread and on the default threads (each on a fresh partner, so nothing is remembered);
* a *naive baseline*: the same genome evaluated pixel by pixel in plain
  Python (``math`` module). It is measured at 64 × 64 and extrapolated per
  pixel to 256 × 256 and 2048 × 2048, since running it at full size would
  take minutes; the ratio to the vectorised renderer is printed.

They are run on a "typical" genome (fresh, then varied a few times), a
"grown" one (after 30 strong variations) and the "largest valid" one (grown
by structural mutations up to the caps of 256 nodes and 1024 connections),
to show how size matters.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from io import BytesIO

import numpy as np
from PIL import Image

from cocreate.partners.cppn import CPPNPartner
from cocreate.partners.cppn.genome import MAX_CONNS, MAX_NODES, params_of, topological_order
from cocreate.partners.cppn.operators import add_connection, add_node

ROUND = 9
POOL = CPPNPartner.pool_size
PREVIEW = 256
EXPORT = 2048
NAIVE = 64


def _act(name: str, x: float) -> float:
    if name == "sin":
        return math.sin(x)
    if name == "cos":
        return math.cos(x)
    if name == "gaussian":
        return math.exp(-x * x)
    if name == "tanh":
        return math.tanh(x)
    if name == "sigmoid":
        return 0.5 * (math.tanh(0.5 * x) + 1.0)
    if name == "abs":
        return min(abs(x), 64.0)
    if name == "identity":
        return min(max(x, -64.0), 64.0)
    if name == "square":
        x = min(max(x, -8.0), 8.0)
        return x * x
    if name == "softsign":
        return x / (1.0 + abs(x))
    if name == "triangle":
        h = 0.5 * x
        return 1.0 - 4.0 * abs(h - math.floor(h + 0.5))
    raise ValueError(name)


def naive_pixels(genome: dict, size: int) -> list[list[tuple[int, int, int]]]:
    """The renderer's colour model, one pixel at a time in plain Python."""
    p = params_of(genome)
    acts = {n["id"]: n["act"] for n in genome["nodes"]}
    conns = [(c["src"], c["dst"], c["w"]) for c in genome["conns"] if c["on"]]
    order = topological_order(acts, [(s, d) for s, d, _ in conns])
    incoming: dict[int, list[tuple[int, float]]] = {}
    for s, d, w in conns:
        incoming.setdefault(d, []).append((s, w))
    theta = -math.radians(p["rotate"])
    ct, s_t = math.cos(theta) / p["zoom"], math.sin(theta) / p["zoom"]
    rows = []
    for i in range(size):
        row = []
        for j in range(size):
            u, v = (2 * j + 1 - size) / size, (size - 2 * i - 1) / size
            if p["symmetry"] == "mirror-x":
                u = abs(u)
            elif p["symmetry"] == "mirror-y":
                v = abs(v)
            elif p["symmetry"] == "radial-4":
                if u <= 0 < v:
                    u, v = v, -u
                elif u < 0 and v <= 0:
                    u, v = -u, -v
                elif u >= 0 > v:
                    u, v = -v, u
            x = u * ct - v * s_t + p["pan_x"]
            y = u * s_t + v * ct + p["pan_y"]
            val = {0: x, 1: y, 2: math.hypot(x, y), 3: 1.0}
            for n in order:
                total = sum(w * val[s] for s, w in incoming.get(n, ()))
                val[n] = _act(acts[n], total)
            h = (p["hue"] + p["hue_range"] * 0.5 * val[4]) % 1.0
            sat = min(max(p["saturation"] * min(max((val[5] + 1) / 2, 0.0), 1.0), 0.0), 1.0)
            bri = min(max((val[6] + 1) / 2, 0.0), 1.0)
            bri = min(max(p["contrast"] * (bri - 0.5) + 0.5 + p["brightness"], 0.0), 1.0)
            rgb = []
            for n in (5.0, 3.0, 1.0):
                k = (n + 6.0 * h) % 6.0
                rgb.append(int((bri - bri * sat * min(max(min(k, 4.0 - k), 0.0), 1.0)) * 255 + 0.5))
            row.append(tuple(rgb))
        rows.append(row)
    return rows


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def bench(label: str, genome: dict, rounds: int, seed: int) -> None:
    partner = CPPNPartner()
    n_nodes, n_conns = len(genome["nodes"]), len(genome["conns"])
    print(f"\n== {label} genome: {n_nodes} nodes, {n_conns} connections")

    partner.render(partner.vary(genome, 0.5, np.random.default_rng(0)))  # warm-up
    times = []
    rng = np.random.default_rng(seed)
    for _ in range(rounds):
        start = time.perf_counter()
        for k in range(ROUND):
            child = partner.vary(genome, (k + 1) / ROUND, rng)
            partner.render(child, size=PREVIEW)
        times.append(time.perf_counter() - start)
    p50, p95 = percentile(times, 50) * 1e3, percentile(times, 95) * 1e3
    print(
        f"round of {ROUND} x vary + render {PREVIEW}x{PREVIEW}: p50 {p50:.1f} ms, p95 {p95:.1f} ms"
    )

    exports = []
    for _ in range(3):
        start = time.perf_counter()
        content = partner.render(genome, size=EXPORT)
        exports.append(time.perf_counter() - start)
    print(
        f"export {EXPORT}x{EXPORT}: best {min(exports):.2f} s, worst {max(exports):.2f} s "
        f"({len(content) / 1e6:.1f} MB PNG)"
    )

    pool = [
        partner.vary(genome, (k % 4 + 1) / 4, np.random.default_rng(seed + k)) for k in range(POOL)
    ]
    ways = {
        "one describe at a time": (lambda p: [p.describe(g) for g in pool], 1),
        "describe_many, 1 thread": (lambda p: p.describe_many(pool), 1),
        "describe_many, default threads": (lambda p: p.describe_many(pool), None),
    }
    for way, (describe, workers) in ways.items():
        took = []
        for _ in range(3):
            fresh_partner = CPPNPartner()
            fresh_partner.describe_workers = workers
            start = time.perf_counter()
            describe(fresh_partner)
            took.append(time.perf_counter() - start)
        print(f"pool of {POOL}, {way}: best {min(took) * 1e3:.0f} ms")

    renders = []
    for _ in range(5):
        start = time.perf_counter()
        partner.render(genome, size=PREVIEW)
        renders.append(time.perf_counter() - start)
    vec_pp = statistics.median(renders) / PREVIEW**2

    start = time.perf_counter()
    naive = naive_pixels(genome, NAIVE)
    naive_pp = (time.perf_counter() - start) / NAIVE**2
    vec = np.asarray(Image.open(BytesIO(partner.render(genome, size=NAIVE))), dtype=np.int16)
    diff = float(np.abs(vec - np.asarray(naive, dtype=np.int16)).mean())
    print(
        f"naive per-pixel Python, measured at {NAIVE}x{NAIVE} and extrapolated per pixel: "
        f"{naive_pp * 1e6:.1f} us/pixel -> {naive_pp * PREVIEW**2:.2f} s at {PREVIEW}, "
        f"{naive_pp * EXPORT**2:.0f} s at {EXPORT}"
    )
    print(
        f"vectorised render at {PREVIEW} (incl. PNG): {vec_pp * 1e9:.0f} ns/pixel; "
        f"speed-up x{naive_pp / vec_pp:.0f}; naive vs vectorised mean |diff| {diff:.3f} levels"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}, {sys.platform}"
    )
    partner = CPPNPartner()
    rng = np.random.default_rng(args.seed)
    typical = partner.fresh(rng)
    for _ in range(3):
        typical = partner.vary(typical, 0.5, rng)
    grown = typical
    for _ in range(30):
        grown = partner.vary(grown, 0.9, rng)
    largest = partner.fresh(rng)
    while len(largest["nodes"]) < MAX_NODES and add_node(largest, rng):
        pass
    while len(largest["conns"]) < MAX_CONNS and add_connection(largest, rng):
        pass
    bench("typical", typical, args.rounds, args.seed)
    bench("grown", grown, args.rounds, args.seed)
    bench("largest valid", largest, max(5, args.rounds // 4), args.seed)


if __name__ == "__main__":
    main()
