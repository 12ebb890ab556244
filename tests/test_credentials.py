"""Content Credentials (C2PA): the studio's identity, signed exports, verification.

Every check reads the exported bytes back with c2pa-python's own Reader,
configured to trust only the studio's root.
"""

from __future__ import annotations

import io
import json
import os
import stat
import wave
from collections.abc import Mapping
from typing import Any, ClassVar

import c2pa
import numpy as np
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from PIL import Image

import cocreate
from cocreate.authorship import (
    ATTRIBUTION_LABEL,
    Identity,
    SigningIdentityError,
    UnsupportedFormat,
    default_identity,
    export,
    verify_file,
)
from cocreate.authorship.identity import SIGNER_CERT, SIGNER_KEY
from cocreate.model import EventKind, Genome, Intention
from cocreate.partners import register
from cocreate.partners.base import Partner
from cocreate.partners.registry import unregister
from cocreate.proposing import DiverseStrategy

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def png(rgb: tuple[int, int, int], size: int = 8) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), rgb).save(buf, "PNG")
    return buf.getvalue()


class TinyPainter(Partner):
    """A stand-in for a learned image model: one flat colour, as a PNG."""

    name = "tinypainter"
    domain = "paint"
    media_type = "image/png"
    model_id = "tiny-diffusion"
    version = "2.1"
    source_type = "trainedAlgorithmicMedia"
    feature_names = ("r", "g", "b")
    accepts: ClassVar[tuple[str, ...]] = ("image/png",)
    edit_params: ClassVar[Mapping[str, str]] = {"warmth": "add red"}

    def fresh(self, rng: np.random.Generator, intention: Intention | None = None) -> Genome:
        return {"rgb": [int(x) for x in rng.integers(0, 256, 3)]}

    def vary(self, genome: Genome, strength: float, rng: np.random.Generator) -> Genome:
        v = np.clip(np.array(genome["rgb"]) + rng.normal(0, 80 * strength, 3), 0, 255)
        return {"rgb": [int(x) for x in v]}

    def cross(self, a: Genome, b: Genome, rng: np.random.Generator) -> Genome:
        return {"rgb": [int((x + y) / 2) for x, y in zip(a["rgb"], b["rgb"], strict=True)]}

    def adopt(self, content: bytes, media_type: str, rng: np.random.Generator) -> Genome:
        im = Image.open(io.BytesIO(content)).convert("RGB")
        return {"rgb": [int(x) for x in np.asarray(im).reshape(-1, 3).mean(0)]}

    def edit(self, genome: Genome, adjustments: Mapping[str, Any]) -> Genome:
        r, g, b = genome["rgb"]
        return {"rgb": [int(min(255, r + 40 * float(adjustments["warmth"]))), g, b]}

    def render(self, genome: Genome, *, size: int | None = None) -> bytes:
        return png(tuple(genome["rgb"]), size or 8)

    def describe(self, genome: Genome | None, content: bytes | None = None) -> np.ndarray:
        if genome is None:
            genome = self.adopt(content or b"", "image/png", np.random.default_rng(0))
        return np.asarray(genome["rgb"], dtype=float) / 255


@pytest.fixture(autouse=True, scope="module")
def _tiny_painter():
    register(TinyPainter)
    yield
    unregister(TinyPainter.name)


@pytest.fixture(scope="module")
def identity() -> Identity:
    return Identity.create("cocreate test studio")


@pytest.fixture
def studio():
    with cocreate.Studio("memory://", seed=5, pool_size=8, strategy=DiverseStrategy()) as s:
        yield s


def reader(data: bytes, media_type: str, identity: Identity, sidecar: bytes | None = None):
    settings = {
        "builder": {"thumbnail": {"enabled": False}},
        "trust": {"trust_anchors": identity.trust_anchors_pem.decode()},
        "verify": {"verify_trust": True},
    }
    ctx = c2pa.Context.from_dict(settings)
    return c2pa.Reader(media_type, io.BytesIO(data), sidecar, context=ctx)


def flip(data: bytes, at: int) -> bytes:
    b = bytearray(data)
    b[at] ^= 0x01
    return bytes(b)


def actions(active: dict) -> list[dict]:
    for a in active["assertions"]:
        if a["label"].startswith("c2pa.actions"):
            return a["data"]["actions"]
    return []


