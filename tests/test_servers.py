"""The test servers themselves: a throwaway PostgreSQL and the system's headless Chromium."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from servers import (
    CHROMIUM_ARGS,
    PostgresServer,
    create_database,
    need_chromium,
    need_postgres,
    start_postgres,
)


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """A server of this module's own, so that starting and stopping one is tested too."""
    need_postgres()
    with start_postgres(tmp_path_factory.mktemp("pg-own")) as server:
        yield server


@pytest.mark.postgres
def test_postgres_answers_through_sqlalchemy(pg: PostgresServer) -> None:
    import sqlalchemy as sa

    assert pg.url.startswith("postgresql+psycopg://")
    engine = sa.create_engine(pg.url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
            assert conn.execute(sa.text("SHOW fsync")).scalar() == "off"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_create_database_gives_independent_databases(pg: PostgresServer) -> None:
    import sqlalchemy as sa

    url_a = create_database(pg, "servers_a")
    url_b = create_database(pg, "servers_b")
    assert url_a != url_b
    a, b = sa.create_engine(url_a), sa.create_engine(url_b)
    try:
        with a.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (x int)"))
            conn.execute(sa.text("INSERT INTO t VALUES (42)"))
        with b.connect() as conn:
            assert conn.execute(sa.text("SELECT to_regclass('t')")).scalar() is None
            assert conn.execute(sa.text("SELECT current_database()")).scalar() == "servers_b"
        with a.connect() as conn:
            assert conn.execute(sa.text("SELECT x FROM t")).scalar() == 42
        a.dispose()
        # Creating it again hands back a fresh, empty database.
        assert create_database(pg, "servers_a") == url_a
        with a.connect() as conn:
            assert conn.execute(sa.text("SELECT to_regclass('t')")).scalar() is None
    finally:
        a.dispose()
        b.dispose()


@pytest.mark.postgres
def test_stop_removes_the_cluster(tmp_path: Path) -> None:
    need_postgres()
    server = start_postgres(tmp_path)
    root = server.root
    assert (root / "data" / "PG_VERSION").exists()
    server.stop()
    server.stop()  # idempotent
    assert not root.exists()
    assert (tmp_path / "postgres.log").exists()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.browser
def test_headless_chromium_loads_a_local_page(tmp_path: Path) -> None:
    from playwright import sync_api  # in the [test] extra

    path = need_chromium()
    (tmp_path / "index.html").write_text(
        "<!doctype html><title>cocreate smoke</title><p id=p>hello</p>", encoding="utf-8"
    )
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_Quiet, directory=str(tmp_path))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page()
                page.goto(url, timeout=30_000)
                assert page.title() == "cocreate smoke"
                assert page.text_content("#p") == "hello"
            finally:
                browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
