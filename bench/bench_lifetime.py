"""A lifetime of works: what a round and a look at the taste cost after 10, 50 and 200 earlier works.

One person, the image partner, 50 judgments a work (10 rounds of 9, each with a choice, a
rejection, two ratings and a comparison of two, from a hidden taste over the picture's
features). The works are built once
with a seeded studio on a small pool into SQLite files (``--build``); each figure is then
measured in a fresh process, as a CLI call would pay it:

* the first ``propose(9)`` of a new work, and the rounds after it (a choice and a rejection
  between them), seconds;
* in another fresh process, the first look at the taste (``studio.taste(person, "image")``);
* each process's peak memory (resident set, MB).

``--python-path DIR`` measures another cocreate (e.g. an older commit's ``src`` in a git
worktree) on copies of the same files, at the schema it reads (the derived table is dropped).

Run::

    python -m bench.bench_lifetime --build            # once: /tmp/cocreate-lifetime/*.db
    python -m bench.bench_lifetime                    # this cocreate
    git worktree add /tmp/lifetime-base 92c069d
    python -m bench.bench_lifetime --python-path /tmp/lifetime-base/src --tag before
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = (0, 10, 50, 200)
ROUNDS = 10  # a work: 10 rounds of five judgments each (50 judgments)
PERSON = "ada"
POOL = 27  # the least a round of 9 takes (3 N): building 200 works stays quick
LATER = 8  # rounds measured after the first


def _taste(seed: int, d: int):
    import numpy as np

    w = np.random.default_rng(seed).normal(size=d)
    return w / np.linalg.norm(w)


def build(folder: Path, sizes=SIZES, seed: int = 7) -> None:
    """Works for one person, copying the file aside at each size in ``sizes``."""
    import numpy as np

    import cocreate

    folder.mkdir(parents=True, exist_ok=True)
    work_db = folder / "building.db"
    for p in folder.glob("building*"):
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    rng = np.random.default_rng(seed)
    weights = None
    t0 = time.perf_counter()
    with cocreate.Studio(f"sqlite:///{work_db}", seed=seed, pool_size=POOL) as studio:
        for k in range(max(sizes) + 1):
            if k in sizes:
                _snapshot(work_db, folder / f"works-{k}.db")
                print(f"{k} works in {time.perf_counter() - t0:.0f} s", flush=True)
            if k == max(sizes):
                break
            work = studio.create_work("image", PERSON, f"an emblem, take {k}")
            for _ in range(ROUNDS):
                shown = work.propose(9)
                X = np.array([a.features for a in shown], dtype=float)
                if weights is None:
                    weights = _taste(seed, X.shape[1])
                u = X @ weights
                p = np.exp((u - u.max()) / 0.05)
                pick = int(rng.choice(len(shown), p=p / p.sum()))
                _judge(work, shown, u, pick)


def _judge(work, shown, u, pick: int) -> None:
    """Five judgments of a round: the pick, the worst rejected, two rated, two compared."""
    import numpy as np

    order = [int(i) for i in np.argsort(-u) if int(i) != pick]
    work.choose(shown[pick])
    work.reject(shown[order[-1]])
    work.rate(shown[order[0]], 4)
    work.rate(shown[order[-2]], 2)
    work.compare(shown[order[1]], shown[order[2]])


def _snapshot(db: Path, to: Path) -> None:
    """A consistent copy of a SQLite file in use (its backup API)."""
    to.unlink(missing_ok=True)
    src, dst = sqlite3.connect(db), sqlite3.connect(to)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


def _copy_for(db: Path, old_schema: bool) -> Path:
    """A copy of ``db`` to measure on (for an older cocreate: at schema 0001, without derived)."""
    out = Path(tempfile.mkdtemp(prefix="lifetime-")) / db.name
    shutil.copy(db, out)
    if old_schema:
        con = sqlite3.connect(out)
        con.execute("DROP TABLE IF EXISTS derived")
        con.execute("UPDATE alembic_version SET version_num = '0001'")
        con.commit()
        con.close()
    return out


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_rounds(db: str, media: str) -> dict:
    """In this (fresh) process: the first propose of a new work, then the rounds after it."""
    import numpy as np

    import cocreate

    studio = cocreate.Studio(f"sqlite:///{db}", media=media, seed=11, pool_size=POOL)
    work = studio.create_work("image", PERSON, "an emblem, once more")
    t = time.perf_counter()
    shown = work.propose(9)
    first = time.perf_counter() - t
    weights = _taste(7, len(shown[0].features))
    later = []
    for _ in range(LATER):
        u = np.array([a.features for a in shown], dtype=float) @ weights
        _judge(work, shown, u, int(np.argmax(u)))
        t = time.perf_counter()
        shown = work.propose(9)
        later.append(time.perf_counter() - t)
    peak = _peak_mb()
    return {"first": first, "later": later, "peak_mb": peak}


def measure_taste(db: str, media: str) -> dict:
    """In this (fresh) process: the first look at the person's taste."""
    import cocreate

    studio = cocreate.Studio(f"sqlite:///{db}", media=media, seed=11, pool_size=POOL)
    t = time.perf_counter()
    taste = studio.taste(PERSON, "image")
    took = time.perf_counter() - t
    peak = _peak_mb()
    return {"taste": took, "peak_mb": peak, "comparisons": taste["comparisons"]}


