"""The SQL storage: SQLite (the embedded default) and PostgreSQL, through SQLAlchemy.

Appends are serialised across processes: on SQLite by ``BEGIN IMMEDIATE``
(the database write lock) with WAL journaling and ``synchronous=FULL``, so a
committed event survives a crash; on PostgreSQL by a row lock on the ledger
head. An ``expect`` is checked after that lock is taken, so no other writer can
slip in between the check and the append. Reads on SQLite use a separate
engine with deferred transactions, so they never wait for a writer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError

from ..errors import CorruptStorage, MissingExtra, SchemaOutOfDate, StorageError
from ..ledger import VerifyReport, canonical, event_hash, now, verify_rows
from ..model import Event, NewEvent
from . import schema
from .base import Expect, Storage, check_derived


def _engine(url: URL, *, immediate: bool = False, timeout: float = 60.0) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": timeout}
        )

        @sa_event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            cur.close()

        @sa_event.listens_for(engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if url.get_backend_name() == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        try:
            return sa.create_engine(url, pool_pre_ping=True)
        except ModuleNotFoundError:
            raise MissingExtra(
                "PostgreSQL storage needs the 'psycopg' package, which is not installed. "
                "Install it with: pip install 'cocreate[postgres]'"
            ) from None
    return sa.create_engine(url)


_HEAD = sa.select(schema.head.c.count, schema.head.c.hash).where(schema.head.c.id == 1)


def newer_sql(kinds: int) -> str:
    """The SQLite query for the first event of a work after a seq (``kinds`` placeholders).

    It walks the ``(work_id, seq)`` index from the expected seq on, so it costs
    the events that came after, not the ledger's length.
    """
    sql = "SELECT seq, kind FROM events WHERE work_id = ? AND seq > ?"
    if kinds:
        sql += f" AND kind IN ({', '.join('?' * kinds)})"
    return sql + " ORDER BY seq LIMIT 1"


def _newer(expect: Expect) -> sa.Select:
    """The same query for SQLAlchemy (PostgreSQL)."""
    t = schema.events
    q = sa.select(t.c.seq, t.c.kind).where(t.c.work_id == expect.work_id, t.c.seq > expect.seq)
    if expect.kinds is not None:
        q = q.where(t.c.kind.in_(sorted(expect.kinds)))
    return q.order_by(t.c.seq).limit(1)


class _Row(NamedTuple):
    seq: int
    id: str
    work_id: str
    kind: str
    actor: str
    at: str
    payload: str
    prev_hash: str
    hash: str


def _chain(
    events: Sequence[NewEvent], payloads: list[bytes], seq: int, prev: str
) -> tuple[list[_Row], list[Event]]:
    """Number and hash ``events`` after the head (seq, prev): rows to insert, events to return."""
    rows: list[_Row] = []
    stored: list[Event] = []
    for e, raw in zip(events, payloads, strict=True):
        seq += 1
        digest = event_hash(seq, e.id, e.work_id, e.kind, e.actor, e.at, raw, prev)
        rows.append(_Row(seq, e.id, e.work_id, e.kind, e.actor, e.at, raw.decode(), prev, digest))
        stored.append(
            Event(seq, e.id, e.work_id, e.kind, e.actor, e.at, orjson.loads(raw), prev, digest)
        )
        prev = digest
    return rows, stored


def _corrupt_message(url: URL, exc: Exception) -> str:
    where = url.database if url.get_backend_name() == "sqlite" else url.render_as_string()
    return f"{where} is not a usable cocreate database: {exc.__class__.__name__}: {exc}"


_PUT_DERIVED = (
    "INSERT INTO derived (key, through_seq, value, at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(key) DO UPDATE SET through_seq = excluded.through_seq, "
    "value = excluded.value, at = excluded.at WHERE derived.through_seq <= excluded.through_seq"
)


class SQLStorage(Storage):
    """Storage on a SQLAlchemy database URL (``sqlite:///file.db``, ``postgresql://...``).

    ``timeout`` is how long, in seconds, an append waits for another writer
    before it gives up with a ``StorageError``.
    """

    def __init__(self, url: str | URL, *, upgrade: bool = False, timeout: float = 60.0) -> None:
        self._url = make_url(url) if isinstance(url, str) else url
        self.url = self._url.render_as_string(hide_password=True)
        self.dialect = self._url.get_backend_name()
        if self.dialect == "sqlite" and self._url.database not in (None, "", ":memory:"):
            Path(self._url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self._writer = _engine(self._url, immediate=True, timeout=timeout)
        self._reader = (
            _engine(self._url, timeout=timeout) if self.dialect == "sqlite" else self._writer
        )
        self._lock = threading.Lock()  # one appender per process; the database serialises processes
        self._wconn: Any = None  # SQLite: the held writer connection
        self._closed = False
        #: Called inside an SQLite append's transaction, before it commits, with the
        #: events as stored; a returned ``(key, through_seq, value)`` is put into the
        #: derived store in the same transaction (the studio's signed checkpoint).
        self.seal: Callable[[list[Event]], tuple[str, int, bytes] | None] | None = None
        try:
            schema.ensure_current(self._writer, upgrade=upgrade)
        except (SchemaOutOfDate, StorageError):
            self.close()
            raise
        except (DatabaseError, sqlite3.DatabaseError) as exc:
            self.close()
            raise CorruptStorage(_corrupt_message(self._url, exc)) from None

    # -- writing ----------------------------------------------------------------------
    def append(self, events: Sequence[NewEvent], *, expect: Expect | None = None) -> list[Event]:
        if not events:
            return []
        payloads = [canonical(e.payload) for e in events]  # fail before touching anything
        if expect is not None and expect.kinds is not None and not expect.kinds:
            expect = None  # no kind can conflict
        with self._lock:
            try:
                if self.dialect == "sqlite":
                    return self._append_sqlite(events, payloads, expect)
                with self._writer.begin() as conn:
                    row = conn.execute(_HEAD.with_for_update()).one()
                    if expect is not None:
                        newer = conn.execute(_newer(expect)).first()
                        if newer is not None:
                            raise expect.conflict(int(newer[0]), newer[1])
                    rows, stored = _chain(events, payloads, int(row[0]), row[1])
                    conn.execute(sa.insert(schema.events), [r._asdict() for r in rows])
                    conn.execute(
                        sa.update(schema.head)
                        .where(schema.head.c.id == 1)
                        .values(count=rows[-1].seq, hash=rows[-1].hash)
                    )
            except IntegrityError:
                raise StorageError(
                    "could not append: an event id is already in the ledger"
                ) from None
            except (OperationalError, sqlite3.OperationalError) as exc:
                raise StorageError(
                    f"could not append to {self.url}: {getattr(exc, 'orig', exc)}"
                ) from exc
        return stored

    def _append_sqlite(
        self, events: Sequence[NewEvent], payloads: list[bytes], expect: Expect | None
    ) -> list[Event]:
        """The SQLite fast path: one held DB-API connection, four statements per append.

        A fifth, the ``expect`` check, runs after ``BEGIN IMMEDIATE`` has taken the
        write lock, so no other process can append between the check and the insert.
        """
        if self._wconn is None:
            self._wconn = self._writer.raw_connection()
        con = self._wconn.driver_connection
        cur = con.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            if expect is not None:
                kinds = sorted(expect.kinds) if expect.kinds is not None else []
                newer = cur.execute(
                    newer_sql(len(kinds)), (expect.work_id, expect.seq, *kinds)
                ).fetchone()
                if newer is not None:
                    raise expect.conflict(int(newer[0]), newer[1])
            seq, prev = cur.execute("SELECT count, hash FROM ledger_head WHERE id = 1").fetchone()
            rows, stored = _chain(events, payloads, int(seq), prev)
            cur.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            cur.execute(
                "UPDATE ledger_head SET count = ?, hash = ? WHERE id = 1",
                (rows[-1].seq, rows[-1].hash),
            )
            sealed = self.seal(stored) if self.seal is not None else None
            if sealed is not None:  # e.g. the signed checkpoint: in the same transaction
                cur.execute(_PUT_DERIVED, (*sealed, now()))
            cur.execute("COMMIT")
        except sqlite3.IntegrityError:
            cur.execute("ROLLBACK")
            raise StorageError("could not append: an event id is already in the ledger") from None
        except BaseException:
            if con.in_transaction:
                cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()
        return stored

    # -- reading ----------------------------------------------------------------------
    def events(
        self,
        *,
        work_id: str | None = None,
        after: int = 0,
        kinds: Iterable[str] | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        t = schema.events
        q = sa.select(t).where(t.c.seq > after)  # columns in Event order
        if work_id is not None:
            q = q.where(t.c.work_id == work_id)
        if kinds is not None:
            q = q.where(t.c.kind.in_(list(kinds)))
        q = q.order_by(t.c.seq)
        if limit is not None:
            q = q.limit(limit)
        with self._reader.connect() as conn:
            result = conn.execute(q).all()
        loads = orjson.loads
        try:
            return [
                Event(r[0], r[1], r[2], r[3], r[4], r[5], loads(r[6]), r[7], r[8]) for r in result
            ]
        except orjson.JSONDecodeError as exc:
            raise CorruptStorage(
                f"an event payload in {self.url} is not valid JSON: {exc}"
            ) from None

    def head(self) -> tuple[int, str]:
        with self._reader.connect() as conn:
            row = conn.execute(_HEAD).one()
        return int(row[0]), row[1]

    def verify(self) -> VerifyReport:
        t = schema.events
        q = sa.select(t).order_by(t.c.seq)  # columns in Event order
        with self._reader.connect() as conn:
            if self.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            # one read transaction: the chain and the head are seen at the same instant
            with conn.begin():
                head = conn.execute(_HEAD).one()
                rows = conn.execute(q).all()
        return verify_rows(rows, (int(head[0]), head[1]))

    # -- derived state ----------------------------------------------------------------
    def get_derived(self, key: str) -> tuple[int, bytes] | None:
        d = schema.derived
        with self._reader.connect() as conn:
            row = conn.execute(sa.select(d.c.through_seq, d.c.value).where(d.c.key == key)).first()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def put_derived(self, key: str, through_seq: int, value: bytes) -> None:
        value = check_derived(key, through_seq, value)
        d = schema.derived
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        q = insert(d).values(key=key, through_seq=through_seq, value=value, at=now())
        # one statement: the row that covers more survives a race between two writers
        q = q.on_conflict_do_update(
            index_elements=[d.c.key],
            set_={
                "through_seq": q.excluded.through_seq,
                "value": q.excluded.value,
                "at": q.excluded.at,
            },
            where=d.c.through_seq <= q.excluded.through_seq,
        )
        with self._lock:
            try:
                with self._writer.begin() as conn:
                    conn.execute(q)
            except (OperationalError, sqlite3.OperationalError) as exc:
                raise StorageError(
                    f"could not keep derived state in {self.url}: {getattr(exc, 'orig', exc)}"
                ) from exc

    def raw_connection(self) -> sa.Connection:
        """A connection for maintenance and tests (bypasses the contract)."""
        return self._writer.connect()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._wconn is not None:
            self._wconn.close()
            self._wconn = None
        self._writer.dispose()
        if self._reader is not self._writer:
            self._reader.dispose()


def upgrade_database(url: str) -> tuple[str | None, str]:
    """Run pending migrations on the database at ``url``; return (before, after) revisions."""
    u = make_url(url.replace("postgres://", "postgresql://", 1))
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = _engine(u, immediate=True)
    try:
        return schema.upgrade(engine)
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        raise CorruptStorage(_corrupt_message(u, exc)) from None
    finally:
        engine.dispose()
