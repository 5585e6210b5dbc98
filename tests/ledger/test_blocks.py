"""Full block decoding and Fabric's header / data hashes."""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime

import pytest
from fabric_protos.common import common_pb2
from fabric_protos.peer import transaction_pb2

from fabricsim.pki import MSP_ID, SimPki
from fabricsim.wire import Endorser, Outcome, endorsed_envelope, make_block
from tracker.ledger.blocks import (
    BlockDecodeError,
    ChaincodeEvent,
    Endorsement,
    Write,
    block_header_bytes,
    decode_block,
)
from tracker.ledger.identity import Identity


def _der_header(number_der: bytes, previous: bytes, data: bytes) -> bytes:
    # Built by hand from X.690: SEQUENCE(0x30) of INTEGER(0x02), OCTET STRING(0x04) x2.
    body = number_der + bytes([0x04, len(previous)]) + previous + bytes([0x04, len(data)]) + data
    return bytes([0x30, len(body)]) + body


@pytest.mark.parametrize(
    ("number", "number_der"),
    [
        (0, b"\x02\x01\x00"),
        (127, b"\x02\x01\x7f"),
        (128, b"\x02\x02\x00\x80"),
        (256, b"\x02\x02\x01\x00"),
        (2**63, b"\x02\x09\x00\x80\x00\x00\x00\x00\x00\x00\x00"),
    ],
)
def test_header_der_matches_hand_encoding(number: int, number_der: bytes) -> None:
    header = common_pb2.BlockHeader(number=number, previous_hash=b"\x01" * 32, data_hash=b"")
    assert block_header_bytes(header) == _der_header(number_der, b"\x01" * 32, b"")


def test_decode_block_with_valid_and_invalid_transactions(
    pki: SimPki, identity: Identity, endorser: Endorser
) -> None:
    envelope = functools.partial(
        endorsed_envelope,
        client_key=pki.client.key,
        creator=identity.creator,
        channel="supplychain",
        chaincode="provenance",
        endorser=endorser,
    )
    first = envelope(
        nonce=b"a" * 24,
        outcome=Outcome(
            result=b"ok",
            writes=[("SHP-1", b'{"state":"IN_TRANSIT"}', False), ("LOCK-1", b"", True)],
            event=("ShipmentMoved", b'{"id":"SHP-1"}'),
        ),
        seconds=1_700_000_000,
    )
    second = envelope(
        nonce=b"b" * 24,
        outcome=Outcome(writes=[("SHP-1", b'{"state":"DELIVERED"}', False)]),
        seconds=1_700_000_001,
    )
    flags = bytes([transaction_pb2.VALID, transaction_pb2.MVCC_READ_CONFLICT])
    previous = hashlib.sha256(b"block 6").digest()
    block = make_block(7, previous, [first, second], flags)

    decoded = decode_block(block)

    expected_data_hash = hashlib.sha256(first + second).digest()
    expected_header_hash = hashlib.sha256(
        _der_header(b"\x02\x01\x07", previous, expected_data_hash)
    ).digest()
    assert decoded.number == 7
    assert decoded.previous_hash == previous
    assert decoded.data_hash == decoded.computed_data_hash == expected_data_hash
    assert decoded.data_hash_matches
    assert decoded.header_hash == expected_header_hash

    tx1, tx2 = decoded.transactions
    assert tx1.tx_id == hashlib.sha256(b"a" * 24 + identity.creator).hexdigest()
    assert tx1.header_type == common_pb2.ENDORSER_TRANSACTION
    assert tx1.channel_id == "supplychain"
    assert tx1.timestamp == datetime.fromtimestamp(1_700_000_000, UTC)
    assert (tx1.creator_msp_id, tx1.creator_cert_pem) == (MSP_ID, pki.client.cert_pem)
    assert tx1.validation_code == "VALID" and tx1.is_valid
    assert tx1.chaincode_name == "provenance"
    assert tx1.writes == (
        Write("provenance", "SHP-1", b'{"state":"IN_TRANSIT"}', False),
        Write("provenance", "LOCK-1", b"", True),
    )
    assert tx1.event == ChaincodeEvent(
        7, tx1.tx_id, "provenance", "ShipmentMoved", b'{"id":"SHP-1"}'
    )
    assert len(tx1.endorsements) == 1
    assert isinstance(tx1.endorsements[0], Endorsement)
    assert tx1.endorsements[0].msp_id == MSP_ID
    assert tx1.endorsements[0].signature

    assert tx2.validation_code == "MVCC_READ_CONFLICT" and not tx2.is_valid
    assert tx2.event is None
    assert tx2.writes == (Write("provenance", "SHP-1", b'{"state":"DELIVERED"}', False),)


def test_tampered_data_is_detected(pki: SimPki, identity: Identity, endorser: Endorser) -> None:
    envelope = endorsed_envelope(
        client_key=pki.client.key,
        creator=identity.creator,
        channel="c",
        chaincode="cc",
        endorser=endorser,
        nonce=b"c" * 24,
        outcome=Outcome(),
        seconds=1,
    )
    block = make_block(1, b"", [envelope], b"")
    block.data.data[0] = envelope + b"\x1a\x00"  # an extra (unknown, empty) field
    decoded = decode_block(block)
    assert not decoded.data_hash_matches
    # No TRANSACTIONS_FILTER entry yet (e.g. a block not validated by this peer).
    assert decoded.transactions[0].validation_code == "NOT_VALIDATED"


def test_garbage_envelope_raises_block_decode_error() -> None:
    block = make_block(3, b"", [b"\x00\x01garbage"], b"\x00")
    with pytest.raises(BlockDecodeError, match="block 3, transaction 0"):
        decode_block(block)
