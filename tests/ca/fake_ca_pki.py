"""Certificates of the FAKE Fabric CA (tests only): its signing CA, its TLS server certificate,
enrolment certificates as fabric-ca issues them, and CRLs. Nothing here is Fabric CA."""

from __future__ import annotations

import datetime as dt
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from fabricsim.pki import KeyPair, certificate, issue, recent, subject_name, write_msp

# The same key + certificate pair the simulated network uses.
Pair = KeyPair
__all__ = ["Pair", "crl", "enrolment_cert", "self_signed_ca", "tls_server", "write_msp"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def self_signed_ca(common_name: str) -> Pair:
    """A root CA certificate (P-256)."""
    usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    return issue(
        subject_name(common_name), None, is_ca=True, valid=recent(365), extensions=[(usage, True)]
    )


def tls_server(issuer: Pair, host: str = "127.0.0.1") -> Pair:
    """A TLS server certificate for an IP address, issued by `issuer`."""
    address = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))])
    return issue(subject_name(host), issuer, valid=recent(30), extensions=[(address, False)])


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
    usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
    authority = x509.AuthorityKeyIdentifier(ca.ski, None, None)
    return certificate(
        x509.Name(names),
        public_key,
        ca,
        attrs=attrs,
        valid=recent(365),
        extensions=[(usage, True), (authority, False)],
    )


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
