"""Signed checkpoints of the ledger: what a file-writer without the key cannot forge.

The hash chain alone has no key, and its head sits in the same file: whoever can
write the file can rebuild it. So at every commit the studio signs its ledger
head — ``(size, Merkle root, time)`` — with its own Ed25519 checkpoint key,
which lives in the identity store beside (not the same as) the C2PA signer and
never in the database. The root is the RFC 9162 Merkle tree hash of the event
hashes (:mod:`.merkle`), so one signed head commits to the whole history.

Where the checkpoints are kept, and why there:

* in the database's derived store, under ``ledger/checkpoints``: the latest
  checkpoint, a thinned history of earlier ones (so that ``verify`` can name
  the first event after the last good one) and the Merkle frontier (so the
  next commit extends the tree in O(log n) without rereading the ledger). The
  derived store is never part of the chain, so storing them there needs no new
  event kind, no schema change, and nothing a later fold must skip; its
  contents are never trusted, only checked: every checkpoint read from it must
  carry a valid signature by a key from the identity store;
* outside the database, in ``checkpoints/<url digest>.json`` in the identity
  store folder: the same record without the frontier. A database restored to
  an earlier copy, or stripped of its checkpoints, no longer reaches it.

Threat model: someone who holds a copy of the database (and media) but not
the key cannot change, insert, delete or reorder events, nor roll the file back,
without ``verify`` naming the first event after the last good checkpoint.
Someone who also holds the key (the same OS user) can re-sign a rewrite; only a
receipt (:func:`export_receipt`) kept elsewhere catches what they rewrite
before that receipt was made.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature

from ..authorship.identity import CheckpointKeys
from ..ledger import VerifyReport, now
from . import merkle

DERIVED_KEY = "ledger/checkpoints"
RECEIPT_FORMAT = "cocreate-receipt/1"
_DOMAIN = b"cocreate-checkpoint/1\n"
_HISTORY = 48  # checkpoints kept beside the latest; older ones are thinned out


@dataclass(frozen=True)
class Checkpoint:
    """A signed ledger head: the first ``size`` events have Merkle root ``root``."""

    size: int
    root: str
    at: str
    key_id: str
    signature: str

    def message(self) -> bytes:
        return _message(self.size, self.root, self.at, self.key_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "root": self.root,
            "at": self.at,
            "key_id": self.key_id,
            "signature": self.signature,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Checkpoint:
        try:
            size = d["size"]
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise ValueError
            return cls(size, str(d["root"]), str(d["at"]), str(d["key_id"]), str(d["signature"]))
        except (KeyError, TypeError, ValueError):
            raise ValueError("not a checkpoint record") from None

    def problem(self, trusted: Mapping[str, Any]) -> str | None:
        """Why this checkpoint's signature does not hold, or None when it does."""
        key = trusted.get(self.key_id)
        if key is None:
            return f"checkpoint of {self.size} events is signed by a key this studio does not trust"
        try:
            key.verify(bytes.fromhex(self.signature), self.message())
        except (InvalidSignature, ValueError):
            return f"checkpoint of {self.size} events has a signature that does not verify"
        return None


def _message(size: int, root: str, at: str, key_id: str) -> bytes:
    return _DOMAIN + orjson.dumps([size, root, at, key_id])


def sign(keys: CheckpointKeys, size: int, root: bytes) -> Checkpoint:
    at = now()
    key_id = keys.key_id
    sig = keys.private.sign(_message(size, root.hex(), at, key_id))
    return Checkpoint(size, root.hex(), at, key_id, sig.hex())


def outside_path(directory: Path | None, url: str) -> Path | None:
    """The file outside the database that keeps its last checkpoint (one per database URL)."""
    if directory is None:
        return None
    digest = hashlib.sha256(url.encode()).hexdigest()[:24]
    return directory / "checkpoints" / f"{digest}.json"


