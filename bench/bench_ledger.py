"""Ledger benchmark: durable append throughput and full verify time.

    python bench/bench_ledger.py                 # SQLite and, when installed, PostgreSQL
    python bench/bench_ledger.py --events 20000  # a quicker run

Appends are durable: SQLite runs in WAL mode with synchronous=FULL, so every
commit is fsynced; PostgreSQL commits with its defaults (fsync on). The
baseline, run side by side on the same kind of database, is a plain
``executemany`` INSERT of the same rows with no hashing and no head update:
the ratio shows what the hash chain and its lock cost.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from cocreate.ledger import now
from cocreate.model import NewEvent
from cocreate.storage import open_storage


def make_events(n: int) -> list[NewEvent]:
    at = now()
    payload = {
        "kind": "choose",
        "artifact": uuid.uuid4().hex,
        "among": [uuid.uuid4().hex for _ in range(9)],
        "round": 3,
        "text": "",
    }
    return [NewEvent(uuid.uuid4().hex, "w" * 32, "judgment", "ana", at, payload) for _ in range(n)]


def append_rate(url: str, total: int, batch: int) -> float:
    storage = open_storage(url)
    events = make_events(total)
    start = time.perf_counter()
    for i in range(0, total, batch):
        storage.append(events[i : i + batch])
    elapsed = time.perf_counter() - start
    storage.close()
    return total / elapsed


def baseline_sqlite_rate(path: Path, total: int, batch: int) -> float:
    """Plain sqlite3 inserts of the same shape, same durability, no chain."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    con.execute(
        "CREATE TABLE IF NOT EXISTS plain (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, work_id TEXT, "
        "kind TEXT, actor TEXT, at TEXT, payload TEXT, prev_hash TEXT, hash TEXT)"
    )
    import orjson

    events = make_events(total)
    rows = [
        (None, e.id, e.work_id, e.kind, e.actor, e.at, orjson.dumps(e.payload).decode(), "", "")
        for e in events
    ]
    start = time.perf_counter()
    for i in range(0, total, batch):
        con.execute("BEGIN IMMEDIATE")
        con.executemany("INSERT INTO plain VALUES (?,?,?,?,?,?,?,?,?)", rows[i : i + batch])
        con.execute("COMMIT")
    elapsed = time.perf_counter() - start
    con.close()
    return total / elapsed


def baseline_postgres_rate(url: str, total: int, batch: int) -> float:
    """Plain psycopg inserts of the same shape, same server, no chain and no row lock."""
    import orjson
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    events = make_events(total)
    rows = [
        (e.id, e.work_id, e.kind, e.actor, e.at, orjson.dumps(e.payload).decode(), "", "")
        for e in events
    ]
    with psycopg.connect(conninfo) as con:
        con.execute(
            "CREATE TABLE IF NOT EXISTS plain (seq BIGSERIAL PRIMARY KEY, id TEXT UNIQUE, "
            "work_id TEXT, kind TEXT, actor TEXT, at TEXT, payload TEXT, prev_hash TEXT, hash TEXT)"
        )
        con.commit()
        start = time.perf_counter()
        with con.cursor() as cur:
            for i in range(0, total, batch):
                cur.executemany(
                    "INSERT INTO plain (id, work_id, kind, actor, at, payload, prev_hash, hash) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    rows[i : i + batch],
                )
                con.commit()
        elapsed = time.perf_counter() - start
    return total / elapsed


def fill(url: str, total: int) -> None:
    storage = open_storage(url)
    events = make_events(total)
    for i in range(0, total, 1000):
        storage.append(events[i : i + 1000])
    storage.close()


def verify_time(url: str, repeats: int = 3) -> tuple[float, int]:
    storage = open_storage(url)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        report = storage.verify()
        times.append(time.perf_counter() - start)
        assert report.ok, report
    storage.close()
    return statistics.median(times), report.count


def run(label: str, url_for, args, baseline=None) -> list[str]:
    lines = [f"### {label}", "", "| measure | cocreate | baseline | ratio |", "|---|---|---|---|"]
    for batch in (1, 10, 100):
        total = min(args.append_events, 2000 * batch)
        rate = append_rate(url_for(f"append{batch}"), total, batch)
        if baseline is not None:
            base = baseline(f"plain{batch}", total, batch)
            lines.append(
                f"| append, {batch} event(s) per commit | {rate:,.0f} events/s | "
                f"{base:,.0f} events/s (plain INSERT, no chain) | {rate / base:.2f} |"
            )
        else:
            lines.append(f"| append, {batch} event(s) per commit | {rate:,.0f} events/s | – | – |")
        print(lines[-1], flush=True)
    url = url_for("verify")
    fill(url, args.events)
    seconds, count = verify_time(url)
    lines.append(
        f"| verify {count:,} events | {seconds:.2f} s ({count / seconds:,.0f} events/s) | – | – |"
    )
    print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000, help="events to verify")
    parser.add_argument(
        "--append-events", type=int, default=20_000, help="events to append per case"
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    out: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        out += run(
            "SQLite (WAL, synchronous=FULL)",
            lambda name: f"sqlite:///{d / name}.db",
            args,
            baseline=lambda name, total, batch: baseline_sqlite_rate(
                d / f"{name}.db", total, batch
            ),
        )
        if not args.no_postgres:
            try:
                from servers import create_database, postgres_available, start_postgres
            except ImportError:
                postgres_available = None  # type: ignore[assignment]
            if postgres_available and postgres_available():
                server = start_postgres(d / "pg", durable=True)
                try:
                    out += [
                        "",
                        *run(
                            "PostgreSQL (local server, fsync on)",
                            lambda name: create_database(server, name),
                            args,
                            baseline=lambda name, total, batch: baseline_postgres_rate(
                                create_database(server, name), total, batch
                            ),
                        ),
                    ]
                finally:
                    server.stop()
            else:
                print("PostgreSQL is not installed: skipped (apt-get install postgresql)")
    print("\n".join(out))


if __name__ == "__main__":
    main()
