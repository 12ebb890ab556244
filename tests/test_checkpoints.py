"""The Merkle tree, its proofs, the checkpoint key, and the checkpoint commands."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as hs
from typer.testing import CliRunner

from cocreate import Studio
from cocreate.authorship.identity import (
    CHECKPOINT_KEY,
    SIGNER_KEY,
    checkpoint_keys,
    rotate_checkpoint_key,
)
from cocreate.cli import app
from cocreate.integrity import merkle
from cocreate.integrity.checkpoints import DERIVED_KEY, Checkpoint, outside_path


def _reference_root(leaves: list[bytes]) -> bytes:
    """RFC 9162's MTH, written straight from its definition."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(str(i).encode()).hexdigest()) for i in range(n)]


def test_leaf_and_node_use_the_rfc_prefixes() -> None:
    h = "ab" * 32
    assert merkle.leaf_hash(h) == hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest()
    assert merkle.node_hash(b"l", b"r") == hashlib.sha256(b"\x01lr").digest()


@given(hs.integers(0, 70))
def test_frontier_root_matches_the_definition(n: int) -> None:
    leaves = _leaves(n)
    assert merkle.root(leaves) == _reference_root(leaves)


@given(hs.integers(1, 70), hs.data())
def test_inclusion_proofs(n: int, data: hs.DataObject) -> None:
    leaves = _leaves(n)
    i = data.draw(hs.integers(0, n - 1))
    r = merkle.root(leaves)
    proof = merkle.inclusion_proof(leaves, i)
    assert merkle.verify_inclusion(leaves[i], i, n, proof, r)
    assert not merkle.verify_inclusion(merkle.leaf_hash("cd" * 32), i, n, proof, r)
    if n > 1:
        assert not merkle.verify_inclusion(leaves[i], (i + 1) % n, n, proof, r)


@given(hs.integers(0, 70), hs.data())
def test_consistency_proofs(n: int, data: hs.DataObject) -> None:
    leaves = _leaves(n)
    m = data.draw(hs.integers(0, n))
    proof = merkle.consistency_proof(leaves, m)
    old, new = merkle.root(leaves[:m]), merkle.root(leaves)
    assert merkle.verify_consistency(m, n, old, new, proof)
    if 0 < m < n:
        changed = list(leaves)
        changed[data.draw(hs.integers(0, m - 1))] = merkle.leaf_hash("ef" * 32)
        assert not merkle.verify_consistency(m, n, merkle.root(changed[:m]), new, proof)
        assert not merkle.verify_consistency(m, n, old, merkle.root(changed), proof)


