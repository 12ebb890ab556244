"""Backup and restore: one archive of ledger, media and keys; back into an empty studio; refused
when damaged, with nothing written."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import orjson
import pytest

import cocreate
from cocreate.integrity import verify_media
from cocreate.integrity.backup import BackupError, backup, read_archive, restore


@pytest.fixture
def made(tmp_path: Path) -> tuple[str, Path, Path]:
    """A studio with a work, media and a signing identity: (db url, media folder, keys folder)."""
    db = f"sqlite:///{tmp_path / 'old' / 'studio.db'}"
    media = tmp_path / "old" / "media"
    keys = tmp_path / "old" / "credentials"
    with cocreate.Studio(db, media=media, seed=3) as st:
        w = st.create_work("toy", "ana", "four calm numbers")
        made = w.propose(3)
        w.choose(made[0])
        w.contribute(b"0.1 0.2 0.3 0.4", "text/plain")
    from cocreate.authorship.identity import Identity

    Identity.load_or_create(keys)
    return db, media, keys


def test_backup_restore_verify(made: tuple[str, Path, Path], tmp_path: Path) -> None:
    db, media, keys = made
    out = tmp_path / "b.tar"
    report = backup(db, out, media=media, keys=keys)
    assert report.events > 0 and report.media >= 4 and not report.private_keys
    assert {"ca.pem", "signer.pem"} <= set(report.keys)
    assert not [k for k in report.keys if k.endswith((".key", ".retired"))]
    manifest, members = read_archive(out)
    assert set(manifest["members"]) == set(members)
    assert not any(n.endswith(".key") for n in members)

    new_db = f"sqlite:///{tmp_path / 'new' / 'studio.db'}"
    restore(out, new_db, media=tmp_path / "new" / "media", keys=tmp_path / "new" / "credentials")
    with cocreate.Studio(new_db, media=tmp_path / "new" / "media") as st:
        assert st.verify().ok
        assert verify_media(st.storage, st.media).ok
        assert len(st.events()) == report.events
        assert [w.id for w in st.works()]
    assert (tmp_path / "new" / "credentials" / "signer.pem").is_file()


def test_private_keys_are_encrypted_and_come_back(
    made: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, media, keys = made
    out = tmp_path / "b.tar"
    backup(db, out, media=media, keys=keys, with_private_keys=True, passphrase="correct horse")
    _, members = read_archive(out)
    assert members["keys/signer.key"].startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY")
    assert (keys / "signer.key").read_bytes() not in out.read_bytes()
    target = tmp_path / "new"
    with pytest.raises(BackupError, match="passphrase"):
        restore(out, f"sqlite:///{target / 's.db'}", media=target / "m", keys=target / "k")
    with pytest.raises(BackupError, match="passphrase does not open"):
        restore(
            out,
            f"sqlite:///{target / 's.db'}",
            media=target / "m",
            keys=target / "k",
            passphrase="wrong",
        )
    assert not target.exists()  # nothing written
    restore(
        out,
        f"sqlite:///{target / 's.db'}",
        media=target / "m",
        keys=target / "k",
        passphrase="correct horse",
    )
    from cocreate.authorship.identity import Identity

    again = Identity.load_or_create(target / "k")
    assert again.key_pem == (keys / "signer.key").read_bytes()


def test_a_backup_needs_a_passphrase_for_private_keys(
    made: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, media, keys = made
    with pytest.raises(cocreate.errors.InputError, match="passphrase"):
        backup(db, tmp_path / "b.tar", media=media, keys=keys, with_private_keys=True)
    assert not (tmp_path / "b.tar").exists()


def test_restore_refuses_to_overwrite(made: tuple[str, Path, Path], tmp_path: Path) -> None:
    db, media, keys = made
    out = tmp_path / "b.tar"
    backup(db, out, media=media, keys=keys)
    with pytest.raises(BackupError, match="already exists"):
        restore(out, db, media=tmp_path / "fresh")
    full = tmp_path / "full"
    full.mkdir()
    (full / "x").write_text("mine")
    with pytest.raises(BackupError, match="not empty"):
        restore(out, f"sqlite:///{tmp_path / 'n.db'}", media=full, keys=tmp_path / "k")
    assert not (tmp_path / "n.db").exists()
    with pytest.raises(BackupError, match="already exists"):
        backup(db, out, media=media)


def _rewrite(src: Path, dst: Path, change) -> None:
    """Copy the archive ``src`` to ``dst``, passing each (info, bytes) through ``change``."""
    with tarfile.open(src) as old, tarfile.open(dst, "w") as new:
        for info in old:
            data = old.extractfile(info).read()  # type: ignore[union-attr]
            for info2, data2 in change(info, data):
                info2.size = len(data2)
                new.addfile(info2, io.BytesIO(data2))


def _flip(info: tarfile.TarInfo, data: bytes):
    if info.name.startswith("media/"):
        data = bytes([data[0] ^ 1]) + data[1:]
    yield info, data


def _drop(info: tarfile.TarInfo, data: bytes):
    if info.name != "keys/ca.pem":
        yield info, data


def _extra(info: tarfile.TarInfo, data: bytes):
    yield info, data
    if info.name == "manifest.json":
        yield tarfile.TarInfo("media/" + "0" * 64), b"intruder"


def _climb(info: tarfile.TarInfo, data: bytes):
    if info.name == "keys/ca.pem":
        info = tarfile.TarInfo("keys/../../evil.pem")
    yield info, data


def _climb_listed(info: tarfile.TarInfo, data: bytes):
    if info.name == "manifest.json":
        m = orjson.loads(data)
        m["members"]["../evil"] = {"sha256": "0" * 64, "size": 1}
        data = orjson.dumps(m)
    yield info, data
    if info.name == "manifest.json":
        yield tarfile.TarInfo("../evil"), b"x"


def _link(info: tarfile.TarInfo, data: bytes):
    yield info, data
    if info.name == "manifest.json":
        link = tarfile.TarInfo("keys/link.pem")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        yield link, b""


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (_flip, "is damaged"),
        (_drop, "'keys/ca.pem' is missing"),
        (_extra, "is not in the manifest"),
        (_climb, "outside the archive"),
        (_climb_listed, "outside the archive"),
        (_link, "is not a file"),
    ],
)
def test_a_damaged_archive_is_refused_with_nothing_written(
    made: tuple[str, Path, Path], tmp_path: Path, change, said: str
) -> None:
    db, media, keys = made
    good, bad = tmp_path / "good.tar", tmp_path / "bad.tar"
    backup(db, good, media=media, keys=keys)
    _rewrite(good, bad, change)
    target = tmp_path / "target"
    with pytest.raises(BackupError, match=said):
        restore(bad, f"sqlite:///{target / 's.db'}", media=target / "m", keys=target / "k")
    assert not target.exists()
    assert not (tmp_path / "evil.pem").exists()


def test_a_truncated_archive_is_refused(made: tuple[str, Path, Path], tmp_path: Path) -> None:
    db, media, keys = made
    out = tmp_path / "b.tar"
    backup(db, out, media=media, keys=keys)
    out.write_bytes(out.read_bytes()[:3000])
    with pytest.raises(BackupError):
        restore(out, f"sqlite:///{tmp_path / 's.db'}", media=tmp_path / "m")
    assert not (tmp_path / "s.db").exists()


def test_postgresql_backup_restores_into_sqlite_and_back(
    made: tuple[str, Path, Path], tmp_path: Path, postgres_url: str
) -> None:
    db, media, keys = made
    first = tmp_path / "a.tar"
    backup(db, first, media=media, keys=keys)
    restore(first, postgres_url, media=tmp_path / "pg" / "media")
    with cocreate.Studio(postgres_url, media=tmp_path / "pg" / "media") as st:
        assert st.verify().ok
        count = len(st.events())
    second = tmp_path / "b.tar"
    report = backup(
        postgres_url, second, media=tmp_path / "pg" / "media", keys=tmp_path / "pg" / "credentials"
    )
    assert report.events == count
    manifest, members = read_archive(second)
    assert manifest["database"] == "rows" and "database/events.jsonl" in members
    back = f"sqlite:///{tmp_path / 'back.db'}"
    restore(second, back, media=tmp_path / "back" / "media")
    with cocreate.Studio(back, media=tmp_path / "back" / "media") as st:
        assert st.verify().ok and len(st.events()) == count
        assert verify_media(st.storage, st.media).ok
    with pytest.raises(BackupError, match="already holds"):
        restore(second, postgres_url, media=tmp_path / "other" / "media")


def test_the_cli_backs_up_restores_and_verifies(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cocreate.cli import app

    runner = CliRunner()
    old = f"sqlite:///{tmp_path / 'old' / 'studio.db'}"
    with cocreate.Studio(old, seed=3) as st:  # media beside the file, as the CLI finds them
        w = st.create_work("toy", "ana", "four calm numbers")
        w.choose(w.propose(3)[0])
        w.contribute(b"0.1 0.2 0.3 0.4", "text/plain")
        assert st.verify().ok
    out = tmp_path / "b.tar"
    done = runner.invoke(app, ["--db", old, "backup", str(out)])
    assert done.exit_code == 0, done.output
    new = f"sqlite:///{tmp_path / 'new' / 'studio.db'}"
    done = runner.invoke(app, ["restore-backup", str(out), "--db", new])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "new" / "studio-media").is_dir()
    done = runner.invoke(app, ["--db", new, "verify"])
    assert done.exit_code == 0, done.output
    assert "media intact" in done.output
    again = runner.invoke(app, ["restore-backup", str(out), "--db", new])
    assert again.exit_code == 2 and "already exists" in again.output

    secret = tmp_path / "pass.txt"
    secret.write_text("a long passphrase\n")
    private = tmp_path / "p.tar"
    done = runner.invoke(
        app,
        [
            "--db",
            old,
            "backup",
            str(private),
            "--with-private-keys",
            "--passphrase-file",
            str(secret),
        ],
    )
    assert done.exit_code == 0, done.output
    third = f"sqlite:///{tmp_path / 'third' / 'studio.db'}"
    done = runner.invoke(
        app, ["restore-backup", str(private), "--db", third, "--passphrase-file", str(secret)]
    )
    assert done.exit_code == 0, done.output
    assert (tmp_path / "third" / "credentials" / "checkpoint.key").is_file()
    assert runner.invoke(app, ["--db", third, "verify"]).exit_code == 0
