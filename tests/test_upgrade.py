"""A studio written by cocreate 0.1.0 is upgraded by ``cocreate storage upgrade`` and reads as before.

``fixtures/release-0.1`` was made by 0.1.0 itself (``fixtures/make_release_0_1.py``), with
``figures.json`` holding what 0.1.0 read from it; the key figures are also written out here.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import cocreate
from cocreate.cli import app
from cocreate.storage import schema

FIXTURE = Path(__file__).parent / "fixtures" / "release-0.1"
FIGURES: dict[str, Any] = json.loads((FIXTURE / "figures.json").read_text())


@pytest.fixture
def old(tmp_path: Path) -> tuple[str, Path]:
    """A copy of the 0.1.0 studio: its URL and its media folder."""
    shutil.copy(FIXTURE / "studio.sqlite", tmp_path / "studio.sqlite")
    shutil.copytree(FIXTURE / "media", tmp_path / "media")
    return f"sqlite:///{tmp_path / 'studio.sqlite'}", tmp_path / "media"


@pytest.fixture
def upgraded(old: tuple[str, Path]) -> Iterator[cocreate.Studio]:
    url, media = old
    _upgrade(url)
    with cocreate.Studio(url, media=media, seed=1, pool_size=12) as studio:
        yield studio


def _upgrade(url: str) -> str:
    result = CliRunner().invoke(app, ["storage", "upgrade", "--db", url])
    assert result.exit_code == 0, result.output
    return result.output


def _tables(path: Path) -> tuple[set[str], str]:
    con = sqlite3.connect(path)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        (revision,) = con.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        con.close()
    return names, revision


def _attribution(work: cocreate.Work, artifact: str) -> dict[str, Any]:
    attr = work.attribution(artifact)
    return {
        "shares": {k: round(v, 6) for k, v in attr.shares().items()},
        "human_content": round(attr.human_content_share, 6),
    }


def _figures(studio: cocreate.Studio) -> dict[str, Any]:
    """What the studio reads, in the shape the fixture script recorded it."""
    out: dict[str, Any] = {"verify": str(studio.verify()), "works": []}
    for work in studio.works():
        edited = [a.id for a in work.artifacts() if a.operator.value == "edit"]
        current = work.current()
        assert current is not None
        out["works"].append(
            {
                "id": work.id,
                "domain": work.domain,
                "title": work.title,
                "artifacts": len(work.artifacts()),
                "rounds": {str(k): list(v) for k, v in work.rounds().items()},
                "judgments": [
                    [j.kind.value, j.actor, j.artifact, j.rating, j.undone]
                    for j in work.judgments()
                ],
                "current": current.id,
                "attribution": {i: _attribution(work, i) for i in [current.id, *edited]},
            }
        )
    return out


def test_the_fixture_is_what_0_1_wrote() -> None:
    """Had today's cocreate remade it, the upgrade would go untested."""
    tables, revision = _tables(FIXTURE / "studio.sqlite")
    assert revision == "0001" and tables == {"alembic_version", "events", "ledger_head"}
    assert not list(FIXTURE.glob("studio.sqlite-*")), "no WAL left beside it"


def test_an_old_database_is_refused_until_upgraded(old: tuple[str, Path]) -> None:
    url, media = old
    with pytest.raises(cocreate.SchemaOutOfDate, match="cocreate storage upgrade"):
        cocreate.Studio(url, media=media)
    tables, revision = _tables(Path(url.removeprefix("sqlite:///")))
    assert revision == "0001" and "derived" not in tables, "refusing changes nothing"


def test_upgrade_migrates_and_is_idempotent(old: tuple[str, Path]) -> None:
    url, _ = old
    target = schema.head_revision()
    assert f"upgraded from 0001 to {target}" in _upgrade(url)
    assert "already at the latest revision" in _upgrade(url)
    tables, revision = _tables(Path(url.removeprefix("sqlite:///")))
    assert revision == target and "derived" in tables


def test_the_upgraded_studio_reads_as_before(upgraded: cocreate.Studio) -> None:
    report = upgraded.verify()
    assert report.ok and report.count == 38
    assert _figures(upgraded) == FIGURES
    # the figures 0.1.0 printed, by hand, so a regenerated figures.json cannot hide a change
    image, design = upgraded.works()
    assert (image.domain, image.title, design.domain, design.title) == (
        "image",
        "emblem",
        "design",
        "poster",
    )
    assert (len(image.artifacts()), len(design.artifacts())) == (10, 9)
    assert [len(v) for v in image.rounds().values()] == [4, 4]
    assert [len(v) for v in design.rounds().values()] == [4, 4]
    assert [(j.kind.value, j.actor, j.rating, j.undone) for j in image.judgments()] == [
        ("choose", "ana", None, False),
        ("rate", "ana", 4, False),
        ("choose", "ana", None, False),
        ("rate", "ben", 2, False),
        ("note", "ana", None, False),
        ("rate", "ana", 5, True),
    ]
    assert [(j.kind.value, j.actor, j.undone) for j in design.judgments()] == [
        ("choose", "ana", False),
        ("choose", "ben", False),
        ("note", "ana", True),
    ]
    design_shares = _attribution(design, design.current().id)  # type: ignore[union-attr]
    assert design_shares == {
        "shares": {"ana": 0.432692, "ben": 0.153846, "ai:poster": 0.413462},
        "human_content": 0.25,
    }
    (edit,) = [a for a in image.artifacts() if a.operator.value == "edit"]
    assert _attribution(image, edit.id) == {
        "shares": {"ana": 0.569444, "ai:cppn": 0.430556},
        "human_content": 0.25,
    }
    assert image.artifact(edit.id).content.startswith(b"\x89PNG"), "the media is found"


def test_the_upgraded_studio_goes_on(upgraded: cocreate.Studio, old: tuple[str, Path]) -> None:
    work = upgraded.work(FIGURES["works"][0]["id"])
    shown = work.propose(4)
    work.choose(shown[0])
    assert sorted(work.rounds()) == [1, 2, 3] and shown[0].round == 3
    assert upgraded.verify().ok and upgraded.verify().count > 38
    upgraded.storage.put_derived("taste:ana:image", upgraded.verify().count, b"summary")
    url, media = old
    with cocreate.Studio(url, media=media) as again:
        assert again.verify().ok
        assert again.storage.get_derived("taste:ana:image") == (again.verify().count, b"summary")
        assert [j.kind.value for j in again.work(work.id).judgments()][-1] == "choose"


@pytest.mark.postgres
def test_a_postgres_database_at_0001_is_upgraded(postgres_url: str) -> None:
    """The same migration, by the same command, on PostgreSQL."""
    import sqlalchemy as sa
    from alembic import command

    from cocreate.storage.sql import SQLStorage
    from cocreate.testing.storage import event

    engine = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        command.upgrade(schema.alembic_config(engine), "0001")
    finally:
        engine.dispose()
    with pytest.raises(cocreate.SchemaOutOfDate, match="cocreate storage upgrade"):
        SQLStorage(postgres_url)
    assert f"upgraded from 0001 to {schema.head_revision()}" in _upgrade(postgres_url)
    with SQLStorage(postgres_url) as s:
        s.append([event(n=1)])
        s.put_derived("summary", 1, b"folded")
    with SQLStorage(postgres_url) as s:
        assert s.get_derived("summary") == (1, b"folded") and s.verify().ok
