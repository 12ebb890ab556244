"""One archive of a whole studio: its ledger, its media and its keys, and the way back.

``backup`` writes a tar archive::

    manifest.json            what is in it: every other member with its SHA-256 and size
    database/studio.sqlite   a SQLite snapshot (the online backup API: consistent while others write)
    database/events.jsonl    or, from PostgreSQL, the ledger's rows as JSON lines,
    database/head.json       the head the storage recorded,
    database/derived.jsonl   and the derived cache
    media/<sha256>           every file of the media store, by its content hash
    keys/<name>.pem          the identity store's public certificates
    keys/<name>.key          its private keys, only on request, each a PKCS#8 PEM encrypted
                             under a passphrase (the best encryption ``cryptography`` has)

``restore`` reads such an archive into an empty database, media folder and
key folder; it refuses to write over anything. Before it writes a byte it
checks the whole archive against its manifest, and refuses a changed byte, a
missing member, a member the manifest does not name, a name that climbs out of
its folder (``..``, an absolute path) or anything that is not a plain file,
naming the problem. After the restore the ledger verifies (``cocreate verify``)
as it did when it was backed up.

The manifest's hashes catch damage, not forgery: anyone who can rewrite the
archive can rewrite its manifest too. The ledger inside carries its own hash
chain, which a restore checks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization

from ..errors import BackupError, CocreateError, InputError
from ..media import FileMediaStore, MediaStore, digest

FORMAT = "cocreate-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/studio.sqlite"
EVENTS_MEMBER = "database/events.jsonl"
HEAD_MEMBER = "database/head.json"
DERIVED_MEMBER = "database/derived.jsonl"

_HASH = re.compile(r"[0-9a-f]{64}")
_MEMBER = re.compile(
    r"(database/[a-z.]+|media/[0-9a-f]{64}|keys/[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)?)"
)
#: Files of the identity store that hold nothing secret (certificates, trusted public keys,
#: erasure marks); every other file there but the ``checkpoints`` records is a private key.
PUBLIC = (".pem", ".pub", ".erased")
PRIVATE = (".key", ".retired")
_EVENT_COLUMNS = ("seq", "id", "work_id", "kind", "actor", "at", "payload", "prev_hash", "hash")


@dataclass(frozen=True)
class BackupReport:
    """What an archive holds (written by ``backup``, or read back by ``restore``)."""

    path: Path
    events: int
    media: int
    keys: tuple[str, ...]
    private_keys: bool
    skipped: tuple[str, ...] = field(default=())  # media files left out, damaged in the store
    secrets_left_out: int = 0  # private key files not asked for (people's data keys among them)

    def __str__(self) -> str:
        keys = f"{len(self.keys)} key files" + (
            " (private keys encrypted)" if self.private_keys else " (public only)"
        )
        text = f"{self.path.name}: {self.events:,} events, {self.media:,} media files, {keys}"
        if self.secrets_left_out:
            text += (
                f"; {self.secrets_left_out} private key files left out (without them names and "
                "notes sealed under people's keys do not read back: use --with-private-keys)"
            )
        if self.skipped:
            text += f"; {len(self.skipped)} damaged media files left out: " + ", ".join(
                s[:16] for s in self.skipped
            )
        return text


# -- writing ----------------------------------------------------------------------------


def backup(
    db_url: str,
    out: str | os.PathLike[str],
    *,
    media: MediaStore | str | os.PathLike[str] | None = None,
    keys: str | os.PathLike[str] | None = None,
    with_private_keys: bool = False,
    passphrase: bytes | str | None = None,
) -> BackupReport:
    """Write the studio at ``db_url`` (with its ``media`` folder and ``keys`` folder) to ``out``.

    ``out`` must not exist yet. Private keys go in only with ``with_private_keys``,
    and then only encrypted under ``passphrase``.
    """
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out.name} already exists; a backup never overwrites a file")
    if with_private_keys and not passphrase:
        raise InputError("--with-private-keys needs a passphrase to encrypt them under")
    secret = passphrase.encode() if isinstance(passphrase, str) else passphrase
    members: dict[str, bytes | Path] = {}
    with tempfile.TemporaryDirectory(prefix="cocreate-backup-") as tmp:
        kind, events = _database(db_url, Path(tmp), members)
        store = _media_store(media)
        count, skipped = _media(store, members) if store is not None else (0, [])
        names, left_out = _keys(
            Path(keys) if keys else None, members, secret if with_private_keys else None
        )
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": kind,
            "events": events,
            "private_keys": bool(with_private_keys),
            "members": {name: _summary(data) for name, data in sorted(members.items())},
        }
        _write_tar(out, manifest, members)
    return BackupReport(
        out, events, count, tuple(names), bool(with_private_keys), tuple(skipped), left_out
    )


def _summary(data: bytes | Path) -> dict[str, Any]:
    if isinstance(data, bytes):
        return {"sha256": digest(data), "size": len(data)}
    h = hashlib.sha256()
    with data.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return {"sha256": h.hexdigest(), "size": data.stat().st_size}


def _write_tar(out: Path, manifest: dict[str, Any], members: Mapping[str, bytes | Path]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        with tarfile.open(partial, "x") as tar:
            _add(tar, MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
            for name, data in sorted(members.items()):
                _add(tar, name, data)
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _add(tar: tarfile.TarFile, name: str, data: bytes | Path) -> None:
    info = tarfile.TarInfo(name)
    info.mode = 0o600
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    if isinstance(data, bytes):
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    else:
        info.size = data.stat().st_size
        with data.open("rb") as f:
            tar.addfile(info, f)


def _sqlite_path(url: str) -> Path | None:
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            path = url[len(prefix) :].split("?", 1)[0]
            return None if path in ("", ":memory:") else Path(path).expanduser()
    return None


def _database(url: str, tmp: Path, members: dict[str, bytes | Path]) -> tuple[str, int]:
    """Put the database in ``members``; return its kind and how many events it has."""
    path = _sqlite_path(url)
    if path is not None:
        if not path.is_file():
            raise BackupError(f"no database at {path}")
        snapshot = tmp / "studio.sqlite"
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(snapshot)
            try:
                source.backup(target)  # pages copied under a read lock: one consistent instant
                target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                (events,) = target.execute("SELECT count FROM ledger_head WHERE id = 1").fetchone()
            finally:
                target.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"the database cannot be read for a backup: {exc}") from None
        finally:
            source.close()
        members[SQLITE_MEMBER] = snapshot
        return "sqlite", int(events)
    if url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres"):
        return "rows", _export_rows(url, members)
    raise BackupError(f"cannot back up {url!r}: only SQLite and PostgreSQL databases are kept")


def _export_rows(url: str, members: dict[str, bytes | Path]) -> int:
    import sqlalchemy as sa

    from ..storage.sql import SQLStorage

    storage = SQLStorage(url.replace("postgres://", "postgresql://", 1))
    try:
        with storage.raw_connection() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():  # one snapshot of the ledger, its head and the cache
                head = conn.execute(sa.text("SELECT count, hash FROM ledger_head WHERE id = 1"))
                count, last = head.one()
                rows = conn.execute(
                    sa.text(f"SELECT {', '.join(_EVENT_COLUMNS)} FROM events ORDER BY seq")
                ).all()
                derived = conn.execute(
                    sa.text("SELECT key, through_seq, value, at FROM derived ORDER BY key")
                ).all()
    finally:
        storage.close()
    members[EVENTS_MEMBER] = b"".join(
        orjson.dumps(dict(zip(_EVENT_COLUMNS, r, strict=True))) + b"\n" for r in rows
    )
    members[HEAD_MEMBER] = orjson.dumps({"count": int(count), "hash": last})
    members[DERIVED_MEMBER] = b"".join(
        orjson.dumps({"key": k, "through_seq": int(s), "value": bytes(v).hex(), "at": a}) + b"\n"
        for k, s, v, a in derived
    )
    return int(count)


def _media_store(media: MediaStore | str | os.PathLike[str] | None) -> FileMediaStore | None:
    if media is None:
        return None
    if isinstance(media, FileMediaStore):
        return media
    if isinstance(media, MediaStore):
        raise BackupError(
            "only a media folder can be backed up (this studio's media are in memory)"
        )
    return FileMediaStore(media)


def stored_names(store: FileMediaStore) -> Iterator[str]:
    """The content hashes of every file in a media folder, sorted."""
    if not store.root.is_dir():
        return
    for path in sorted(store.root.glob("??/??/*")):
        if path.is_file() and _HASH.fullmatch(path.name):
            yield path.name


def _media(store: FileMediaStore, members: dict[str, bytes | Path]) -> tuple[int, list[str]]:
    skipped: list[str] = []
    count = 0
    for name in stored_names(store):
        try:
            store.get(name)  # the bytes are what they are named, or they stay out
        except CocreateError:
            skipped.append(name)
            continue
        members[f"media/{name}"] = store.root / name[:2] / name[2:4] / name
        count += 1
    return count, skipped


def _keys(
    folder: Path | None, members: dict[str, bytes | Path], secret: bytes | None
) -> tuple[list[str], int]:
    """The public certificates of ``folder``; its private keys too, encrypted, with ``secret``;
    and how many private files were left out."""
    if folder is None or not folder.is_dir():
        return [], 0
    names: list[str] = []
    left_out = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if not _MEMBER.fullmatch(f"keys/{rel}") or not rel.endswith(PUBLIC + PRIVATE):
            continue
        data = path.read_bytes()
        if rel.endswith(PUBLIC):
            members[f"keys/{rel}"] = data
        elif secret is not None:
            members[f"keys/{rel}"] = _encrypt_key(data, secret, rel)
        else:
            left_out += 1
            continue
        names.append(rel)
    return names, left_out


def _encrypt_key(data: bytes, secret: bytes, name: str) -> bytes:
    try:
        key = serialization.load_pem_private_key(data, None)
    except (ValueError, TypeError):
        # not a PEM private key (e.g. a person's data key): wrapped whole, under the passphrase
        from .erasure import seal_with_passphrase

        return seal_with_passphrase(data, secret)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret),
    )


# -- reading and restoring ----------------------------------------------------------------


def read_archive(
    path: str | os.PathLike[str], *, media: bool = True
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and every member of the archive at ``path``, each checked against it.

    Raises ``BackupError`` naming the first problem: a member changed, missing,
    not in the manifest, not a plain file, or named outside the archive's folders.
    With ``media=False`` the media files are checked by streaming them but not
    kept (their bytes are left out of the answer), so a large archive is not
    held in memory.
    """
    path = Path(path)
    try:
        tar = tarfile.open(path, "r:")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        raise BackupError(f"no archive at {path}") from None
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{path.name} is not a readable backup archive: {exc}") from None
    found: dict[str, bytes] = {}
    sums: dict[str, tuple[str, int]] = {}
    with tar:
        try:
            for info in tar:
                name = info.name
                if name.startswith("/") or ".." in name.split("/") or "\\" in name:
                    raise BackupError(
                        f"{path.name} is refused: its member {name!r} names a path outside "
                        "the archive's folders"
                    )
                if not info.isreg():
                    raise BackupError(f"{path.name} is refused: its member {name!r} is not a file")
                if name in sums:
                    raise BackupError(f"{path.name} is refused: it holds {name!r} twice")
                f = tar.extractfile(info)
                if f is None:
                    raise BackupError(f"{path.name} is refused: its member {name!r} is not a file")
                if media or not name.startswith("media/"):
                    found[name] = f.read()
                    sums[name] = (digest(found[name]), len(found[name]))
                else:
                    sums[name] = _stream_sum(f)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{path.name} is damaged: {exc}") from None
    sums.pop(MANIFEST, None)
    if MANIFEST not in found:
        raise BackupError(f"{path.name} is refused: it has no {MANIFEST}")
    try:
        manifest = orjson.loads(found.pop(MANIFEST))
        listed = manifest["members"]
        assert manifest["format"] == FORMAT and isinstance(listed, dict)
    except (orjson.JSONDecodeError, KeyError, TypeError, AssertionError):
        raise BackupError(
            f"{path.name} is refused: its {MANIFEST} is not a backup manifest"
        ) from None
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"{path.name} is backup format version {manifest.get('version')!r}; "
            f"this cocreate reads version {VERSION}"
        )
    for name in sorted(sums):
        if name not in listed:
            raise BackupError(f"{path.name} is refused: its member {name!r} is not in the manifest")
        if not _MEMBER.fullmatch(name):
            raise BackupError(f"{path.name} is refused: {name!r} is not a backup member")
    for name, summary in sorted(listed.items()):
        if name not in sums:
            raise BackupError(f"{path.name} is refused: the member {name!r} is missing")
        if not isinstance(summary, dict) or sums[name] != (
            summary.get("sha256"),
            summary.get("size"),
        ):
            raise BackupError(
                f"{path.name} is refused: the member {name!r} is damaged (its SHA-256 differs "
                "from the manifest's)"
            )
        if name.startswith("media/") and sums[name][0] != name[len("media/") :]:
            raise BackupError(f"{path.name} is refused: the media file {name!r} is not its name")
    return manifest, found


