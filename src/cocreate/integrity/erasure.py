"""Erasing a person's personal data without breaking the ledger's chain (crypto-shredding).

The ledger is append-only and hash-chained: no byte of a recorded payload can
change without every later hash changing. So personal data is never put in a
payload in the clear. Each person has a data key of their own, a Fernet key
(AES-128-CBC with HMAC-SHA256) in a file of the identity store::

    <keys>/people/<sha256 of the person id>.key      (mode 0600)

and a personal field goes into the payload sealed under it, as the text
``sealed:v1:<Fernet token>``. The chain covers the ciphertext. To erase the
person, :func:`erase_person` destroys the key file: the ciphertext in the
ledger stays, unreadable by anyone, and the chain still verifies. It also
deletes the files of the person's own uploads (those no one else's artifact
shares) and records a ``person.erased`` event naming their content hashes, so
that a media check reports them as erased, not as damaged
(:func:`erased_media`).

What erasure cannot do:

* the person's id stays in the ledger as a pseudonym (every event's actor);
  give people opaque ids, not e-mail addresses, if that matters;
* fields written in the clear before sealing existed (a profile or a note
  recorded by an older cocreate) stay in the ledger: removing them would break
  the chain. :func:`erase_person` reports how many such events remain, so the
  person can be told honestly;
* copies made before the erasure (a backup taken with its keys, an exported
  file) keep what they had; a backup restored afterwards brings the key back
  only if it was taken before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..errors import InputError

PERSON_ERASED = "person.erased"
"""The kind of the event that records an erasure (its payload: person, content_hashes)."""

ERASED_PERSON = "an erased person"
"""How attribution names a person whose data was erased."""

ERASED_TEXT = ""
"""What a sealed field reads as once its key is gone."""

SEALED = "sealed:v1:"
PEOPLE = "people"

_lock = threading.Lock()


# -- a passphrase, for keys in a backup -------------------------------------------------------

_MAGIC = b"cocreate-sealed-v1\n"


def _kdf(secret: bytes, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(secret)


def seal_with_passphrase(data: bytes, secret: bytes) -> bytes:
    """``data`` encrypted under ``secret`` (scrypt, then AES-256-GCM), with its salt and nonce."""
    salt, nonce = os.urandom(16), os.urandom(12)
    return _MAGIC + salt + nonce + AESGCM(_kdf(secret, salt)).encrypt(nonce, data, _MAGIC)


def open_with_passphrase(sealed: bytes, secret: bytes) -> bytes:
    """The data :func:`seal_with_passphrase` sealed; ``ValueError`` for a wrong passphrase."""
    if not sealed.startswith(_MAGIC) or len(sealed) < len(_MAGIC) + 28:
        raise ValueError("not sealed with a passphrase")
    body = sealed[len(_MAGIC) :]
    salt, nonce, box = body[:16], body[16:28], body[28:]
    try:
        return AESGCM(_kdf(secret, salt)).decrypt(nonce, box, _MAGIC)
    except InvalidTag:
        raise ValueError("wrong passphrase, or the data is damaged") from None


# -- people's data keys ------------------------------------------------------------------------


class PersonKeys:
    """The data keys of people, one file each under ``folder/people``.

    ``folder`` ``None`` keeps them in memory (a studio in memory); they are then
    lost with the object, as its ledger is.
    """

    def __init__(self, folder: str | os.PathLike[str] | None) -> None:
        self.folder = Path(folder) / PEOPLE if folder is not None else None
        self._memory: dict[str, bytes | None] = {}

    @staticmethod
    def file_name(person: str) -> str:
        return hashlib.sha256(person.encode()).hexdigest() + ".key"

    def _path(self, person: str) -> Path:
        assert self.folder is not None
        return self.folder / self.file_name(person)

    def get(self, person: str) -> bytes | None:
        """The person's key, or None when they have none (or it was destroyed)."""
        if self.folder is None:
            return self._memory.get(person)
        try:
            return self._path(person).read_bytes().strip()
        except FileNotFoundError:
            return None

    def get_or_create(self, person: str) -> bytes:
        with _lock:
            key = self.get(person)
            if key is not None:
                return key
            if self.erased(person):
                raise InputError(f"{ERASED_PERSON}'s data cannot be recorded again under that id")
            key = Fernet.generate_key()
            if self.folder is None:
                self._memory[person] = key
                return key
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self._path(person), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(key)
                f.flush()
                os.fsync(f.fileno())
            return key

    def erased(self, person: str) -> bool:
        if self.folder is None:
            return person in self._memory and self._memory[person] is None
        return self._tomb(person).exists()

    def _tomb(self, person: str) -> Path:
        assert self.folder is not None
        return self.folder / (self.file_name(person)[: -len(".key")] + ".erased")

    def destroy(self, person: str) -> bool:
        """Destroy the person's key (overwritten, then unlinked); True when there was one."""
        with _lock:
            if self.folder is None:
                had = self._memory.get(person) is not None
                self._memory[person] = None
                return had
            path = self._path(person)
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._tomb(person).touch()
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                return False
            with path.open("r+b") as f:  # best effort: a journaling disk may keep old blocks
                f.write(os.urandom(size))
                f.flush()
                os.fsync(f.fileno())
            path.unlink()
            return True


