"""The studio's signing identity for Content Credentials.

On first use a studio makes its own: a root CA and a signing certificate
(ECDSA P-256, ES256) with what the C2PA SDK requires of a signer — CA=false,
digitalSignature, the emailProtection extended key usage and an authority key
identifier. The files live in one directory (private keys mode 0600)::

    ca.pem       the root certificate: the trust anchor verifiers configure
    ca.key       the root's private key (to issue a new signing certificate)
    signer.pem   the signing certificate followed by the root (the chain)
    signer.key   the signing private key

A person with their own certificate uses ``Identity.from_files`` instead.
Certificates name the studio, never a local path or user.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .errors import SigningIdentityError

CA_CERT, CA_KEY, SIGNER_CERT, SIGNER_KEY = "ca.pem", "ca.key", "signer.pem", "signer.key"
SIGNER_DAYS = 825
ROOT_DAYS = 3650
RENEW_BEFORE = dt.timedelta(days=7)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _read(value: bytes | str | os.PathLike[str]) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str) and "-----BEGIN" in value:
        return value.encode()
    path = Path(value)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SigningIdentityError(f"no such file: {path.name}") from None
    except OSError as exc:
        raise SigningIdentityError(f"cannot read {path.name}: {exc.strerror}") from None


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def _write_public(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _name(common: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        ]
    )


def _make_root(org: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"{org} root", org)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=ROOT_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _make_signer(
    root: x509.Certificate, root_key: ec.EllipticCurvePrivateKey
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    org = root.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    not_after = min(now + dt.timedelta(days=SIGNER_DAYS), root.not_valid_after_utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{org} signer", str(org)))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    return cert, key


@dataclass(frozen=True)
class Identity:
    """A certificate chain (signer first) and its private key, plus trust anchors.

    ``trust_anchors`` is the PEM of the roots a verifier should trust: the
    chain's self-signed root, plus any extra ones given.
    """

    cert_chain_pem: bytes
    key_pem: bytes = b""
    trust_anchors_pem: bytes = b""
    directory: Path | None = None
    alg: str = "es256"

    @property
    def can_sign(self) -> bool:
        return bool(self.key_pem)

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificates(self.cert_chain_pem)[0]

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    def with_trust(self, *anchors_pem: bytes) -> Identity:
        """A copy that also trusts these roots (e.g. those of credentials people bring in)."""
        extra = b"".join(a if a.endswith(b"\n") else a + b"\n" for a in anchors_pem)
        return Identity(
            self.cert_chain_pem, self.key_pem, self.trust_anchors_pem + extra, self.directory
        )

    # -- making and loading -------------------------------------------------------------
    @classmethod
    def create(cls, organization: str | None = None) -> Identity:
        """A fresh identity held in memory only."""
        org = organization or f"cocreate studio {secrets.token_hex(4)}"
        root, root_key = _make_root(org)
        cert, key = _make_signer(root, root_key)
        return cls(_pem(cert) + _pem(root), _key_pem(key), _pem(root))

    @classmethod
    def load_or_create(cls, directory: str | os.PathLike[str]) -> Identity:
        """The identity stored in ``directory``; made and stored there on first use.

        A signing certificate close to expiry is renewed with the stored root.
        A directory that has a certificate but lost its key is an error:
        nothing is overwritten.
        """
        d = Path(directory)
        with _dir_lock:
            files = {n: (d / n).exists() for n in (CA_CERT, CA_KEY, SIGNER_CERT, SIGNER_KEY)}
            if not any(files.values()):
                d.mkdir(parents=True, exist_ok=True, mode=0o700)
                org = f"cocreate studio {secrets.token_hex(4)}"
                root, root_key = _make_root(org)
                cert, key = _make_signer(root, root_key)
                _write_private(d / CA_KEY, _key_pem(root_key))
                _write_public(d / CA_CERT, _pem(root))
                _write_private(d / SIGNER_KEY, _key_pem(key))
                _write_public(d / SIGNER_CERT, _pem(cert) + _pem(root))
            elif files[SIGNER_CERT] and not files[SIGNER_KEY]:
                raise SigningIdentityError(
                    f"the signing key {SIGNER_KEY} is missing from the credentials directory "
                    f"(the certificate {SIGNER_CERT} is there); restore the key, or move the "
                    "directory aside to make a new identity"
                )
            elif not files[SIGNER_CERT]:
                raise SigningIdentityError(
                    f"the credentials directory is incomplete: {SIGNER_CERT} is missing"
                )
            identity = cls.from_files(d / SIGNER_CERT, d / SIGNER_KEY, directory=d)
            if files[CA_CERT] or (d / CA_CERT).exists():
                identity = cls(
                    identity.cert_chain_pem,
                    identity.key_pem,
                    (d / CA_CERT).read_bytes(),
                    d,
                )
            expires = identity.certificate.not_valid_after_utc
            if expires - dt.datetime.now(dt.UTC) < RENEW_BEFORE and (d / CA_KEY).exists():
                identity = cls._renew(d)
            return identity

    @classmethod
    def _renew(cls, d: Path) -> Identity:
        root = x509.load_pem_x509_certificate((d / CA_CERT).read_bytes())
        root_key = serialization.load_pem_private_key((d / CA_KEY).read_bytes(), None)
        assert isinstance(root_key, ec.EllipticCurvePrivateKey)
        cert, key = _make_signer(root, root_key)
        (d / SIGNER_KEY).unlink()
        _write_private(d / SIGNER_KEY, _key_pem(key))
        _write_public(d / SIGNER_CERT, _pem(cert) + _pem(root))
        return cls(_pem(cert) + _pem(root), _key_pem(key), _pem(root), d)

    @classmethod
    def from_files(
        cls,
        cert_chain_pem: bytes | str | os.PathLike[str],
        key_pem: bytes | str | os.PathLike[str] | None,
        *,
        trust_anchors_pem: bytes | str | os.PathLike[str] | None = None,
        directory: Path | None = None,
    ) -> Identity:
        """A person's own identity: a PEM chain (signer first) and its PEM private key.

        Each argument is PEM bytes/text or a path. ``key_pem=None`` gives an
        identity that can verify but not sign. Without ``trust_anchors_pem``,
        the chain's last certificate is the trust anchor.
        """
        chain = _read(cert_chain_pem)
        try:
            certs = x509.load_pem_x509_certificates(chain)
        except ValueError as exc:
            raise SigningIdentityError(f"the certificate chain is not valid PEM: {exc}") from None
        key = b""
        if key_pem is not None:
            key = _read(key_pem)
            try:
                private = serialization.load_pem_private_key(key, None)
            except (ValueError, TypeError) as exc:
                raise SigningIdentityError(
                    f"the signing key is not an unencrypted PEM private key: {exc}"
                ) from None
            if not isinstance(private, ec.EllipticCurvePrivateKey) or not isinstance(
                private.curve, ec.SECP256R1
            ):
                raise SigningIdentityError("the signing key must be an ECDSA P-256 key (ES256)")
            ours = private.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            theirs = (
                certs[0]
                .public_key()
                .public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
            if ours != theirs:
                raise SigningIdentityError(
                    "the signing key does not belong to the chain's first certificate"
                )
        anchors = _read(trust_anchors_pem) if trust_anchors_pem is not None else _pem(certs[-1])
        return cls(chain, key, anchors, directory)


_dir_lock = threading.Lock()
_ephemeral: weakref.WeakKeyDictionary[Any, Identity] = weakref.WeakKeyDictionary()


def credentials_dir(studio: Any) -> Path | None:
    """Where a studio keeps its identity: ``Studio(keys=...)``, the ``keys`` setting, else
    next to its media.

    ``None`` for a studio whose media live in memory: it gets an identity
    that lasts as long as the studio object.
    """
    from ..settings import load_settings

    own = getattr(studio, "keys", None)  # Studio(keys=...)
    if own is not None:
        return Path(own)
    keys = load_settings().keys  # $COCREATE_KEYS, $COCREATE_CREDENTIALS, the settings file
    if keys is not None:
        return Path(keys)
    root = getattr(studio.media, "root", None)
    if root is None:
        return None
    return Path(root).resolve().parent / "credentials"


def default_identity(studio: Any) -> Identity:
    """The studio's own signing identity, made on first use."""
    d = credentials_dir(studio)
    if d is not None:
        return Identity.load_or_create(d)
    with _dir_lock:
        identity = _ephemeral.get(studio)
        if identity is None:
            identity = Identity.create()
            _ephemeral[studio] = identity
        return identity