def _stream_sum(f: Any) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
        size += len(block)
    return h.hexdigest(), size


def _put_media(archive: Path, store: FileMediaStore, listed: Mapping[str, Any]) -> None:
    """Stream the archive's media files into ``store``, each checked against its name again."""
    with tarfile.open(archive, "r:") as tar:
        for info in tar:
            if not info.name.startswith("media/") or info.name not in listed:
                continue
            f = tar.extractfile(info)
            data = f.read() if f is not None else b""
            if digest(data) != info.name[len("media/") :]:
                raise BackupError(f"{archive.name} changed while it was restored ({info.name})")
            store.put(data)


def restore(
    archive: str | os.PathLike[str],
    db_url: str,
    *,
    media: str | os.PathLike[str] | None = None,
    keys: str | os.PathLike[str] | None = None,
    passphrase: bytes | str | None = None,
) -> BackupReport:
    """Bring the studio in ``archive`` back into the empty ``db_url``, ``media`` and ``keys``.

    ``keys`` defaults to ``credentials`` beside ``media``, where a studio looks for them.

    Everything is checked first (the archive against its manifest, the targets
    empty, a passphrase for encrypted keys); a problem raises ``BackupError``
    with nothing written.
    """
    archive = Path(archive)
    manifest, members = read_archive(archive, media=False)
    _check_empty_database(db_url)
    media_dir = Path(media) if media is not None else None
    keys_dir = Path(keys) if keys is not None else None
    if keys_dir is None and media_dir is not None:  # where a studio looks by default
        keys_dir = media_dir.resolve().parent / "credentials"
    media_names = [n for n in manifest["members"] if n.startswith("media/")]
    key_names = [n for n in members if n.startswith("keys/")]
    for folder, what, wanted in ((media_dir, "media", media_names), (keys_dir, "keys", key_names)):
        if folder is not None and folder.exists() and any(folder.iterdir()):
            raise BackupError(
                f"the {what} folder {folder} is not empty; restore needs an empty one"
            )
        if folder is None and wanted:
            raise BackupError(f"the archive has {what} files: say where they go")
    secret = passphrase.encode() if isinstance(passphrase, str) else passphrase
    keys_plain = {n: _decrypt_key(n, members[n], secret) for n in key_names}  # fail before writing

    _restore_database(manifest, members, db_url)
    if media_dir is not None:
        _put_media(archive, FileMediaStore(media_dir), manifest["members"])
    if keys_dir is not None and keys_plain:
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name, data in sorted(keys_plain.items()):
            target = keys_dir / name[len("keys/") :]
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            if name.endswith(PUBLIC):
                os.chmod(target, 0o644)
    return BackupReport(
        archive,
        int(manifest.get("events", 0)),
        len(media_names),
        tuple(n[len("keys/") :] for n in key_names),
        bool(manifest.get("private_keys")),
    )


