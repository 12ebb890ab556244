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

import atexit
import hashlib
import os
import threading
import weakref
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
_HISTORY = 16  # checkpoints kept beside the latest; older ones are thinned out


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


class _OutsideWriter:
    """Writes the record outside the database off the append path, newest first.

    Appends only hand over the latest record; a thread writes it (atomically,
    by rename) at most once per ``interval`` seconds, and at once when someone
    flushes (``verify``, closing the studio, exit). A crash may lose the last
    writes: the file is then older than the database, which ``verify`` accepts
    (a signed prefix), never newer.
    """

    interval = 0.05

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cond = threading.Condition()
        self._pending: bytes | None = None
        self._busy = False
        self._idle = False
        self._urgent = False
        self._thread: threading.Thread | None = None

    def put(self, doc: Mapping[str, Any]) -> None:
        data = orjson.dumps(doc)
        with self._cond:
            self._pending = data
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="cocreate-checkpoint", daemon=True
                )
                self._thread.start()
            elif self._idle:
                self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._idle = True
                if not self._cond.wait_for(lambda: self._pending is not None, timeout=5.0):
                    self._idle = False
                    self._thread = None
                    return
                self._idle = False
                data, self._pending, self._busy = self._pending, None, True
            try:
                self._write(data)
            except OSError:
                pass  # the next write tries again; verify reports a missing or stale copy
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
                    self._cond.wait_for(lambda: self._urgent, timeout=self.interval)
                    self._urgent = False

    def _write(self, data: bytes | None) -> None:
        if data is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, self.path)

    def flush(self) -> None:
        with self._cond:
            if self._pending is None and not self._busy:
                return
            self._urgent = True
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._pending is None and not self._busy, timeout=30.0)


_writers: weakref.WeakSet[_OutsideWriter] = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:
    for w in list(_writers):
        w.flush()


