"""Shared fixtures: studios on every storage backend, and the toy partner."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

import cocreate
from cocreate.partners import register
from toy_partner import ToyPartner

register(ToyPartner)

# A developer's own settings file must not steer the suite (cocreate.settings reads it).
os.environ["COCREATE_CONFIG"] = os.devnull

# Timing is for bench/, not tests: a loaded CI machine must not fail a property test.
settings.register_profile("cocreate", deadline=None)
settings.load_profile("cocreate")

BACKENDS = ["memory", "sqlite", "postgres"]
_db_names = itertools.count()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One throwaway PostgreSQL server for the whole run (started from the installed binaries)."""
    from servers import need_postgres, start_postgres

    need_postgres()
    server = start_postgres(tmp_path_factory.mktemp("pg"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: object) -> str:
    """A fresh, empty PostgreSQL database."""
    from servers import create_database

    return create_database(postgres_server, f"cocreate_test_{next(_db_names)}")


def storage_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "memory":
        return "memory://"
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'studio.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A storage URL for each backend in turn."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    return storage_url(request.param, tmp_path, request)


@pytest.fixture
def studio(backend_url: str, tmp_path: Path) -> Iterator[cocreate.Studio]:
    """A studio on each backend, with its media in a temporary folder."""
    with cocreate.Studio(backend_url, media=tmp_path / "media", seed=1234) as st:
        yield st


@pytest.fixture
def sqlite_studio(tmp_path: Path) -> Iterator[cocreate.Studio]:
    with cocreate.Studio(f"sqlite:///{tmp_path / 'studio.db'}", seed=99) as st:
        yield st


@pytest.fixture
def memory_studio() -> Iterator[cocreate.Studio]:
    with cocreate.Studio("memory://", seed=7) as st:
        yield st
