"""Signed checkpoints: append throughput beside unsigned appends, and verify of a large ledger.

    python bench/bench_checkpoints.py [--commits 300] [--per 10] [--verify-events 100000]

Appends go to a fresh SQLite file (``synchronous=FULL``, as the studio runs
it) in rounds of ``--per`` events per commit: once straight through the
storage (unsigned), once through the studio (each commit signed with Ed25519,
kept in the derived store and in the file outside the database). The verify
figure is ``Studio.verify()`` — the chain plus every checkpoint, with the
Merkle tree computed once over all events — on a ledger of ``--verify-events``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from cocreate import Studio
from cocreate.model import NewEvent, new_id
from cocreate.storage import open_storage


def _rounds(commits: int, per: int) -> list[list[tuple[str, str, str, dict]]]:
    return [
        [("w", "note", "bench", {"i": c * per + j}) for j in range(per)] for c in range(commits)
    ]


def unsigned(folder: Path, commits: int, per: int) -> float:
    storage = open_storage(f"sqlite:///{folder / f'plain-{new_id()}.db'}")
    rounds = _rounds(commits, per)
    t = time.perf_counter()
    for items in rounds:
        at = "2026-01-01T00:00:00.000000+00:00"
        storage.append([NewEvent(new_id(), w, k, a, at, p) for w, k, a, p in items])
    dt = time.perf_counter() - t
    storage.close()
    return commits * per / dt


def signed(folder: Path, commits: int, per: int) -> float:
    st = Studio(f"sqlite:///{folder / f'signed-{new_id()}.db'}", media=folder / "media")
    rounds = _rounds(commits, per)
    st._append_many(rounds[0])  # the key is made on first use: not part of the figure
    t = time.perf_counter()
    for items in rounds[1:]:
        st._append_many(items)
    dt = time.perf_counter() - t
    assert st.verify().ok
    st.close()
    return (commits - 1) * per / dt


def verify_large(folder: Path, n: int) -> tuple[float, str]:
    st = Studio(f"sqlite:///{folder / 'large.db'}", media=folder / "media")
    per = 1000
    for c in range(n // per):
        st._append_many([("w", "note", "bench", {"i": c * per + j}) for j in range(per)])
    st.close()
    st = Studio(f"sqlite:///{folder / 'large.db'}", media=folder / "media")
    t = time.perf_counter()
    report = st.verify()
    dt = time.perf_counter() - t
    st.close()
    return dt, str(report)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commits", type=int, default=300)
    ap.add_argument("--per", type=int, default=10)
    ap.add_argument("--verify-events", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5, help="interleaved runs; medians shown")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["COCREATE_KEYS"] = str(folder / "keys")
        plains, signs = [], []
        for _ in range(args.repeat):  # interleaved: the disk's fsync time drifts
            plains.append(unsigned(folder, args.commits, args.per))
            signs.append(signed(folder, args.commits, args.per))
        plain, sign = statistics.median(plains), statistics.median(signs)
        ratios = sorted(s / p for s, p in zip(signs, plains, strict=True))
        print(
            f"append, {args.per} events per commit, {args.commits} commits, SQLite, "
            f"median of {args.repeat} (per-run ratios {', '.join(f'{r:.2f}' for r in ratios)}):"
        )
        print(f"  unsigned  {plain:10.0f} events/s")
        print(f"  signed    {sign:10.0f} events/s   ratio {sign / plain:.2f}x (goal >= 0.8x)")
        if args.verify_events:
            dt, said = verify_large(folder, args.verify_events)
            print(
                f"verify of {args.verify_events} events (chain + checkpoints): {dt:.2f} s ({said})"
            )


if __name__ == "__main__":
    main()
