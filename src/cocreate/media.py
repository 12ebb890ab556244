"""Media: a content-addressed store for artifact bytes, and media-type checks.

Bytes live outside the database, named by their SHA-256. A store has three
methods: ``put`` (returns the hash), ``get`` and ``exists``. ``get`` checks
the bytes against their name, so a damaged file is reported, never served.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from abc import ABC, abstractmethod
from pathlib import Path

from .errors import ContentTooLarge, CorruptStorage, InvalidContent, NotFound

MAX_CONTENT_BYTES = 50 * 1024 * 1024
"""The largest artifact accepted (50 MiB)."""


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class MediaStore(ABC):
    """Where artifact bytes live, by hash."""

    @abstractmethod
    def put(self, content: bytes) -> str:
        """Store ``content``; return its SHA-256 hex name (idempotent)."""

    @abstractmethod
    def get(self, name: str) -> bytes:
        """The bytes stored as ``name``; raise ``NotFound`` or ``CorruptStorage``."""

    @abstractmethod
    def exists(self, name: str) -> bool: ...


class MemoryMediaStore(MediaStore):
    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put(self, content: bytes) -> str:
        name = digest(content)
        with self._lock:
            self._blobs.setdefault(name, bytes(content))
        return name

    def get(self, name: str) -> bytes:
        try:
            return self._blobs[name]
        except KeyError:
            raise NotFound(f"no media named {name}") from None

    def exists(self, name: str) -> bool:
        return name in self._blobs


class FileMediaStore(MediaStore):
    """Files under ``root/ab/cd/<hash>``, written atomically."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        if len(name) != 64 or any(c not in "0123456789abcdef" for c in name):
            raise NotFound(f"{name!r} is not a media name")
        return self.root / name[:2] / name[2:4] / name

    def put(self, content: bytes) -> str:
        name = digest(content)
        path = self._path(name)
        if path.exists():
            return name
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return name

    def get(self, name: str) -> bytes:
        path = self._path(name)
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"media {name} is missing from {self.root}") from None
        if digest(content) != name:
            raise CorruptStorage(
                f"media file {path} is damaged: its bytes no longer match its name"
            )
        return content

    def exists(self, name: str) -> bool:
        return self._path(name).exists()


# -- media types --------------------------------------------------------------------------

_MAGIC: list[tuple[str, bytes, int]] = [
    ("image/png", b"\x89PNG\r\n\x1a\n", 0),
    ("image/jpeg", b"\xff\xd8\xff", 0),
    ("image/gif", b"GIF8", 0),
    ("audio/midi", b"MThd", 0),
    ("audio/wav", b"WAVE", 8),
    ("audio/mpeg", b"ID3", 0),
]

TEXT_TYPES = {
    "text/plain",
    "text/markdown",
    "image/svg+xml",
    "application/vnd.recordare.musicxml+xml",
    "application/json",
}

KNOWN_TYPES = {t for t, _, _ in _MAGIC} | TEXT_TYPES | {"image/webp"}


def sniff(content: bytes) -> str | None:
    """The media type that ``content``'s leading bytes announce, if any."""
    for media_type, magic, offset in _MAGIC:
        if content[offset : offset + len(magic)] == magic:
            return media_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if len(content) > 1 and content[0] == 0xFF and content[1] & 0xE0 == 0xE0:
        return "audio/mpeg"
    return None


def check_content(content: bytes, media_type: str, max_bytes: int = MAX_CONTENT_BYTES) -> None:
    """Raise ``InvalidContent`` unless ``content`` is a plausible ``media_type`` file."""
    if not isinstance(content, bytes | bytearray | memoryview):
        raise InvalidContent(f"content must be bytes, not {type(content).__name__}")
    if not content:
        raise InvalidContent("content is empty")
    if len(content) > max_bytes:
        raise ContentTooLarge(
            f"content is {len(content):,} bytes, over the limit of {max_bytes:,} bytes"
        )
    if media_type not in KNOWN_TYPES:
        raise InvalidContent(
            f"unsupported media type {media_type!r} (supported: {', '.join(sorted(KNOWN_TYPES))})"
        )
    if media_type in TEXT_TYPES:
        try:
            text = bytes(content).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidContent(
                f"content declared {media_type} is not UTF-8 text: {exc}"
            ) from None
        if media_type == "image/svg+xml" and "<svg" not in text[:4096]:
            raise InvalidContent("content declared image/svg+xml has no <svg> element")
        return
    found = sniff(bytes(content[:16]))
    if found != media_type:
        what = f"looks like {found}" if found else "is not a recognised media file"
        raise InvalidContent(f"content declared {media_type} {what}")
