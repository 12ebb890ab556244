"""Alembic environment: runs on the engine cocreate hands over."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from cocreate.storage.schema import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url"))

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
