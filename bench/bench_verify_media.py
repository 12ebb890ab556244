"""What ``cocreate verify`` costs on the media of a large studio: full rehash against quick.

    python bench/bench_verify_media.py                      # 10,000 files of 16 KiB
    python bench/bench_verify_media.py --files 2000 --size 65536

Writes a SQLite studio whose ledger records ``--files`` contributed artifacts
(one event each, appended in batches straight through the storage, so that
building it does not dwarf the measurement) and a file media store with their
random bytes. Then times, interleaved, ``repeat`` times each:

* reading the ledger's artifact records (``recorded_media``), which both modes share;
* the full check (every file read and rehashed);
* the quick check (every file's size, and a sample of ``SAMPLE`` rehashed);

and one run of each against a store with one byte changed, one file truncated
and one deleted, to show what each finds. The files are in the page cache after
the first pass (the figures are for a warm cache; a cold disk adds its read
time to the full check only, since the quick one reads ``SAMPLE`` files).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from cocreate.integrity import recorded_media, verify_media
from cocreate.integrity.media import SAMPLE
from cocreate.ledger import now
from cocreate.media import FileMediaStore
from cocreate.model import EventKind, NewEvent
from cocreate.storage import open_storage


def build(root: Path, files: int, size: int, seed: int) -> tuple[str, list[str]]:
    """A studio of ``files`` artifacts of ``size`` random bytes; its URL and the hashes."""
    rng = random.Random(seed)
    url = f"sqlite:///{root / 'studio.db'}"
    media = FileMediaStore(root / "media")
    work_id = uuid.uuid4().hex
    hashes: list[str] = []
    with open_storage(url) as storage:
        batch: list[NewEvent] = []
        for k in range(files):
            content = rng.randbytes(size)
            name = media.put(content)
            hashes.append(name)
            artifact = {
                "id": uuid.uuid4().hex,
                "media_type": "image/png",
                "content_hash": name,
                "size": len(content),
                "origin": "human",
                "author": "ana",
                "operator": "contribute",
                "parents": [],
                "created_at": now(),
                "reason": f"file {k}",
            }
            batch.append(
                NewEvent(
                    uuid.uuid4().hex,
                    work_id,
                    EventKind.ARTIFACT_CONTRIBUTED,
                    "ana",
                    now(),
                    {"artifact": artifact},
                )
            )
            if len(batch) == 500:
                storage.append(batch)
                batch = []
        if batch:
            storage.append(batch)
    return url, hashes


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--size", type=int, default=16 * 1024, help="bytes a file")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--dir", type=Path, default=None, help="where to build it (default: a temp dir)"
    )
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-verify-", dir=args.dir))
    try:
        t0 = time.perf_counter()
        url, hashes = build(root, args.files, args.size, args.seed)
        total = args.files * args.size
        print(
            f"built {args.files:,} files of {args.size:,} bytes ({total / 2**20:,.0f} MiB) "
            f"in {time.perf_counter() - t0:.1f} s under {root}"
        )
        media = FileMediaStore(root / "media")
        times: dict[str, list[float]] = {"ledger records": [], "full": [], "quick": []}
        with open_storage(url) as storage:
            verify_media(storage, media)  # warm up: imports, and the files into the page cache
            for _ in range(args.repeat):
                t = time.perf_counter()
                recorded = recorded_media(storage)
                times["ledger records"].append(time.perf_counter() - t)
                for mode in ("full", "quick"):
                    t = time.perf_counter()
                    report = verify_media(storage, media, quick=mode == "quick", recorded=recorded)
                    times[mode].append(time.perf_counter() - t)
                    assert report.ok, report
            full = statistics.median(times["full"])
            print(f"\n{'check':<16} {'median s':>9} {'files/s':>10} {'rehashed':>9}  runs")
            for name, ts in times.items():
                med = statistics.median(ts)
                hashed = {"full": args.files, "quick": min(SAMPLE, args.files)}.get(name, 0)
                rate = f"{args.files / med:>10,.0f}" if name != "ledger records" else " " * 10
                runs = ", ".join(f"{x:.3f}" for x in ts)
                print(f"{name:<16} {med:>9.3f} {rate} {hashed:>9,}  {runs}")
            print(f"quick / full: {statistics.median(times['quick']) / full:.3f}×")

            # what each finds: a changed byte, a truncated file, a deleted one
            changed, cut, gone = (root / "media" / h[:2] / h[2:4] / h for h in hashes[:3])
            data = bytearray(changed.read_bytes())
            data[0] ^= 1
            changed.write_bytes(bytes(data))
            cut.write_bytes(cut.read_bytes()[:-1])
            gone.unlink()
            for mode in ("full", "quick"):
                report = verify_media(storage, media, quick=mode == "quick", recorded=recorded)
                found = {p.content_hash: p.detail for p in report.problems}
                said = [found.get(h, "not found") for h in hashes[:3]]
                print(f"damaged store, {mode}: byte changed: {said[0]}; truncated: {said[1]}; ")
                print(f"  deleted: {said[2]}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