def assertion(active: dict, label: str) -> dict:
    return next(a["data"] for a in active["assertions"] if a["label"] == label)


# -- the identity ---------------------------------------------------------------------------------


def test_identity_is_made_once_with_what_the_sdk_needs(tmp_path):
    d = tmp_path / "credentials"
    first = Identity.load_or_create(d)
    for name in ("ca.key", SIGNER_KEY):
        assert stat.S_IMODE(os.stat(d / name).st_mode) == 0o600
    again = Identity.load_or_create(d)
    assert again.cert_chain_pem == first.cert_chain_pem and again.key_pem == first.key_pem
    cert = first.certificate
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    assert str(tmp_path) not in first.subject


def test_a_lost_key_is_reported_and_nothing_is_overwritten(tmp_path):
    d = tmp_path / "credentials"
    Identity.load_or_create(d)
    cert = (d / SIGNER_CERT).read_bytes()
    (d / SIGNER_KEY).unlink()
    with pytest.raises(SigningIdentityError, match=r"signing key .* is missing"):
        Identity.load_or_create(d)
    assert (d / SIGNER_CERT).read_bytes() == cert


def test_a_persons_own_chain_and_key(tmp_path, identity):
    (tmp_path / "chain.pem").write_bytes(identity.cert_chain_pem)
    (tmp_path / "key.pem").write_bytes(identity.key_pem)
    mine = Identity.from_files(tmp_path / "chain.pem", tmp_path / "key.pem")
    assert mine.can_sign and mine.trust_anchors_pem.strip() in identity.cert_chain_pem
    other = Identity.create()
    with pytest.raises(SigningIdentityError, match="does not belong"):
        Identity.from_files(identity.cert_chain_pem, other.key_pem)
    with pytest.raises(SigningIdentityError, match="no such file"):
        Identity.from_files(tmp_path / "missing.pem", None)


def test_the_default_identity_lives_next_to_the_media(tmp_path):
    with cocreate.Studio(f"sqlite:///{tmp_path / 'studio.db'}") as s:
        ident = default_identity(s)
        assert ident.directory == (tmp_path / "credentials")
        assert (tmp_path / "credentials" / SIGNER_KEY).exists()
        assert default_identity(s).cert_chain_pem == ident.cert_chain_pem


# -- signed exports ----------------------------------------------------------------------------


def test_png_from_a_learned_model_is_trusted_and_a_flipped_byte_is_caught(studio, identity):
    work = studio.create_work("paint", "ana", "a warm square")
    shown = work.propose(4)
    work.choose(shown[2])
    out = export(work, format="file", identity=identity)
    assert out.filename.endswith(".png") and out.sidecar is None
    with reader(out.data, "image/png", identity) as r:
        assert r.get_validation_state() == "Trusted"
        active = r.get_active_manifest()
    (created,) = actions(active)
    assert created["action"] == "c2pa.created"
    assert created["digitalSourceType"] == IPTC + "trainedAlgorithmicMedia"
    assert created["softwareAgent"]["name"] == "tinypainter"
    claim = assertion(active, ATTRIBUTION_LABEL)
    recorded = next(
        e
        for e in work.events()
        if e.kind == EventKind.ARTIFACT_PROPOSED and e.payload["artifact"]["id"] == shown[2].id
    )
    assert (claim["work_id"], claim["artifact_id"], claim["event_hash"]) == (
        work.id,
        shown[2].id,
        recorded.hash,
    )
    assert sum(c["share"] for c in claim["contributors"]) == pytest.approx(1.0)
    assert "thumbnail" not in json.dumps(active).lower()
    text = json.dumps(active)
    assert "PRIVATE KEY" not in text and "/tmp" not in text and os.sep + "home" not in text

    report = verify_file(studio, out.data, filename=out.filename, identity=identity)
    assert report.ok and report.trusted and report.matches_ledger, report.problems

    idat = out.data.find(b"IDAT") + 8
    bad = flip(out.data, idat)
    with reader(bad, "image/png", identity) as r:
        assert r.get_validation_state() == "Invalid"
    report = verify_file(studio, bad, filename=out.filename, identity=identity)
    assert not report.ok and "changed after signing" in str(report)