def person_keys(studio: Any) -> PersonKeys:
    """The data keys of a studio's people, in its identity store (one object per studio)."""
    found = getattr(studio, "_person_keys", None)
    if found is None:
        from ..authorship.identity import credentials_dir

        found = PersonKeys(credentials_dir(studio))
        with contextlib.suppress(AttributeError):
            studio._person_keys = found
    return found


# -- sealing fields ----------------------------------------------------------------------------


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(SEALED)


def seal(keys: PersonKeys, person: str, text: str) -> str:
    """``text`` sealed under ``person``'s key (made on first use); empty text stays empty."""
    if not text:
        return text
    token = Fernet(keys.get_or_create(person)).encrypt(text.encode()).decode()
    return SEALED + token


def unseal(keys: PersonKeys, person: str, value: str) -> str:
    """The text of a sealed field; ``ERASED_TEXT`` when its key is gone; plain text as it is."""
    if not is_sealed(value):
        return value
    key = keys.get(person)
    if key is None:
        return ERASED_TEXT
    try:
        return Fernet(key).decrypt(value[len(SEALED) :].encode()).decode()
    except (InvalidToken, ValueError):
        return ERASED_TEXT


PROFILE_FIELDS = ("name", "legal_name", "pro", "ipi", "email")
"""A creator's fields that are personal data (sealed in the ledger)."""


def seal_profile(keys: PersonKeys, person: str, profile: Mapping[str, Any]) -> dict[str, Any]:
    """A creator's profile with its personal fields sealed (for ``CreatorRegistered``)."""
    return {
        k: seal(keys, person, v) if k in PROFILE_FIELDS and isinstance(v, str) else v
        for k, v in profile.items()
    }


def open_profile(
    keys: PersonKeys, person: str, profile: Mapping[str, Any], *, erased: bool = False
) -> dict[str, Any]:
    """A recorded profile readable again; an erased person's reads as ``ERASED_PERSON``."""
    opened = {
        k: ("" if erased else unseal(keys, person, v)) if k in PROFILE_FIELDS else v
        for k, v in profile.items()
        if isinstance(v, str)
    }
    if erased:
        opened["name"] = ERASED_PERSON
    return opened


# -- erasure -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure did, and what it could not do."""

    person: str
    key_destroyed: bool
    media_deleted: tuple[str, ...]
    media_kept: tuple[str, ...]  # the person's uploads someone else's artifact also has
    plaintext_events: tuple[int, ...] = field(default=())  # seqs of older events in the clear

    def __str__(self) -> str:
        lines = [
            f"erased {self.person[:12]}: data key "
            + ("destroyed" if self.key_destroyed else "absent (nothing sealed)")
            + f", {len(self.media_deleted)} uploaded files deleted"
        ]
        if self.media_kept:
            lines.append(f"  {len(self.media_kept)} files kept: another person's work has them too")
        if self.plaintext_events:
            lines.append(
                f"  {len(self.plaintext_events)} older events hold this person's data in the "
                "clear; they cannot be removed without breaking the ledger's chain (#"
                + ", #".join(str(s) for s in self.plaintext_events[:10])
                + (" …" if len(self.plaintext_events) > 10 else "")
                + ")"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "key_destroyed": self.key_destroyed,
            "media_deleted": list(self.media_deleted),
            "media_kept": list(self.media_kept),
            "plaintext_events": list(self.plaintext_events),
        }


