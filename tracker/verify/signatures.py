"""Certificate chains to an MSP's roots, and ECDSA signatures as a Fabric peer checks them.

A certificate is accepted when it chains, through the MSP's intermediates, to one of its
root certificates (each issuer's signature checked with `cryptography`), every certificate
of the chain is valid at the transaction's timestamp, none is revoked by a CRL of the MSP,
the signer is not itself a CA, and, with node OUs enabled, it carries exactly one node OU.
Signatures are ECDSA with SHA-256 and must be low-S, as Fabric's BCCSP requires.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tracker.ledger.blocks import DecodedTransaction, Endorsement
from tracker.verify.channel import MspInfo
from tracker.verify.envelope import EnvelopeError, parse_identity

# Group orders; Fabric rejects s > n/2 so that a signature cannot be re-shaped (malleability).
CURVE_ORDERS = {
    "secp256r1": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "secp384r1": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
}
MAX_CHAIN = 8  # root + intermediates; a longer walk means a loop in the MSP's certificates


@functools.lru_cache(maxsize=1024)
def load_cert(pem: bytes) -> x509.Certificate:
    """Parse a PEM certificate (cached: the same few certificates sign every block)."""
    return x509.load_pem_x509_certificate(pem)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)  # issuer name and signature
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _chain(leaf: x509.Certificate, msp: MspInfo) -> list[x509.Certificate] | str:
    roots = [load_cert(pem) for pem in msp.root_certs]
    issuers = roots + [load_cert(pem) for pem in msp.intermediate_certs]
    chain, current = [leaf], leaf
    for _ in range(MAX_CHAIN):
        issuer = next((c for c in issuers if _issued_by(current, c)), None)
        if issuer is None:
            return f"certificate does not chain to a root of {msp.msp_id}"
        if not _is_ca(issuer):
            return f"issuer {issuer.subject.rfc4514_string()} is not a CA"
        chain.append(issuer)
        if issuer in roots:
            return chain
        current = issuer
    return f"no root of {msp.msp_id} within {MAX_CHAIN} certificates"


def _expired(chain: list[x509.Certificate], at: datetime) -> str | None:
    for cert in chain:
        if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
            span = (
                f"{cert.not_valid_before_utc.isoformat()}..{cert.not_valid_after_utc.isoformat()}"
            )
            return f"{cert.subject.rfc4514_string()} not valid at {at.isoformat()} ({span})"
    return None


def _crl_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    key = issuer.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        return False  # no CA key type Fabric issues with; such a CRL cannot be trusted
    return crl.is_signature_valid(key)


def _revoked(chain: list[x509.Certificate], msp: MspInfo) -> str | None:
    crls = [x509.load_pem_x509_crl(pem) for pem in msp.revocation_list]
    for cert, issuer in zip(chain, chain[1:], strict=False):
        for crl in crls:
            # Only a CRL its own issuer signed may revoke a certificate.
            if crl.issuer != issuer.subject or not _crl_signed_by(crl, issuer):
                continue
            if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
                return f"certificate serial {cert.serial_number:x} is revoked"
    return None


def node_roles(cert_pem: bytes, msp: MspInfo) -> tuple[str, ...] | None:
    """The node OU roles (client, peer, admin, orderer) of a certificate; None without node OUs."""
    if msp.node_ous is None:
        return None
    units = frozenset(
        str(a.value)
        for a in load_cert(cert_pem).subject.get_attributes_for_oid(
            x509.NameOID.ORGANIZATIONAL_UNIT_NAME
        )
    )
    return msp.node_ous.roles_of(units)


def _node_ou(cert_pem: bytes, msp: MspInfo) -> str | None:
    roles = node_roles(cert_pem, msp)
    if roles is None or len(roles) == 1:
        return None
    return f"certificate has node OU roles {list(roles)}, need one"


def check_certificate(cert_pem: bytes, msp: MspInfo, at: datetime) -> str | None:
    """Why the certificate is not a valid identity of the MSP at that time, or None."""
    try:
        leaf = load_cert(cert_pem)
    except ValueError:
        return "identity is not a PEM X.509 certificate"
    if _is_ca(leaf):
        return "a CA certificate cannot sign as an identity"
    chain = _chain(leaf, msp)
    if isinstance(chain, str):
        return chain
    return _expired(chain, at) or _revoked(chain, msp) or _node_ou(cert_pem, msp)


def check_signature(cert_pem: bytes, message: bytes, signature: bytes) -> str | None:
    """Why the signature over message by the certificate's key is not acceptable, or None."""
    key = load_cert(cert_pem).public_key()
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):  # Fabric v3 also accepts Ed25519
            key.verify(signature, message)
            return None
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name not in CURVE_ORDERS:
            return "key is neither ECDSA P-256/P-384 nor Ed25519"
        _, s = decode_dss_signature(signature)
        if s > CURVE_ORDERS[key.curve.name] // 2:
            return "high-S ECDSA signature (Fabric accepts only low-S)"
        key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except ValueError:
        return "signature is not DER-encoded ECDSA"
    except InvalidSignature:
        return "signature does not verify"
    return None


def check_signed_by(
    serialized: bytes,
    message: bytes,
    signature: bytes,
    members: Mapping[str, MspInfo],
    at: datetime,
) -> str | None:
    """Identity (msp.SerializedIdentity) is a valid member at `at` and signed the message."""
    try:
        identity = parse_identity(serialized)
    except EnvelopeError as error:
        return str(error)
    msp = members.get(identity.msp_id)
    if msp is None:
        return f"MSP {identity.msp_id!r} is not an X.509 member of the channel"
    problem = check_certificate(identity.cert_pem, msp, at)
    if problem is not None:
        return f"{identity.msp_id} certificate: {problem}"
    problem = check_signature(identity.cert_pem, message, signature)
    return None if problem is None else f"{identity.msp_id} {problem}"


def check_creator(tx: DecodedTransaction, members: Mapping[str, MspInfo]) -> str | None:
    """The creator's signature over the envelope payload, by a member valid at the tx time."""
    return check_signed_by(tx.creator, tx.payload, tx.signature, members, tx.timestamp)


def check_endorsement(
    endorsement: Endorsement, members: Mapping[str, MspInfo], at: datetime
) -> str | None:
    """An endorser's signature over proposal_response_payload || endorser."""
    return check_signed_by(
        endorsement.endorser, endorsement.signed_bytes, endorsement.signature, members, at
    )