def test_human_edits_and_material_are_declared(studio, identity):
    work = studio.create_work("paint", "ana", "a warm square")
    fresh = work.propose(3)  # before any material: fresh from the partner
    mine = work.contribute(png((10, 200, 30)), "image/png", by="bo")
    kids = work.crossover(fresh[0], mine, 2)  # the partner's line, with bo's material placed in
    work.choose(kids[0])
    edited = work.edit(kids[0], adjustments={"warmth": 1.0})
    out = export(work, format="file", identity=identity)
    with reader(out.data, "image/png", identity) as r:
        assert r.get_validation_state() == "Trusted"
        active = r.get_active_manifest()
    acts = actions(active)
    assert acts[0]["action"] == "c2pa.created"
    assert acts[0]["digitalSourceType"] == IPTC + "trainedAlgorithmicMedia"
    edits = [a for a in acts if a["action"] == "c2pa.edited"]
    assert edits[-1]["digitalSourceType"] == IPTC + "humanEdits"
    assert "warmth" in edits[-1]["description"]
    (placed,) = [a for a in acts if a["action"] == "c2pa.placed"]
    assert placed["digitalSourceType"] == IPTC + "compositeWithTrainedAlgorithmicMedia"
    (ingredient,) = active["ingredients"]
    assert ingredient["relationship"] == "componentOf"
    assert assertion(active, ATTRIBUTION_LABEL)["artifact_id"] == edited.id

    other = work.crossover(mine, fresh[1], 2)[0]  # bo's material first, the partner's mixed in
    out = export(work, other, format="file", identity=identity)
    with reader(out.data, "image/png", identity) as r:
        assert r.get_validation_state() == "Trusted"
        acts = actions(r.get_active_manifest())
    assert acts[0]["digitalSourceType"] == IPTC + "digitalCreation"
    assert acts[1]["digitalSourceType"] == IPTC + "compositeWithTrainedAlgorithmicMedia"


def test_incoming_credentials_are_kept_as_an_ingredient(studio, identity):
    other_app = Identity.create("another app")
    incoming = (
        cocreate.authorship.credentials.sign(
            png((200, 30, 30)),
            "image/png",
            {
                "claim_generator_info": [{"name": "another-app", "version": "9"}],
                "title": "drawing.png",
                "assertions": [
                    {
                        "label": "c2pa.actions",
                        "data": {
                            "actions": [
                                {
                                    "action": "c2pa.created",
                                    "digitalSourceType": IPTC + "digitalCapture",
                                }
                            ]
                        },
                    }
                ],
            },
            other_app,
        )
    ).data
    work = studio.create_work("paint", "bo", "my drawing, warmer")
    mine = work.contribute(incoming, "image/png")
    kids = work.variations(mine, 3, strength=0.2)
    work.choose(kids[1])
    both = identity.with_trust(other_app.trust_anchors_pem)
    out = export(work, format="file", identity=both)
    with reader(out.data, "image/png", both) as r:
        assert r.get_validation_state() == "Trusted"
        store = json.loads(r.json())
        active = r.get_active_manifest()
    assert actions(active)[0]["action"] == "c2pa.opened"
    (parent,) = active["ingredients"]
    assert parent["relationship"] == "parentOf"
    theirs = store["manifests"][parent["active_manifest"]]
    assert theirs["claim_generator_info"][0]["name"] == "another-app"
    assert verify_file(studio, out.data, filename=out.filename, identity=both).ok


def test_svg_is_signed_in_place(identity):
    with cocreate.Studio("memory://", seed=2, pool_size=8, strategy=DiverseStrategy()) as s:
        work = s.create_work("design", "ana", "a jazz night poster")
        work.choose(work.propose(3)[1])
        out = export(work, format="file", identity=identity)
        assert out.media_type == "image/svg+xml" and b"<svg" in out.data
        with reader(out.data, "image/svg+xml", identity) as r:
            assert r.get_validation_state() == "Trusted"
            created = actions(r.get_active_manifest())[0]
        assert created["digitalSourceType"] == IPTC + "algorithmicMedia"
        at = out.data.rfind(b"</svg>") - 20
        with reader(flip(out.data, at), "image/svg+xml", identity) as r:
            assert r.get_validation_state() == "Invalid"
        assert not verify_file(s, flip(out.data, at), filename="x.svg", identity=identity).ok


