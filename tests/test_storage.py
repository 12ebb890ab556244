"""The storage contract, checked against every backend; tamper detection; concurrency."""

from __future__ import annotations

import dataclasses
import multiprocessing
import sqlite3
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from cocreate import CorruptStorage, SchemaOutOfDate, StorageError
from cocreate.ledger import GENESIS, now
from cocreate.model import NewEvent
from cocreate.storage import MemoryStorage, Storage, open_storage
from cocreate.storage.sql import SQLStorage


def ev(work: str = "w1", kind: str = "test.event", n: int = 0, **payload) -> NewEvent:
    return NewEvent(uuid.uuid4().hex, work, kind, "ana", now(), {"n": n, **payload})


@pytest.fixture
def storage(backend_url: str) -> Storage:
    s = open_storage(backend_url)
    yield s
    s.close()


# -- the contract -----------------------------------------------------------------------
def test_append_assigns_a_chain(storage: Storage) -> None:
    first = storage.append([ev(n=1), ev(n=2)])
    second = storage.append([ev(n=3)])
    assert [e.seq for e in first + second] == [1, 2, 3]
    assert first[0].prev_hash == GENESIS
    assert first[1].prev_hash == first[0].hash and second[0].prev_hash == first[1].hash
    assert storage.head() == (3, second[0].hash)
    assert [e.payload["n"] for e in storage.events()] == [1, 2, 3]


def test_events_filter_by_work_kind_and_position(storage: Storage) -> None:
    storage.append([ev("a", n=1), ev("b", n=2), ev("a", "other", n=3), ev("b", n=4)])
    assert [e.payload["n"] for e in storage.events(work_id="a")] == [1, 3]
    assert [e.payload["n"] for e in storage.events(kinds=["other"])] == [3]
    assert [e.payload["n"] for e in storage.events(after=2)] == [3, 4]
    assert [e.payload["n"] for e in storage.events(work_id="b", after=2)] == [4]
    assert [e.payload["n"] for e in storage.events(limit=2)] == [1, 2]


def test_payload_round_trips(storage: Storage) -> None:
    payload = {"text": 'écho ☀ "quoted"', "nested": {"b": [1, 2.5, None, True]}, "a": ""}
    storage.append([ev(**payload)])
    (e,) = storage.events()
    assert {k: e.payload[k] for k in payload} == payload
    assert storage.verify().ok


def test_a_bad_batch_stores_nothing(storage: Storage) -> None:
    storage.append([ev(n=1)])
    with pytest.raises(ValueError, match="JSON"):
        storage.append([ev(n=2), ev(n=3, bad=object())])
    dup = ev(n=4)
    with pytest.raises(StorageError, match="already in the ledger"):
        storage.append([dup, dup])
    assert [e.payload["n"] for e in storage.events()] == [1]
    assert storage.head()[0] == 1 and storage.verify().ok


def test_threads_lose_nothing(storage: Storage) -> None:
    def worker(k: int) -> None:
        for i in range(20):
            storage.append([ev(f"w{k}", n=i), ev(f"w{k}", n=i)])

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert storage.head()[0] == 160
    assert storage.verify().ok


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
