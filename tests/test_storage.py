"""The storage contract on every backend; tamper detection; processes; SQLite specifics."""

from __future__ import annotations

import dataclasses
import multiprocessing
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cocreate import CorruptStorage, SchemaOutOfDate, StorageError
from cocreate.errors import Conflict
from cocreate.storage import Expect, MemoryStorage, Storage, open_storage
from cocreate.storage.sql import SQLStorage, newer_sql
from cocreate.testing import StorageConformance
from cocreate.testing.storage import event as ev


@pytest.fixture
def storage(backend_url: str) -> Iterator[Storage]:
    s = open_storage(backend_url)
    yield s
    s.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of each SQL backend, for storages opened and reopened, by processes."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return request.getfixturevalue("postgres_url")


# -- the contract, on every backend ----------------------------------------------------
class TestContract(StorageConformance):
    """``cocreate.testing.StorageConformance`` on memory, SQLite and PostgreSQL."""

    @pytest.fixture
    def storage(self, backend_url: str) -> Iterator[Storage]:
        s = open_storage(backend_url)
        yield s
        s.close()


# -- tamper detection -------------------------------------------------------------------
def _filled(storage: Storage, n: int = 10) -> list:
    return storage.append([ev(n=i) for i in range(n)])


def _sql(storage: Storage, statement: str, **params) -> None:
    assert isinstance(storage, SQLStorage)
    with storage.raw_connection() as conn, conn.begin():
        conn.execute(sa.text(statement), params)


def _tamper(storage: Storage, how: str) -> int:
    """Damage the ledger as an attacker with database access would; return the bad seq."""
    events = _filled(storage)
    if isinstance(storage, MemoryStorage):
        evs, raws = storage._events, storage._raw
        if how == "change":
            raws[4] = raws[4].replace(b'"n":4', b'"n":5')
            return 5
        if how == "delete":
            del evs[6], raws[6]
            return 8
        if how == "insert":  # a forged copy of event 3 as a new event 4
            for k in range(3, len(evs)):
                evs[k] = dataclasses.replace(evs[k], seq=evs[k].seq + 1)
            evs.insert(3, dataclasses.replace(evs[2], seq=4, id="x" * 32))
            raws.insert(3, raws[2])
            return 4
        if how == "reorder":  # events 4 and 5 trade places (and numbers)
            evs[3], evs[4] = (
                dataclasses.replace(evs[4], seq=4),
                dataclasses.replace(evs[3], seq=5),
            )
            raws[3], raws[4] = raws[4], raws[3]
            return 4
        if how == "truncate":
            del evs[-1], raws[-1]
            return 10
    if how == "change":
        _sql(storage, "UPDATE events SET payload = :p WHERE seq = 5", p='{"n":5}')
        return 5
    if how == "delete":
        _sql(storage, "DELETE FROM events WHERE seq = 7")
        return 8
    if how == "insert":
        # make room, then copy event 3 in as a new event 4
        for s in range(10, 3, -1):
            _sql(storage, "UPDATE events SET seq = :n WHERE seq = :s", n=s + 1, s=s)
        e = events[2]
        _sql(
            storage,
            "INSERT INTO events VALUES (4, :id, :w, :k, :a, :at, :p, :prev, :h)",
            id="x" * 32,
            w=e.work_id,
            k=e.kind,
            a=e.actor,
            at=e.at,
            p='{"n":2}',
            prev=e.prev_hash,
            h=e.hash,
        )
        return 4
    if how == "reorder":
        _sql(storage, "UPDATE events SET seq = -1 WHERE seq = 4")
        _sql(storage, "UPDATE events SET seq = 4 WHERE seq = 5")
        _sql(storage, "UPDATE events SET seq = 5 WHERE seq = -1")
        return 4
    if how == "truncate":
        _sql(storage, "DELETE FROM events WHERE seq = 10")
        return 10
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["change", "delete", "insert", "reorder", "truncate"])
def test_verify_names_the_first_bad_event(storage: Storage, how: str) -> None:
    assert storage.verify().ok
    bad = _tamper(storage, how)
    report = storage.verify()
    assert not report.ok
    assert report.seq == bad, str(report)
    assert report.problem and f"#{bad}" in str(report)


# -- SQLite specifics -------------------------------------------------------------------
def _append_many(url: str, work: str, count: int) -> None:
    storage = open_storage(url)
    for i in range(count):
        storage.append([ev(work, n=i)])
    storage.close()


