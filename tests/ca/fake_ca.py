"""FakeFabricCa: a FAKE Fabric CA server for the fast tier, NOT fabric-ca.

It serves fabric-ca 1.5's REST API over real HTTPS on 127.0.0.1 (`/api/v1/cainfo`, `register`,
`enroll`, `revoke`, also without the `/api/v1` prefix as fabric-ca does) and makes the checks
fabric-ca makes, re-implemented from its source (`util/util.go` VerifyToken,
`lib/serverrequestcontext.go` TokenAuthentication/BasicAuthentication, `lib/serverregister.go`,
`lib/serverenroll.go`, `lib/serverrevoke.go`, `lib/caerrors`):

- token auth: `authorization: b64(cert).b64(sig)`, ECDSA-SHA256 low-S signature over
  `method.b64(RequestURI).b64(body).<cert part as sent>`; the cert must be issued by this CA,
  known to its certificate table, not revoked; its CN is the caller;
- basic auth for enroll: the identity's secret, its max enrollments, not revoked;
- every authentication failure answers 401 code 20 "Authentication failure" and every
  authorization failure 403 code 71, the precise reason only kept in `auth_failures`;
- ecerts carry the requested attributes in extension 1.2.3.4.5.6.7.8.1 as
  `{"attrs": {...}}`; the CSR's CN must equal the enrolment id;
- `caname` in the body or `?ca=` selects the CA; an unknown name answers 404 code 19.

Not simulated: affiliations tree, idemix, reenroll, identities/affiliations/certificates
management endpoints, LDAP, database persistence.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
import ssl
import string
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from flask import Flask, Response, request
from werkzeug.serving import BaseWSGIServer, make_server

from tests.ca.fake_ca_pki import Pair, crl, enrolment_cert, self_signed_ca, tls_server, write_msp
from tracker.config import ca_env_key

P256_HALF_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551 // 2
ENDPOINTS = {
    "cainfo": ("GET", "POST", "HEAD"),
    "register": ("POST",),
    "enroll": ("POST",),
    "revoke": ("POST",),
}


class Refusal(Exception):
    """An HTTP error answer: status, fabric-ca code, message (and the reason kept locally)."""

    def __init__(self, status: int, code: int, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.reason = status, code, message, reason


def authentication_failure(reason: str) -> Refusal:
    """fabric-ca's NewAuthenticationErr: specific locally, generic on the wire."""
    return Refusal(401, 20, "Authentication failure", reason)


@dataclass
class FakeIdentity:
    """A registered identity: secret, type, affiliation, attributes (value, in ecert)."""

    name: str
    secret: str
    type: str = "client"
    affiliation: str = ""
    attrs: dict[str, tuple[str, bool]] = field(default_factory=dict)
    max_enrollments: int = -1
    enrollments: int = 0
    revoked: bool = False


@dataclass
class CertRecord:
    """A certificate the CA issued (fabric-ca's certificates table)."""

    serial: int
    aki: str
    enrollment_id: str
    status: str = "good"
    reason: str = ""


