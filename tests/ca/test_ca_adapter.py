"""The CA adapter's translation of odd answers (httpx.MockTransport), and the checks made on
an issued certificate before it goes into the wallet."""

from __future__ import annotations

import base64
import json
import ssl
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.ca.fake_ca_pki import Pair, enrolment_cert, self_signed_ca, write_msp
from tracker import ca
from tracker.ca.client import FabricCaClient, Issued, Registration
from tracker.ca.csr import new_key_and_request
from tracker.ca.enrolment import check_issued
from tracker.ledger.identity import load_enrolment

Handler = Callable[[httpx.Request], httpx.Response]


def client_with(handler: Handler) -> FabricCaClient:
    """A client whose HTTP goes to `handler`."""
    return FabricCaClient(
        url="https://ca.example",
        tls=ssl.create_default_context(),
        ca_name="ca-x",
        transport=httpx.MockTransport(handler),
    )


@pytest.fixture
def registrar(tmp_path: Path) -> ca.Registrar:
    """Any registrar: the mock does not check tokens."""
    root = self_signed_ca("ca-x")
    msp = write_msp(tmp_path / "msp", _leaf(root, "admin"), root)
    return ca.Registrar(*load_enrolment("OrgMSP", msp))


def envelope(result: object = None, errors: object = (), success: bool = True) -> bytes:
    """cfssl's JSON envelope."""
    listed = list(errors) if isinstance(errors, list | tuple) else []
    body = {"success": success, "result": result, "errors": listed, "messages": []}
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("status", "content", "expected"),
    [
        (502, b"<html>Bad gateway</html>", "the answer is not JSON (HTTP 502)"),
        (200, b"[1, 2]", "not a JSON object"),
        (500, envelope(success=False), "failure without an error code (HTTP 500)"),
        (401, envelope(errors=[{"code": "20", "message": "x"}]), "integer code"),
        (201, envelope(result={"nothing": 1}), "the result lacks secret"),
    ],
)
def test_odd_answers_are_protocol_errors(
    registrar: ca.Registrar, status: int, content: bytes, expected: str
) -> None:
    with client_with(lambda _: httpx.Response(status, content=content)) as client:
        with pytest.raises(ca.CaProtocolError) as caught:
            client.register(registrar, Registration("a", "scanner"))
    assert expected in str(caught.value)


def test_every_listed_error_is_kept_and_the_first_names_it(registrar: ca.Registrar) -> None:
    errors = [{"code": 71, "message": "Authorization failure"}, {"code": 0, "message": "more"}]
    answer = envelope(errors=errors, success=False)
    with client_with(lambda _: httpx.Response(403, content=answer)) as client:
        with pytest.raises(ca.CaAuthorizationFailed) as caught:
            client.revoke(registrar, "someone")
    assert [(e.code, e.message) for e in caught.value.errors] == [
        (71, "Authorization failure"),
        (0, "more"),
    ]
    assert str(caught.value) == "Fabric CA revoke: AUTHORIZATION_FAILURE (code 71): " + (
        "Authorization failure"
    )


def test_requests_carry_the_ca_name_and_the_right_authorization(
    registrar: ca.Registrar,
) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, content=envelope(result={"secret": "s3cret"}))

    with client_with(answer) as client:
        assert client.register(registrar, Registration("a", "scanner")) == "s3cret"
        with pytest.raises(ca.CaProtocolError):  # the mock's answer has no Cert
            client.enroll("a", "s3cret", new_key_and_request("a").csr_pem, ["role"])
    register, enroll = seen
    assert register.url.path == "/api/v1/register"
    assert json.loads(register.content)["caname"] == "ca-x"
    assert register.headers["Authorization"].count(".") == 1
    assert enroll.headers["Authorization"] == "Basic " + base64.b64encode(b"a:s3cret").decode()
    assert json.loads(enroll.content)["attr_reqs"] == [{"name": "role", "optional": False}]


def test_an_enrol_failing_after_registration_says_what_is_left(registrar: ca.Registrar) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/register"):
            return httpx.Response(201, content=envelope(result={"secret": "s"}))
        return httpx.Response(
            401, content=envelope(errors=[{"code": 20, "message": "Authentication failure"}])
        )

    with client_with(answer) as client, pytest.raises(ca.CaEnrolmentIncomplete) as caught:
        ca.register_and_enrol(client, registrar, enrollment_id="scanner-1", role="scanner")
    assert isinstance(caught.value.cause, ca.CaAuthenticationFailed)
    assert "fabric-ca-client identity remove scanner-1" in str(caught.value)


def test_a_certificate_for_another_key_role_or_issuer_is_refused() -> None:
    root = self_signed_ca("ca-x")
    request = new_key_and_request("scanner-1")
    good = enrolment_cert(root, request.public_key(), "scanner-1", ["client"], {"role": "scanner"})
    chain = root.cert_pem
    check_issued(Issued(_pem(good), chain, "ca-x"), request, "scanner-1", "scanner")
    with pytest.raises(ca.CaProtocolError, match="role 'scanner', not 'scanner-1' with 'admin'"):
        check_issued(Issued(_pem(good), chain, "ca-x"), request, "scanner-1", "admin")
    other_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    wrong = enrolment_cert(root, other_key, "scanner-1", ["client"], {"role": "scanner"})
    with pytest.raises(ca.CaProtocolError, match="not for the key"):
        check_issued(Issued(_pem(wrong), chain, "ca-x"), request, "scanner-1", "scanner")
    stranger = self_signed_ca("elsewhere").cert_pem
    with pytest.raises(ca.CaProtocolError, match="not signed by the CA's chain"):
        check_issued(Issued(_pem(good), stranger, "ca-x"), request, "scanner-1", "scanner")


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _leaf(issuer: Pair, name: str) -> Pair:
    key = ec.generate_private_key(ec.SECP256R1())
    return Pair(key, enrolment_cert(issuer, key.public_key(), name, ["client"], {}))
