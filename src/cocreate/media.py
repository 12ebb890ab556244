"""Media: a content-addressed store for artifact bytes, and media-type checks.

Bytes live outside the database, named by their SHA-256. A store has three
methods: ``put`` (returns the hash), ``get`` and ``exists``, and may give
``size`` faster than reading the bytes. ``get`` checks the bytes against their
name, so a damaged file is reported, never served; its errors name the
content's hash, never where the store keeps it (a reader is told what is
damaged, not the server's layout). ``cocreate.integrity`` checks a whole store
against the ledger.

``check_content`` is the gate every person's file passes (Python API, CLI and
web alike): a known type, within the size limit, and for SVG a document that
cannot run script, load anything from elsewhere, or blow up its parser.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .errors import ContentTooLarge, CorruptStorage, InvalidContent, NotFound
from .names import printable

MAX_CONTENT_BYTES = 50 * 1024 * 1024
"""The largest artifact accepted (50 MiB)."""

_NAME = re.compile(r"[0-9a-f]{64}")


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

    def size(self, name: str) -> int | None:
        """The size in bytes of what is stored as ``name``, unchecked; None when it is missing.

        Stores that can tell it without reading the bytes (a file's size) override
        this; this one reads them, and raises ``CorruptStorage`` as ``get`` does.
        """
        try:
            return len(self.get(name))
        except NotFound:
            return None


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

    def size(self, name: str) -> int | None:
        blob = self._blobs.get(name)
        return None if blob is None else len(blob)


class FileMediaStore(MediaStore):
    """Files under ``root/ab/cd/<hash>``, written atomically."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise NotFound(f"{printable(name)[:80]!r} is not a media name")
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
            raise NotFound(f"the stored content {name[:16]} is missing") from None
        if digest(content) != name:
            raise CorruptStorage(
                f"the stored content {name[:16]} is damaged: its bytes no longer match its hash"
            )
        return content

    def exists(self, name: str) -> bool:
        return self._path(name).exists()

    def size(self, name: str) -> int | None:
        try:
            return self._path(name).stat().st_size
        except (FileNotFoundError, NotADirectoryError, NotFound):
            return None


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
    if not isinstance(media_type, str) or media_type not in KNOWN_TYPES:
        said = printable(media_type)[:100] if isinstance(media_type, str) else "not text"
        raise InvalidContent(
            f"unsupported media type {said!r} (supported: {', '.join(sorted(KNOWN_TYPES))})"
        )
    if media_type in TEXT_TYPES:
        try:
            text = bytes(content).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidContent(
                f"content declared {media_type} is not UTF-8 text: {exc}"
            ) from None
        if media_type == "image/svg+xml":
            check_svg(text)
        return
    found = sniff(bytes(content[:16]))
    if found != media_type:
        what = f"looks like {found}" if found else "is not a recognised media file"
        raise InvalidContent(f"content declared {media_type} {what}")


# -- SVG ----------------------------------------------------------------------------------
# An SVG is a document, not a picture: opened on its own it runs script, fetches
# URLs, and its parser expands entities. An SVG is kept only when it can do none
# of that. Names are compared in lower case, since an SVG pasted into an HTML page
# is parsed case-insensitively there.

_XHTML = "http://www.w3.org/1999/xhtml"
_XINCLUDE = "http://www.w3.org/2001/XInclude"
_XLINK = "http://www.w3.org/1999/xlink"
#: Elements that run script or embed another kind of document.
_ACTIVE = {"script", "foreignobject", "handler", "listener", "iframe", "embed", "object"}
#: Targets a reference may have: a fragment of this document, or an inline raster image.
_LOCAL_REF = re.compile(r"#|data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"@import", re.IGNORECASE)
_SCRIPT_URL = re.compile(r"(java|vb)script\s*:", re.IGNORECASE)
_MAX_FINDINGS = 5
_DEFUSED = {
    "DTDForbidden": "a DOCTYPE declaration",
    "EntitiesForbidden": "an entity declaration",
    "ExternalReferenceForbidden": "an external entity reference",
}


class _Collector(TreeBuilder):
    """A tree builder that also remembers processing instructions (``<?xml-stylesheet?>``)."""

    def __init__(self) -> None:
        super().__init__()
        self.instructions: list[str] = []

    def pi(self, target: str, text: str | None = None) -> Element:
        self.instructions.append(target)
        return super().pi(target, text)


def _local(name: str) -> tuple[str, str]:
    """``{namespace}local`` as (namespace, local name)."""
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


def _shown(value: str, limit: int = 60) -> str:
    value = printable(" ".join(value.split()))
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _external_urls(css: str) -> list[str]:
    return [u for _, u in _CSS_URL.findall(css) if not _LOCAL_REF.match(u.strip())]


def parse_svg(text: str) -> Element:
    """The root of the SVG document ``text``, parsed without a DTD, entities or external
    references; ``InvalidContent`` saying why when it is not such a document."""
    builder = _Collector()
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(text)
        root = parser.close()
    except DefusedXmlException as exc:
        what = _DEFUSED.get(type(exc).__name__, "a DOCTYPE or entities")
        raise InvalidContent(
            f"the SVG is refused: it has {what} (these can read local files or expand "
            "into gigabytes; an SVG needs none of them)"
        ) from None
    except ParseError as exc:
        raise InvalidContent(f"the SVG is not well-formed XML: {exc}") from None
    if builder.instructions:
        names = ", ".join(sorted({f"<?{printable(t)[:40]}?>" for t in builder.instructions}))
        raise InvalidContent(
            f"the SVG is refused: it has the processing instruction {names} "
            "(a style sheet from elsewhere)"
        )
    if _local(root.tag)[1].lower() != "svg":
        raise InvalidContent(
            f"content declared image/svg+xml has no <svg> root element "
            f"(it is <{_shown(_local(root.tag)[1], 40)}>)"
        )
    return root


def svg_findings(root: Element) -> list[str]:
    """What in the parsed SVG could run script or reach outside it, one phrase each."""
    found: list[str] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        ns, shown = _local(el.tag)
        tag = shown.lower()
        if tag in _ACTIVE or ns == _XHTML:
            found.append(f"a <{_shown(shown, 40)}> element")
        elif ns == _XINCLUDE:
            found.append(f"an XInclude <{_shown(shown, 40)}> element")
        if tag == "style" and el.text:
            if _CSS_IMPORT.search(el.text):
                found.append("an @import in <style>")
            found += [f"an external url({_shown(u)}) in <style>" for u in _external_urls(el.text)]
        for name, value in el.attrib.items():
            attr_ns, attr_shown = _local(name)
            attr = attr_shown.lower()
            if attr_ns == _XLINK:
                attr_shown = f"xlink:{attr_shown}"
            where = f"on <{_shown(shown, 40)}>"
            if attr.startswith("on"):
                found.append(f"an event-handler attribute {_shown(attr_shown, 40)} {where}")
            elif attr == "href" and value.strip() and not _LOCAL_REF.match(value.strip()):
                found.append(f"an external reference {_shown(value)} in {attr_shown} {where}")
            elif tag in ("set", "animate") and attr == "attributename" and "href" in value.lower():
                found.append(f"an animation of href {where}")
            elif _SCRIPT_URL.search(value):
                found.append(f"a script URL in {_shown(attr_shown, 40)} {where}")
            else:
                found += [
                    f"an external url({_shown(u)}) in {_shown(attr_shown, 40)} {where}"
                    for u in _external_urls(value)
                ]
        if len(found) >= _MAX_FINDINGS:
            break
    return list(dict.fromkeys(found))


def check_svg(text: str) -> None:
    """Raise ``InvalidContent`` naming what was found unless ``text`` is an SVG that can
    neither run script nor reach outside itself."""
    found = svg_findings(parse_svg(text))
    if found:
        more = " and more" if len(found) >= _MAX_FINDINGS else ""
        raise InvalidContent(
            "the SVG is refused: it has "
            + "; ".join(found[:_MAX_FINDINGS])
            + more
            + " (only shapes, text, styles and references within the file are kept)"
        )
