"""Certificates of the FAKE Fabric CA (tests only): its signing CA, its TLS server certificate,
enrolment certificates as fabric-ca issues them, and CRLs. Nothing here is Fabric CA."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ledger_pki import KeyPair

# fabric-ca lib/attrmgr AttrOID: the certificate extension holding {"attrs": {...}}.
ATTRIBUTE_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")


# The same key + certificate pair the ledger tests use.
Pair = KeyPair


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def self_signed_ca(common_name: str) -> Pair:
    """A root CA certificate (P-256)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(minutes=5))
        .not_valid_after(_now() + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .sign(key, hashes.SHA256())
    )
    return Pair(key, cert)


def tls_server(issuer: Pair, host: str = "127.0.0.1") -> Pair:
    """A TLS server certificate for an IP address, issued by `issuer`."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(minutes=5))
        .not_valid_after(_now() + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), False
        )
        .sign(issuer.key, hashes.SHA256())
    )
    return Pair(key, cert)


def enrolment_cert(
    ca: Pair,
    public_key: ec.EllipticCurvePublicKey,
    enrollment_id: str,
    ous: list[str],
    attrs: dict[str, str],
) -> x509.Certificate:
    """An ecert as fabric-ca signs one: CN = enrolment id, OUs = type and affiliation, and
    the requested attributes as compact JSON with sorted keys (Go's encoding of a map)."""
    names = [x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou) for ou in ous]
    names.append(x509.NameAttribute(NameOID.COMMON_NAME, enrollment_id))
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(names))
        .issuer_name(ca.cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(minutes=5))
        .not_valid_after(_now() + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
        .add_extension(x509.AuthorityKeyIdentifier(ca.ski, None, None), False)
    )
    if attrs:
        value = json.dumps({"attrs": attrs}, sort_keys=True, separators=(",", ":")).encode()
        builder = builder.add_extension(x509.UnrecognizedExtension(ATTRIBUTE_OID, value), False)
    return builder.sign(ca.key, hashes.SHA256())


def crl(ca: Pair, serials: list[int]) -> bytes:
    """A PEM CRL of the given serial numbers, signed by the CA."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(_now())
        .next_update(_now() + dt.timedelta(days=1))
    )
    for serial in serials:
        revoked = (
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(_now()).build()
        )
        builder = builder.add_revoked_certificate(revoked)
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def write_msp(folder: Path, pair: Pair, ca: Pair) -> Path:
    """Lay out an enrolment as fabric-ca-client does: signcerts, keystore/<ski>_sk, cacerts."""
    for sub in ("signcerts", "keystore", "cacerts"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "signcerts" / "cert.pem").write_bytes(pair.cert_pem)
    (folder / "keystore" / f"{pair.ski.hex()}_sk").write_bytes(pair.key_pem)
    (folder / "cacerts" / "ca.pem").write_bytes(ca.cert_pem)
    return folder
