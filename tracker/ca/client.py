"""Fabric CA 1.5 REST client: the one adapter between the tracker and a Fabric CA server.

Endpoints (fabric-ca `swagger/swagger-fabric-ca.json`, `lib/client.go`, `lib/identity.go`):
`GET /api/v1/cainfo`, `POST /api/v1/register` (registrar's token), `POST /api/v1/enroll`
(HTTP basic auth `id:secret`), `POST /api/v1/revoke` (registrar's token). Every answer is
cfssl's envelope `{success, result, errors: [{code, message}], messages}`; errors become
`tracker.ca.errors` by their code. The CA name (`caname`) goes in the JSON body of POSTs and
as `?ca=` on `cainfo`, as fabric-ca's own client sends it.
"""

from __future__ import annotations

import base64
import json
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography import x509

from tracker.ca.errors import (
    CaError,
    CaMessage,
    CaProtocolError,
    CaTlsError,
    CaUnreachable,
    refused,
)
from tracker.ca.token import Registrar

API = "/api/v1/"


@dataclass(frozen=True)
class CaInfo:
    """What `cainfo` tells: the CA's name, its chain (PEM, root first) and version."""

    ca_name: str
    ca_chain_pem: bytes
    version: str


@dataclass(frozen=True)
class Registration:
    """A `register` request: a client identity carrying the `role` attribute in its ecert."""

    enrollment_id: str
    role: str
    affiliation: str = ""  # "": the registrar's own affiliation (fabric-ca's default)
    max_enrollments: int = 1  # the secret enrolls once, then is useless
    secret: str | None = field(default=None, repr=False)  # None: the CA picks one


@dataclass(frozen=True)
class Issued:
    """An `enroll` answer: the certificate and the chain of the CA that signed it (PEM)."""

    cert_pem: bytes
    ca_chain_pem: bytes
    ca_name: str


@dataclass(frozen=True)
class Revocation:
    """A `revoke` answer: (serial, AKI) of each revoked certificate, and the CRL if asked."""

    revoked: tuple[tuple[str, str], ...]
    crl_pem: bytes