# -- the checkpoint key: signs the ledger's Merkle head (see cocreate.integrity.checkpoints) --
CHECKPOINT_KEY = "checkpoint.key"
CHECKPOINT_TRUST = "checkpoint-keys"  # a folder of <key id>.pub: every key ever used here


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def checkpoint_key_id(key: Ed25519PublicKey) -> str:
    """A key's id: the first 16 bytes of the SHA-256 of its raw public key, in hex."""
    return hashlib.sha256(_raw_public(key)).hexdigest()[:32]


@dataclass(frozen=True)
class CheckpointKeys:
    """The studio's Ed25519 checkpoint key and the public keys it trusts.

    It is a key of its own, beside the C2PA signer and not the same, in the
    same identity store and never in the database. ``trusted`` holds every
    public key this studio has signed with (rotation keeps the old ones), so
    an old checkpoint still verifies; a key found anywhere else is not trusted.
    """

    private: Ed25519PrivateKey
    trusted: dict[str, Ed25519PublicKey]
    directory: Path | None = None

    @property
    def key_id(self) -> str:
        return checkpoint_key_id(self.private.public_key())

    @property
    def public_hex(self) -> str:
        return _raw_public(self.private.public_key()).hex()


def _trust_file(d: Path, key: Ed25519PublicKey) -> None:
    t = d / CHECKPOINT_TRUST
    t.mkdir(exist_ok=True, mode=0o700)
    path = t / f"{checkpoint_key_id(key)}.pub"
    if not path.exists():
        _write_public(path, _raw_public(key).hex().encode() + b"\n")


