"""Identity loading and low-S ECDSA signing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from fabric_protos.msp import identities_pb2

from fabricsim.pki import MSP_ID, SimPki
from fabricsim.wire import P256_N, Rejected, verify_like_peer
from tracker.ledger.identity import (
    Identity,
    IdentityError,
    Signatory,
    Signer,
    load_enrolment,
    normalize_low_s,
    signatory,
)


def test_enrolment_loads_cert_and_matching_key(pki: SimPki) -> None:
    identity, signer = load_enrolment(MSP_ID, pki.msp_dir)
    assert identity.msp_id == MSP_ID
    assert identity.cert_pem == pki.client.cert_pem
    assert signer.matches(identity)
    assert "PRIVATE" not in repr(signer)


def test_creator_is_serialized_identity(identity: Identity, pki: SimPki) -> None:
    decoded = identities_pb2.SerializedIdentity.FromString(identity.creator)
    assert decoded.mspid == MSP_ID
    assert decoded.id_bytes == pki.client.cert_pem


def test_key_not_matching_cert_is_refused(pki: SimPki, tmp_path: Path) -> None:
    msp = tmp_path / "msp"
    shutil.copytree(pki.msp_dir, msp)
    next((msp / "keystore").glob("*_sk")).write_bytes(pki.peer.key_pem)  # the one key file
    with pytest.raises(IdentityError, match="does not match"):
        load_enrolment(MSP_ID, msp)


def test_ambiguous_keystore_is_refused(pki: SimPki, tmp_path: Path) -> None:
    msp = tmp_path / "msp"
    shutil.copytree(pki.msp_dir, msp)
    (msp / "keystore" / "ffff_sk").write_bytes(pki.client.key_pem)
    with pytest.raises(IdentityError, match="exactly one"):
        load_enrolment(MSP_ID, msp)


def cryptogen_layout(pki: SimPki, root: Path) -> Path:
    """The MSP folder cryptogen writes for a user: named certificate, `priv_sk` key."""
    msp = root / "users" / "User1@org1.example.com" / "msp"
    (msp / "signcerts").mkdir(parents=True)
    (msp / "keystore").mkdir()
    (msp / "signcerts" / "User1@org1.example.com-cert.pem").write_bytes(pki.client.cert_pem)
    (msp / "keystore" / "priv_sk").write_bytes(pki.client.key_pem)
    (msp / "cacerts").mkdir()  # cryptogen's other folders are not read
    (msp / "cacerts" / "ca.org1.example.com-cert.pem").write_bytes(pki.ca(MSP_ID).cert_pem)
    return msp


def test_cryptogen_user_folder_loads(pki: SimPki, tmp_path: Path) -> None:
    identity, signer = load_enrolment(MSP_ID, cryptogen_layout(pki, tmp_path))
    assert identity.cert_pem == pki.client.cert_pem
    assert signer.matches(identity)


def test_fabric_ca_client_folder_loads_with_any_key_name(pki: SimPki, tmp_path: Path) -> None:
    msp = tmp_path / "msp"
    shutil.copytree(pki.msp_dir, msp)
    ski = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    next((msp / "keystore").glob("*_sk")).rename(msp / "keystore" / f"{ski}_sk")
    (msp / "keystore" / ".DS_Store").write_bytes(b"\0")  # hidden files are not keys
    identity, signer = load_enrolment(MSP_ID, msp)
    assert (msp / "signcerts" / "cert.pem").read_bytes() == identity.cert_pem
    assert signer.matches(identity)


def test_several_or_no_certificates_are_refused_naming_the_folder(
    pki: SimPki, tmp_path: Path
) -> None:
    msp = cryptogen_layout(pki, tmp_path)
    signcerts = msp / "signcerts"
    (signcerts / "cert.pem").write_bytes(pki.client.cert_pem)
    with pytest.raises(IdentityError) as several:
        load_enrolment(MSP_ID, msp)
    assert str(signcerts) in str(several.value)
    assert "exactly one certificate (*.pem), found 2" in str(several.value)
    assert "User1@org1.example.com-cert.pem" in str(several.value)
    for pem in signcerts.iterdir():
        pem.unlink()
    with pytest.raises(IdentityError, match="exactly one certificate .*found 0") as none:
        load_enrolment(MSP_ID, msp)
    assert str(signcerts) in str(none.value)


def test_empty_or_missing_keystore_is_refused_naming_the_folder(
    pki: SimPki, tmp_path: Path
) -> None:
    msp = cryptogen_layout(pki, tmp_path)
    (msp / "keystore" / "priv_sk").unlink()
    with pytest.raises(IdentityError, match="exactly one private key file, found 0") as empty:
        load_enrolment(MSP_ID, msp)
    assert str(msp / "keystore") in str(empty.value)
    (msp / "keystore").rmdir()
    with pytest.raises(IdentityError, match="is not a folder") as missing:
        load_enrolment(MSP_ID, msp)
    assert str(msp / "keystore") in str(missing.value)


def test_unreadable_certificate_or_key_names_the_file(pki: SimPki, tmp_path: Path) -> None:
    msp = cryptogen_layout(pki, tmp_path)
    (msp / "keystore" / "priv_sk").write_text("not a key")
    with pytest.raises(IdentityError, match="priv_sk is not an unencrypted PEM private key"):
        load_enrolment(MSP_ID, msp)
    (msp / "signcerts" / "User1@org1.example.com-cert.pem").write_text("not a certificate")
    with pytest.raises(IdentityError, match="-cert.pem is not a readable PEM certificate"):
        load_enrolment(MSP_ID, msp)


def test_non_p256_key_is_refused() -> None:
    with pytest.raises(IdentityError, match="P-256"):
        Signer(ec.generate_private_key(ec.SECP384R1()))


def test_signatures_are_always_low_s_and_verify(identity: Identity, signer: Signer) -> None:
    public_key = identity.public_key()
    for i in range(300):
        message = f"message {i}".encode()
        signature = signer.sign(message)
        _, s = decode_dss_signature(signature)
        assert s <= P256_N // 2
        public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        verify_like_peer(identity.creator, message, signature)


def test_high_s_twin_verifies_mathematically_but_peer_rejects(
    identity: Identity, signer: Signer
) -> None:
    message = b"payload"
    r, s = decode_dss_signature(signer.sign(message))
    high = encode_dss_signature(r, P256_N - s)
    # Both (r, s) and (r, n - s) are valid ECDSA; only the low one is canonical for Fabric.
    identity.public_key().verify(high, message, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(Rejected, match="high-S"):
        verify_like_peer(identity.creator, message, high)
    assert normalize_low_s(high) == encode_dss_signature(r, s)


def test_signatory_reads_enrolment_id_and_role_attribute() -> None:
    from fabricsim.callers import make_caller  # a Fabric CA-shaped certificate with the attribute

    assert signatory(make_caller("CarrierMSP", "scanner7", "scanner").pem) == Signatory(
        "scanner7", "scanner"
    )
    assert signatory(make_caller("CarrierMSP", "plain", None).pem) == Signatory("plain", "")
    assert signatory(b"not a certificate") == Signatory("", "")
