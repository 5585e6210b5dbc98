"""Certificate chains to the MSP roots and signatures, as a Fabric peer accepts them."""

from __future__ import annotations

import dataclasses
import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from fabric_protos.common import common_pb2

from fabricsim.blocks import sign
from fabricsim.consortium import NOT_BEFORE, Consortium, _name, issue
from tests.verify.verify_chain import Journey
from tests.verify.verify_tamper import P256_ORDER
from tracker.ledger.blocks import decode_block
from tracker.verify.channel import ChannelMembers, MspInfo, members_of_envelope
from tracker.verify.envelope import parse_envelope
from tracker.verify.signatures import (
    check_certificate,
    check_creator,
    check_endorsement,
    check_signature,
    check_signed_by,
)

AT = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)


def members(journey: Journey) -> ChannelMembers:
    return members_of_envelope(parse_envelope(journey.blocks[0].data.data[0]))


def test_members_chain_to_their_roots(journey: Journey, consortium: Consortium) -> None:
    msps = members(journey)
    assert check_certificate(consortium.dispatcher.pair.cert_pem, msps["ProducerMSP"], AT) is None
    # CarrierMSP issues through its intermediate CA.
    assert check_certificate(consortium.scanner.pair.cert_pem, msps["CarrierMSP"], AT) is None


def test_wrong_root_missing_intermediate_and_wrong_time(
    journey: Journey, consortium: Consortium
) -> None:
    msps = members(journey)
    producer, carrier = msps["ProducerMSP"], msps["CarrierMSP"]
    outsider = consortium.outsider.pair.cert_pem
    assert (
        check_certificate(outsider, producer, AT)
        == "certificate does not chain to a root of ProducerMSP"
    )
    no_intermediate = dataclasses.replace(carrier, intermediate_certs=())
    scanner = consortium.scanner.pair.cert_pem
    assert "does not chain" in (check_certificate(scanner, no_intermediate, AT) or "")
    before = NOT_BEFORE - dt.timedelta(days=1)
    assert "not valid at 2024-12-31" in (check_certificate(scanner, carrier, before) or "")
    assert (
        check_certificate(b"not a certificate", carrier, AT)
        == "identity is not a PEM X.509 certificate"
    )


def test_ca_certificates_and_identities_without_node_ou(
    journey: Journey, consortium: Consortium
) -> None:
    producer = members(journey)["ProducerMSP"]
    root = consortium.producer.root.cert_pem
    assert check_certificate(root, producer, AT) == "a CA certificate cannot sign as an identity"
    bare = issue(_name("producer.example.com", "nobody"), consortium.producer.root)
    assert "node OU roles [], need one" in (check_certificate(bare.cert_pem, producer, AT) or "")
    without_ous = dataclasses.replace(producer, node_ous=None)
    assert check_certificate(bare.cert_pem, without_ous, AT) is None


def test_revoked_certificates_are_refused(journey: Journey, consortium: Consortium) -> None:
    producer = members(journey)["ProducerMSP"]
    ca, victim = consortium.producer.root, consortium.dispatcher.pair.cert
    revoked = (
        x509.RevokedCertificateBuilder()
        .serial_number(victim.serial_number)
        .revocation_date(NOT_BEFORE)
        .build()
    )
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(NOT_BEFORE)
        .next_update(NOT_BEFORE + dt.timedelta(days=3650))
        .add_revoked_certificate(revoked)
        .sign(ca.key, hashes.SHA256())
    )
    pem = crl.public_bytes(serialization.Encoding.PEM)
    with_crl = dataclasses.replace(producer, revocation_list=(pem,))
    problem = check_certificate(victim.public_bytes(serialization.Encoding.PEM), with_crl, AT)
    assert problem == f"certificate serial {victim.serial_number:x} is revoked"
    # A CRL signed by another CA revokes nothing.
    forged = crl_signed_by_other(consortium, victim.serial_number, ca.cert.subject)
    other = dataclasses.replace(producer, revocation_list=(forged,))
    assert check_certificate(consortium.dispatcher.pair.cert_pem, other, AT) is None


def crl_signed_by_other(consortium: Consortium, serial: int, issuer: x509.Name) -> bytes:
    revoked = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(NOT_BEFORE)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer)
        .last_update(NOT_BEFORE)
        .next_update(NOT_BEFORE + dt.timedelta(days=3650))
        .add_revoked_certificate(revoked.build())
        .sign(consortium.retailer.root.key, hashes.SHA256())
    )
    return crl.public_bytes(serialization.Encoding.PEM)


def test_signatures_low_s_only(consortium: Consortium) -> None:
    member = consortium.receiver
    cert = member.pair.cert_pem
    signature = sign(member, b"message")
    assert check_signature(cert, b"message", signature) is None
    r, s = decode_dss_signature(signature)
    high = encode_dss_signature(r, P256_ORDER - s)
    assert (
        check_signature(cert, b"message", high)
        == "high-S ECDSA signature (Fabric accepts only low-S)"
    )
    assert check_signature(cert, b"other", signature) == "signature does not verify"
    assert check_signature(cert, b"message", b"junk") == "signature is not DER-encoded ECDSA"


def test_signed_by_names_the_msp(journey: Journey, consortium: Consortium) -> None:
    msps: dict[str, MspInfo] = dict(members(journey))
    peer = consortium.peers["CarrierMSP"]
    good = sign(peer, b"m")
    assert check_signed_by(peer.serialized, b"m", good, msps, AT) is None
    assert (
        check_signed_by(peer.serialized, b"x", good, msps, AT)
        == "CarrierMSP signature does not verify"
    )
    del msps["CarrierMSP"]
    assert "'CarrierMSP' is not an X.509 member" in (
        check_signed_by(peer.serialized, b"m", good, msps, AT) or ""
    )
    assert "not a SerializedIdentity" in (check_signed_by(b"\xff\xff", b"m", good, msps, AT) or "")


def test_decoded_transactions_carry_the_signed_bytes(journey: Journey) -> None:
    # The chain walk checks signatures on decode_block's output: no second decoding.
    block = journey.blocks[2]
    [tx, _] = decode_block(block).transactions
    envelope = common_pb2.Envelope.FromString(block.data.data[0])
    assert (tx.payload, tx.signature) == (envelope.payload, envelope.signature)
    header = common_pb2.Payload.FromString(envelope.payload).header
    signature_header = common_pb2.SignatureHeader.FromString(header.signature_header)
    assert (tx.creator, tx.nonce) == (signature_header.creator, signature_header.nonce)
    msps = members(journey)
    assert check_creator(tx, msps) is None
    assert [e.msp_id for e in tx.endorsements] == ["ProducerMSP", "CarrierMSP"]
    for endorsement in tx.endorsements:
        assert check_endorsement(endorsement, msps, tx.timestamp) is None
    alone = parse_envelope(block.data.data[0])  # the same parts, outside any block
    assert (alone.payload, alone.endorsements) == (tx.payload, tx.endorsements)
    assert alone.validation_code == "NOT_VALIDATED"
