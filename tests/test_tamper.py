"""A tamper corpus: a real SQLite studio file, attacked through sqlite3 directly.

The template ledger has 309 events in commits of 10 (the last of 9), each
commit sealed with a signed checkpoint. Every case copies the database, its
identity store and the checkpoint file kept outside it, tampers as an attacker
would, and asserts that ``Studio.verify`` (or a receipt) catches it and names
the event, or the file, that changed.

Naive edits break the hash chain at the edited event. Rewrites that rehash the
chain pass the chain and are caught by the signed checkpoints, which name the
first event after the last good checkpoint.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cocreate import Studio
from cocreate.authorship.identity import CheckpointKeys, checkpoint_key_id, rotate_checkpoint_key
from cocreate.integrity import merkle
from cocreate.integrity.checkpoints import DERIVED_KEY, outside_path, sign, verify_inclusion
from cocreate.ledger import GENESIS, event_hash

N = 309
PER = 10


def _url(db: Path) -> str:
    return f"sqlite:///{db}"


def _build(folder: Path, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    monkeypatch.setenv("COCREATE_KEYS", str(folder / "keys"))
    with Studio(_url(folder / "studio.db"), media=folder / "media") as st:
        for start in range(0, n, PER):
            st._append_many(
                [
                    (f"work{(i // 50) % 3}", "note", f"person{i % 4}", {"i": i, "text": f"t{i}"})
                    for i in range(start, min(start + PER, n))
                ]
            )
        st.checkpoints.flush()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("template")
    mp = pytest.MonkeyPatch()
    try:
        _build(folder, mp, 200)
        shutil.copy(folder / "studio.db", folder / "at200.db")  # an earlier copy, for rollbacks
        _build_more(folder, mp)
        yield folder
    finally:
        mp.undo()


def _build_more(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCREATE_KEYS", str(folder / "keys"))
    with Studio(_url(folder / "studio.db"), media=folder / "media") as st:
        for start in range(200, N, PER):
            st._append_many(
                [
                    (f"work{(i // 50) % 3}", "note", f"person{i % 4}", {"i": i, "text": f"t{i}"})
                    for i in range(start, min(start + PER, N))
                ]
            )
        st.checkpoints.flush()


class Case:
    """One copy of the template: its database, identity store and outside checkpoint."""

    def __init__(self, template: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.keys = folder / "keys"
        shutil.copytree(template / "keys", self.keys)
        shutil.copy(template / "studio.db", folder / "studio.db")
        self.db = folder / "studio.db"
        src = outside_path(template / "keys", _url(template / "studio.db"))
        assert src is not None
        self.outside = outside_path(self.keys, _url(self.db))
        assert self.outside is not None
        for stale in (self.keys / "checkpoints").glob("*.json"):
            stale.unlink()
        shutil.copy(src, self.outside)
        monkeypatch.setenv("COCREATE_KEYS", str(self.keys))

    def studio(self) -> Studio:
        return Studio(_url(self.db), media=self.folder / "media")

    def verify(self, receipt: dict | None = None):
        with self.studio() as st:
            return st.verify(receipt=receipt)

    def sql(self, *statements: str | tuple[str, tuple]) -> None:
        con = sqlite3.connect(self.db)
        try:
            for s in statements:
                if isinstance(s, tuple):
                    con.execute(*s)
                else:
                    con.execute(s)
            con.commit()
        finally:
            con.close()

    def rows(self) -> list[list]:
        con = sqlite3.connect(self.db)
        try:
            return [list(r) for r in con.execute("SELECT * FROM events ORDER BY seq")]
        finally:
            con.close()

    def write_chain(self, rows: list[list]) -> None:
        """The attacker's rebuild: renumber, rehash every event and move the head."""
        prev = GENESIS
        for n, r in enumerate(rows, 1):
            r[0] = n
            r[7] = prev
            r[8] = event_hash(n, r[1], r[2], r[3], r[4], r[5], r[6].encode(), prev)
            prev = r[8]
        con = sqlite3.connect(self.db)
        try:
            con.execute("DELETE FROM events")
            con.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            con.execute(
                "UPDATE ledger_head SET count = ?, hash = ? WHERE id = 1", (len(rows), prev)
            )
            con.commit()
        finally:
            con.close()

    def derived(self) -> dict:
        con = sqlite3.connect(self.db)
        try:
            (raw,) = con.execute(
                "SELECT value FROM derived WHERE key = ?", (DERIVED_KEY,)
            ).fetchone()
        finally:
            con.close()
        return orjson.loads(raw)

    def put_derived(self, doc: dict) -> None:
        self.sql(("UPDATE derived SET value = ? WHERE key = ?", (orjson.dumps(doc), DERIVED_KEY)))