def _load_checkpoint_keys(d: Path) -> CheckpointKeys:
    path = d / CHECKPOINT_KEY
    if not path.exists():
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_private(
            path,
            Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
    private = serialization.load_pem_private_key(path.read_bytes(), None)
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningIdentityError(f"{CHECKPOINT_KEY} is not an Ed25519 private key")
    _trust_file(d, private.public_key())
    trusted: dict[str, Ed25519PublicKey] = {}
    for pub in sorted((d / CHECKPOINT_TRUST).glob("*.pub")):
        try:
            key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(pub.read_text().strip()))
        except ValueError:
            continue  # an unreadable file trusts nothing
        trusted[checkpoint_key_id(key)] = key
    return CheckpointKeys(private, trusted, d)


def checkpoint_keys(studio: Any) -> CheckpointKeys:
    """The studio's checkpoint key and trusted public keys, made on first use."""
    d = credentials_dir(studio)
    with _dir_lock:
        if d is not None:
            return _load_checkpoint_keys(d)
        keys = _ephemeral_checkpoint.get(studio)
        if keys is None:
            private = Ed25519PrivateKey.generate()
            keys = CheckpointKeys(
                private, {checkpoint_key_id(private.public_key()): private.public_key()}
            )
            _ephemeral_checkpoint[studio] = keys
        return keys


def rotate_checkpoint_key(directory: str | os.PathLike[str]) -> CheckpointKeys:
    """Make a new checkpoint key; the old public key stays trusted, the old private key is kept
    as ``checkpoint.key.<key id>.retired`` (mode 0600) until its owner removes it."""
    d = Path(directory)
    with _dir_lock:
        old = _load_checkpoint_keys(d)
        os.replace(d / CHECKPOINT_KEY, d / f"{CHECKPOINT_KEY}.{old.key_id}.retired")
        return _load_checkpoint_keys(d)


_ephemeral_checkpoint: weakref.WeakKeyDictionary[Any, CheckpointKeys] = weakref.WeakKeyDictionary()