@dataclass
class FakeFabricCa:
    """The FAKE CA: one CA named `ca_name` on one HTTPS server, with a bootstrap registrar."""

    root: Path
    ca_name: str = "ca-carrier"
    version: str = "1.5.21"
    identities: dict[str, FakeIdentity] = field(default_factory=dict)
    certs: dict[tuple[int, str], CertRecord] = field(default_factory=dict)
    revocations: list[tuple[str, str]] = field(default_factory=list)
    auth_failures: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    _server: BaseWSGIServer | None = None
    _thread: threading.Thread | None = None
    _port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.ca = self_signed_ca(f"{self.ca_name}.example.com")
        tls_root = self_signed_ca("tlsca.example.com")
        tls = tls_server(tls_root)
        self.tls_root_path = self.root / "tls-root.pem"
        self.tls_root_path.write_bytes(tls_root.cert_pem)
        (self.root / "tls-server.pem").write_bytes(tls.cert_pem)
        (self.root / "tls-server.key").write_bytes(tls.key_pem)
        self.registrar_msp_dir = self.bootstrap("admin", revoker=True)

    # -- setup -----------------------------------------------------------------------------

    def bootstrap(self, name: str, *, revoker: bool, registrar: bool = True) -> Path:
        """Register and enrol an identity directly (as fabric-ca-server init does for the
        bootstrap admin); return its enrolment folder."""
        attrs = {"hf.Revoker": ("true" if revoker else "false", False)}
        if registrar:
            attrs["hf.Registrar.Roles"] = ("client,user,peer", False)
            attrs["hf.Registrar.Attributes"] = ("*", False)
        self.identities[name] = FakeIdentity(name, secrets.token_hex(8), attrs=attrs)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self._issue(name, key.public_key(), {})
        return write_msp(self.root / name / "msp", Pair(key, cert), self.ca)

    def start(self) -> FakeFabricCa:
        """Serve over HTTPS on 127.0.0.1 (the same port as before when restarted)."""
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.root / "tls-server.pem", self.root / "tls-server.key")
        self._server = make_server(
            "127.0.0.1", self._port, self._app(), threaded=True, ssl_context=context
        )
        self._port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (clients then meet a refused connection)."""
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
        self._server = self._thread = None

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"https://127.0.0.1:{self._port}"

    def tracker_env(self, msp_id: str) -> dict[str, str]:
        """The TRACKER_CA_* variables pointing the tracker at this CA for one org."""
        key = ca_env_key(msp_id)
        return {
            "TRACKER_CA_ORGS": msp_id,
            f"TRACKER_CA_{key}_URL": self.url,
            f"TRACKER_CA_{key}_NAME": self.ca_name,
            f"TRACKER_CA_{key}_TLS_CA_FILE": str(self.tls_root_path),
            f"TRACKER_CA_{key}_REGISTRAR_MSP_DIR": str(self.registrar_msp_dir),
        }

    # -- HTTP ------------------------------------------------------------------------------

    def _app(self) -> Flask:
        app = Flask(f"fake-fabric-ca-{self.ca_name}")
        handlers = {
            "cainfo": self._cainfo,
            "register": self._register,
            "enroll": self._enroll,
            "revoke": self._revoke,
        }
        for name in ENDPOINTS:
            for path in (f"/{name}", f"/api/v1/{name}"):
                app.add_url_rule(
                    path,
                    f"{name}{path}",
                    self._endpoint(name, handlers[name]),
                    methods=["GET", "POST", "HEAD", "PUT", "DELETE"],
                )
        return app

    def _endpoint(self, name: str, handler: Any) -> Any:
        def view() -> Response:
            self.requests.append((request.method, request.path))
            try:
                if request.method not in ENDPOINTS[name]:
                    raise Refusal(405, 1, f"Method {request.method} is not allowed")
                body = request.get_data()
                self._check_ca_name(body)
                with self._lock:
                    status, result = handler(body)
                return _answer(
                    status, {"success": True, "result": result, "errors": [], "messages": []}
                )
            except Refusal as refusal:
                if refusal.reason:
                    self.auth_failures.append(refusal.reason)
                error = {"code": refusal.code, "message": refusal.message}
                envelope = {"success": False, "result": None, "errors": [error], "messages": []}
                # http.Error: text/plain, with a final newline.
                return Response(json.dumps(envelope) + "\n", refusal.status, mimetype="text/plain")

        return view

    def _check_ca_name(self, body: bytes) -> None:
        name = request.args.get("ca", "")
        if not name and body:
            try:
                parsed = json.loads(body)
            except ValueError:
                raise Refusal(400, 5, "Invalid request body") from None
            # Go's encoding/json matches keys case-insensitively.
            if isinstance(parsed, dict):
                name = next((v for k, v in parsed.items() if k.lower() == "caname"), "") or ""
        if name and name != self.ca_name:
            raise Refusal(404, 19, f"CA '{name}' does not exist")

    def _cainfo(self, body: bytes) -> tuple[int, dict[str, Any]]:
        return 200, self._server_info()

    def _server_info(self) -> dict[str, Any]:
        return {
            "CAName": self.ca_name,
            "CAChain": base64.b64encode(self.ca.cert_pem).decode(),
            "IssuerPublicKey": "",
            "IssuerRevocationPublicKey": "",
            "Version": self.version,
        }

    def _register(self, body: bytes) -> tuple[int, dict[str, Any]]:
        req = _json(body)
        caller = self.identities[self._token_authentication(body)]
        name = str(req.get("id", ""))
        kind = str(req.get("type") or caller.type)
        roles = caller.attrs.get("hf.Registrar.Roles", ("", False))[0].split(",")
        if kind not in roles:
            raise Refusal(403, 71, "Authorization failure")
        allowed = caller.attrs.get("hf.Registrar.Attributes", ("", False))[0].split(",")
        attrs: dict[str, tuple[str, bool]] = {}
        for attr in req.get("attrs") or []:
            if "*" not in allowed and attr["name"] not in allowed:
                raise Refusal(403, 71, "Authorization failure")
            attrs[attr["name"]] = (str(attr["value"]), bool(attr.get("ecert", False)))
        if name in self.identities:
            # A plain error in fabric-ca: 500 with the unknown code 0.
            raise Refusal(
                500, 0, f"Registration of '{name}' failed: Identity '{name}' is already registered"
            )
        affiliation = str(req.get("affiliation", caller.affiliation))
        for key, value in (
            ("hf.EnrollmentID", name),
            ("hf.Type", kind),
            ("hf.Affiliation", affiliation),
        ):
            attrs.setdefault(key, (value, True))
        secret = str(
            req.get("secret") or "".join(secrets.choice(string.ascii_letters) for _ in range(12))
        )
        maximum = int(req.get("max_enrollments") or -1)
        self.identities[name] = FakeIdentity(name, secret, kind, affiliation, attrs, maximum)
        return 201, {"secret": secret}

    def _enroll(self, body: bytes) -> tuple[int, dict[str, Any]]:
        user = self._basic_authentication()
        req = _json(body)
        try:
            csr = x509.load_pem_x509_csr(str(req.get("certificate_request", "")).encode())
        except ValueError:
            raise Refusal(500, 0, "CSR decode failed") from None
        if not csr.is_signature_valid:
            raise Refusal(400, 31, "Invalid CSR signature")
        names = csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        if not names or names[0].value != user.name:
            raise Refusal(500, 0, "The CSR subject common name must equal the enrollment ID")
        attrs = self._requested_attrs(user, req.get("attr_reqs"))
        key = csr.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)
        cert = self._issue(user.name, key, attrs)
        user.enrollments += 1
        pem = cert.public_bytes(serialization.Encoding.PEM)
        return 201, {"Cert": base64.b64encode(pem).decode(), "ServerInfo": self._server_info()}

    def _requested_attrs(self, user: FakeIdentity, requests: Any) -> dict[str, str]:
        if requests is None:  # no request: every attribute registered with ecert=true
            return {name: value for name, (value, ecert) in user.attrs.items() if ecert}
        attrs = {}
        for wanted in requests:
            name = wanted["name"]
            if name in user.attrs:
                attrs[name] = user.attrs[name][0]
            elif not wanted.get("optional", False):
                raise Refusal(
                    500, 0, f"Attribute '{name}' was requested but the identity does not have it"
                )
        return attrs

    def _revoke(self, body: bytes) -> tuple[int, dict[str, Any]]:
        req = _json(body)
        caller = self.identities[self._token_authentication(body)]
        if caller.attrs.get("hf.Revoker", ("", False))[0] != "true":
            raise Refusal(403, 71, "Authorization failure")
        name = str(req.get("id") or "")
        if not name:
            raise Refusal(
                400, 15, "Either Name or Serial and AKI are required for a revoke request"
            )
        user = self.identities.get(name)
        if user is None:
            raise Refusal(404, 10, f"Identity {name} was not found: user '{name}' not found")
        user.revoked = True
        reason = str(req.get("reason") or "unspecified")
        revoked = [r for r in self.certs.values() if r.enrollment_id == name and r.status == "good"]
        for record in revoked:
            record.status, record.reason = "revoked", reason
        self.revocations.append((name, reason))
        result: dict[str, Any] = {
            "RevokedCerts": [{"Serial": f"{r.serial:x}", "AKI": r.aki} for r in revoked],
            "CRL": "",
        }
        if req.get("gencrl") and revoked:
            serials = [r.serial for r in self.certs.values() if r.status == "revoked"]
            result["CRL"] = base64.b64encode(crl(self.ca, serials)).decode()
        return 200, result

    # -- authentication --------------------------------------------------------------------

    def _token_authentication(self, body: bytes) -> str:
        header = request.headers.get("authorization", "")
        if not header:
            raise Refusal(401, 2, "No authorization header")
        parts = header.split(".")
        if len(parts) != 2:
            raise authentication_failure("token format: expecting 2 parts separated by '.'")
        try:
            cert = x509.load_pem_x509_certificate(base64.b64decode(parts[0], validate=True))
            signature = base64.b64decode(parts[1], validate=True)
        except (ValueError, binascii.Error):
            raise authentication_failure("token: bad base64 or certificate") from None
        uri = request.environ.get("REQUEST_URI") or request.full_path.rstrip("?")
        signed = ".".join([request.method, _b64(uri.encode()), _b64(body), parts[0]]).encode()
        public_key = cert.public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise authentication_failure("token: not an ECDSA certificate")
        try:
            if decode_dss_signature(signature)[1] > P256_HALF_ORDER:
                raise authentication_failure("token: signature S is not low")
            public_key.verify(signature, signed, ec.ECDSA(hashes.SHA256()))
        except (ValueError, InvalidSignature):
            raise authentication_failure("token signature validation failed") from None
        try:
            cert.verify_directly_issued_by(self.ca.cert)
        except (ValueError, TypeError, InvalidSignature):
            raise authentication_failure("untrusted certificate") from None
        record = self.certs.get((cert.serial_number, _aki(cert)))
        if record is None:
            raise authentication_failure("certificate not found")
        if record.status == "revoked":
            raise authentication_failure("the certificate is revoked")
        caller = self.identities.get(record.enrollment_id)
        if caller is None or caller.revoked:
            raise authentication_failure("the caller is revoked")
        return caller.name

    def _basic_authentication(self) -> FakeIdentity:
        auth = request.authorization
        if not request.headers.get("authorization"):
            raise Refusal(401, 2, "No authorization header")
        if auth is None or auth.type != "basic" or not auth.username:
            raise authentication_failure("no user/pass in authorization header")
        user = self.identities.get(auth.username)
        if user is None:
            raise authentication_failure(f"failed to get user {auth.username}")
        if user.revoked:
            raise authentication_failure(f"user {user.name} is revoked")
        if not secrets.compare_digest(user.secret, auth.password or ""):
            raise authentication_failure(f"wrong secret for {user.name}")
        if 0 < user.max_enrollments <= user.enrollments:
            raise authentication_failure(f"{user.name} reached its maximum enrollments")
        return user

    def _issue(
        self, name: str, key: ec.EllipticCurvePublicKey, attrs: dict[str, str]
    ) -> x509.Certificate:
        user = self.identities[name]
        ous = [user.type, *[part for part in user.affiliation.split(".") if part]]
        cert = enrolment_cert(self.ca, key, name, ous, attrs)
        self.certs[(cert.serial_number, self.ca.ski.hex())] = CertRecord(
            cert.serial_number, self.ca.ski.hex(), name
        )
        return cert


def _aki(cert: x509.Certificate) -> str:
    try:
        value = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except x509.ExtensionNotFound:
        return ""
    return (value.key_identifier or b"").hex()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _json(body: bytes) -> dict[str, Any]:
    if not body:
        raise Refusal(400, 4, "Empty request body")
    try:
        parsed = json.loads(body)
    except ValueError:
        raise Refusal(400, 5, "Invalid request body") from None
    if not isinstance(parsed, dict):
        raise Refusal(400, 5, "Invalid request body")
    return parsed


def _answer(status: int, envelope: dict[str, Any]) -> Response:
    return Response(json.dumps(envelope), status, mimetype="application/json")
