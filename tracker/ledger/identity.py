"""Client identity and signer for the Fabric Gateway, loaded from an MSP enrolment on disk.

The private key is read from a file (the Fabric CA enrolment's ``keystore/*_sk``) and
never from environment variables, so it cannot leak through process listings or crash
dumps of the environment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from fabric_protos.msp import identities_pb2

# Order of the P-256 group; Fabric only accepts signatures with s <= n/2.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class IdentityError(ValueError):
    """Raised when identity material on disk is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Identity:
    """The client's public identity: MSP id and PEM X.509 certificate."""

    msp_id: str
    cert_pem: bytes

    @classmethod
    def from_cert_file(cls, msp_id: str, cert_path: str | Path) -> Identity:
        """Load an identity from a PEM certificate file."""
        cert_pem = Path(cert_path).read_bytes()
        x509.load_pem_x509_certificate(cert_pem)  # fail early on a bad file
        return cls(msp_id=msp_id, cert_pem=cert_pem)

    @property
    def creator(self) -> bytes:
        """Serialized ``msp.SerializedIdentity``: the creator bytes used in headers and tx ids."""
        serialized = identities_pb2.SerializedIdentity(mspid=self.msp_id, id_bytes=self.cert_pem)
        return bytes(serialized.SerializeToString())

    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The certificate's EC public key."""
        key = x509.load_pem_x509_certificate(self.cert_pem).public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise IdentityError("certificate does not hold an EC public key")
        return key


def normalize_low_s(der_signature: bytes, order: int = P256_ORDER) -> bytes:
    """Rewrite a DER ECDSA signature so that s <= n/2, as Fabric requires."""
    r, s = decode_dss_signature(der_signature)
    if s > order // 2:
        # (r, n - s) is the other valid signature for the same message; peers want the low one.
        s = order - s
    return encode_dss_signature(r, s)


class Signer:
    """ECDSA P-256 / SHA-256 signer producing DER, low-S signatures."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        """Wrap a P-256 private key."""
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise IdentityError(f"unsupported curve {private_key.curve.name}; need P-256")
        self._key = private_key

    @classmethod
    def from_key_file(cls, key_path: str | Path) -> Signer:
        """Load an unencrypted PEM (PKCS#8 or SEC1) private key file."""
        key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise IdentityError(f"{key_path} is not an EC private key")
        return cls(key)

    def sign(self, message: bytes) -> bytes:
        """Sign SHA-256(message); return a DER-encoded low-S signature."""
        der = self._key.sign(message, ec.ECDSA(hashes.SHA256()))
        return normalize_low_s(der)

    def matches(self, identity: Identity) -> bool:
        """Whether this key belongs to the identity's certificate."""
        return self._key.public_key().public_numbers() == identity.public_key().public_numbers()

    def __repr__(self) -> str:
        """Never show key material."""
        return "Signer(<P-256 key>)"


def _only_file(folder: Path, pattern: str, what: str) -> Path:
    """The single file of `folder` matching `pattern`; an IdentityError naming the folder."""
    if not folder.is_dir():
        raise IdentityError(f"{folder} is not a folder: an MSP folder needs it to hold {what}")
    found = sorted(
        path
        for path in folder.glob(pattern)
        if path.is_file() and not path.name.startswith(".")  # .DS_Store, editor swap files
    )
    if len(found) != 1:
        # Guessing between several files would sign with the wrong identity silently.
        names = f" ({', '.join(path.name for path in found)})" if found else ""
        raise IdentityError(f"{folder} must hold exactly one {what}, found {len(found)}{names}")
    return found[0]


def load_enrolment(msp_id: str, msp_dir: str | Path) -> tuple[Identity, Signer]:
    """Load the certificate and private key of an MSP folder.

    Both layouts Fabric tools write are accepted: fabric-ca-client's (`signcerts/cert.pem`,
    `keystore/<ski>_sk`) and cryptogen's (`signcerts/<name>@<domain>-cert.pem`,
    `keystore/priv_sk`): exactly one `*.pem` in `signcerts`, exactly one file in `keystore`.
    """
    root = Path(msp_dir)
    cert_path = _only_file(root / "signcerts", "*.pem", "certificate (*.pem)")
    key_path = _only_file(root / "keystore", "*", "private key file")
    try:
        identity = Identity.from_cert_file(msp_id, cert_path)
    except (OSError, ValueError) as error:
        raise IdentityError(f"{cert_path} is not a readable PEM certificate: {error}") from None
    try:
        signer = Signer.from_key_file(key_path)
    except IdentityError:
        raise
    except (OSError, ValueError, TypeError) as error:
        # TypeError: an encrypted key (Fabric's are not); never echo the key's bytes.
        raise IdentityError(f"{key_path} is not an unencrypted PEM private key") from error
    if not signer.matches(identity):
        raise IdentityError(f"key {key_path} does not match certificate {cert_path}")
    return identity, signer


# Fabric CA's attribute extension (fabric-ca lib/attrmgr: AttrOID): JSON {"attrs": {...}}.
ATTRIBUTE_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")


@dataclass(frozen=True)
class Signatory:
    """Who a certificate names: enrolment id (subject CN) and its `role` attribute."""

    enrollment_id: str
    role: str


def signatory(cert_pem: bytes) -> Signatory:
    """The enrolment id and role a Fabric CA certificate carries ('' where absent or unreadable)."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        return Signatory("", "")
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    enrollment = str(names[0].value) if names else ""
    try:
        raw = cert.extensions.get_extension_for_oid(ATTRIBUTE_OID).value
        attrs = json.loads(raw.value).get("attrs", {})  # type: ignore[attr-defined]
    except (x509.ExtensionNotFound, ValueError, AttributeError):
        return Signatory(enrollment, "")
    role = attrs.get("role", "") if isinstance(attrs, dict) else ""
    return Signatory(enrollment, str(role))
