"""Content Credentials (C2PA) through the c2pa-python SDK: sign and read.

Formats that can carry a manifest get it embedded (PNG, JPEG, GIF, WebP,
SVG, WAV, MP3); the others (MIDI, MusicXML, text, JSON) keep their bytes and
get a sidecar ``.c2pa`` manifest store. Reading checks signatures and hashes
with the identity's roots as the only trust anchors. Thumbnails are off.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import c2pa

from .errors import SigningIdentityError, UnreadableCredentials, UnsupportedFormat
from .identity import Identity

EMBEDDED: dict[str, str] = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/svg+xml": "svg",
    "audio/wav": "wav",
    "audio/mpeg": "mp3",
}
"""Media types whose files carry the manifest inside, with their file extensions."""

SIDECAR: dict[str, str] = {
    "audio/midi": "mid",
    "application/vnd.recordare.musicxml+xml": "musicxml",
    "text/plain": "txt",
    "text/markdown": "md",
    "application/json": "json",
}
"""Media types that get a sidecar ``.c2pa`` manifest store next to the plain file."""

EXTENSIONS = {**EMBEDDED, **SIDECAR}
BY_EXTENSION = {ext: mt for mt, ext in EXTENSIONS.items()} | {
    "jpeg": "image/jpeg",
    "midi": "audio/midi",
    "xml": "application/vnd.recordare.musicxml+xml",
    "markdown": "text/markdown",
}

ATTRIBUTION_LABEL = "org.cocreate.attribution"


def can_embed(media_type: str) -> bool:
    return media_type in EMBEDDED


def check_supported(media_type: str) -> None:
    if media_type not in EXTENSIONS:
        raise UnsupportedFormat(
            f"Content Credentials are not supported for {media_type!r} "
            f"(supported: {', '.join(sorted(EXTENSIONS))})"
        )


def _settings(identity: Identity) -> dict[str, Any]:
    return {
        "builder": {"thumbnail": {"enabled": False}},
        "trust": {"trust_anchors": identity.trust_anchors_pem.decode()},
        "verify": {"verify_trust": True},
    }


def context(identity: Identity) -> c2pa.Context:
    """An SDK context that trusts exactly the identity's roots, with thumbnails off."""
    return c2pa.Context.from_dict(_settings(identity))


@dataclass(frozen=True)
class Ingredient:
    """A file that went into the artifact; its own credentials, if any, are kept."""

    title: str
    media_type: str
    data: bytes
    relationship: str  # parentOf, componentOf, inputTo
    label: str
    description: str = ""

    def definition(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "title": self.title,
            "relationship": self.relationship,
            "label": self.label,
        }
        if self.description:
            d["description"] = self.description
        return d


@dataclass(frozen=True)
class Signed:
    data: bytes  # the file, with the manifest embedded where it can be
    sidecar: bytes | None  # the manifest store, for formats that cannot embed it


def sign(
    data: bytes,
    media_type: str,
    manifest: dict[str, Any],
    identity: Identity,
    ingredients: Sequence[Ingredient] = (),
) -> Signed:
    """Sign ``data`` with ``manifest``; embed it, or return it as a sidecar."""
    check_supported(media_type)
    if not identity.can_sign:
        raise SigningIdentityError(
            "this identity has no private key: give the signing key to export with credentials"
        )
    embed = can_embed(media_type)
    fmt = media_type
    try:
        signer = c2pa.Signer.from_info(
            c2pa.C2paSignerInfo(
                c2pa.C2paSigningAlg.ES256,
                identity.cert_chain_pem,
                identity.key_pem,
                None,
            )
        )
    except c2pa.C2paError as exc:
        raise SigningIdentityError(f"the signing identity was refused: {exc}") from None
    ctx = context(identity)
    try:
        with c2pa.Builder(dict(manifest, format=fmt), context=ctx) as builder:
            for ing in ingredients:
                builder.add_ingredient(ing.definition(), ing.media_type, io.BytesIO(ing.data))
            if not embed:
                builder.set_no_embed()
            out = io.BytesIO()
            manifest_bytes = builder.sign(signer, fmt, io.BytesIO(data), out)
    except c2pa.C2paError as exc:
        raise UnsupportedFormat(f"the {media_type} file could not be signed: {exc}") from None
    finally:
        signer.close()
        ctx.close()
    if embed:
        return Signed(out.getvalue(), None)
    return Signed(bytes(data), bytes(manifest_bytes))


@dataclass(frozen=True)
class Credentials:
    """What the SDK read from a file: validation state and the manifests."""

    state: str | None  # "Trusted", "Valid", "Invalid" or None when there is none
    active: dict[str, Any] | None
    manifests: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def present(self) -> bool:
        return self.active is not None

    @property
    def failures(self) -> list[str]:
        out = [
            f"{f.get('code')}: {f.get('explanation', '')}"
            for f in (self.results.get("activeManifest") or {}).get("failure", [])
        ]
        for delta in self.results.get("ingredientDeltas") or []:
            for f in (delta.get("validationDeltas") or {}).get("failure", []):
                out.append(f"ingredient {f.get('code')}: {f.get('explanation', '')}")
        return out

    def assertion(self, label: str) -> dict[str, Any] | None:
        for a in (self.active or {}).get("assertions", []):
            if a.get("label") == label:
                return a.get("data")
        return None

    def actions(self) -> list[dict[str, Any]]:
        for a in (self.active or {}).get("assertions", []):
            if a.get("label", "").startswith("c2pa.actions"):
                return list(a.get("data", {}).get("actions", []))
        return []

    def ingredients(self) -> list[dict[str, Any]]:
        return list((self.active or {}).get("ingredients", []))


def read(
    data: bytes,
    media_type: str,
    identity: Identity,
    *,
    sidecar: bytes | None = None,
) -> Credentials:
    """Read and validate the credentials of ``data`` (embedded, or in ``sidecar``).

    Returns ``Credentials(state=None)`` when the file has none; raises
    ``UnreadableCredentials`` when they are there but cannot be parsed.
    """
    check_supported(media_type)
    if not can_embed(media_type) and sidecar is None:
        return Credentials(None, None)
    ctx = context(identity)
    try:
        try:
            reader = c2pa.Reader(media_type, io.BytesIO(data), sidecar, context=ctx)
        except c2pa.C2paError.ManifestNotFound:
            return Credentials(None, None)
        except c2pa.C2paError as exc:
            raise UnreadableCredentials(
                f"the file's Content Credentials cannot be read: {exc}"
            ) from None
        with reader:
            store = json.loads(reader.json())
            return Credentials(
                state=reader.get_validation_state(),
                active=reader.get_active_manifest(),
                manifests=store.get("manifests", {}),
                results=reader.get_validation_results() or {},
            )
    finally:
        ctx.close()


def has_credentials(data: bytes, media_type: str) -> bool:
    """Whether ``data`` carries an embedded C2PA manifest (its validity unchecked)."""
    if not can_embed(media_type):
        return False
    try:
        with c2pa.Reader(media_type, io.BytesIO(data)) as r:
            return r.get_active_manifest() is not None
    except c2pa.C2paError:
        return False