@pytest.fixture
def case(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Case:
    return Case(template, tmp_path, monkeypatch)


def _sizes(case: Case) -> list[int]:
    doc = case.derived()
    return sorted({c["size"] for c in [*doc["history"], doc["latest"]]})


def _after_last_good(case: Case, k: int) -> int:
    """The first event after the last checkpoint that still holds when event k changed."""
    return 1 + max((s for s in _sizes(case) if s < k), default=0)


def _edit_payload(r: list) -> None:
    r[6] = r[6].replace('"t', '"forged-t', 1)


# -- the untouched ledger ------------------------------------------------------------------
def test_untouched_template_verifies(case: Case) -> None:
    report = case.verify()
    assert report.ok, report
    assert report.count == N


# -- naive edits: the chain names the exact event -------------------------------------------
@pytest.mark.parametrize("k", [1, 77, 154, 300, 309])
def test_naive_payload_edit_is_caught_at_the_event(case: Case, k: int) -> None:
    case.sql(
        (
            "UPDATE events SET payload = replace(payload, '\"t', '\"forged-t') WHERE seq = ?",
            (k,),
        )
    )
    report = case.verify()
    assert not report.ok and report.seq == k and "content" in report.problem


@pytest.mark.parametrize(("column", "value"), [("actor", "mallory"), ("kind", "choose")])
def test_naive_column_edit_is_caught(case: Case, column: str, value: str) -> None:
    case.sql((f"UPDATE events SET {column} = ? WHERE seq = 120", (value,)))
    report = case.verify()
    assert not report.ok and report.seq == 120


def test_naive_delete_is_caught(case: Case) -> None:
    case.sql("DELETE FROM events WHERE seq = 200")
    report = case.verify()
    assert not report.ok and report.seq == 201 and "deleted" in report.problem


def test_naive_reorder_is_caught(case: Case) -> None:
    case.sql(
        "UPDATE events SET seq = -1 WHERE seq = 50",
        "UPDATE events SET seq = 50 WHERE seq = 51",
        "UPDATE events SET seq = 51 WHERE seq = -1",
    )
    report = case.verify()
    assert not report.ok and report.seq == 50


def test_naive_tail_cut_is_caught_by_the_head(case: Case) -> None:
    case.sql("DELETE FROM events WHERE seq > 300")
    report = case.verify()
    assert not report.ok and report.seq == 301 and "deleted" in report.problem


def test_naive_head_edit_is_caught(case: Case) -> None:
    case.sql(("UPDATE ledger_head SET hash = ? WHERE id = 1", ("ab" * 32,)))
    assert not case.verify().ok


# -- rewrites that rehash the chain: the signed checkpoints catch them --------------------
@pytest.mark.parametrize("k", [1, 42, 155, 250, 309])
def test_edit_and_rehash_is_caught(case: Case, k: int) -> None:
    rows = case.rows()
    _edit_payload(rows[k - 1])
    case.write_chain(rows)
    report = case.verify()
    assert not report.ok and "rewritten" in report.problem
    assert report.seq == _after_last_good(case, k) <= k
    assert report.event_id == rows[report.seq - 1][1]


@pytest.mark.parametrize("column", [1, 4, 5])  # the id, the actor, the time
def test_other_fields_rehashed_are_caught(case: Case, column: int) -> None:
    rows = case.rows()
    rows[99][column] = rows[99][column][:-1] + ("0" if rows[99][column][-1] != "0" else "1")
    case.write_chain(rows)
    report = case.verify()
    assert not report.ok and report.seq == _after_last_good(case, 100)


def test_cut_tail_and_rewrite_head_is_caught(case: Case) -> None:
    case.write_chain(case.rows()[:280])
    report = case.verify()
    assert not report.ok and report.count == 280
    assert report.seq == 281 and "deleted" in report.problem


def test_cut_tail_at_a_checkpoint_boundary_is_caught(case: Case) -> None:
    case.write_chain(case.rows()[:300])  # the database's own checkpoint of 300 still holds
    report = case.verify()
    assert not report.ok and report.seq == 301


@pytest.mark.parametrize("extra", [1, 10])
def test_forged_append_with_valid_hash_is_caught(case: Case, extra: int) -> None:
    rows = case.rows()
    for i in range(extra):
        rows.append([0, f"forged-{i}", "work0", "note", "mallory", rows[-1][5], '{"i":-1}', "", ""])
    case.write_chain(rows)
    report = case.verify()
    assert not report.ok and report.seq == N + 1 and report.event_id == "forged-0"
    assert "not covered" in report.problem


def test_forged_append_is_never_signed_by_the_next_commit(case: Case) -> None:
    rows = case.rows()
    rows.append([0, "forged", "work0", "note", "mallory", rows[-1][5], '{"i":-1}', "", ""])
    case.write_chain(rows)
    with case.studio() as st:
        st._append_many([("work0", "note", "person0", {"i": 999})])  # the studio keeps working
        report = st.verify()
    assert not report.ok and report.seq == N + 1


def test_insert_mid_chain_and_rehash_is_caught(case: Case) -> None:
    rows = case.rows()
    rows.insert(99, [0, "inserted", "work0", "note", "mallory", rows[98][5], '{"i":-1}', "", ""])
    case.write_chain(rows)
    report = case.verify()
    assert not report.ok and report.seq == _after_last_good(case, 100)


def test_delete_mid_chain_and_rehash_is_caught(case: Case) -> None:
    rows = case.rows()
    del rows[149]
    case.write_chain(rows)
    report = case.verify()
    assert not report.ok and report.seq == _after_last_good(case, 150)


def test_reorder_and_rehash_is_caught(case: Case) -> None:
    rows = case.rows()
    rows[10], rows[11] = rows[11], rows[10]
    case.write_chain(rows)
    report = case.verify()
    assert not report.ok and report.seq == _after_last_good(case, 11)


def test_delete_every_event_is_caught(case: Case) -> None:
    case.write_chain([])
    report = case.verify()
    assert not report.ok and report.count == 0 and report.seq == 1
    assert "0 events" not in str(report) or "damaged" in str(report)


def test_delete_every_event_and_the_database_checkpoints_is_caught(case: Case) -> None:
    case.write_chain([])
    case.sql("DELETE FROM derived")
    report = case.verify()
    assert not report.ok and report.seq == 1 and "outside" in report.problem


def test_rewrite_and_strip_the_database_checkpoints_is_caught_by_the_outside_copy(
    case: Case,
) -> None:
    rows = case.rows()
    _edit_payload(rows[199])
    case.write_chain(rows)
    case.sql("DELETE FROM derived")
    report = case.verify()
    assert not report.ok and "outside" in report.problem and report.seq <= 200


def test_rewrite_with_checkpoints_rebuilt_unsigned_is_caught(case: Case) -> None:
    rows = case.rows()
    _edit_payload(rows[199])
    case.write_chain(rows)
    doc = case.derived()
    leaves = [merkle.leaf_hash(r[8]) for r in rows]
    doc["latest"]["root"] = merkle.root(leaves).hex()  # the signature no longer matches
    doc["history"] = []
    case.put_derived(doc)
    report = case.verify()
    assert not report.ok and report.seq <= 200


# -- key swaps: a checkpoint by another key, a public key planted in the database ----------
def _attacker_signs(case: Case, rows: list[list], *, plant: bool) -> CheckpointKeys:
    mallory = Ed25519PrivateKey.generate()
    keys = CheckpointKeys(mallory, {checkpoint_key_id(mallory.public_key()): mallory.public_key()})
    f = merkle.Frontier()
    f.extend(merkle.leaf_hash(r[8]) for r in rows)
    cp = sign(keys, f.size, f.root())
    doc = {"v": 1, "latest": cp.to_dict(), "history": [], "frontier": f.hashes()}
    if plant:
        doc["public_key"] = keys.public_hex
        case.sql(
            "CREATE TABLE trusted_keys (key_id TEXT, public_key TEXT)",
            ("INSERT INTO trusted_keys VALUES (?, ?)", (keys.key_id, keys.public_hex)),
        )
    case.put_derived(doc)
    return keys


@pytest.mark.parametrize("plant", [False, True])
def test_checkpoint_signed_by_another_key_is_caught(case: Case, plant: bool) -> None:
    rows = case.rows()
    _edit_payload(rows[49])
    case.write_chain(rows)
    _attacker_signs(case, rows, plant=plant)
    report = case.verify()
    assert not report.ok and report.seq <= 50


def test_planted_key_alone_is_named(case: Case) -> None:
    rows = case.rows()
    _attacker_signs(case, rows, plant=True)  # the same history, re-signed by mallory
    report = case.verify()
    assert not report.ok and "does not trust" in report.problem


def test_outside_copy_signed_by_another_key_is_caught(case: Case) -> None:
    rows = case.rows()
    keys = _attacker_signs(case, rows, plant=False)
    doc = case.derived()
    case.outside.write_bytes(orjson.dumps({"v": 1, "latest": doc["latest"], "history": []}))
    assert keys.key_id in case.outside.read_text()
    report = case.verify()
    assert not report.ok and "does not trust" in report.problem


def test_flipped_signature_is_caught(case: Case) -> None:
    doc = case.derived()
    sig = doc["latest"]["signature"]
    doc["latest"]["signature"] = ("0" if sig[0] != "0" else "1") + sig[1:]
    case.put_derived(doc)
    report = case.verify()
    assert not report.ok and "signature" in report.problem


def test_garbled_outside_file_is_named(case: Case) -> None:
    case.outside.write_text("{not json")
    report = case.verify()
    assert not report.ok and "malformed" in report.problem


# -- rollback: the file restored to an earlier copy ------------------------------------------
def test_rollback_to_an_earlier_copy_is_caught(case: Case, template: Path) -> None:
    shutil.copy(template / "at200.db", case.db)
    report = case.verify()
    assert not report.ok and report.count == 200 and report.seq == 201
    assert "outside" in report.problem and "earlier copy" in report.problem


def test_rollback_is_never_signed_over(case: Case, template: Path) -> None:
    shutil.copy(template / "at200.db", case.db)
    with case.studio() as st:
        st._append_many([("work0", "note", "person0", {"i": 999})])
        report = st.verify()
    assert not report.ok and report.seq == 201
    assert json.loads(case.outside.read_text())["latest"]["size"] == N  # the evidence is kept


def test_outside_copy_older_than_the_database_is_fine(case: Case, template: Path) -> None:
    with case.studio() as st:  # a crash may lose the last outside write: a prefix is good
        doc = case.derived()
        older = next(c for c in doc["history"] if c["size"] < N)
        case.outside.write_bytes(orjson.dumps({"v": 1, "latest": older, "history": []}))
        assert st.verify().ok


# -- receipts ---------------------------------------------------------------------------------
def _receipt(case: Case) -> dict:
    with case.studio() as st:
        return st.checkpoints.export_receipt()


def test_receipt_holds_after_more_commits(case: Case) -> None:
    receipt = _receipt(case)
    with case.studio() as st:
        st._append_many([("work0", "note", "person0", {"i": 1000 + i}) for i in range(5)])
        assert st.verify(receipt=receipt).ok


def _key_holder_rewrites(case: Case, rows: list[list]) -> None:
    """Threat (b): whoever holds the key rewrites, strips every checkpoint and re-signs."""
    case.write_chain(rows)
    case.sql("DELETE FROM derived")
    case.outside.unlink()
    with case.studio() as st:
        st._append_many([("work0", "note", "person0", {"i": 1000})])


def test_key_holder_rewrite_passes_verify_but_not_the_receipt(case: Case) -> None:
    receipt = _receipt(case)
    rows = case.rows()
    _edit_payload(rows[119])
    _key_holder_rewrites(case, rows)
    assert case.verify().ok  # re-signed with the real key: only the receipt can tell
    report = case.verify(receipt)
    assert not report.ok and "receipt" in report.problem
    assert report.seq == 1 and "#1 to #256" in report.problem  # the receipt's subtree holding 120


def test_key_holder_tail_cut_is_caught_by_the_receipt(case: Case) -> None:
    receipt = _receipt(case)
    _key_holder_rewrites(case, case.rows()[:250])
    report = case.verify(receipt)
    assert not report.ok and "receipt" in report.problem


def test_receipt_after_the_history_is_fine_but_earlier_one_is_not(case: Case) -> None:
    receipt = _receipt(case)
    rows = case.rows()
    rows = rows[:N]
    _edit_payload(rows[300])
    _key_holder_rewrites(case, rows)
    report = case.verify(receipt)
    assert not report.ok and report.seq == 289 and "#289 to #304" in report.problem


def test_tampered_receipt_is_named(case: Case) -> None:
    receipt = _receipt(case)
    receipt["checkpoint"]["root"] = "00" * 32
    report = case.verify(receipt)
    assert not report.ok and "receipt" in report.problem and "signature" in report.problem


def test_receipt_by_another_key_is_named(case: Case) -> None:
    receipt = _receipt(case)
    mallory = Ed25519PrivateKey.generate()
    keys = CheckpointKeys(mallory, {})
    cp = sign(keys, N, bytes.fromhex(receipt["checkpoint"]["root"]))
    receipt["checkpoint"] = cp.to_dict()
    report = case.verify(receipt)
    assert not report.ok and "does not trust" in report.problem


def test_not_a_receipt_is_named(case: Case) -> None:
    report = case.verify({"format": "something else"})
    assert not report.ok and "not a cocreate receipt" in report.problem


def test_receipt_against_a_shorter_ledger_names_the_missing_events(case: Case) -> None:
    receipt = _receipt(case)
    _key_holder_rewrites(case, case.rows()[:100])
    report = case.verify(receipt)
    assert not report.ok and report.seq == 1 and "#1 to #256" in report.problem
    assert "the ledger has 101 events" in report.problem


# -- key rotation -----------------------------------------------------------------------------
def test_old_checkpoints_verify_after_rotation(case: Case) -> None:
    rotate_checkpoint_key(case.keys)
    with case.studio() as st:
        st._append_many([("work0", "note", "person0", {"i": 1000})])
        assert st.verify().ok
        keys = st.checkpoints.keys
        assert len(keys.trusted) == 2 and st.checkpoints.latest().key_id == keys.key_id


def test_an_untrusted_old_key_is_named(case: Case) -> None:
    old = rotate_checkpoint_key(case.keys)
    trusted = sorted((case.keys / "checkpoint-keys").glob("*.pub"))
    for pub in trusted:
        if pub.stem != old.key_id:
            pub.unlink()  # the old key's public half is gone from the identity store
    report = case.verify()
    assert not report.ok and "does not trust" in report.problem


# -- inclusion proofs -------------------------------------------------------------------------
def test_inclusion_proof_holds_and_a_forged_one_does_not(case: Case) -> None:
    with case.studio() as st:
        proof = st.checkpoints.inclusion_proof(123)
        trusted = st.checkpoints.keys.trusted
        assert verify_inclusion(proof, trusted)
        forged = {**proof, "event_hash": "ab" * 32}
        assert not verify_inclusion(forged, trusted)
        assert not verify_inclusion({**proof, "seq": 124}, trusted)


def test_every_case_ran_on_a_real_sqlite_file(case: Case) -> None:
    con = sqlite3.connect(case.db)
    try:
        assert con.execute("SELECT count(*) FROM events").fetchone() == (N,)
    finally:
        con.close()