def test_two_processes_on_one_sqlite_file_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    open_storage(url).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(url, f"p{k}", 150)) for k in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    storage = open_storage(url)
    assert storage.head()[0] == 300
    for k in range(2):
        assert [e.payload["n"] for e in storage.events(work_id=f"p{k}")] == list(range(150))
    assert storage.verify().ok
    storage.close()


def _make_rounds(url: str, work: str, proc: int, count: int, start: Any, conflicts: Any) -> None:
    """Make ``count`` rounds as a round maker does: read the work, decide, append with expect."""
    storage = open_storage(url)
    refused = 0
    made = 0
    start.wait()
    while made < count:
        events = storage.events(work_id=work)
        seen = events[-1].seq if events else 0
        number = 1 + sum(e.kind == "round" for e in events)
        time.sleep(0.002)  # making the round takes a while: the other process may get there first
        try:
            storage.append([ev(work, "round", n=number, proc=proc)], expect=Expect(work, seen))
        except Conflict:
            refused += 1
            continue
        made += 1
    storage.close()
    conflicts.put(refused)


def test_two_processes_making_rounds_never_share_a_number(sql_url: str) -> None:
    url = sql_url
    open_storage(url).close()
    ctx = multiprocessing.get_context("spawn")
    start, conflicts = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_make_rounds, args=(url, "w-contested", k, 40, start, conflicts))
        for k in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0, "a process failed with something other than Conflict"
    refused = [conflicts.get(timeout=10) for _ in procs]
    storage = open_storage(url)
    rounds = storage.events(work_id="w-contested")
    assert [e.payload["n"] for e in rounds] == list(range(1, 81)), f"refused: {refused}"
    assert sorted(e.payload["proc"] for e in rounds) == [0] * 40 + [1] * 40, "nothing lost"
    assert sum(refused) > 0, "the processes raced, so some appends were refused"
    assert storage.verify().ok
    storage.close()


def test_the_expect_check_walks_the_work_index(tmp_path: Path) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 's.db'}")
    storage.append([ev(n=1)])
    con = sqlite3.connect(tmp_path / "s.db")
    for kinds in (0, 2):
        plan = con.execute(
            f"EXPLAIN QUERY PLAN {newer_sql(kinds)}", ("w1", 0, *["k"] * kinds)
        ).fetchall()
        assert any("ix_events_work_seq" in row[-1] for row in plan), plan
    con.close()
    storage.close()


def test_derived_state_outlives_the_storage(sql_url: str) -> None:
    with open_storage(sql_url) as s:
        s.append([ev(n=1)])
        s.put_derived("taste:ana:image", 1, b"\x00summary\xff")
    with open_storage(sql_url) as s:
        assert s.get_derived("taste:ana:image") == (1, b"\x00summary\xff")
        assert s.verify().ok


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CorruptStorage, match="not a usable cocreate database"):
        open_storage(f"sqlite:///{path}")
    assert path.read_bytes() == b"this is not sqlite" * 100, "the file is left as it was"


def test_a_database_of_something_else(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE recipes (name TEXT)")
    con.commit()
    con.close()
    with pytest.raises(CorruptStorage, match="not a cocreate store"):
        open_storage(f"sqlite:///{path}")


def test_schema_from_a_newer_or_older_cocreate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    s = open_storage(url)
    s.append([ev(n=1)])
    _sql(s, "UPDATE alembic_version SET version_num = 'ffff'")
    s.close()
    with pytest.raises(SchemaOutOfDate, match="newer cocreate"):
        open_storage(url)


def test_unsupported_url() -> None:
    with pytest.raises(ValueError, match="unsupported storage URL"):
        open_storage("mysql://nowhere/db")


def test_busy_database_gives_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    s = SQLStorage(f"sqlite:///{path}", timeout=0.1)
    s.append([ev(n=1)])
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        with pytest.raises(StorageError, match="could not append"):
            s.append([ev(n=2)])
    finally:
        other.execute("ROLLBACK")
        other.close()
    s.append([ev(n=3)])
    assert [e.payload["n"] for e in s.events()] == [1, 3]
    assert s.verify().ok
    s.close()


def test_a_damaged_media_file_is_reported_not_served(sqlite_studio) -> None:
    work = sqlite_studio.create_work("toy", "ana", "calm")
    p = work.propose(2)[0]
    path = sqlite_studio.media._path(p.content_hash)
    path.write_bytes(b"0.999999 0.000000 0.000000 0.000000")
    with pytest.raises(CorruptStorage, match="damaged"):
        _ = work.artifact(p.id).content
    assert sqlite_studio.verify().ok, "the ledger itself is untouched"
