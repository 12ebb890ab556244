"""Operations on a draft stored through the ledger, beside the same operations in memory.

A 50,000-character draft, then 100,000 operations (mostly 1–3 character inserts and deletes
at random places, some replacements) by two people, applied in acts of ``--per-act``
operations through ``work.apply`` (one ledger event per act), then the attribution; and
keystroke-level acts (one operation each) timed one by one. Side by side, the same
operations on a bare ``TextDocument`` in the same process. Also: a fresh studio folding the
whole work from the ledger (what a second process pays once).

    python bench/bench_draft.py                 # SQLite file in a temporary folder
    python bench/bench_draft.py --db memory     # the in-memory storage
    python bench/bench_draft.py --quick
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import cocreate
from cocreate.content import Delete, Insert, Replace, TextDocument, UnitOrigin
from cocreate.partners import register
from cocreate.partners.base import Partner


class _Plain(Partner):
    """A text partner that never proposes here: the benchmark only types."""

    name = "bench-text"
    domain = "bench-text"
    media_type = "text/plain"
    model_id = "none"
    feature_names = ("x",)

    def fresh(self, rng, intention=None):
        return {"t": ""}

    def vary(self, genome, strength, rng):
        return genome

    def render(self, genome, *, size=None):
        return b""

    def describe(self, genome, content=None):
        return np.zeros(1)


def make_ops(n: int, length: int, rng: np.random.Generator) -> list:
    ops = []
    for _ in range(n):
        r = rng.random()
        if r < 0.5 or length < 50:
            at = int(rng.integers(0, length + 1))
            text = "abc"[: int(rng.integers(1, 4))]
            ops.append(Insert(at, text))
            length += len(text)
        elif r < 0.9:
            k = int(rng.integers(1, 4))
            ops.append(Delete(int(rng.integers(0, length - k)), k))
            length -= k
        else:
            k = int(rng.integers(5, 41))
            text = "x" * int(rng.integers(5, 41))
            ops.append(Replace(int(rng.integers(0, length - k)), k, text))
            length += len(text) - k
    return ops


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, default=50_000)
    ap.add_argument("--ops", type=int, default=100_000)
    ap.add_argument("--per-act", type=int, default=100)
    ap.add_argument("--keystrokes", type=int, default=1_000)
    ap.add_argument("--db", choices=["sqlite", "memory"], default="sqlite")
    ap.add_argument("--quick", action="store_true", help="a tenth of everything")
    a = ap.parse_args()
    if a.quick:
        a.units, a.ops, a.keystrokes = a.units // 10, a.ops // 10, a.keystrokes // 10
    register(_Plain)
    rng = np.random.default_rng(7)
    ops = make_ops(a.ops, a.units, rng)
    people = [UnitOrigin.person("ana"), UnitOrigin.person("ben")]

    # in memory: the content model alone
    doc = TextDocument()
    t0 = time.perf_counter()
    doc.apply([Insert(0, "o" * a.units)], people[0], "start")
    for k in range(0, len(ops), a.per_act):
        doc.apply(ops[k : k + a.per_act], people[(k // a.per_act) % 2], f"act{k}")
    doc.count_by_origin()
    t_mem = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        url = "memory://" if a.db == "memory" else f"sqlite:///{Path(tmp) / 'bench.db'}"
        with cocreate.Studio(url, media=Path(tmp) / "media") as studio:
            work = studio.create_work("bench-text", "ana", "a long draft")
            t0 = time.perf_counter()
            work.type("o" * a.units, by="ana")
            for k in range(0, len(ops), a.per_act):
                work.apply(ops[k : k + a.per_act], by=("ana", "ben")[(k // a.per_act) % 2])
            t_apply = time.perf_counter() - t0
            t0 = time.perf_counter()
            report = work.attribution()
            t_attr = time.perf_counter() - t0
            assert work.document().text == doc.text, "the ledger's draft is the in-memory one"
            keys = make_ops(a.keystrokes, len(doc), rng)
            lat = []
            for op in keys:
                t = time.perf_counter()
                work.apply([op], by="ben")
                lat.append(time.perf_counter() - t)
            t0 = time.perf_counter()
            fresh = cocreate.Studio(url, media=Path(tmp) / "media", storage=studio.storage)
            fresh.work(work.id).document()
            t_fold = time.perf_counter() - t0
            events = len(work.events())

    acts = -(-a.ops // a.per_act)
    print(f"draft of {a.units:,} characters, {a.ops:,} operations in {acts:,} acts, {a.db}")
    print(f"  in memory (TextDocument):   {t_mem:6.2f} s  (apply + count by origin)")
    print(f"  through the ledger:         {t_apply:6.2f} s  ({t_apply / t_mem:.1f}× in memory)")
    print(f"  attribution of the draft:   {t_attr * 1000:6.1f} ms")
    print(f"  a fresh studio's fold:      {t_fold:6.2f} s  ({events:,} events)")
    lat_ms = sorted(x * 1000 for x in lat)
    p95 = lat_ms[int(0.95 * (len(lat_ms) - 1))]
    print(
        f"  keystroke acts ({len(lat):,}):    median {statistics.median(lat_ms):.2f} ms,"
        f" p95 {p95:.2f} ms each"
    )
    shares = {c.id: round(c.content_share, 3) for c in report.contributors}
    print(f"  content shares: {shares}")


if __name__ == "__main__":
    main()