def _decrypt_key(name: str, data: bytes, secret: bytes | None) -> bytes:
    if name.endswith(PUBLIC):
        return data
    if not secret:
        raise BackupError(f"the archive holds encrypted keys ({name}): give the passphrase")
    if data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY"):
        try:
            key = serialization.load_pem_private_key(data, secret)
        except (ValueError, TypeError):
            raise BackupError(f"the passphrase does not open {name}") from None
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    from .erasure import open_with_passphrase

    try:
        return open_with_passphrase(data, secret)
    except ValueError:
        raise BackupError(f"the passphrase does not open {name}") from None


def _check_empty_database(url: str) -> None:
    path = _sqlite_path(url)
    if path is not None:
        if path.exists():
            raise BackupError(f"{path} already exists; restore writes only into a new database")
        return
    if url.split(":", 1)[0].split("+", 1)[0] not in ("postgresql", "postgres"):
        raise BackupError(f"cannot restore into {url!r}: give a sqlite:/// or postgresql:// URL")
    import sqlalchemy as sa

    from ..storage.sql import _engine

    engine = _engine(sa.engine.make_url(url.replace("postgres://", "postgresql://", 1)))
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            if "events" in tables:
                count = conn.execute(sa.text("SELECT count(*) FROM events")).scalar()
                if count:
                    raise BackupError(
                        f"the database already holds {count:,} events; restore writes only "
                        "into an empty one"
                    )
            elif tables - {"alembic_version"}:
                raise BackupError("the database has other tables; restore needs an empty one")
    finally:
        engine.dispose()