def _run(what: str, db: Path, python_path: str | None) -> dict:
    env = dict(os.environ)
    if python_path:
        env["PYTHONPATH"] = python_path + os.pathsep + str(Path(__file__).resolve().parents[1])
    media = tempfile.mkdtemp(prefix="lifetime-media-")
    code = (
        "import json, sys; from bench.bench_lifetime import measure_rounds, measure_taste; "
        f"print(json.dumps(measure_{what}(sys.argv[1], sys.argv[2])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(db), media],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    shutil.rmtree(media, ignore_errors=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(folder: Path, sizes=SIZES, python_path: str | None = None, repeat: int = 1) -> list:
    import numpy as np

    rows = []
    for k in sizes:
        db = folder / f"works-{k}.db"
        firsts, later, tastes, peaks = [], [], [], []
        for _ in range(repeat):
            r = _run("rounds", _copy_for(db, bool(python_path)), python_path)
            t = _run("taste", _copy_for(db, bool(python_path)), python_path)
            firsts.append(r["first"])
            later += r["later"]
            tastes.append(t["taste"])
            peaks.append(max(r["peak_mb"], t["peak_mb"]))
        row = {
            "works": k,
            "first": float(np.median(firsts)),
            "later_median": float(np.median(later)),
            "later_p95": float(np.percentile(later, 95)),
            "taste": float(np.median(tastes)),
            "peak_mb": float(max(peaks)),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def table(rows: list, tag: str) -> str:
    base = next((r["first"] for r in rows if r["works"] == 0), None)
    lines = [
        f"| earlier works ({tag}) | first propose(9) (s) | × no earlier works | later rounds "
        "median / p95 (s) | first look at the taste (s) | peak memory (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = f"{r['first'] / base:.2f}×" if base else ""
        lines.append(
            f"| {r['works']} | {r['first']:.2f} | {ratio} | {r['later_median']:.3f} / "
            f"{r['later_p95']:.3f} | {r['taste']:.2f} | {r['peak_mb']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--folder", type=Path, default=Path(tempfile.gettempdir()) / "cocreate-lifetime"
    )
    ap.add_argument("--build", action="store_true", help="build the works' files first")
    ap.add_argument("--sizes", type=lambda s: tuple(int(x) for x in s.split(",")), default=SIZES)
    ap.add_argument("--python-path", help="measure the cocreate in this folder instead")
    ap.add_argument("--repeat", type=int, default=1, help="fresh processes per figure")
    ap.add_argument("--tag", default="now")
    args = ap.parse_args(argv)
    if args.build:
        build(args.folder, args.sizes)
    rows = measure(args.folder, args.sizes, args.python_path, args.repeat)
    print(table(rows, args.tag))
    return rows


if __name__ == "__main__":
    main()
