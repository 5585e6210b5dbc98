"""Test PKI for the ledger tests: a throwaway CA, an Org1 client enrolment, a peer and TLS certs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PEER_HOST = "peer0.org1.example.com"
MSP_ID = "Org1MSP"


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


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "org1.example.com"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _issue(
    subject: str, issuer: KeyPair | None, *, is_ca: bool = False, dns: str | None = None
) -> KeyPair:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.cert.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), False)
    signing_key = issuer.key if issuer else key
    return KeyPair(key, builder.sign(signing_key, hashes.SHA256()))


@dataclass(frozen=True)
class LedgerPki:
    """Everything the tests need, plus the on-disk enrolment and TLS root."""

    ca: KeyPair
    client: KeyPair
    peer: KeyPair
    tls_server: KeyPair
    msp_dir: Path
    tls_root_path: Path


def make_pki(root: Path) -> LedgerPki:
    """Issue all certs and lay out ``msp/signcerts/cert.pem`` + ``msp/keystore/*_sk``."""
    ca = _issue("ca.org1.example.com", None, is_ca=True)
    client = _issue("user1", ca)
    peer = _issue(PEER_HOST, ca)
    tls_server = _issue(PEER_HOST, ca, dns=PEER_HOST)
    msp_dir = root / "msp"
    (msp_dir / "signcerts").mkdir(parents=True)
    (msp_dir / "keystore").mkdir()
    (msp_dir / "signcerts" / "cert.pem").write_bytes(client.cert_pem)
    (msp_dir / "keystore" / "0a1b2c_sk").write_bytes(client.key_pem)
    tls_root_path = root / "tls-ca.pem"
    tls_root_path.write_bytes(ca.cert_pem)
    return LedgerPki(ca, client, peer, tls_server, msp_dir, tls_root_path)


def tracker_peer_env(endpoint: str, pki: LedgerPki) -> dict[str, str]:
    """The `tracker` command's peer settings for a fake peer served with this PKI."""
    return {
        "TRACKER_PEER_ENDPOINT": endpoint,
        "TRACKER_PEER_TLS_CA_FILE": str(pki.tls_root_path),
        "TRACKER_PEER_HOST_OVERRIDE": PEER_HOST,
        "TRACKER_MSP_ID": MSP_ID,
        "TRACKER_MSP_DIR": str(pki.msp_dir),
    }
