"""Verify an exported file: are its Content Credentials intact, and do they match the ledger?

The manifest's ``org.cocreate.attribution`` assertion names the work, the
artifact and the hash of the ledger event that recorded the artifact; each
is checked against the studio's ledger, and the file's exact bytes must have
been recorded by an export of that work.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ..errors import NotFound
from ..media import sniff
from .attribution import artifact_event
from .credentials import ATTRIBUTION_LABEL, BY_EXTENSION, EXTENSIONS, can_embed, read
from .errors import NoFinalVersion, UnreadableCredentials, UnsupportedFormat
from .identity import Identity, default_identity


@dataclass
class FileReport:
    """The verdict on one file. ``ok`` only when there is no problem at all."""

    media_type: str
    has_credentials: bool = False
    validation_state: str | None = None  # Trusted, Valid, Invalid (the SDK's words)
    trusted: bool = False
    intact: bool = False
    matches_ledger: bool = False
    recorded_export: bool = False
    work_id: str | None = None
    artifact_id: str | None = None
    event_hash: str | None = None
    signer: str = ""
    contributors: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.problems
            and self.has_credentials
            and self.intact
            and self.trusted
            and self.matches_ledger
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "media_type": self.media_type,
            "has_credentials": self.has_credentials,
            "validation_state": self.validation_state,
            "trusted": self.trusted,
            "intact": self.intact,
            "matches_ledger": self.matches_ledger,
            "recorded_export": self.recorded_export,
            "work_id": self.work_id,
            "artifact_id": self.artifact_id,
            "event_hash": self.event_hash,
            "signer": self.signer,
            "contributors": self.contributors,
            "problems": list(self.problems),
        }

    def __str__(self) -> str:
        if self.ok:
            who = ", ".join(
                f"{c.get('name', c.get('id'))} {c.get('share', 0):.0%}" for c in self.contributors
            )
            return (
                f"credentials intact and trusted; they match the ledger "
                f"(work {str(self.work_id)[:8]}, artifact {str(self.artifact_id)[:8]})"
                + (f"; {who}" if who else "")
            )
        state = self.validation_state or "none"
        return f"NOT OK (credentials: {state}): " + "; ".join(self.problems)


def media_type_of(data: bytes, filename: str | None, media_type: str | None) -> str:
    if media_type:
        return media_type
    if filename and "." in filename:
        ext = filename.rsplit(".", 1)[1].lower()
        if ext in BY_EXTENSION:
            return BY_EXTENSION[ext]
    found = sniff(data[:16])
    if found:
        return found
    if b"<svg" in data[:4096]:
        return "image/svg+xml"
    raise UnsupportedFormat(
        "cannot tell this file's type: give its filename or media_type "
        f"(supported: {', '.join(sorted(EXTENSIONS))})"
    )


def verify_file(
    studio: Any,
    data: bytes,
    *,
    filename: str | None = None,
    media_type: str | None = None,
    sidecar: bytes | None = None,
    identity: Identity | None = None,
) -> FileReport:
    """Check ``data``'s credentials (embedded, or in ``sidecar``) against ``studio``'s ledger."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise UnsupportedFormat("there is no file to verify: the data is empty")
    data = bytes(data)
    mt = media_type_of(data, filename, media_type)
    if mt not in EXTENSIONS:
        raise UnsupportedFormat(
            f"Content Credentials cannot be checked for {mt!r} "
            f"(supported: {', '.join(sorted(EXTENSIONS))})"
        )
    report = FileReport(media_type=mt)
    identity = identity or default_identity(studio)
    try:
        creds = read(data, mt, identity, sidecar=sidecar)
    except UnreadableCredentials as exc:
        report.has_credentials = True
        report.problems.append(f"the credentials are damaged: {exc}")
        return report
    if not creds.present:
        report.problems.append(_no_credentials(mt, sidecar is not None))
        return report
    report.has_credentials = True
    report.validation_state = creds.state
    report.trusted = creds.state == "Trusted"
    report.intact = creds.state in ("Trusted", "Valid")
    info = (creds.active or {}).get("signature_info") or {}
    report.signer = str(info.get("common_name") or info.get("issuer") or "")
    if not report.intact:
        failures = creds.failures or ["the signature or the content hash does not check out"]
        report.problems.append("the file was changed after signing: " + "; ".join(failures))
    elif not report.trusted:
        report.problems.append(
            f"the signer ({report.signer or 'unknown'}) is not one this studio trusts"
        )
    claim = creds.assertion(ATTRIBUTION_LABEL)
    if claim is None:
        report.problems.append(f"the credentials carry no {ATTRIBUTION_LABEL} assertion")
        return report
    report.work_id = claim.get("work_id")
    report.artifact_id = claim.get("artifact_id")
    report.event_hash = claim.get("event_hash")
    report.contributors = list(claim.get("contributors") or [])
    _check_ledger(studio, data, claim, report, sidecar_format=sidecar is not None)
    return report


def _no_credentials(media_type: str, had_sidecar: bool) -> str:
    """Why no credentials were found, and where they would have been for this type."""
    if can_embed(media_type):
        return (
            f"the file has no Content Credentials: a {media_type} file carries them inside, "
            "and this one has none (it was not exported with credentials, or another "
            "program saved it again without them)"
        )
    if had_sidecar:
        return "the sidecar holds no Content Credentials for this file"
    return (
        f"the file has no Content Credentials: for {media_type} they come as a .c2pa "
        "sidecar file next to it (give that file too)"
    )


def _check_ledger(
    studio: Any, data: bytes, claim: dict[str, Any], report: FileReport, *, sidecar_format: bool
) -> None:
    problems: list[str] = []
    try:
        work = studio.work(str(report.work_id))
        if report.work_id != work.id:
            raise NotFound("not an exact id")
    except NotFound:
        report.problems.append(f"the ledger has no work {report.work_id!r}")
        return
    state = work._s
    if report.artifact_id not in state.artifacts:
        report.problems.append(f"work {work.id[:8]} has no artifact {report.artifact_id!r}")
        return
    try:
        event = artifact_event(state, str(report.artifact_id))
    except NoFinalVersion:
        report.problems.append("no ledger event records this artifact")
        return
    if event.hash != report.event_hash:
        problems.append("the ledger event named in the credentials does not match the ledger")
    if claim.get("content_sha256") != state.artifacts[report.artifact_id]["content_hash"]:
        problems.append("the credentials name content other than the artifact's")
    digest = hashlib.sha256(data).hexdigest()
    if sidecar_format and digest != state.artifacts[report.artifact_id]["content_hash"]:
        problems.append("the file's bytes are not the artifact's")
    report.recorded_export = any(
        x.get("sha256") == digest and x.get("artifact") == report.artifact_id for x in state.exports
    )
    if not report.recorded_export:
        problems.append("the ledger records no export of this exact file")
    chain = studio.verify()
    if not chain.ok:
        problems.append(f"the studio's ledger itself is damaged: {chain}")
    report.problems.extend(problems)
    report.matches_ledger = not problems
