"""The simulated network's PKI: one certificate builder, one CA per MSP, enrolments on disk.

`certificate` / `issue` are the one place a test certificate is built (the simulated peer's,
the consortium's of the verification tests, the chaincode's callers, the FAKE Fabric CA's).
Enrolment certificates carry Fabric CA's attribute extension (OID 1.2.3.4.5.6.7.8.1, JSON
`{"attrs": {"role": ...}}`, encoded as Go encodes a map: compact, sorted keys) and are written
in the folder layout `fabric-ca-client enroll` produces (`signcerts/cert.pem`,
`keystore/<ski>_sk`, `cacerts/ca.pem`), so the tracker's wallet imports them as it would a real
enrolment. Subjects carry Fabric's node OU (client, peer, orderer) as `cryptogen` and Fabric CA
with NodeOUs write them. An OrdererMSP CA issues the orderer identity that signs blocks.
FAKE CA: nothing here talks to Fabric CA.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# fabric-ca lib/attrmgr AttrOID: the certificate extension holding {"attrs": {...}}.
ATTRIBUTE_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")
PEER_HOST = "peer0.sim.example.com"
ORDERER_HOST = "orderer0.sim.example.com"
ORDERER_MSP = "OrdererMSP"
MSP_ID = "Org1MSP"  # the organisation of `SimPki.client`, the ledger tests' one client


@dataclass(frozen=True)
class KeyPair:
    """A private key with its CA-issued certificate."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def cert_pem(self) -> bytes:
        """PEM encoding of the certificate."""
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        """Unencrypted PKCS#8 PEM encoding of the key, as Fabric CA writes it."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def ski(self) -> bytes:
        """Subject key identifier of the key."""
        return x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()).digest


# The same key + certificate pair under the simulated peer's name for it.
Issued = KeyPair
Validity = tuple[dt.datetime, dt.datetime]


def recent(days: float = 2) -> Validity:
    """Valid from five minutes ago for `days` days."""
    now = dt.datetime.now(dt.UTC)
    return now - dt.timedelta(minutes=5), now + dt.timedelta(days=days)


def subject_name(common_name: str, org: str | None = None, unit: str | None = None) -> x509.Name:
    """Subject [O=org][, OU=unit], CN=name; the OU is Fabric's node classification."""
    parts = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)] if org is not None else []
    if unit is not None:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    return x509.Name([*parts, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def role_attrs(enrollment_id: str, role: str) -> dict[str, str]:
    """The attributes Fabric CA writes into an enrolment certificate with a `role`."""
    return {
        "hf.Affiliation": "",
        "hf.EnrollmentID": enrollment_id,
        "hf.Type": "client",
        "role": role,
    }


def certificate(
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    issuer: KeyPair | None,
    *,
    signing_key: ec.EllipticCurvePrivateKey | None = None,
    is_ca: bool = False,
    dns: str | None = None,
    attrs: dict[str, str] | None = None,
    valid: Validity | None = None,
    extensions: Sequence[tuple[x509.ExtensionType, bool]] = (),
) -> x509.Certificate:
    """A certificate for `public_key` signed by `issuer` (by `signing_key` when self-signed).

    P-256, SHA-256, basic constraints and the subject key identifier always; a DNS name,
    Fabric CA's attribute extension and any further (extension, critical) pairs on request.
    """
    not_before, not_after = valid or recent()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
    )
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), False)
    if attrs:
        value = json.dumps({"attrs": attrs}, sort_keys=True, separators=(",", ":")).encode()
        builder = builder.add_extension(x509.UnrecognizedExtension(ATTRIBUTE_OID, value), False)
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical)
    key = issuer.key if issuer else signing_key
    assert key is not None, "a self-signed certificate needs its signing key"
    return builder.sign(key, hashes.SHA256())


