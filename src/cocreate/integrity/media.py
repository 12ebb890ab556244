"""The media store against the ledger: is every file the ledger names still there, and itself?

The ledger's chain covers each artifact's record, its content hash and size
included, but the bytes live outside it, in a :class:`~cocreate.media.MediaStore`
that anyone who can write the files can change. ``verify_media`` collects every
content hash the ledger's artifact events name and checks the store against
them, naming each artifact whose content is missing or changed:

* full (the default): every file is read and rehashed;
* quick: every file's size is compared with the size the ledger records (a
  file deleted, truncated or replaced by one of another size is found), and
  only a random sample is rehashed; a change that keeps the size is found only
  when it falls in the sample, and the report says so.

The check is pure over a storage and a store: it reads, it never repairs.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import CorruptStorage, NotFound
from ..media import MediaStore, digest
from ..model import EventKind
from ..storage.base import Storage

ARTIFACT_EVENTS = (
    EventKind.ARTIFACT_PROPOSED,
    EventKind.ARTIFACT_CONTRIBUTED,
    EventKind.ARTIFACT_EDITED,
)
"""The events that record an artifact, and with it a content hash."""

SAMPLE = 100
"""How many files a quick check rehashes (all of them when there are fewer)."""

Progress = Callable[[int, int], object]
Kind = Literal["missing", "changed", "unreadable"]


@dataclass(frozen=True)
class Recorded:
    """One artifact whose content the ledger records under a hash."""

    artifact_id: str
    work_id: str
    media_type: str
    size: int

    def __str__(self) -> str:
        return f"artifact {self.artifact_id[:8]} of work {self.work_id[:8]} ({self.media_type})"


@dataclass(frozen=True)
class MediaProblem:
    """A piece of content that is not as the ledger records it, and every artifact that has it."""

    content_hash: str
    kind: Kind
    detail: str
    recorded: tuple[Recorded, ...]

    def __str__(self) -> str:
        first, *others = self.recorded
        also = f" (and {len(others)} more with the same content)" if others else ""
        return f"{first}{also}: {self.detail}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "content_hash": self.content_hash,
            "kind": self.kind,
            "detail": self.detail,
            "artifacts": [
                {"artifact": r.artifact_id, "work": r.work_id, "media_type": r.media_type}
                for r in self.recorded
            ],
        }


@dataclass(frozen=True)
class MediaReport:
    """The verdict on a media store: ``ok`` when every checked file is as the ledger records it."""

    files: int  # distinct pieces of content the ledger names
    hashed: int  # how many of them were read and rehashed
    quick: bool
    problems: tuple[MediaProblem, ...] = field(default=())
    erased: int = 0  # files deleted on a person's request (``person.erased``), not checked

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def missing(self) -> list[MediaProblem]:
        return [p for p in self.problems if p.kind == "missing"]

    @property
    def changed(self) -> list[MediaProblem]:
        return [p for p in self.problems if p.kind != "missing"]

    def _how(self) -> str:
        if not self.quick:
            return f"{self.files:,} files, each rehashed against the ledger"
        if self.hashed >= self.files:
            return (
                f"{self.files:,} files by size, and all of them rehashed "
                "(a quick check, whose sample took every file)"
            )
        return (
            f"{self.files:,} files by size, {self.hashed:,} of them rehashed (a quick check: "
            "a change that keeps a file's size is found only in the sample; "
            "run it without --quick to rehash every file)"
        )

    def _erased(self) -> str:
        if not self.erased:
            return ""
        return f"; {self.erased:,} more erased on request, as the ledger records"

    def __str__(self) -> str:
        if not self.files:
            return "media intact: the ledger names no media" + self._erased()
        if self.ok:
            return f"media intact: {self._how()}{self._erased()}"
        lines = [f"media damaged: {len(self.problems):,} bad of {self._how()}{self._erased()}"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "files": self.files,
            "hashed": self.hashed,
            "quick": self.quick,
            "erased": self.erased,
            "problems": [p.to_dict() for p in self.problems],
        }


def recorded_media(storage: Storage) -> dict[str, tuple[Recorded, ...]]:
    """Every content hash the ledger's artifact events name, with the artifacts that have it,
    in ledger order."""
    found: dict[str, list[Recorded]] = {}
    for event in storage.events(kinds=[str(k) for k in ARTIFACT_EVENTS]):
        a = event.payload.get("artifact")
        if not isinstance(a, Mapping) or not isinstance(a.get("content_hash"), str):
            continue
        found.setdefault(a["content_hash"], []).append(
            Recorded(
                artifact_id=str(a.get("id", "?")),
                work_id=event.work_id,
                media_type=str(a.get("media_type", "?")),
                size=_int(a.get("size")),
            )
        )
    return {h: tuple(rs) for h, rs in found.items()}


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return -1


def _rehash(media: MediaStore, name: str) -> tuple[Kind, str] | None:
    """What is wrong with the content stored as ``name``, or None when it is itself."""
    try:
        content = media.get(name)
    except NotFound:
        return "missing", "its file is missing"
    except CorruptStorage:
        return "changed", "its bytes no longer match the hash the ledger records"
    except OSError as exc:
        return "unreadable", f"its file cannot be read ({exc.strerror or type(exc).__name__})"
    if digest(content) != name:
        return "changed", "its bytes no longer match the hash the ledger records"
    return None


def _sized(media: MediaStore, name: str, size: int) -> tuple[Kind, str] | None:
    """What the size of the content stored as ``name`` says is wrong with it, or None."""
    try:
        found = media.size(name)
    except NotFound:
        found = None
    except CorruptStorage:
        return "changed", "its bytes no longer match the hash the ledger records"
    except OSError as exc:
        return "unreadable", f"its file cannot be read ({exc.strerror or type(exc).__name__})"
    if found is None:
        return "missing", "its file is missing"
    if found != size:
        return "changed", f"its file has {found:,} bytes where the ledger records {size:,}"
    return None


def verify_media(
    storage: Storage,
    media: MediaStore,
    *,
    quick: bool = False,
    sample: int = SAMPLE,
    rng: random.Random | None = None,
    progress: Progress | None = None,
    recorded: Mapping[str, tuple[Recorded, ...]] | None = None,
) -> MediaReport:
    """Check ``media`` against the content hashes ``storage``'s ledger records.

    ``quick`` compares every file's size and rehashes ``sample`` of them,
    drawn by ``rng`` (by default from the system's randomness, so that no one
    can know beforehand which files a check reads). ``progress(done, total)``
    is called as files are checked; ``recorded`` skips reading the ledger
    when the caller has :func:`recorded_media` already.
    """
    from .erasure import erased_media

    if recorded is None:
        recorded = recorded_media(storage)
    gone = erased_media(storage)  # deleted on request: erased, not damaged (unless still there)
    erased = [n for n in recorded if n in gone and not media.exists(n)]
    skipped = set(erased)
    names = [n for n in recorded if n not in skipped]
    total = len(names)
    problems: dict[str, tuple[Kind, str]] = {}
    if quick:
        for done, name in enumerate(names, 1):
            found = _sized(media, name, recorded[name][0].size)
            if found is not None:
                problems[name] = found
            _tick(progress, done, total)
        sound = [n for n in names if n not in problems]
        chosen = _choose(sound, sample, rng or random.SystemRandom())
    else:
        chosen = names
    for done, name in enumerate(chosen, 1):
        found = _rehash(media, name)
        if found is not None:
            problems[name] = found
        if not quick:
            _tick(progress, done, total)
    return MediaReport(
        files=total,
        hashed=len(chosen),
        quick=quick,
        erased=len(erased),
        problems=tuple(
            MediaProblem(name, *problems[name], recorded[name])
            for name in names
            if name in problems
        ),
    )


def _choose(names: list[str], k: int, rng: random.Random) -> list[str]:
    if k >= len(names):
        return names
    return rng.sample(names, max(0, k))


def _tick(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None and (done == total or done % 256 == 0):
        progress(done, total)