def _restore_database(manifest: Mapping[str, Any], members: Mapping[str, bytes], url: str) -> None:
    if manifest.get("database") == "sqlite" and SQLITE_MEMBER in members:
        data = members[SQLITE_MEMBER]
        path = _sqlite_path(url)
        if path is not None:  # the snapshot is the database
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            return
        rows, head, derived = _rows_of_snapshot(data)
    elif EVENTS_MEMBER in members and HEAD_MEMBER in members:
        rows = [orjson.loads(line) for line in members[EVENTS_MEMBER].splitlines() if line]
        head = orjson.loads(members[HEAD_MEMBER])
        derived = [orjson.loads(line) for line in members.get(DERIVED_MEMBER, b"").splitlines()]
        derived = [dict(d, value=bytes.fromhex(d["value"])) for d in derived if d]
    else:
        raise BackupError("the archive holds no database")
    _insert_rows(url, rows, head, derived)


def _rows_of_snapshot(data: bytes) -> tuple[list[dict], dict, list[dict]]:
    with tempfile.TemporaryDirectory(prefix="cocreate-restore-") as tmp:
        file = Path(tmp) / "studio.sqlite"
        file.write_bytes(data)
        con = sqlite3.connect(file)
        try:
            rows = [
                dict(zip(_EVENT_COLUMNS, r, strict=True))
                for r in con.execute(f"SELECT {', '.join(_EVENT_COLUMNS)} FROM events ORDER BY seq")
            ]
            count, last = con.execute("SELECT count, hash FROM ledger_head WHERE id = 1").fetchone()
            derived = [
                {"key": k, "through_seq": s, "value": bytes(v), "at": a}
                for k, s, v, a in con.execute("SELECT key, through_seq, value, at FROM derived")
            ]
        finally:
            con.close()
    return rows, {"count": count, "hash": last}, derived


def _insert_rows(url: str, rows: list[dict], head: Mapping[str, Any], derived: list[dict]) -> None:
    import sqlalchemy as sa

    from ..storage import schema
    from ..storage.sql import SQLStorage

    storage = SQLStorage(url.replace("postgres://", "postgresql://", 1))  # makes the schema
    try:
        with storage.raw_connection() as conn, conn.begin():
            if rows:
                conn.execute(sa.insert(schema.events), rows)
            conn.execute(
                sa.update(schema.head)
                .where(schema.head.c.id == 1)
                .values(count=int(head["count"]), hash=head["hash"])
            )
            if derived:
                conn.execute(sa.insert(schema.derived), derived)
    finally:
        storage.close()
