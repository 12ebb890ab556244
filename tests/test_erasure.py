"""Erasure by crypto-shredding: a person's name, notes and uploads go; the ledger still verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cocreate
from cocreate.cli import app
from cocreate.integrity import verify_media
from cocreate.integrity.erasure import (
    ERASED_PERSON,
    PERSON_ERASED,
    PersonKeys,
    is_sealed,
    open_with_passphrase,
    seal_with_passphrase,
)
from cocreate.model import Creator, EventKind

NAME, LEGAL, NOTE = "Ana Quimby", "Ana Q. Quimby-Smith", "my private thought on this one"
OTHER_NOTE = "ben likes the second"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'studio.db'}"


def _made(st: cocreate.Studio) -> tuple[cocreate.Work, str, str]:
    st.register_creator(Creator(id="ana", name=NAME, legal_name=LEGAL, email="ana@example.org"))
    st.register_creator(Creator(id="ben", name="Ben Other"))
    w = st.create_work("toy", "ana", "four calm numbers")
    made = w.propose(3)
    w.choose(made[0], by="ana")
    w.note(made[0], NOTE, by="ana")
    w.note(made[1], OTHER_NOTE, by="ben")
    mine = w.contribute(b"0.1 0.2 0.3 0.4", "text/plain", by="ana")
    theirs = w.contribute(b"0.5 0.6 0.7 0.8", "text/plain", by="ben")
    return w, mine.content_hash, theirs.content_hash


def _everything(st: cocreate.Studio, w: cocreate.Work) -> str:
    """Every export that names people, as one text."""
    w = st.work(w.id)
    parts = [
        json.dumps(w.attribution().to_dict()),
        str(w.attribution()),
        w.split_sheet().text,
        w.disclosure().text,
        json.dumps([c.to_dict() for c in st.creators()]),
        repr([j.text for j in w.judgments()]) if hasattr(w, "judgments") else "",
    ]
    for fmt in ("prov-json", "prov-n"):
        parts.append(w.export(format=fmt).data.decode())
    return "\n".join(parts)


def test_the_ledger_holds_personal_fields_only_sealed(db: str, tmp_path: Path) -> None:
    with cocreate.Studio(db, media=tmp_path / "media", seed=1) as st:
        _made(st)
        raw = json.dumps([e.payload for e in st.events()])
        assert NAME not in raw and LEGAL not in raw and NOTE not in raw
        registered = [e for e in st.events() if e.kind == EventKind.CREATOR_REGISTERED]
        assert all(is_sealed(e.payload["name"]) for e in registered)
        assert st.creator("ana").name == NAME  # read back through the person's key


def test_erasure_leaves_a_verifying_ledger_and_no_personal_data(db: str, tmp_path: Path) -> None:
    with cocreate.Studio(db, media=tmp_path / "media", seed=1) as st:
        w, mine, theirs = _made(st)
        before = _everything(st, w)
        assert NAME in before and NOTE in before
        report = st.erase_person("ana", by="ben")
        assert report.key_destroyed and report.media_deleted == (mine,)
        assert not report.plaintext_events
        assert st.verify().ok
        after = _everything(st, w)
        for secret in (NAME, LEGAL, NOTE, "ana@example.org"):
            assert secret not in after
        assert ERASED_PERSON in str(st.work(w.id).attribution())
        assert st.creator("ana").name == ERASED_PERSON
        assert "Ben Other" in after and OTHER_NOTE in after  # others untouched
        assert not st.media.exists(mine) and st.media.exists(theirs)
        media = verify_media(st.storage, st.media)
        assert media.ok and media.erased == 1
        assert "erased on request" in str(media)
        kinds = [e.kind for e in st.events()]
        assert kinds.count(PERSON_ERASED) == 1
    with cocreate.Studio(db, media=tmp_path / "media") as again:  # a fresh fold, too
        assert NOTE not in _everything(again, again.work(w.id))


def test_an_erased_upload_put_back_is_checked_again(db: str, tmp_path: Path) -> None:
    with cocreate.Studio(db, media=tmp_path / "media", seed=1) as st:
        _made(st)
        st.erase_person("ana", by="ben")
        st.media.put(b"0.1 0.2 0.3 0.4")
        report = verify_media(st.storage, st.media)
        assert report.ok and report.erased == 0


def test_shared_uploads_stay(db: str, tmp_path: Path) -> None:
    with cocreate.Studio(db, media=tmp_path / "media", seed=1) as st:
        w, mine, _ = _made(st)
        w.contribute(b"0.1 0.2 0.3 0.4", "text/plain", by="ben")  # ben uploads the same bytes
        report = st.erase_person("ana", by="ben")
        assert report.media_kept == (mine,) and not report.media_deleted
        assert st.media.exists(mine)


def test_older_plaintext_is_reported_honestly(db: str, tmp_path: Path) -> None:
    with cocreate.Studio(db, media=tmp_path / "media", seed=1) as st:
        # what a cocreate before sealing wrote
        st._append("", "creator.registered", "cy", {"id": "cy", "name": "Cy"})
        report = st.erase_person("cy", by="cy")
        assert not report.key_destroyed and len(report.plaintext_events) == 1
        assert "cannot be removed without breaking" in str(report)
        assert st.creator("cy").name == ERASED_PERSON  # exports no longer show it
        assert st.verify().ok


def test_an_unknown_person_is_refused(db: str, tmp_path: Path) -> None:
    with cocreate.Studio(db, media=tmp_path / "media", seed=1) as st:
        _made(st)
        with pytest.raises(cocreate.errors.InputError, match="no person"):
            st.erase_person("zed", by="ben")


def test_an_erased_id_cannot_be_given_data_again(tmp_path: Path) -> None:
    keys = PersonKeys(tmp_path)
    keys.get_or_create("ana")
    assert keys.destroy("ana") and keys.get("ana") is None
    with pytest.raises(cocreate.errors.InputError):
        keys.get_or_create("ana")


def test_passphrase_sealing_round_trips_and_refuses_a_wrong_one() -> None:
    sealed = seal_with_passphrase(b"key bytes", b"pass")
    assert open_with_passphrase(sealed, b"pass") == b"key bytes"
    with pytest.raises(ValueError):
        open_with_passphrase(sealed, b"nope")


def test_the_cli_erases(db: str, tmp_path: Path) -> None:
    with cocreate.Studio(db, seed=1) as st:
        w, _, _ = _made(st)
    runner = CliRunner()
    done = runner.invoke(app, ["--db", db, "erase", "ana", "--by", "ben", "--yes"])
    assert done.exit_code == 0, done.output
    assert "erased" in done.output
    works = runner.invoke(app, ["--db", db, "works"])
    assert works.exit_code == 0 and NAME not in works.output
    shown = runner.invoke(app, ["--db", db, "attribution", w.id])
    assert shown.exit_code == 0, shown.output
    assert NAME not in shown.output and ERASED_PERSON in shown.output
    verified = runner.invoke(app, ["--db", db, "verify"])
    assert verified.exit_code == 0, verified.output
    assert "erased on request" in " ".join(verified.output.split())


def test_a_backup_after_erasure_restores_with_the_erasure(tmp_path: Path) -> None:
    from cocreate.integrity.backup import backup, restore

    db = f"sqlite:///{tmp_path / 'old' / 'studio.db'}"
    media = tmp_path / "old" / "media"
    with cocreate.Studio(db, media=media, seed=1) as st:
        w, _, _ = _made(st)
        st.erase_person("ana", by="ben")
    keys = tmp_path / "old" / "credentials"
    public = backup(db, tmp_path / "public.tar", media=media, keys=keys)
    assert public.secrets_left_out and "--with-private-keys" in str(public)
    backup(db, tmp_path / "b.tar", media=media, keys=keys, with_private_keys=True, passphrase="pw")
    new = f"sqlite:///{tmp_path / 'new' / 'studio.db'}"
    restore(tmp_path / "b.tar", new, media=tmp_path / "new" / "media", passphrase="pw")
    with cocreate.Studio(new, media=tmp_path / "new" / "media") as st:
        assert st.verify().ok
        report = verify_media(st.storage, st.media)
        assert report.ok and report.erased == 1
        assert st.creator("ana").name == ERASED_PERSON
        assert st.creator("ben").name == "Ben Other"  # read with ben's restored key
        text = _everything(st, st.work(w.id))
        assert NAME not in text and NOTE not in text and OTHER_NOTE in text
