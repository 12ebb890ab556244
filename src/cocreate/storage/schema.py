"""The database schema, and the Alembic migrations that create and upgrade it."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ..errors import CorruptStorage, SchemaOutOfDate
from ..ledger import GENESIS

MIGRATIONS = Path(__file__).with_name("migrations")

metadata = sa.MetaData()

events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("id", sa.String(36), nullable=False, unique=True),
    sa.Column("work_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_events_work_seq", "work_id", "seq"),
    sa.Index("ix_events_kind_seq", "kind", "seq"),
)

head = sa.Table(
    "ledger_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# A cache beside the ledger (see ``Storage.get_derived``): never hashed, never verified.
derived = sa.Table(
    "derived",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("through_seq", sa.BigInteger, nullable=False),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
)

GENESIS_HEAD = {"id": 1, "count": 0, "hash": GENESIS}


def alembic_config(engine: sa.Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: sa.Engine) -> tuple[str | None, str]:
    """Run every pending migration; return (revision before, revision after)."""
    before = current_revision(engine)
    command.upgrade(alembic_config(engine), "head")
    return before, current_revision(engine) or ""


def ensure_current(engine: sa.Engine, *, upgrade: bool = False) -> None:
    """Create the schema in an empty database; refuse one that is older or foreign."""
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    rev = current_revision(engine) if "alembic_version" in tables else None
    target = head_revision()
    if rev == target:
        return
    if rev is None and tables - {"alembic_version"}:
        raise CorruptStorage(
            f"the database has tables ({', '.join(sorted(tables)[:5])}) but is not a cocreate store"
        )
    if rev is None or upgrade:
        globals()["upgrade"](engine)
        return
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if rev not in known:
        raise SchemaOutOfDate(
            f"the database is at schema revision {rev}, which this version of cocreate does "
            "not know: it was written by a newer cocreate"
        )
    raise SchemaOutOfDate(
        f"the database schema is at revision {rev} but this cocreate needs {target}: "
        "run `cocreate storage upgrade` (keep a backup first)"
    )