def erased_people(storage: Any) -> set[str]:
    """Everyone a ``person.erased`` event names."""
    return {str(e.payload.get("person")) for e in storage.events(kinds=[PERSON_ERASED])}


def erased_media(storage: Any) -> dict[str, str]:
    """The content hashes erasures deleted, each with the person whose upload it was."""
    found: dict[str, str] = {}
    for e in storage.events(kinds=[PERSON_ERASED]):
        for h in e.payload.get("content_hashes", ()):
            if isinstance(h, str):
                found[h] = str(e.payload.get("person"))
    return found


def _uploads(events: Iterable[Any], person: str) -> tuple[set[str], set[str]]:
    """The content hashes ``person`` uploaded, and those anyone else's artifact has."""
    from ..model import EventKind

    mine: set[str] = set()
    others: set[str] = set()
    for e in events:
        a = e.payload.get("artifact")
        if not isinstance(a, Mapping) or not isinstance(a.get("content_hash"), str):
            continue
        if e.kind == EventKind.ARTIFACT_CONTRIBUTED and e.actor == person:
            mine.add(a["content_hash"])
        else:
            others.add(a["content_hash"])
    return mine, others


def _plaintext(events: Iterable[Any], person: str) -> list[int]:
    from ..model import EventKind

    seqs = []
    for e in events:
        if e.actor != person:
            continue
        if e.kind == EventKind.CREATOR_REGISTERED:
            values = [e.payload.get(k) for k in PROFILE_FIELDS]
        elif e.kind == EventKind.JUDGMENT:
            values = [e.payload.get("text")]
        else:
            continue
        if any(isinstance(v, str) and v and not is_sealed(v) for v in values):
            seqs.append(e.seq)
    return seqs


def erase_person(studio: Any, person: str, *, by: str) -> ErasureReport:
    """Erase ``person``'s personal data from ``studio``: destroy their key, delete their uploads,
    and record a ``person.erased`` event by ``by``. The ledger verifies afterwards."""
    from ..ledger import now
    from ..model import NewEvent, new_id

    if not isinstance(person, str) or not person:
        raise InputError("erase needs a person id")
    events = studio.storage.events()
    if not any(e.actor == person or e.payload.get("creator") == person for e in events):
        raise InputError(f"no person {person!r} in this studio's record")
    mine, others = _uploads(events, person)
    deleted = sorted(mine - others)
    kept = sorted(mine & others)
    plain = _plaintext(events, person)
    keys = person_keys(studio)
    destroyed = keys.destroy(person)
    payload = {"person": person, "content_hashes": deleted}
    if hasattr(studio, "_append"):  # through the studio: its checkpoint signs the new head
        studio._append("", PERSON_ERASED, by, payload)
    else:
        studio.storage.append([NewEvent(new_id(), "", PERSON_ERASED, by, now(), payload)])
    forget = getattr(studio, "_forget_all", None)
    if forget is not None:
        forget()  # folded states hold the opened notes
    for name in deleted:
        _delete_media(studio.media, name)
    return ErasureReport(person, destroyed, tuple(deleted), tuple(kept), tuple(plain))


def _delete_media(media: Any, name: str) -> None:
    root = getattr(media, "root", None)
    if root is not None:
        Path(root, name[:2], name[2:4], name).unlink(missing_ok=True)
        return
    blobs = getattr(media, "_blobs", None)
    if isinstance(blobs, dict):
        blobs.pop(name, None)
