"""Exports: the artifact's file with Content Credentials, or a record of its authorship.

Every export is itself recorded in the ledger (``work.exported``, with the
format, the artifact and the SHA-256 of the bytes handed out), so a file can
later be matched to the export that produced it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..events import WorkExported
from ..model import Artifact, is_person
from .attribution import attribution, resolve_artifact
from .credentials import EXTENSIONS, check_supported, sign
from .disclosure import disclosure_from
from .errors import UnsupportedFormat
from .identity import Identity, default_identity
from .manifests import build_manifest
from .policy import Policy
from .provenance import prov_document, serialize
from .splits import split_sheet_from

FORMATS = (
    "file",
    "prov-json",
    "prov-n",
    "prov-xml",
    "disclosure-txt",
    "disclosure-json",
    "splits-csv",
    "splits-json",
    "attribution-json",
)

_RECORDS = {
    "prov-json": ("application/json", ".prov.json"),
    "prov-n": ("text/provenance-notation", ".provn"),
    "prov-xml": ("application/xml", ".prov.xml"),
    "disclosure-txt": ("text/plain", ".disclosure.txt"),
    "disclosure-json": ("application/json", ".disclosure.json"),
    "splits-csv": ("text/csv", ".splits.csv"),
    "splits-json": ("application/json", ".splits.json"),
    "attribution-json": ("application/json", ".attribution.json"),
}


@dataclass(frozen=True)
class Exported:
    """What an export hands out; write ``data`` (and ``sidecar``, if any) to files."""

    format: str
    filename: str
    media_type: str
    data: bytes
    artifact_id: str | None
    sidecar: bytes | None = None
    sidecar_filename: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def save(self, directory: str | Path) -> list[Path]:
        """Write the file (and its sidecar) into ``directory``; return the paths."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        paths = [d / self.filename]
        paths[0].write_bytes(self.data)
        if self.sidecar is not None and self.sidecar_filename:
            paths.append(d / self.sidecar_filename)
            paths[1].write_bytes(self.sidecar)
        return paths


def _slug(title: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return s[:40].strip("-") or "work"


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def _actor(work: Any, by: str | None) -> str:
    actor = by if by is not None else work.creator
    if not isinstance(actor, str) or not actor.strip():
        raise InputError("an export needs a person's id (by='ana')")
    actor = actor.strip()
    if not is_person(actor):
        raise InputError(f"{actor!r} is reserved for AI partners; people cannot act under it")
    return actor


def export(
    work: Any,
    artifact: Artifact | str | None = None,
    *,
    format: str,
    provenance: bool = True,
    by: str | None = None,
    identity: Identity | None = None,
    policy: Policy | dict | None = None,
    size: int | None = None,
) -> Exported:
    """Export ``artifact`` (default: the current version) in ``format`` (see ``FORMATS``).

    ``"file"`` gives the artifact's own file with Content Credentials embedded
    (or the plain file and a ``.c2pa`` sidecar for types that cannot embed
    them); ``provenance=False`` gives the plain file; ``size`` renders it
    again from its recipe at that resolution first (e.g. 2048 for print). The
    other formats are records: PROV, the disclosure, the split sheet, the
    attribution report.
    """
    if format not in FORMATS:
        raise UnsupportedFormat(f"unknown export format {format!r} (one of: {', '.join(FORMATS)})")
    actor = _actor(work, by)
    if format.startswith("prov-"):
        target = resolve_artifact(work, artifact) if artifact is not None else work.current()
    else:
        target = resolve_artifact(work, artifact)
    stem = f"{_slug(work.title)}-{target.id[:8]}" if target is not None else _slug(work.title)

    if format == "file":
        assert target is not None
        check_supported(target.media_type)
        content = target.content if size is None else work.render(target, size)
        if size is not None:
            stem = f"{stem}-{size}px"
        filename = f"{stem}.{EXTENSIONS[target.media_type]}"
        data, sidecar, sidecar_name = content, None, None
        if provenance:
            attr = attribution(work, target, policy)
            manifest, ingredients = build_manifest(work, attr, filename)
            signed = sign(
                content,
                target.media_type,
                manifest,
                identity or default_identity(work.studio),
                ingredients,
            )
            data, sidecar = signed.data, signed.sidecar
            sidecar_name = f"{stem}.c2pa" if sidecar is not None else None
        out = Exported(format, filename, target.media_type, data, target.id, sidecar, sidecar_name)
    elif format.startswith("prov-"):
        attr = attribution(work, target, policy) if target is not None else None
        doc = prov_document(work, attr)
        fmt = {"prov-json": "json", "prov-n": "provn", "prov-xml": "xml"}[format]
        media_type, suffix = _RECORDS[format]
        out = Exported(
            format, stem + suffix, media_type, serialize(doc, fmt), target.id if target else None
        )
    else:
        assert target is not None
        attr = attribution(work, target, policy)
        media_type, suffix = _RECORDS[format]
        if format == "attribution-json":
            data = _json(attr.to_dict())
        elif format == "disclosure-txt":
            data = disclosure_from(attr).text.encode()
        elif format == "disclosure-json":
            data = _json(disclosure_from(attr).to_dict())
        elif format == "splits-csv":
            data = split_sheet_from(attr).to_csv().encode()
        else:
            data = _json(split_sheet_from(attr).to_dict())
        out = Exported(format, stem + suffix, media_type, data, target.id)

    record = WorkExported(
        format=format,
        artifact=out.artifact_id,
        sha256=out.sha256,
        filename=out.filename,
        provenance=bool(provenance) if format == "file" else True,
        size=size if format == "file" else None,
        sidecar_sha256=hashlib.sha256(out.sidecar).hexdigest() if out.sidecar is not None else None,
    )
    work.studio._record(work.id, actor, record)
    return out
