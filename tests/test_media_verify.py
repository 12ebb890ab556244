"""Media against the ledger: a changed, replaced, truncated or deleted file is found and named.

``cocreate.integrity.verify_media`` rehashes every file the ledger's artifact
events name (or, ``quick``, checks every size and rehashes a sample); the CLI's
``verify`` prints it beside the ledger's own verdict; a reader of damaged
content is told which artifact, never where the server keeps its files.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import cocreate
from cocreate.cli import app as cli_app
from cocreate.errors import CorruptStorage, NotFound
from cocreate.integrity import recorded_media, verify_media
from cocreate.media import FileMediaStore, MemoryMediaStore
from cocreate.web import create_app

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'studio.db'}"


@pytest.fixture
def studio(db: str, tmp_path: Path) -> Iterator[cocreate.Studio]:
    with cocreate.Studio(db, media=tmp_path / "media", seed=11) as st:
        yield st


@pytest.fixture
def work(studio: cocreate.Studio) -> cocreate.Work:
    w = studio.create_work("toy", "ana", "four calm numbers")
    made = w.propose(4)
    w.choose(made[0])
    w.contribute(b"0.1 0.2 0.3 0.4", "text/plain")
    w.edit(made[1], b"0.9 0.8 0.7 0.6")
    return w


def path_of(studio: cocreate.Studio, a: cocreate.Artifact) -> Path:
    media = studio.media
    assert isinstance(media, FileMediaStore)
    h = a.content_hash
    return media.root / h[:2] / h[2:4] / h


def test_every_artifact_event_is_collected(studio: cocreate.Studio, work: cocreate.Work) -> None:
    found = recorded_media(studio.storage)
    arts = work.artifacts()
    assert len(arts) == 6
    assert set(found) == {a.content_hash for a in arts}
    named = {r.artifact_id for rs in found.values() for r in rs}
    assert named == {a.id for a in arts}
    assert all(r.work_id == work.id for rs in found.values() for r in rs)


def test_an_intact_store_says_so_full_and_quick(
    studio: cocreate.Studio, work: cocreate.Work
) -> None:
    full = verify_media(studio.storage, studio.media)
    assert full.ok and full.hashed == full.files == 6 and not full.quick
    assert str(full) == "media intact: 6 files, each rehashed against the ledger"
    quick = verify_media(studio.storage, studio.media, quick=True, sample=2)
    assert quick.ok and quick.hashed == 2 and quick.quick
    assert "6 files by size, 2 of them rehashed" in str(quick) and "quick" in str(quick)


def _named(report: object, a: cocreate.Artifact) -> str:
    text = str(report)
    assert a.id[:8] in text and a.work_id[:8] in text and a.media_type in text, text
    return text


def test_a_changed_byte_is_named(studio: cocreate.Studio, work: cocreate.Work) -> None:
    a = work.artifacts()[2]
    path = path_of(studio, a)
    data = bytearray(path.read_bytes())
    data[3] ^= 0x01
    path.write_bytes(bytes(data))
    report = verify_media(studio.storage, studio.media)
    assert not report.ok and [p.kind for p in report.problems] == ["changed"]
    assert "no longer match" in _named(report, a)
    assert report.problems[0].recorded[0].artifact_id == a.id
    # a quick check finds it when it is in the sample, and says what it cannot see otherwise
    assert not verify_media(studio.storage, studio.media, quick=True, sample=6).ok
    blind = verify_media(studio.storage, studio.media, quick=True, sample=0)
    assert blind.ok and "found only in the sample" in str(blind)


def test_a_replaced_file_is_named(studio: cocreate.Studio, work: cocreate.Work) -> None:
    a, b = work.artifacts()[0], work.artifacts()[4]
    path_of(studio, a).write_bytes(b"0.5 0.5 0.5 0.5 and more")
    for quick in (False, True):
        report = verify_media(studio.storage, studio.media, quick=quick, sample=0)
        assert [p.kind for p in report.problems] == ["changed"], report
        _named(report, a)
        assert b.id[:8] not in str(report)
    assert "bytes where the ledger records" in str(
        verify_media(studio.storage, studio.media, quick=True)
    )


def test_a_deleted_file_is_named(studio: cocreate.Studio, work: cocreate.Work) -> None:
    a = work.artifacts()[5]
    path_of(studio, a).unlink()
    for quick in (False, True):
        report = verify_media(studio.storage, studio.media, quick=quick)
        assert [p.kind for p in report.problems] == ["missing"]
        assert "its file is missing" in _named(report, a)
        assert report.missing and not report.changed


def test_a_truncated_file_is_named(studio: cocreate.Studio, work: cocreate.Work) -> None:
    a = work.artifacts()[1]
    path = path_of(studio, a)
    path.write_bytes(path.read_bytes()[:3])
    for quick in (False, True):
        report = verify_media(studio.storage, studio.media, quick=quick, sample=0)
        assert [p.kind for p in report.problems] == ["changed"]
        _named(report, a)
    assert report.to_dict()["problems"][0]["artifacts"][0]["artifact"] == a.id


def test_shared_content_names_every_artifact_that_has_it(
    studio: cocreate.Studio, work: cocreate.Work
) -> None:
    again = work.contribute(b"0.1 0.2 0.3 0.4", "text/plain")  # the same bytes twice
    path_of(studio, again).unlink()
    report = verify_media(studio.storage, studio.media)
    [problem] = report.problems
    assert len(problem.recorded) == 2 and "and 1 more with the same content" in str(problem)


def test_the_check_is_pure_over_any_store() -> None:
    media = MemoryMediaStore()
    with cocreate.Studio("memory://", media=media, seed=3) as studio:
        w = studio.create_work("toy", "ana", "numbers")
        a, b, *_ = w.propose(3)
        media._blobs[a.content_hash] = b"0.0 0.0 0.0 0.0"  # the memory store does not check
        del media._blobs[b.content_hash]
        report = verify_media(studio.storage, media, rng=random.Random(1))
    assert {(p.kind, p.recorded[0].artifact_id) for p in report.problems} == {
        ("changed", a.id),
        ("missing", b.id),
    }


def test_the_reader_of_damaged_content_is_told_the_artifact_not_a_path(
    studio: cocreate.Studio, work: cocreate.Work, tmp_path: Path
) -> None:
    a = work.artifacts()[2]
    path_of(studio, a).write_bytes(b"tampered")
    with pytest.raises(CorruptStorage) as info:
        _ = work.studio.work(work.id).artifact(a.id).content
    assert str(tmp_path) not in str(info.value) and a.content_hash[:16] in str(info.value)

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(studio))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
            return await c.get(f"/api/works/{work.id}/artifacts/{a.id}/content")

    r = asyncio.run(get())
    assert r.status_code == 503
    assert a.id in r.json()["detail"] and str(tmp_path) not in r.text and "/media/" not in r.text


def test_a_missing_file_is_not_found_without_a_path(
    studio: cocreate.Studio, work: cocreate.Work, tmp_path: Path
) -> None:
    a = work.artifacts()[3]
    path_of(studio, a).unlink()
    with pytest.raises(NotFound) as info:
        studio.media.get(a.content_hash)
    assert str(tmp_path) not in str(info.value)
    assert studio.media.size(a.content_hash) is None


# -- the command -------------------------------------------------------------------------


def _verify(db: str, tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {"COCREATE_MEDIA": str(tmp_path / "media")}
    result = runner.invoke(cli_app, ["--db", db, "verify", *args], env=env)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_the_command_prints_the_ledger_and_the_media(
    db: str, studio: cocreate.Studio, work: cocreate.Work, tmp_path: Path
) -> None:
    code, said = _verify(db, tmp_path)
    assert code == 0 and "ledger intact" in said and "media intact: 6 files" in said
    code, said = _verify(db, tmp_path, "--quick")
    assert code == 0 and "quick check" in said
    a = work.artifacts()[2]
    path_of(studio, a).unlink()
    code, said = _verify(db, tmp_path)
    assert code == 1 and "ledger intact" in said and "media damaged" in said
    assert a.id[:8] in said and "missing" in said
    code, said = _verify(db, tmp_path, "--quick")
    assert code == 1 and a.id[:8] in said