def test_wav_is_signed_in_place(studio, identity):
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(np.sin(np.arange(800) / 5).astype("<i2").tobytes())
    work = studio.create_work("toy", "ana", "a hum")
    work.contribute(buf.getvalue(), "audio/wav", role="reference")  # not the partner's kind
    out = export(work, format="file", identity=identity)
    assert out.filename.endswith(".wav") and out.sidecar is None
    with reader(out.data, "audio/wav", identity) as r:
        assert r.get_validation_state() == "Trusted"
        assert actions(r.get_active_manifest())[0]["digitalSourceType"] == IPTC + "digitalCreation"
    assert verify_file(studio, out.data, filename=out.filename, identity=identity).ok
    bad = flip(out.data, 60)
    assert not verify_file(studio, bad, filename=out.filename, identity=identity).ok


def test_text_gets_a_sidecar(studio, identity):
    work = studio.create_work("toy", "ana", "numbers")
    work.choose(work.propose(3)[0])
    out = export(work, format="file", identity=identity)
    assert out.data == work.current().content
    assert out.sidecar and out.sidecar_filename.endswith(".c2pa")
    with reader(out.data, "text/plain", identity, out.sidecar) as r:
        assert r.get_validation_state() == "Trusted"
    report = verify_file(
        studio, out.data, filename=out.filename, sidecar=out.sidecar, identity=identity
    )
    assert report.ok, report.problems
    changed = verify_file(
        studio, out.data + b" ", filename=out.filename, sidecar=out.sidecar, identity=identity
    )
    assert not changed.ok
    bare = verify_file(studio, out.data, filename=out.filename, identity=identity)
    assert not bare.ok and "sidecar" in str(bare)


def test_provenance_can_be_switched_off(studio, identity):
    work = studio.create_work("paint", "ana", "plain")
    chosen = work.propose(2)[0]
    work.choose(chosen)
    out = export(work, format="file", provenance=False, identity=identity)
    assert out.data == chosen.content and out.sidecar is None
    assert c2pa.Reader.try_create("image/png", io.BytesIO(out.data)) is None
    assert work.events()[-1].payload["provenance"] is False
    report = verify_file(studio, out.data, filename=out.filename, identity=identity)
    assert not report.ok and not report.has_credentials


def test_bad_input_is_refused_clearly_and_nothing_is_recorded(studio, identity):
    work = studio.create_work("paint", "ana", "plain")
    work.choose(work.propose(2)[0])
    before = len(work.events())
    no_key = Identity(identity.cert_chain_pem, b"", identity.trust_anchors_pem)
    with pytest.raises(SigningIdentityError, match="no private key"):
        export(work, format="file", identity=no_key)
    assert len(work.events()) == before
    with pytest.raises(UnsupportedFormat, match="cannot tell this file's type"):
        verify_file(studio, b"\x00\x01 not a known file", identity=identity)
    with pytest.raises(UnsupportedFormat, match="cannot be checked"):
        verify_file(studio, b"abc", media_type="application/x-msdownload", identity=identity)
    with pytest.raises(UnsupportedFormat, match="empty"):
        verify_file(studio, b"", filename="a.png", identity=identity)


def test_credentials_from_another_studio_do_not_match_this_ledger(identity):
    with cocreate.Studio("memory://", seed=1, pool_size=8, strategy=DiverseStrategy()) as a:
        work = a.create_work("paint", "ana", "mine")
        work.choose(work.propose(2)[0])
        out = export(work, format="file", identity=identity)
    with cocreate.Studio("memory://") as b:
        report = verify_file(b, out.data, filename=out.filename, identity=identity)
    assert report.trusted and not report.matches_ledger and not report.ok
    assert "no work" in str(report)


MP3 = (b"\xff\xfb\x90\x64" + bytes(413)) * 3  # three silent MPEG-1 layer III frames
MIDI = b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x00\x60MTrk\x00\x00\x00\x04\x00\xff\x2f\x00"


