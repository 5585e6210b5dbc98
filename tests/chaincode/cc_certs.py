"""Test X.509 identities shaped like Fabric CA enrolment certificates.

Fabric CA writes the enrolment attributes into extension 1.2.3.4.5.6.7.8.1 as
JSON; these certificates carry the same so access.py is tested on real DER.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chaincode.access import ATTRIBUTE_OID

_NOT_BEFORE = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Caller:
    """An MSP id plus the PEM certificate the proposal creator would carry."""

    msp_id: str
    pem: bytes

    def creator(self) -> dict[str, object]:
        """The dict ChaincodeStub.get_creator() returns for this caller."""
        return {"mspid": self.msp_id, "idBytes": self.pem}


@functools.cache
def _ca(msp_id: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Name]:
    """One CA key and name per organisation."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"ca.{msp_id.lower()}")])
    return ec.generate_private_key(ec.SECP256R1()), name


@functools.cache
def make_caller(msp_id: str, enrollment_id: str, role: str | None) -> Caller:
    """A caller whose certificate has CN=enrollment_id and, if given, the role attr."""
    ca_key, ca_name = _ca(msp_id)
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, enrollment_id)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_NOT_BEFORE)
        .not_valid_after(_NOT_BEFORE + timedelta(days=3650))
    )
    if role is not None:
        attrs = {
            "attrs": {
                "hf.Affiliation": "",
                "hf.EnrollmentID": enrollment_id,
                "hf.Type": "client",
                "role": role,
            }
        }
        extension = x509.UnrecognizedExtension(ATTRIBUTE_OID, json.dumps(attrs).encode())
        builder = builder.add_extension(extension, critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return Caller(msp_id=msp_id, pem=cert.public_bytes(serialization.Encoding.PEM))


def caller(msp_id: str, role: str | None, enrollment_id: str = "") -> Caller:
    """Shorthand with a readable default enrolment id."""
    return make_caller(msp_id, enrollment_id or f"{role or 'norole'}@{msp_id.lower()}", role)