def _thin(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the newest half densely and drop every other older one: log-spaced over time."""
    if len(history) <= _HISTORY:
        return history
    half = _HISTORY // 2
    old, new = history[:-half], history[-half:]
    return [*old[::2], *new]


def _read_doc(raw: bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {"unreadable": True}
    return doc if isinstance(doc, dict) else {"unreadable": True}


def _checkpoints(doc: Mapping[str, Any] | None) -> tuple[list[Checkpoint], bool]:
    """The checkpoints in a stored record, and whether any part of it was malformed."""
    if not doc:
        return [], False
    out: list[Checkpoint] = []
    bad = bool(doc.get("unreadable"))
    for d in [*doc.get("history", []), doc.get("latest")]:
        if d is None:
            continue
        try:
            out.append(Checkpoint.from_dict(d))
        except ValueError:
            bad = True
    return out, bad


class Checkpointer:
    """Signs the ledger head after every commit and checks signed heads against the ledger.

    One per studio. It keeps the Merkle frontier in memory; on first use it
    takes it from the stored record when that record's latest checkpoint is
    validly signed, matches the frontier and the storage's head, and agrees
    with the copy outside the database; otherwise it rehashes the ledger once.
    It never signs a ledger that disagrees with the checkpoint kept outside the
    database: that would launder a rollback. ``verify`` then says what changed.
    """

    def __init__(self, storage: Any, keys: CheckpointKeys, outside: Path | None) -> None:
        self.storage = storage
        self.keys = keys
        self.outside = outside
        self._frontier: merkle.Frontier | None = None
        self._history: list[dict[str, Any]] = []
        self._refused = False
        self._latest: dict[str, Any] | None = None
        self._lock = threading.Lock()

    # -- reading what is stored ---------------------------------------------------------
    def _db_doc(self) -> dict[str, Any] | None:
        got = self.storage.get_derived(DERIVED_KEY)
        return _read_doc(got[1] if got else None)

    def _outside_doc(self) -> dict[str, Any] | None:
        if self.outside is None:
            return None
        try:
            return _read_doc(self.outside.read_bytes())
        except FileNotFoundError:
            return None

    def latest(self) -> Checkpoint | None:
        """The latest checkpoint the database holds (unchecked)."""
        doc = self._db_doc()
        try:
            return Checkpoint.from_dict(doc["latest"]) if doc and doc.get("latest") else None
        except ValueError:
            return None

    # -- signing after a commit -----------------------------------------------------------
    def _start(self) -> None:
        doc = self._db_doc() or {}
        out_doc = self._outside_doc() or {}
        size, _ = self.storage.head()
        try:
            latest = Checkpoint.from_dict(doc["latest"])
            frontier = merkle.Frontier(latest.size, [bytes.fromhex(h) for h in doc["frontier"]])
            outside_latest = out_doc.get("latest")
            if (
                latest.problem(self.keys.trusted) is None
                and frontier.root().hex() == latest.root
                and latest.size <= size
                and (outside_latest is None or outside_latest == latest.to_dict())
            ):
                self._frontier = frontier
                self._history = list(doc.get("history", []))
                self._latest = latest.to_dict()
                if latest.size < size:
                    self._catch_up()
                return
        except (KeyError, TypeError, ValueError):
            pass
        # rehash the ledger once; refuse to sign over a history the outside copy contradicts
        report = self.verify(_rehash_only=True)
        self._refused = not report.ok
        self._frontier = merkle.Frontier()
        self._frontier.extend(merkle.leaf_hash(e.hash) for e in self.storage.events())
        self._history = list(doc.get("history", [])) if not self._refused else []
        if not self._refused and doc.get("latest"):
            self._latest = doc["latest"]

    def _catch_up(self) -> None:
        assert self._frontier is not None
        for e in self.storage.events(after=self._frontier.size):
            if e.seq != self._frontier.size + 1:
                raise ValueError("the ledger skips a sequence number")
            self._frontier.add(merkle.leaf_hash(e.hash))

    def after_append(self, stored: Sequence[Any]) -> Checkpoint | None:
        """Extend the tree with the events just committed, sign the head, keep it twice."""
        if not stored:
            return None
        with self._lock:
            if self._frontier is None:
                self._start()
            if self._refused:
                return None
            f = self._frontier
            assert f is not None
            if stored[0].seq == f.size + 1:
                f.extend(merkle.leaf_hash(e.hash) for e in stored)
            if f.size < stored[-1].seq:
                self._catch_up()  # another writer appended in between
            cp = sign(self.keys, f.size, f.root())
            if self._latest is not None:
                self._history = _thin([*self._history, self._latest])
            self._latest = cp.to_dict()
            doc = {"v": 1, "latest": self._latest, "history": self._history}
            self._write_outside(doc)
            self.storage.put_derived(
                DERIVED_KEY, f.size, orjson.dumps({**doc, "frontier": f.hashes()})
            )
            return cp

    def _write_outside(self, doc: Mapping[str, Any]) -> None:
        if self.outside is None:
            return
        self.outside.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.outside.with_name(f"{self.outside.name}.{os.getpid()}.tmp")
        tmp.write_bytes(orjson.dumps(doc))
        os.replace(tmp, self.outside)

    # -- checking -----------------------------------------------------------------------
    def leaves(self) -> list[bytes]:
        return [merkle.leaf_hash(e.hash) for e in self.storage.events()]

    def verify(self, *, _rehash_only: bool = False) -> VerifyReport:
        """Check every stored checkpoint's signature and root against the ledger's events.

        Run after the chain itself checks out. A failure names the first event
        after the last good checkpoint.
        """
        events = self.storage.events()
        n = len(events)
        head = events[-1].hash if events else "0" * 64
        db_cps, db_bad = _checkpoints(self._db_doc())
        out_doc = self._outside_doc()
        out_cps, out_bad = _checkpoints(out_doc)
        outside_latest = None
        if out_doc and out_doc.get("latest"):
            try:
                outside_latest = Checkpoint.from_dict(out_doc["latest"])
            except ValueError:
                out_bad = True
        sizes = {cp.size for cp in (*db_cps, *out_cps) if cp.size <= n}
        roots: dict[int, str] = {}
        f = merkle.Frontier()
        if 0 in sizes:
            roots[0] = f.root().hex()
        for e in events:
            f.add(merkle.leaf_hash(e.hash))
            if f.size in sizes:
                roots[f.size] = f.root().hex()

        good: list[int] = []
        bad: list[tuple[int, str]] = []  # (size, problem)
        for where, cps in (("in the database", db_cps), ("kept outside the database", out_cps)):
            for cp in cps:
                why = cp.problem(self.keys.trusted)
                if why is None and cp.size > n:
                    why = (
                        f"the checkpoint {where} covers {cp.size} events but the ledger has {n}: "
                        "events were deleted or the file was restored to an earlier copy"
                    )
                elif why is None and roots.get(cp.size) != cp.root:
                    why = (
                        f"the checkpoint {where} of {cp.size} events does not match the "
                        "ledger's Merkle root: events it covers were rewritten"
                    )
                elif why is not None:
                    why = f"the {why.replace('checkpoint', 'checkpoint ' + where, 1)}"
                if why is None:
                    good.append(cp.size)
                else:
                    bad.append((cp.size, why))
        if out_bad or db_bad:
            bad.append((n, "a stored checkpoint record is malformed"))
        if (
            outside_latest is not None
            and not any(s == outside_latest.size for s in good)
            and not any(s == outside_latest.size for s, _ in bad)
        ):
            bad.append((outside_latest.size, "the checkpoint kept outside the database fails"))
        covered = max(good, default=0)
        if not bad and (db_cps or out_cps) and covered < n and not _rehash_only:
            bad.append((n, f"events #{covered + 1} to #{n} are not covered by a signed checkpoint"))
        if not bad:
            return VerifyReport(True, n, head)
        first_bad, problem = min(bad)
        last_good = max((s for s in good if s < first_bad), default=0)
        seq = last_good + 1
        event_id = events[seq - 1].id if seq <= n else None
        return VerifyReport(
            False,
            n,
            head,
            seq,
            event_id,
            f"{problem}; the last good checkpoint covers {last_good} events",
        )

    # -- proofs and receipts ------------------------------------------------------------
    def inclusion_proof(self, seq: int) -> dict[str, Any]:
        """A proof that event ``seq`` is in the tree of the latest signed checkpoint."""
        cp = self.latest()
        if cp is None:
            raise ValueError("the ledger has no checkpoint yet")
        leaves = self.leaves()[: cp.size]
        if not 1 <= seq <= cp.size:
            raise ValueError(f"event #{seq} is not covered by the checkpoint of {cp.size}")
        path = merkle.inclusion_proof(leaves, seq - 1)
        return {
            "seq": seq,
            "event_hash": self.storage.events(after=seq - 1, limit=1)[0].hash,
            "checkpoint": cp.to_dict(),
            "path": [p.hex() for p in path],
        }

    def export_receipt(self) -> dict[str, Any]:
        """A small signed file to keep elsewhere: the latest checkpoint and its public key."""
        with self._lock:
            if self._frontier is None:
                self._start()
        cp = self.latest()
        if cp is None or cp.size != self.storage.head()[0]:
            leaves = self.leaves()
            cp = sign(self.keys, len(leaves), merkle.root(leaves))
        pub = self.keys.trusted[cp.key_id]
        from cryptography.hazmat.primitives import serialization

        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"format": RECEIPT_FORMAT, "checkpoint": cp.to_dict(), "public_key": raw.hex()}

    def verify_receipt(self, receipt: Mapping[str, Any]) -> VerifyReport:
        """Prove the ledger still holds exactly the receipt's history, or name what changed."""
        events = self.storage.events()
        n = len(events)
        head = events[-1].hash if events else "0" * 64
        try:
            if receipt.get("format") != RECEIPT_FORMAT:
                raise ValueError
            cp = Checkpoint.from_dict(receipt["checkpoint"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return VerifyReport(False, n, head, None, None, "the receipt is not a cocreate receipt")
        why = cp.problem(self.keys.trusted)
        if why is not None:
            return VerifyReport(False, n, head, None, None, f"the receipt's {why}")
        if cp.size > n:
            return VerifyReport(
                False,
                n,
                head,
                n + 1,
                None,
                f"the receipt covers {cp.size} events but the ledger has {n}: "
                f"events #{n + 1} to #{cp.size} were deleted",
            )
        leaves = [merkle.leaf_hash(e.hash) for e in events]
        proof = merkle.consistency_proof(leaves, cp.size)
        if merkle.verify_consistency(
            cp.size, n, bytes.fromhex(cp.root), merkle.root(leaves), proof
        ):
            return VerifyReport(True, n, head)
        # name the first changed event: the last stored checkpoint that still matches both
        good = 0
        for c in _checkpoints(self._outside_doc())[0] + _checkpoints(self._db_doc())[0]:
            if (
                c.size <= cp.size
                and c.problem(self.keys.trusted) is None
                and merkle.root(leaves[: c.size]).hex() == c.root
            ):
                good = max(good, c.size)
        seq = good + 1
        return VerifyReport(
            False,
            n,
            head,
            seq,
            events[seq - 1].id,
            f"the ledger no longer holds the receipt's history of {cp.size} events: "
            f"it was rewritten at or after event #{seq}",
        )


def verify_inclusion(proof: Mapping[str, Any], trusted: Mapping[str, Any]) -> bool:
    """Whether an inclusion proof holds: a trusted signature and a path to its root."""
    try:
        cp = Checkpoint.from_dict(proof["checkpoint"])
        if cp.problem(trusted) is not None:
            return False
        return merkle.verify_inclusion(
            merkle.leaf_hash(proof["event_hash"]),
            int(proof["seq"]) - 1,
            cp.size,
            [bytes.fromhex(p) for p in proof["path"]],
            bytes.fromhex(cp.root),
        )
    except (KeyError, TypeError, ValueError):
        return False
