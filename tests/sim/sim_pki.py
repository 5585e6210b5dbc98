"""Test certificate issuer for the simulated network: one CA per MSP, enrolments on disk.

Enrolment certificates carry Fabric CA's attribute extension (OID 1.2.3.4.5.6.7.8.1, JSON
`{"attrs": {"role": ...}}`) and are written in the folder layout `fabric-ca-client enroll`
produces (`signcerts/cert.pem`, `keystore/<ski>_sk`, `cacerts/ca.pem`), so the tracker's
wallet imports them as it would a real enrolment. Subjects carry Fabric's node OU (client,
peer, orderer) as `cryptogen` and Fabric CA with NodeOUs write them. An OrdererMSP CA issues
the orderer identity that signs blocks. FAKE CA: nothing here talks to Fabric CA.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ledger_pki import KeyPair

ATTRIBUTE_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")
PEER_HOST = "peer0.sim.example.com"
ORDERER_HOST = "orderer0.sim.example.com"
ORDERER_MSP = "OrdererMSP"


# The same key + certificate pair the ledger tests use.
Issued = KeyPair


def _issue(
    subject: x509.Name,
    issuer: Issued | None,
    *,
    is_ca: bool = False,
    dns: str | None = None,
    role: str | None = None,
) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), False)
    if role is not None:
        common_name = subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        attrs = {"attrs": {"hf.EnrollmentID": common_name, "hf.Type": "client", "role": role}}
        extension = x509.UnrecognizedExtension(ATTRIBUTE_OID, json.dumps(attrs).encode())
        builder = builder.add_extension(extension, critical=False)
    return Issued(key, builder.sign(issuer.key if issuer else key, hashes.SHA256()))


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


def _name(common_name: str, org: str, unit: str | None = None) -> x509.Name:
    """Subject O=org[, OU=node OU], CN=name; the OU is Fabric's node classification."""
    parts = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]
    if unit is not None:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    return x509.Name([*parts, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


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
    """CAs per organisation, the peer's TLS and signing certs, and issued enrolments."""

    root: Path
    cas: dict[str, Issued] = field(default_factory=dict)
    tls_ca: Issued = field(init=False)
    tls_server: Issued = field(init=False)
    peer: Issued = field(init=False)
    orderer: Issued = field(init=False)  # signs every block after block 0

    def __post_init__(self) -> None:
        self.tls_ca = _issue(_name("tlsca.sim.example.com", "sim"), None, is_ca=True)
        self.tls_server = _issue(_name(PEER_HOST, "sim"), self.tls_ca, dns=PEER_HOST)
        self.peer = _issue(_name(PEER_HOST, "sim", "peer"), self.ca("CarrierMSP"))
        self.orderer = _issue(_name(ORDERER_HOST, "orderer", "orderer"), self.ca(ORDERER_MSP))
        _private_folder(self.root)
        self.tls_root_path.write_bytes(self.tls_ca.cert_pem)

    @property
    def tls_root_path(self) -> Path:
        """PEM file of the TLS root the client trusts."""
        return self.root / "tls-ca.pem"

    def ca(self, msp_id: str) -> Issued:
        """The (lazily created) CA of an organisation."""
        if msp_id not in self.cas:
            org = msp_id.removesuffix("MSP").lower()
            self.cas[msp_id] = _issue(_name(f"ca.{org}.example.com", org), None, is_ca=True)
        return self.cas[msp_id]

    def enrol(self, msp_id: str, enrollment_id: str, role: str | None) -> Enrolment:
        """Issue an enrolment certificate and write it in fabric-ca-client's MSP layout."""
        ca = self.ca(msp_id)
        org = msp_id.removesuffix("MSP").lower()
        issued = _issue(_name(enrollment_id, org, "client"), ca, role=role)
        msp_dir = self.root / msp_id / enrollment_id / "msp"
        # Private keys: 0600 files in 0700 folders, from the start (as fabric-ca-client keeps
        # its keystore), so nobody else on the machine can read a demo person's key.
        for folder in (msp_dir.parent.parent, msp_dir.parent, msp_dir):
            _private_folder(folder)
        for name in ("signcerts", "keystore", "cacerts"):
            _private_folder(msp_dir / name)
        (msp_dir / "signcerts" / "cert.pem").write_bytes(issued.cert_pem)
        ski = x509.SubjectKeyIdentifier.from_public_key(issued.key.public_key()).digest.hex()
        _write_private(msp_dir / "keystore" / f"{ski}_sk", issued.key_pem)
        (msp_dir / "cacerts" / "ca.pem").write_bytes(ca.cert_pem)
        return Enrolment(msp_id, enrollment_id, role or "", msp_dir, issued)

    def staff(self) -> dict[str, Enrolment]:
        """By nickname: the producer's dispatcher, the carrier's scanner, the retailer's receiver
        (ProducerMSP, CarrierMSP and RetailerMSP, the parties of the sample shipments)."""
        return {
            "dispatcher": self.enrol("ProducerMSP", "dispatcher1", "dispatcher"),
            "scanner": self.enrol("CarrierMSP", "scanner1", "scanner"),
            "receiver": self.enrol("RetailerMSP", "receiver1", "receiver"),
        }
