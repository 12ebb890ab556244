"""A person's files over HTTP: read within a size limit, typed by content, safely named."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import UploadFile

from ..errors import ContentTooLarge, InvalidContent
from ..media import KNOWN_TYPES, sniff

UPLOAD_TYPES = sorted(KNOWN_TYPES)

_BY_SUFFIX = {
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".json": "application/json",
    ".musicxml": "application/vnd.recordare.musicxml+xml",
}


async def read_upload(file: UploadFile, limit: int) -> bytes:
    """The file's bytes, refused as soon as they pass ``limit``."""
    chunks, total = [], 0
    while True:
        chunk = await file.read(1 << 20)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise ContentTooLarge(f"the file is over the limit of {limit:,} bytes for uploads")
        chunks.append(chunk)
    return b"".join(chunks)


def media_type_of(content: bytes, declared: str | None, filename: str | None) -> str:
    """The declared type if known, else what the bytes or the file name say."""
    declared = (declared or "").split(";")[0].strip().lower()
    if declared in KNOWN_TYPES:
        return declared
    found = sniff(content[:16])
    if found:
        return found
    suffix = Path(filename or "").suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    raise InvalidContent(
        f"cannot tell what kind of file this is ({declared or 'no type given'}); "
        f"supported: {', '.join(UPLOAD_TYPES)}"
    )


def safe_filename(name: str, fallback: str = "download") -> str:
    """A name fit for a ``Content-Disposition`` header."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(str(name)).name).strip(".-")
    return name[:120] or fallback
