"""Fabric CA's token authorization header, as fabric-ca 1.5 builds and checks it.

fabric-ca `util/util.go` (`GenECDSAToken`, `VerifyToken`) signs, with the caller's enrolment
key (ECDSA P-256, SHA-256, low-S as every BCCSP signature), the string

    <method> "." b64(<request URI>) "." b64(<body>) "." b64(<certificate PEM>)

where b64 is standard base64 with padding and the request URI is Go's `URL.RequestURI()`
(path plus `?query`, e.g. `/api/v1/register`). The header's value is then, with no scheme word,

    b64(<certificate PEM>) "." b64(<DER signature>)
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from tracker.ledger.identity import Identity, Signer


def b64(data: bytes) -> str:
    """Go's base64.StdEncoding: standard alphabet, with padding."""
    return base64.b64encode(data).decode("ascii")


def signed_string(method: str, uri: str, body: bytes, cert_pem: bytes) -> bytes:
    """The exact bytes fabric-ca signs and verifies for a token-authenticated request."""
    return f"{method}.{b64(uri.encode('utf-8'))}.{b64(body)}.{b64(cert_pem)}".encode("ascii")


@dataclass(frozen=True)
class Registrar:
    """A CA identity allowed to register and revoke (hf.Registrar.Roles, hf.Revoker)."""

    identity: Identity
    signer: Signer

    def token(self, method: str, uri: str, body: bytes) -> str:
        """The `Authorization` header value for one request."""
        cert_pem = self.identity.cert_pem
        signature = self.signer.sign(signed_string(method, uri, body, cert_pem))
        return f"{b64(cert_pem)}.{b64(signature)}"
