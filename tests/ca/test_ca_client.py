"""The Fabric CA client against the FAKE Fabric CA over HTTPS: register, enroll, revoke, and
every CA refusal mapped by its code."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from tests.ca.fake_ca import FakeFabricCa
from tests.ca.fake_ca_pki import Pair, enrolment_cert, self_signed_ca, write_msp
from tracker import ca
from tracker.ca.client import Registration
from tracker.ca.csr import new_key_and_request
from tracker.ca.token import Registrar, signed_string
from tracker.config import CaSettings
from tracker.ledger.identity import (
    P256_ORDER,
    Identity,
    Signatory,
    Signer,
    load_enrolment,
    signatory,
)


def settings_of(fake: FakeFabricCa, **changes: object) -> CaSettings:
    """CaSettings pointing at the fake CA."""
    settings = CaSettings(
        msp_id="CarrierMSP",
        url=fake.url,
        ca_name=fake.ca_name,
        tls_ca_file=fake.tls_root_path,
        registrar_msp_dir=fake.registrar_msp_dir,
        affiliation="",
        timeout_s=5.0,
    )
    return replace(settings, **changes)  # type: ignore[arg-type]


def registrar_from(msp_dir: Path) -> Registrar:
    """A Registrar from an enrolment folder."""
    return Registrar(*load_enrolment("CarrierMSP", msp_dir))


def test_the_token_signs_fabric_cas_exact_string(fake_ca: FakeFabricCa) -> None:
    registrar = registrar_from(fake_ca.registrar_msp_dir)
    body = b'{"id":"x"}'
    token = registrar.token("POST", "/api/v1/register", body)
    cert_part, signature_part = token.split(".")
    cert_pem = registrar.identity.cert_pem
    assert base64.b64decode(cert_part) == cert_pem
    # method . b64(uri) . b64(body) . b64(cert PEM), standard base64 with padding.
    expected = (
        "POST."
        + base64.b64encode(b"/api/v1/register").decode()
        + "."
        + base64.b64encode(body).decode()
        + "."
        + base64.b64encode(cert_pem).decode()
    ).encode()
    assert signed_string("POST", "/api/v1/register", body, cert_pem) == expected
    signature = base64.b64decode(signature_part)
    registrar.identity.public_key().verify(signature, expected, ec.ECDSA(hashes.SHA256()))
    assert decode_dss_signature(signature)[1] <= P256_ORDER // 2  # low-S, as BCCSP signs


def test_cainfo_over_tls_with_the_ca_name(fake_ca: FakeFabricCa) -> None:
    client, _registrar = ca.connect(settings_of(fake_ca))
    with client:
        info = client.cainfo()
    assert (info.ca_name, info.version) == (fake_ca.ca_name, "1.5.21")
    assert x509.load_pem_x509_certificate(info.ca_chain_pem) == fake_ca.ca.cert
    assert ("GET", "/api/v1/cainfo") in fake_ca.requests


def test_register_and_enrol_gives_a_certificate_with_the_role(fake_ca: FakeFabricCa) -> None:
    client, registrar = ca.connect(settings_of(fake_ca))
    with client:
        enrolment = ca.register_and_enrol(
            client, registrar, enrollment_id="scanner-0a1b2c3d", role="scanner"
        )
    cert = x509.load_pem_x509_certificate(enrolment.cert_pem)
    cert.verify_directly_issued_by(fake_ca.ca.cert)
    assert signatory(enrolment.cert_pem) == Signatory("scanner-0a1b2c3d", "scanner")
    raw = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1"))
    attrs = json.loads(raw.value.value)["attrs"]  # type: ignore[attr-defined]
    assert attrs == {"hf.EnrollmentID": "scanner-0a1b2c3d", "hf.Type": "client", "role": "scanner"}
    key = serialization.load_pem_private_key(enrolment.key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert Signer(key).matches(Identity("CarrierMSP", enrolment.cert_pem))
    registered = fake_ca.identities["scanner-0a1b2c3d"]
    assert registered.attrs["role"] == ("scanner", True)
    assert registered.max_enrollments == 1  # the secret enrolls once
    assert "Authorization" not in repr(enrolment) and "PRIVATE" not in repr(enrolment)


def test_a_wrong_secret_and_a_used_secret_are_refused(fake_ca: FakeFabricCa) -> None:
    client, registrar = ca.connect(settings_of(fake_ca))
    with client:
        secret = client.register(registrar, Registration("receiver-1", "receiver"))
        request = new_key_and_request("receiver-1")
        with pytest.raises(ca.CaAuthenticationFailed) as wrong:
            client.enroll("receiver-1", secret + "x", request.csr_pem, ["role"])
        client.enroll("receiver-1", secret, request.csr_pem, ["role"])
        with pytest.raises(ca.CaAuthenticationFailed):
            client.enroll("receiver-1", secret, request.csr_pem, ["role"])
    assert (wrong.value.status, wrong.value.code, wrong.value.name) == (
        401,
        20,
        "AUTHENTICATION_FAILURE",
    )
    assert fake_ca.auth_failures == [
        "wrong secret for receiver-1",
        "receiver-1 reached its maximum enrollments",
    ]


def test_a_token_from_a_foreign_certificate_is_refused(
    fake_ca: FakeFabricCa, tmp_path: Path
) -> None:
    other = self_signed_ca("someone-else")
    forged = write_msp(tmp_path / "forged", _leaf(other, "admin"), other)
    client, _ = ca.connect(settings_of(fake_ca))
    with client, pytest.raises(ca.CaAuthenticationFailed):
        client.register(registrar_from(forged), Registration("x1", "scanner"))
    assert fake_ca.auth_failures == ["untrusted certificate"]
    assert "x1" not in fake_ca.identities


class _WrongUri(Registrar):
    """Signs as if the request went elsewhere: a replayed or tampered token."""

    def token(self, method: str, uri: str, body: bytes) -> str:
        return super().token(method, "/api/v1/revoke", body)


class _HighS(Signer):
    """Signs with the high-S twin of a valid signature, which BCCSP refuses."""

    def sign(self, message: bytes) -> bytes:
        r, s = decode_dss_signature(super().sign(message))
        return encode_dss_signature(r, P256_ORDER - s)


def test_a_token_over_another_request_or_with_high_s_is_refused(fake_ca: FakeFabricCa) -> None:
    identity, signer = load_enrolment("CarrierMSP", fake_ca.registrar_msp_dir)
    client, _ = ca.connect(settings_of(fake_ca))
    high_s = _HighS(signer._key)  # same key, the other (high-S) encoding
    with client:
        with pytest.raises(ca.CaAuthenticationFailed):
            client.register(_WrongUri(identity, signer), Registration("x2", "scanner"))
        with pytest.raises(ca.CaAuthenticationFailed):
            client.register(Registrar(identity, high_s), Registration("x3", "scanner"))
    assert fake_ca.auth_failures == [
        "token signature validation failed",
        "token: signature S is not low",
    ]


def test_refusals_are_mapped_by_their_code(fake_ca: FakeFabricCa) -> None:
    clerk = registrar_from(fake_ca.bootstrap("clerk", revoker=False))
    client, registrar = ca.connect(settings_of(fake_ca))
    with client:
        with pytest.raises(ca.CaIdentityNotFound) as unknown:
            client.revoke(registrar, "nobody")
        with pytest.raises(ca.CaAuthorizationFailed) as not_revoker:
            client.revoke(clerk, "admin")
        client.register(registrar, Registration("dup", "scanner"))
        with pytest.raises(ca.CaRefused) as duplicate:
            client.register(registrar, Registration("dup", "scanner"))
    assert (unknown.value.status, unknown.value.code) == (404, 10)
    assert "Identity nobody was not found" in unknown.value.message
    assert (not_revoker.value.status, not_revoker.value.code) == (403, 71)
    assert (duplicate.value.status, duplicate.value.code, duplicate.value.name) == (
        500,
        0,
        "UNKNOWN",
    )
    client, registrar = ca.connect(settings_of(fake_ca, ca_name="ca-nope"))
    with client, pytest.raises(ca.CaRefused) as no_ca:
        client.cainfo()
    assert (no_ca.value.code, no_ca.value.name) == (19, "CA_NOT_FOUND")


def test_revoke_revokes_the_identity_and_its_certificates(fake_ca: FakeFabricCa) -> None:
    client, registrar = ca.connect(settings_of(fake_ca))
    with client:
        enrolment = ca.register_and_enrol(
            client, registrar, enrollment_id="auditor-1", role="auditor"
        )
        revocation = ca.revoke(client, registrar, "auditor-1")
        with pytest.raises(ca.CaAuthenticationFailed):  # no new enrolment either
            client.enroll("auditor-1", "whatever", b"", ["role"])
    serial = x509.load_pem_x509_certificate(enrolment.cert_pem).serial_number
    assert fake_ca.revocations == [("auditor-1", "cessationofoperation")]
    assert revocation.revoked == ((f"{serial:x}", fake_ca.ca.ski.hex()),)
    crl = x509.load_pem_x509_crl(revocation.crl_pem)
    assert crl.get_revoked_certificate_by_serial_number(serial) is not None
    assert crl.is_signature_valid(fake_ca.ca.key.public_key())


def test_an_unreachable_ca_and_an_untrusted_one(fake_ca: FakeFabricCa, tmp_path: Path) -> None:
    wrong_root = tmp_path / "other-root.pem"
    wrong_root.write_bytes(self_signed_ca("not-the-tls-root").cert_pem)
    client, registrar = ca.connect(settings_of(fake_ca, tls_ca_file=wrong_root))
    with client, pytest.raises(ca.CaTlsError):
        client.cainfo()
    fake_ca.stop()
    client, registrar = ca.connect(settings_of(fake_ca))
    with client, pytest.raises(ca.CaUnreachable) as down:
        client.revoke(registrar, "anyone")
    assert down.value.transient and down.value.operation == "revoke"


def test_bad_registrar_files_are_a_setup_error(fake_ca: FakeFabricCa, tmp_path: Path) -> None:
    with pytest.raises(ca.CaError) as setup:
        ca.connect(settings_of(fake_ca, registrar_msp_dir=tmp_path / "missing"))
    assert setup.value.operation == "setup"


def _leaf(issuer: Pair, name: str) -> Pair:
    key = ec.generate_private_key(ec.SECP256R1())
    return Pair(key, enrolment_cert(issuer, key.public_key(), name, ["client"], {}))
