"""A fresh P-256 key and the PKCS#10 request fabric-ca enrolls, made locally: the private key
never leaves the machine."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# fabric-ca refuses a CSR whose CN differs from the enrollment id or exceeds 64 characters
# (lib/serverenroll.go processSignRequest, csrInputLengthCheck).
MAX_COMMON_NAME = 64


@dataclass(frozen=True)
class KeyAndRequest:
    """A new private key (PKCS#8 PEM, never shown) and its CSR (PEM) for one enrollment id."""

    csr_pem: bytes
    key_pem: bytes = field(repr=False)

    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The key the certificate must carry."""
        key = x509.load_pem_x509_csr(self.csr_pem).public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)  # made below
        return key


def new_key_and_request(enrollment_id: str) -> KeyAndRequest:
    """Generate a P-256 key and a CSR with CN = enrollment id, signed with that key."""
    if not 0 < len(enrollment_id) <= MAX_COMMON_NAME:
        raise ValueError(f"an enrollment id has 1 to {MAX_COMMON_NAME} characters")
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, enrollment_id)])
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return KeyAndRequest(csr.public_bytes(serialization.Encoding.PEM), key_pem)
