"""What the studio's History tab costs on a long work.

    python bench/bench_history.py                 # 300 rounds of 9 on the poster partner
    python bench/bench_history.py --rounds 100

Builds a work in memory (each round proposed and one item chosen), then asks
the web API for the history tree, full (every node with its recipe, as a script
gets it by default) and as the page asks for it (``?recipes=false``), side by
side in the same process over the same app: the bytes sent and the server's
time, as a ratio against the full tree. Starlette's in-process client stands
in for the network, so the times are the server's work, not the transfer.
"""

from __future__ import annotations

import argparse
import statistics
import time

from fastapi.testclient import TestClient

import cocreate
from cocreate.web import create_app


def build(rounds: int, n: int) -> tuple[TestClient, str]:
    studio = cocreate.Studio("memory://", seed=1)
    work = studio.create_work("design", "ana", "a calm poster for a river concert")
    for _ in range(rounds):
        work.choose(work.propose(n)[0])
    return TestClient(create_app(studio, allowed_hosts=["testserver"])), work.id


def measure(client: TestClient, urls: dict[str, str], repeat: int) -> dict[str, tuple[int, float]]:
    """Bytes and median seconds for each URL, asked in turn ``repeat`` times (interleaved)."""
    sizes: dict[str, set[int]] = {k: set() for k in urls}
    times: dict[str, list[float]] = {k: [] for k in urls}
    for _ in range(repeat):
        for name, url in urls.items():
            t0 = time.perf_counter()
            response = client.get(url)
            times[name].append(time.perf_counter() - t0)
            response.raise_for_status()
            sizes[name].add(len(response.content))
    return {k: (sizes[k].pop(), statistics.median(times[k])) for k in urls}


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("-n", type=int, default=9, help="proposals a round")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    client, work_id = build(args.rounds, args.n)
    print(f"built {args.rounds} rounds of {args.n} in {time.perf_counter() - t0:.1f} s")
    url = f"/api/works/{work_id}/history"
    client.get(url).raise_for_status()  # warm up: the first call pays for imports and caches
    urls = {"full": url, "recipes=false (the page)": url + "?recipes=false"}
    found = measure(client, urls, args.repeat)
    full_bytes, full_s = found["full"]
    rows = []
    print("| history | nodes | bytes | × full | server s (median) | × full |")
    print("|---|---|---|---|---|---|")
    for name, (size, seconds) in found.items():
        print(
            f"| {name} | {args.rounds * args.n} | {size:,} | {size / full_bytes:.2f}× |"
            f" {seconds:.3f} | {seconds / full_s:.2f}× |"
        )
        rows.append({"name": name, "bytes": size, "seconds": seconds})
    return rows


if __name__ == "__main__":
    main()