def issue(
    subject: x509.Name,
    issuer: KeyPair | None,
    *,
    is_ca: bool = False,
    dns: str | None = None,
    role: str | None = None,
    valid: Validity | None = None,
    extensions: Sequence[tuple[x509.ExtensionType, bool]] = (),
) -> KeyPair:
    """A new P-256 key and its certificate, signed by `issuer` (self-signed when None);
    with `role`, the attributes of a Fabric CA enrolment (`role_attrs`)."""
    key = ec.generate_private_key(ec.SECP256R1())
    attrs = None
    if role is not None:
        common_name = str(subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
        attrs = role_attrs(common_name, role)
    cert = certificate(
        subject,
        key.public_key(),
        issuer,
        signing_key=key,
        is_ca=is_ca,
        dns=dns,
        attrs=attrs,
        valid=valid,
        extensions=extensions,
    )
    return KeyPair(key, cert)


def _private_folder(folder: Path) -> None:
    """A folder (and missing parents) only its owner can enter: mode 0700 whatever the umask."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)


def _write_private(path: Path, data: bytes) -> None:
    """A file created mode 0600, never readable by others, not even before a chmod."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        os.fchmod(out.fileno(), 0o600)  # a file left by an earlier run
        out.write(data)


def write_msp(folder: Path, pair: KeyPair, ca: KeyPair) -> Path:
    """Lay out an enrolment as fabric-ca-client does: signcerts, keystore/<ski>_sk, cacerts.

    Private keys: 0600 files in 0700 folders, from the start (as fabric-ca-client keeps its
    keystore), so nobody else on the machine can read a person's key.
    """
    _private_folder(folder)
    for name in ("signcerts", "keystore", "cacerts"):
        _private_folder(folder / name)
    (folder / "signcerts" / "cert.pem").write_bytes(pair.cert_pem)
    _write_private(folder / "keystore" / f"{pair.ski.hex()}_sk", pair.key_pem)
    (folder / "cacerts" / "ca.pem").write_bytes(ca.cert_pem)
    return folder


@dataclass(frozen=True)
class Enrolment:
    """One person's enrolment: MSP id, enrolment id, role and the MSP folder on disk."""

    msp_id: str
    enrollment_id: str
    role: str
    msp_dir: Path
    issued: Issued


@dataclass
class SimPki:
    """CAs per organisation, the peer's TLS and signing certs, and issued enrolments; `client`
    is one enrolment of Org1MSP (`msp_dir`) for tests that need a single signer."""

    root: Path
    cas: dict[str, Issued] = field(default_factory=dict)
    tls_ca: Issued = field(init=False)
    tls_server: Issued = field(init=False)
    peer: Issued = field(init=False)
    orderer: Issued = field(init=False)  # signs every block after block 0

    def __post_init__(self) -> None:
        self.tls_ca = issue(subject_name("tlsca.sim.example.com", "sim"), None, is_ca=True)
        self.tls_server = issue(subject_name(PEER_HOST, "sim"), self.tls_ca, dns=PEER_HOST)
        self.peer = issue(subject_name(PEER_HOST, "sim", "peer"), self.ca("CarrierMSP"))
        orderer = subject_name(ORDERER_HOST, "orderer", "orderer")
        self.orderer = issue(orderer, self.ca(ORDERER_MSP))
        _private_folder(self.root)
        self.tls_root_path.write_bytes(self.tls_ca.cert_pem)

    @property
    def tls_root_path(self) -> Path:
        """PEM file of the TLS root the client trusts."""
        return self.root / "tls-ca.pem"

    @functools.cached_property
    def user(self) -> Enrolment:
        """The Org1MSP client `user1`, enrolled when first asked for."""
        return self.enrol(MSP_ID, "user1", None)

    @property
    def client(self) -> Issued:
        """Key and certificate of the Org1MSP client `user1`."""
        return self.user.issued

    @property
    def msp_dir(self) -> Path:
        """The MSP folder of the Org1MSP client `user1`."""
        return self.user.msp_dir

    def ca(self, msp_id: str) -> Issued:
        """The (lazily created) CA of an organisation."""
        if msp_id not in self.cas:
            org = msp_id.removesuffix("MSP").lower()
            name = subject_name(f"ca.{org}.example.com", org)
            self.cas[msp_id] = issue(name, None, is_ca=True)
        return self.cas[msp_id]

    def enrol(self, msp_id: str, enrollment_id: str, role: str | None) -> Enrolment:
        """Issue an enrolment certificate and write it in fabric-ca-client's MSP layout."""
        ca = self.ca(msp_id)
        org = msp_id.removesuffix("MSP").lower()
        issued = issue(subject_name(enrollment_id, org, "client"), ca, role=role)
        msp_dir = self.root / msp_id / enrollment_id / "msp"
        for folder in (msp_dir.parent.parent, msp_dir.parent):
            _private_folder(folder)
        write_msp(msp_dir, issued, ca)
        return Enrolment(msp_id, enrollment_id, role or "", msp_dir, issued)

    def staff(self) -> dict[str, Enrolment]:
        """By nickname: the producer's dispatcher, the carrier's scanner, the retailer's receiver
        (ProducerMSP, CarrierMSP and RetailerMSP, the parties of the sample shipments)."""
        return {
            "dispatcher": self.enrol("ProducerMSP", "dispatcher1", "dispatcher"),
            "scanner": self.enrol("CarrierMSP", "scanner1", "scanner"),
            "receiver": self.enrol("RetailerMSP", "receiver1", "receiver"),
        }


def tracker_peer_env(endpoint: str, pki: SimPki) -> dict[str, str]:
    """The `tracker` command's peer settings for a fake peer served with this PKI."""
    return {
        "TRACKER_PEER_ENDPOINT": endpoint,
        "TRACKER_PEER_TLS_CA_FILE": str(pki.tls_root_path),
        "TRACKER_PEER_HOST_OVERRIDE": PEER_HOST,
        "TRACKER_MSP_ID": MSP_ID,
        "TRACKER_MSP_DIR": str(pki.msp_dir),
    }
