"""Registering and enrolling a staff member at their organisation's Fabric CA, and revoking
them: the CA-side steps of `tracker staff`, checked as a careful operator would."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec

from tracker.ca.client import FabricCaClient, Issued, Registration, Revocation
from tracker.ca.csr import KeyAndRequest, new_key_and_request
from tracker.ca.errors import CaEnrolmentIncomplete, CaError, CaProtocolError
from tracker.ca.token import Registrar
from tracker.config import CaSettings
from tracker.ledger.identity import IdentityError, load_enrolment, signatory

# Attributes put in the certificate: the chaincode reads `role`; the other two name the
# identity as Fabric CA itself would by default.
ATTRIBUTES = ("role", "hf.EnrollmentID", "hf.Type")


@dataclass(frozen=True)
class Enrolment:
    """A new identity issued by the CA: certificate, its private key and the CA chain (PEM)."""

    enrollment_id: str
    cert_pem: bytes
    ca_chain_pem: bytes
    key_pem: bytes = field(repr=False)


def connect(settings: CaSettings) -> tuple[FabricCaClient, Registrar]:
    """The client of an organisation's CA and its registrar, from the configuration."""
    try:
        tls = ssl.create_default_context(cafile=str(settings.tls_ca_file))
        identity, signer = load_enrolment(settings.msp_id, settings.registrar_msp_dir)
    except (OSError, ssl.SSLError, IdentityError, ValueError) as error:
        problem = f"cannot load the CA settings of {settings.msp_id}: {error}"
        raise CaError("setup", problem) from error
    client = FabricCaClient(
        url=settings.url, tls=tls, ca_name=settings.ca_name, timeout_s=settings.timeout_s
    )
    return client, Registrar(identity, signer)


def register_and_enrol(
    client: FabricCaClient,
    registrar: Registrar,
    *,
    enrollment_id: str,
    role: str,
    affiliation: str = "",
) -> Enrolment:
    """Register a client identity with the `role` attribute, enrol a locally made key, and
    check the certificate is the one asked for."""
    request = new_key_and_request(enrollment_id)
    secret = client.register(registrar, Registration(enrollment_id, role, affiliation))
    try:
        issued = client.enroll(enrollment_id, secret, request.csr_pem, ATTRIBUTES)
        check_issued(issued, request, enrollment_id, role)
    except CaError as error:
        raise CaEnrolmentIncomplete(enrollment_id, error) from error
    return Enrolment(enrollment_id, issued.cert_pem, issued.ca_chain_pem, request.key_pem)


def revoke(client: FabricCaClient, registrar: Registrar, enrollment_id: str) -> Revocation:
    """Revoke the identity and every certificate it holds; it can never enrol again."""
    return client.revoke(registrar, enrollment_id, reason="cessationofoperation")


def check_issued(issued: Issued, request: KeyAndRequest, enrollment_id: str, role: str) -> None:
    """Refuse a certificate for another key, name or role, or not signed by the CA's chain."""
    cert = x509.load_pem_x509_certificate(issued.cert_pem)
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or (
        key.public_numbers() != request.public_key().public_numbers()
    ):
        raise CaProtocolError("enroll", "the certificate is not for the key that was sent")
    who = signatory(issued.cert_pem)
    if (who.enrollment_id, who.role) != (enrollment_id, role):
        raise CaProtocolError(
            "enroll",
            f"the certificate names {who.enrollment_id!r} with role {who.role or 'none'!r}, "
            f"not {enrollment_id!r} with {role!r}",
        )
    try:
        chain = x509.load_pem_x509_certificates(issued.ca_chain_pem)
    except ValueError:
        chain = []
    if not any(_issued_by(cert, ca) for ca in chain):
        raise CaProtocolError("enroll", "the certificate is not signed by the CA's chain")


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