class Checkpointer:
    """Signs the ledger head after every commit and checks signed heads against the ledger.

    One per studio. It keeps the Merkle frontier in memory; on first use it
    takes it from the stored record when that record's latest checkpoint is
    validly signed, matches the frontier and the storage's head, and agrees
    with the copy outside the database; otherwise it rehashes the ledger once.
    It never signs a ledger that fails :meth:`verify` when it starts (one that
    disagrees with the checkpoint kept outside the database, or has events no
    checkpoint covers): that would launder a rollback or a forged append.
    ``verify`` then says what changed.

    On SQLite the checkpoint is written inside the append's own transaction
    (:meth:`seal`, the storage's ``seal`` hook), so signing costs no second
    commit; elsewhere :meth:`after_append` puts it in a transaction of its own.
    """

    def __init__(self, storage: Any, keys: CheckpointKeys, outside: Path | None) -> None:
        self.storage = storage
        self.keys = keys
        self.outside = outside
        self._writer = _OutsideWriter(outside) if outside is not None else None
        if self._writer is not None:
            _writers.add(self._writer)
        # (frontier, latest checkpoint record, history): replaced whole, never mutated
        self._state: tuple[merkle.Frontier, dict[str, Any] | None, list[dict[str, Any]]] | None
        self._state = None
        self._pending: tuple[int, merkle.Frontier, Checkpoint, list[dict[str, Any]]] | None = None
        self._refused = False
        self._lock = threading.Lock()
        # A key that lasts only as long as the studio object (no identity store: media in
        # memory) cannot verify anything later: its checkpoints stay in memory, never in
        # the database, where a later studio would find them signed by a key it never had.
        self._persist = keys.directory is not None
        self._memory_record: bytes | None = None
        if self._persist and hasattr(storage, "seal"):
            storage.seal = self.seal

    # -- reading what is stored ---------------------------------------------------------
    def _db_doc(self) -> dict[str, Any] | None:
        if not self._persist:
            return _read_doc(self._memory_record)
        got = self.storage.get_derived(DERIVED_KEY)
        return _read_doc(got[1] if got else None)

    def _outside_doc(self) -> dict[str, Any] | None:
        if self.outside is None:
            return None
        if self._writer is not None:
            self._writer.flush()
        try:
            return _read_doc(self.outside.read_bytes())
        except FileNotFoundError:
            return None

    def flush(self) -> None:
        """Wait until the record outside the database is written."""
        if self._writer is not None:
            self._writer.flush()

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
                and latest.size == size
                and (outside_latest is None or outside_latest == latest.to_dict())
            ):
                self._state = (frontier, latest.to_dict(), list(doc.get("history", [])))
                return
        except (KeyError, TypeError, ValueError):
            pass
        # rehash the ledger once; refuse to sign over a history the outside copy contradicts
        self._refused = not self.verify().ok
        frontier = self._caught_up(merkle.Frontier(), size)
        if self._refused:
            self._state = (frontier, None, [])
        else:
            self._state = (frontier, doc.get("latest"), list(doc.get("history", [])))

    def _caught_up(self, frontier: merkle.Frontier, upto: int) -> merkle.Frontier:
        """A copy of ``frontier`` extended with the committed events through ``upto``."""
        f = frontier.copy()
        if f.size < upto:
            for e in self.storage.events(after=f.size, limit=upto - f.size):
                if e.seq != f.size + 1:
                    raise ValueError("the ledger skips a sequence number")
                f.add(merkle.leaf_hash(e.hash))
        return f

    def _next(
        self, stored: Sequence[Any]
    ) -> tuple[merkle.Frontier, Checkpoint, list[dict[str, Any]]] | None:
        state = self._state
        if state is None or self._refused:
            return None
        frontier, latest, history = state
        f = self._caught_up(frontier, stored[0].seq - 1)
        if f.size != stored[0].seq - 1:
            return None
        f.extend(merkle.leaf_hash(e.hash) for e in stored)
        cp = sign(self.keys, f.size, f.root())
        if latest is not None:
            history = _thin([*history, latest])
        return f, cp, history

    def seal(self, stored: list[Any]) -> tuple[str, int, bytes] | None:
        """The storage's in-transaction hook: the signed checkpoint for ``stored``, or None."""
        if not stored:
            return None
        try:
            nxt = self._next(stored)
        except Exception:  # never let signing fail an append: the next one signs again
            return None
        if nxt is None:
            return None
        f, cp, history = nxt
        self._pending = (stored[-1].seq, f, cp, history)
        return DERIVED_KEY, f.size, self._record(cp, history, f)

    @staticmethod
    def _record(cp: Checkpoint, history: list[dict[str, Any]], f: merkle.Frontier) -> bytes:
        return orjson.dumps(
            {"v": 1, "latest": cp.to_dict(), "history": history, "frontier": f.hashes()}
        )

    def prepare(self) -> None:
        """Before the first append: load (or rebuild) the tree, so the commit can be sealed."""
        if self._state is None:
            with self._lock:
                if self._state is None:
                    self._start()

    def after_append(self, stored: Sequence[Any]) -> Checkpoint | None:
        """After a commit: adopt the sealed checkpoint, or sign and store one now."""
        if not stored:
            return None
        with self._lock:
            if self._state is None:
                self._start()
            if self._refused:
                return None
            pending, self._pending = self._pending, None
            if pending is not None and pending[0] == stored[-1].seq:
                _, f, cp, history = pending
            else:
                nxt = self._next(stored)
                if nxt is None:
                    return None
                f, cp, history = nxt
                if self._persist:
                    self.storage.put_derived(DERIVED_KEY, f.size, self._record(cp, history, f))
                else:
                    self._memory_record = self._record(cp, history, f)
            if self._state is not None and self._state[0].size > f.size:
                return cp  # a later commit was adopted already
            self._state = (f, cp.to_dict(), history)
            if self._writer is not None:
                self._writer.put({"v": 1, "latest": cp.to_dict(), "history": history})
            return cp

    # -- checking -----------------------------------------------------------------------
    def leaves(self) -> list[bytes]:
        return [merkle.leaf_hash(e.hash) for e in self.storage.events()]

    def verify(self) -> VerifyReport:
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
        if not bad and (db_cps or out_cps) and covered < n:
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
        """A small signed file to keep elsewhere: the signed head now, and its frontier.

        The frontier (the roots of the perfect subtrees that make up the tree,
        which hash to the signed root) lets a later check name the stretch of
        events that changed, not only that something did.
        """
        leaves = self.leaves()
        cp = self.latest()
        if cp is None or cp.size != len(leaves) or merkle.root(leaves).hex() != cp.root:
            cp = sign(self.keys, len(leaves), merkle.root(leaves))
        f = merkle.Frontier()
        f.extend(leaves)
        return {
            "format": RECEIPT_FORMAT,
            "checkpoint": cp.to_dict(),
            "frontier": f.hashes(),
            "public_key": self.keys.public_hex if cp.key_id == self.keys.key_id else None,
        }

    def verify_receipt(self, receipt: Mapping[str, Any]) -> VerifyReport:
        """Prove the ledger still holds exactly the receipt's history, or name what changed."""
        events = self.storage.events()
        n = len(events)
        head = events[-1].hash if events else "0" * 64
        try:
            if receipt.get("format") != RECEIPT_FORMAT:
                raise ValueError
            cp = Checkpoint.from_dict(receipt["checkpoint"])
            frontier = [bytes.fromhex(h) for h in receipt.get("frontier") or []]
        except (KeyError, TypeError, ValueError, AttributeError):
            return VerifyReport(False, n, head, None, None, "the receipt is not a cocreate receipt")
        why = cp.problem(self.keys.trusted)
        if why is not None:
            return VerifyReport(False, n, head, None, None, f"the receipt's {why}")
        leaves = [merkle.leaf_hash(e.hash) for e in events]
        if cp.size <= n:
            proof = merkle.consistency_proof(leaves, cp.size)
            if merkle.verify_consistency(
                cp.size, n, bytes.fromhex(cp.root), merkle.root(leaves), proof
            ):
                return VerifyReport(True, n, head)
        # name the first changed stretch: the receipt's perfect subtrees, left to right
        # (as fine as the receipt's frontier allows: the stretch holding the change)
        lo, hi = 0, cp.size
        try:
            ok = merkle.Frontier(cp.size, frontier).root().hex() == cp.root
        except ValueError:
            ok = False
        if ok:
            start = 0
            for bit, h in zip(
                [b for b in range(cp.size.bit_length(), -1, -1) if cp.size >> b & 1],
                frontier,
                strict=True,
            ):
                end = start + (1 << bit)
                if end > n or merkle.root(leaves[start:end]) != h:
                    lo, hi = start, end
                    break
                start = end
        seq = lo + 1
        if cp.size > n and lo >= n:
            problem = (
                f"the receipt covers {cp.size} events but the ledger has {n}: "
                f"at least events #{n + 1} to #{cp.size} were deleted or replaced"
            )
            seq = n + 1
        else:
            problem = (
                f"the ledger no longer holds the receipt's history of {cp.size} events: "
                f"events #{seq} to #{hi} are not what the receipt recorded"
                + (f" (the ledger has {n} events)" if cp.size > n else "")
            )
        return VerifyReport(False, n, head, seq, events[seq - 1].id if seq <= n else None, problem)


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