def test_checkpoint_key_sits_beside_the_c2pa_signer(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COCREATE_KEYS", str(tmp_path / "keys"))
    with Studio(f"sqlite:///{tmp_path / 's.db'}", media=tmp_path / "media") as st:
        st._append_many([("w", "note", "me", {"i": 1})])
        from cocreate.authorship.identity import default_identity

        default_identity(st)
        keys = st.checkpoints.keys
    d = tmp_path / "keys"
    assert (d / CHECKPOINT_KEY).stat().st_mode & 0o777 == 0o600
    assert (d / CHECKPOINT_KEY).read_bytes() != (d / SIGNER_KEY).read_bytes()
    assert (d / "checkpoint-keys" / f"{keys.key_id}.pub").is_file()
    con = sqlite3.connect(tmp_path / "s.db")
    try:
        dumped = b"".join(bytes(r[0]) for r in con.execute("SELECT value FROM derived"))
    finally:
        con.close()
    assert keys.public_hex.encode() not in dumped  # no key is kept in the database


def test_rotation_keeps_the_old_public_key(tmp_path: Path) -> None:
    class S:
        media = type("M", (), {"root": tmp_path / "media"})()

    first = checkpoint_keys(S())
    second = rotate_checkpoint_key(tmp_path / "credentials")
    assert first.key_id != second.key_id and set(second.trusted) == {first.key_id, second.key_id}
    assert list((tmp_path / "credentials").glob("checkpoint.key.*.retired"))


def test_memory_studio_checkpoints_in_memory() -> None:
    with Studio("memory://", media=None) as st:
        for i in range(3):
            st._append_many([("w", "note", "me", {"i": i})])
        assert st.verify().ok
        assert st.checkpoints.latest().size == 3
        assert st.storage.get_derived(DERIVED_KEY) is None  # a key that dies with the studio


def test_a_studio_without_an_identity_store_leaves_no_checkpoint_behind(tmp_path: Path) -> None:
    from cocreate.media import MemoryMediaStore

    url = f"sqlite:///{tmp_path / 's.db'}"
    for i in range(2):
        with Studio(url, media=MemoryMediaStore()) as st:
            st._append_many([("w", "note", "me", {"i": i})])
            assert st.verify().ok


def test_every_commit_is_signed_in_its_own_transaction(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COCREATE_KEYS", str(tmp_path / "keys"))
    url = f"sqlite:///{tmp_path / 's.db'}"
    with Studio(url, media=tmp_path / "media") as st:
        for i in range(4):
            st._append_many([("w", "note", "me", {"i": i * 2 + j}) for j in range(2)])
            assert st.checkpoints.latest().size == 2 * (i + 1)
        st.checkpoints.flush()
        path = outside_path(tmp_path / "keys", st.storage.url)
    assert json.loads(path.read_text())["latest"]["size"] == 8


def test_threads_appending_together_stay_covered(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COCREATE_KEYS", str(tmp_path / "keys"))
    with Studio(f"sqlite:///{tmp_path / 's.db'}", media=tmp_path / "media") as st:

        def work(n: int) -> None:
            for i in range(20):
                st._append_many([("w", "note", f"p{n}", {"i": i})])

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        report = st.verify()
        assert report.ok and report.count == 80, report


def test_two_studios_on_one_file_both_sign(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COCREATE_KEYS", str(tmp_path / "keys"))
    url = f"sqlite:///{tmp_path / 's.db'}"
    with Studio(url, media=tmp_path / "media") as a, Studio(url, media=tmp_path / "media") as b:
        for i in range(5):
            a._append_many([("w", "note", "a", {"i": i})])
            b._append_many([("w", "note", "b", {"i": i})])
        assert a.verify().ok and b.verify().ok


def test_checkpoint_signature_covers_every_field(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COCREATE_KEYS", str(tmp_path / "keys"))
    with Studio(f"sqlite:///{tmp_path / 's.db'}", media=tmp_path / "media") as st:
        st._append_many([("w", "note", "me", {"i": 1})])
        cp = st.checkpoints.latest()
        trusted = st.checkpoints.keys.trusted
    assert cp.problem(trusted) is None
    for field, value in [("size", 2), ("root", "00" * 32), ("at", "2000-01-01")]:
        forged = Checkpoint.from_dict({**cp.to_dict(), field: value})
        assert forged.problem(trusted) is not None


runner = CliRunner()


def test_cli_receipt_round_trip(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COCREATE_KEYS", str(tmp_path / "keys"))
    monkeypatch.setenv("COCREATE_MEDIA", str(tmp_path / "media"))
    db = f"sqlite:///{tmp_path / 's.db'}"
    with Studio(db, media=tmp_path / "media") as st:
        for i in range(3):
            st._append_many([("w", "note", "me", {"i": i})])
    receipt = tmp_path / "receipt.json"
    got = runner.invoke(app, ["--db", db, "checkpoint", "export", "--out", str(receipt)])
    assert got.exit_code == 0, got.output
    assert json.loads(receipt.read_text())["checkpoint"]["size"] == 3
    got = runner.invoke(app, ["--db", db, "verify", "--receipt", str(receipt)])
    assert got.exit_code == 0, got.output
    got = runner.invoke(app, ["--db", db, "checkpoint", "rotate-key"])
    assert got.exit_code == 0 and "2 keys trusted" in got.output
    con = sqlite3.connect(tmp_path / "s.db")
    con.execute("DELETE FROM events WHERE seq = 3")
    con.execute("UPDATE ledger_head SET count = 2, hash = (SELECT hash FROM events WHERE seq = 2)")
    con.commit()
    con.close()
    got = runner.invoke(app, ["--db", db, "verify", "--receipt", str(receipt)])
    assert got.exit_code == 1 and "#3" in got.output


def test_cli_verify_names_a_missing_receipt(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    with Studio(db, media=tmp_path / "media"):
        pass
    got = runner.invoke(app, ["--db", db, "verify", "--receipt", str(tmp_path / "nope.json")])
    assert got.exit_code == 2 and "receipt" in got.output


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_outside_copy_is_private(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COCREATE_KEYS", str(tmp_path / "keys"))
    with Studio(f"sqlite:///{tmp_path / 's.db'}", media=tmp_path / "media") as st:
        st._append_many([("w", "note", "me", {"i": 1})])
        st.checkpoints.flush()
    assert (tmp_path / "keys" / "checkpoints").stat().st_mode & 0o077 == 0