def test_mp3_is_signed_in_place(studio, identity):
    work = studio.create_work("toy", "ana", "a silence")
    work.contribute(MP3, "audio/mpeg", role="reference")
    out = export(work, format="file", identity=identity)
    assert out.filename.endswith(".mp3") and out.sidecar is None
    with reader(out.data, "audio/mpeg", identity) as r:
        assert r.get_validation_state() == "Trusted"
    assert verify_file(studio, out.data, filename=out.filename, identity=identity).ok
    assert not verify_file(
        studio, flip(out.data, len(out.data) - 10), filename="a.mp3", identity=identity
    ).ok


def test_midi_gets_a_sidecar(studio, identity):
    work = studio.create_work("toy", "ana", "a silent tune")
    work.contribute(MIDI, "audio/midi", role="reference")
    out = export(work, format="file", identity=identity)
    assert out.data == MIDI and out.filename.endswith(".mid")
    assert out.sidecar_filename == out.filename[: -len(".mid")] + ".c2pa"
    report = verify_file(
        studio, out.data, filename=out.filename, sidecar=out.sidecar, identity=identity
    )
    assert report.ok, report.problems


def test_cppn_png_with_a_parametric_edit(identity):
    with cocreate.Studio("memory://", seed=4, pool_size=6, strategy=DiverseStrategy()) as s:
        work = s.create_work("image", "ana", "red blobs")
        shown = work.propose(3)
        work.choose(shown[0])
        work.edit(shown[0], adjustments={"hue_shift": 0.2})
        out = export(work, format="file", identity=identity)
        with reader(out.data, "image/png", identity) as r:
            assert r.get_validation_state() == "Trusted"
            acts = actions(r.get_active_manifest())
        assert acts[0]["digitalSourceType"] == IPTC + "algorithmicMedia"
        assert acts[0]["softwareAgent"]["name"] == "cppn"
        assert acts[-1]["digitalSourceType"] == IPTC + "humanEdits"
        assert verify_file(s, out.data, filename=out.filename, identity=identity).ok


def test_export_at_print_resolution_is_signed_and_verifies(tmp_path) -> None:
    with cocreate.Studio(f"sqlite:///{tmp_path / 's.db'}", seed=2) as st:
        work = st.create_work("image", "ana", "a calm emblem")
        pick = work.propose(3)[1]
        work.choose(pick)
        out = work.export("file", size=1024)
        assert out.filename.endswith("-1024px.png")
        with Image.open(io.BytesIO(out.data)) as im:
            assert im.size == (1024, 1024)
        report = verify_file(st, out.data, filename=out.filename)
        assert report.ok and report.trusted and report.matches_ledger, report.problems
        assert st.events(work.id)[-1].payload["size"] == 1024
        with pytest.raises(cocreate.InputError):
            work.export("file", size=5)


@pytest.mark.parametrize(
    ("fmt", "media_type", "ext"),
    [("JPEG", "image/jpeg", ".jpg"), ("GIF", "image/gif", ".gif"), ("WEBP", "image/webp", ".webp")],
)
def test_a_persons_jpeg_gif_or_webp_is_signed_in_place(identity, fmt, media_type, ext):
    buf = io.BytesIO()
    Image.new("RGB", (40, 24), (200, 30, 40)).save(buf, fmt)
    with cocreate.Studio("memory://", seed=4, pool_size=6, strategy=DiverseStrategy()) as s:
        work = s.create_work("image", "ana", "red, from my file")
        mine = work.contribute(buf.getvalue(), media_type, by="ana")
        work.choose(work.propose(3)[0])  # the partner works on, whether or not it reads the file
        work.choose(mine)
        out = export(work, mine, format="file", identity=identity)
        assert out.filename.endswith(ext) and out.sidecar is None
        with Image.open(io.BytesIO(out.data)) as im:  # still the person's picture
            assert (im.format, im.size) == (fmt, (40, 24))
        with reader(out.data, media_type, identity) as r:
            assert r.get_validation_state() == "Trusted"
            acts = actions(r.get_active_manifest())
        assert acts[0]["digitalSourceType"] == IPTC + "digitalCreation"
        report = verify_file(s, out.data, filename=out.filename, identity=identity)
        assert report.ok and report.trusted and report.matches_ledger, report.problems
        bad = flip(out.data, len(out.data) - 8)  # in the picture, after the manifest
        report = verify_file(s, bad, filename=out.filename, identity=identity)
        assert not report.ok