class FabricCaClient:
    """One CA of a fabric-ca server, over HTTPS with the CA's TLS root."""

    def __init__(
        self,
        *,
        url: str,
        tls: ssl.SSLContext,
        ca_name: str = "",
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """Client of the server at `url` (scheme, host, port) for the CA named `ca_name`."""
        self.ca_name = ca_name
        self._http = httpx.Client(
            base_url=url.rstrip("/"), verify=tls, timeout=timeout_s, transport=transport
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> FabricCaClient:
        """Use as a context manager."""
        return self

    def __exit__(self, *_: object) -> None:
        """Close on leaving."""
        self.close()

    def cainfo(self) -> CaInfo:
        """The CA's name, chain and version (no authentication)."""
        params = {"ca": self.ca_name} if self.ca_name else None
        result = self._send("cainfo", "GET", "cainfo", params=params)
        return CaInfo(
            ca_name=_text(result, "CAName", "cainfo"),
            ca_chain_pem=_b64(result, "CAChain", "cainfo"),
            version=str(result.get("Version", "")),
        )

    def register(self, registrar: Registrar, registration: Registration) -> str:
        """Register an identity; returns its enrollment secret (shown to nobody)."""
        body: dict[str, Any] = {
            "id": registration.enrollment_id,
            "type": "client",
            "affiliation": registration.affiliation,
            "attrs": [{"name": "role", "value": registration.role, "ecert": True}],
            "max_enrollments": registration.max_enrollments,
        }
        if registration.secret is not None:
            body["secret"] = registration.secret
        result = self._send("register", "POST", "register", body=body, registrar=registrar)
        return _text(result, "secret", "register")

    def enroll(
        self, enrollment_id: str, secret: str, csr_pem: bytes, attr_reqs: Sequence[str]
    ) -> Issued:
        """Enroll a CSR; each attribute in `attr_reqs` is required in the certificate."""
        body: dict[str, Any] = {
            "certificate_request": csr_pem.decode("ascii"),
            "attr_reqs": [{"name": name, "optional": False} for name in attr_reqs],
        }
        basic = base64.b64encode(f"{enrollment_id}:{secret}".encode()).decode("ascii")
        result = self._send("enroll", "POST", "enroll", body=body, basic=basic)
        cert_pem = _b64(result, "Cert", "enroll")
        try:
            x509.load_pem_x509_certificate(cert_pem)
        except ValueError as error:
            raise CaProtocolError("enroll", "Cert is not a PEM certificate") from error
        info = result.get("ServerInfo")
        info = info if isinstance(info, dict) else {}
        return Issued(
            cert_pem=cert_pem,
            ca_chain_pem=_b64(info, "CAChain", "enroll"),
            ca_name=str(info.get("CAName", "")),
        )

    def revoke(
        self, registrar: Registrar, enrollment_id: str, *, reason: str = "unspecified"
    ) -> Revocation:
        """Revoke an identity and all its certificates (no further enrolment); ask for a CRL."""
        body = {"id": enrollment_id, "reason": reason, "gencrl": True}
        result = self._send("revoke", "POST", "revoke", body=body, registrar=registrar)
        certs = result.get("RevokedCerts") or []
        revoked = tuple(
            (str(cert.get("Serial", "")), str(cert.get("AKI", "")))
            for cert in certs
            if isinstance(cert, dict)
        )
        crl = result.get("CRL") or ""
        return Revocation(revoked, base64.b64decode(crl) if isinstance(crl, str) else b"")

    def _send(
        self,
        operation: str,
        method: str,
        endpoint: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        registrar: Registrar | None = None,
        basic: str | None = None,
    ) -> dict[str, Any]:
        content = b""
        if body is not None:
            if self.ca_name:
                body = {**body, "caname": self.ca_name}
            content = json.dumps(body, separators=(",", ":")).encode("utf-8")
        request = self._http.build_request(method, API + endpoint, params=params, content=content)
        if body is not None:
            request.headers["Content-Type"] = "application/json"
        if registrar is not None:
            # Signed over the exact URI and bytes sent: Go's URL.RequestURI() is path + query.
            uri = request.url.raw_path.decode("ascii")
            request.headers["Authorization"] = registrar.token(method, uri, content)
        elif basic is not None:
            request.headers["Authorization"] = f"Basic {basic}"
        try:
            response = self._http.send(request)
        except httpx.TransportError as error:
            raise _transport_error(operation, error) from error
        return _result(operation, response)


def _transport_error(operation: str, error: httpx.TransportError) -> CaError:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return CaTlsError(operation, f"TLS with the CA failed: {cause}")
        cause = cause.__cause__ or cause.__context__
    return CaUnreachable(operation, f"no answer from the CA ({type(error).__name__}: {error})")


def _result(operation: str, response: httpx.Response) -> dict[str, Any]:
    status = response.status_code
    try:
        envelope = json.loads(response.content)
    except ValueError:
        raise CaProtocolError(operation, "the answer is not JSON", status=status) from None
    if not isinstance(envelope, dict):
        raise CaProtocolError(operation, "the answer is not a JSON object", status=status)
    errors = _messages(operation, envelope.get("errors"), status)
    if errors:
        raise refused(operation, status, errors)
    result = envelope.get("result")
    if status >= 400 or envelope.get("success") is not True or not isinstance(result, dict):
        raise CaProtocolError(operation, "failure without an error code", status=status)
    return result


def _messages(operation: str, raw: object, status: int) -> tuple[CaMessage, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CaProtocolError(operation, "`errors` is not a list", status=status)
    messages = []
    for entry in raw:
        code = entry.get("code") if isinstance(entry, dict) else None
        if not isinstance(code, int) or isinstance(code, bool):
            raise CaProtocolError(operation, "an error without an integer code", status=status)
        messages.append(CaMessage(code, str(entry.get("message", ""))))
    return tuple(messages)


def _text(result: dict[str, Any], key: str, operation: str) -> str:
    value = result.get(key)
    if not isinstance(value, str) or not value:
        raise CaProtocolError(operation, f"the result lacks {key}")
    return value


def _b64(result: dict[str, Any], key: str, operation: str) -> bytes:
    try:
        return base64.b64decode(_text(result, key, operation), validate=True)
    except ValueError as error:
        raise CaProtocolError(operation, f"{key} is not base64") from error
