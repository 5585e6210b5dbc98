"""Decode a full ``common.Block`` into frozen dataclasses, and compute Fabric's block hashes.

Hash definitions follow Fabric's protoutil/blockutils.go: the header hash is SHA-256 of the
ASN.1 DER ``SEQUENCE { number INTEGER, previous_hash OCTET STRING, data_hash OCTET STRING }``
and the data hash is SHA-256 of the block's envelope bytes concatenated in order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fabric_protos.common import common_pb2
from fabric_protos.ledger.rwset import rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import (
    chaincode_event_pb2,
    proposal_pb2,
    proposal_response_pb2,
    transaction_pb2,
)
from google.protobuf.message import DecodeError

from tracker.ledger._protos import Proto


class BlockDecodeError(ValueError):
    """A block or one of its envelopes is not well-formed protobuf of the expected type."""


@dataclass(frozen=True)
class Write:
    """One key written (or deleted) by a transaction in a chaincode namespace."""

    namespace: str
    key: str
    value: bytes
    is_delete: bool


@dataclass(frozen=True)
class ChaincodeEvent:
    """An event emitted by chaincode (from a block or the Gateway's event stream)."""

    block_number: int
    tx_id: str
    chaincode_name: str
    event_name: str
    payload: bytes


@dataclass(frozen=True)
class Endorsement:
    """An endorsing peer's MSP id and its signature over the proposal response."""

    msp_id: str
    signature: bytes
    endorser: bytes = b""  # the serialized msp.SerializedIdentity, as signed
    response_payload: bytes = b""  # the action's proposal_response_payload

    @property
    def signed_bytes(self) -> bytes:
        """Fabric's endorsement message: proposal_response_payload || endorser."""
        return self.response_payload + self.endorser


@dataclass(frozen=True)
class DecodedTransaction:
    """One envelope of a block, decoded."""

    index: int
    tx_id: str
    header_type: int
    channel_id: str
    timestamp: datetime
    creator_msp_id: str
    creator_cert_pem: bytes
    validation_code: str
    chaincode_name: str | None
    writes: tuple[Write, ...]
    event: ChaincodeEvent | None
    endorsements: tuple[Endorsement, ...]
    # The signed parts as they travel, for re-checking signatures without decoding again.
    payload: bytes = b""  # Envelope.payload: what the creator signed
    signature: bytes = b""  # Envelope.signature
    payload_data: bytes = b""  # Payload.data: the Transaction, or a CONFIG's ConfigEnvelope
    creator: bytes = b""  # SignatureHeader.creator: the serialized identity
    nonce: bytes = b""  # SignatureHeader.nonce; tx_id is SHA-256(nonce || creator)

    @property
    def is_valid(self) -> bool:
        """Whether the committer marked the transaction VALID."""
        return self.validation_code == "VALID"


@dataclass(frozen=True)
class DecodedBlock:
    """A block's header, its recomputed hashes and its decoded transactions."""

    number: int
    previous_hash: bytes
    data_hash: bytes
    header_hash: bytes
    computed_data_hash: bytes
    transactions: tuple[DecodedTransaction, ...]

    @property
    def data_hash_matches(self) -> bool:
        """Whether the header's data hash matches the envelopes actually present."""
        return self.data_hash == self.computed_data_hash


def validation_code_name(code: int) -> str:
    """TxValidationCode name for a numeric code, tolerant of codes newer than our protos."""
    try:
        return str(transaction_pb2.TxValidationCode.Name(code))
    except ValueError:
        return f"UNKNOWN_{code}"


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def _der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(content)) + content


def _der_unsigned_integer(value: int) -> bytes:
    # Minimal two's complement; one extra byte keeps a set high bit from reading as negative.
    content = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return _der(0x02, content)


def block_header_bytes(header: Proto) -> bytes:
    """ASN.1 DER encoding of the header, as protoutil.BlockHeaderBytes produces."""
    body = (
        _der_unsigned_integer(header.number)
        + _der(0x04, bytes(header.previous_hash))
        + _der(0x04, bytes(header.data_hash))
    )
    return _der(0x30, body)


def block_header_hash(header: Proto) -> bytes:
    """SHA-256 of the DER header: the next block's previous_hash."""
    return hashlib.sha256(block_header_bytes(header)).digest()


def block_data_hash(data: Proto) -> bytes:
    """SHA-256 of the concatenated envelope bytes (Fabric v2+ BlockDataHash)."""
    return hashlib.sha256(b"".join(data.data)).digest()


def _transaction_filter(block: Proto) -> bytes:
    metadata = block.metadata.metadata
    index = common_pb2.TRANSACTIONS_FILTER
    # The committer stores the filter as raw bytes, one TxValidationCode per envelope.
    return bytes(metadata[index]) if len(metadata) > index else b""


def _kv_writes(results: bytes) -> list[Write]:
    writes: list[Write] = []
    for ns in rwset_pb2.TxReadWriteSet.FromString(results).ns_rwset:
        kv = kv_rwset_pb2.KVRWSet.FromString(ns.rwset)
        writes.extend(Write(ns.namespace, w.key, bytes(w.value), w.is_delete) for w in kv.writes)
    return writes


def _endorsements(action: Proto) -> list[Endorsement]:
    found = []
    # Every endorser of an action signs the same response payload, byte for byte.
    response = bytes(action.proposal_response_payload)
    for endorsement in action.endorsements:
        serialized = bytes(endorsement.endorser)
        endorser = identities_pb2.SerializedIdentity.FromString(serialized)
        signature = bytes(endorsement.signature)
        found.append(Endorsement(endorser.mspid, signature, serialized, response))
    return found


@dataclass
class _Actions:
    chaincode_name: str | None = None
    event: ChaincodeEvent | None = None
    writes: list[Write] = field(default_factory=list)
    endorsements: list[Endorsement] = field(default_factory=list)


def _decode_actions(data: bytes, block_number: int) -> _Actions:
    found = _Actions()
    for tx_action in transaction_pb2.Transaction.FromString(data).actions:
        action_payload = transaction_pb2.ChaincodeActionPayload.FromString(tx_action.payload)
        response_payload = proposal_response_pb2.ProposalResponsePayload.FromString(
            action_payload.action.proposal_response_payload
        )
        cc_action = proposal_pb2.ChaincodeAction.FromString(response_payload.extension)
        found.chaincode_name = found.chaincode_name or cc_action.chaincode_id.name or None
        found.writes.extend(_kv_writes(cc_action.results))
        found.endorsements.extend(_endorsements(action_payload.action))
        if cc_action.events and found.event is None:
            ev = chaincode_event_pb2.ChaincodeEvent.FromString(cc_action.events)
            found.event = ChaincodeEvent(
                block_number, ev.tx_id, ev.chaincode_id, ev.event_name, bytes(ev.payload)
            )
    return found


def _header_chaincode(channel_header: Proto) -> str | None:
    if channel_header.type != common_pb2.ENDORSER_TRANSACTION:
        return None
    ext = proposal_pb2.ChaincodeHeaderExtension.FromString(channel_header.extension)
    return ext.chaincode_id.name or None


def decode_transaction(
    envelope_bytes: bytes, *, index: int, block_number: int, validation_code: int
) -> DecodedTransaction:
    """Decode one block envelope (header, creator, rw-set writes, event, endorsements)."""
    envelope = common_pb2.Envelope.FromString(envelope_bytes)
    payload = common_pb2.Payload.FromString(envelope.payload)
    channel_header = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
    signature_header = common_pb2.SignatureHeader.FromString(payload.header.signature_header)
    creator = identities_pb2.SerializedIdentity.FromString(signature_header.creator)
    actions = _Actions()
    if channel_header.type == common_pb2.ENDORSER_TRANSACTION:
        actions = _decode_actions(payload.data, block_number)
    return DecodedTransaction(
        index=index,
        tx_id=channel_header.tx_id,
        header_type=channel_header.type,
        channel_id=channel_header.channel_id,
        timestamp=channel_header.timestamp.ToDatetime(tzinfo=UTC),
        creator_msp_id=creator.mspid,
        creator_cert_pem=bytes(creator.id_bytes),
        validation_code=validation_code_name(validation_code),
        chaincode_name=actions.chaincode_name or _header_chaincode(channel_header),
        writes=tuple(actions.writes),
        event=actions.event,
        endorsements=tuple(actions.endorsements),
        payload=bytes(envelope.payload),
        signature=bytes(envelope.signature),
        payload_data=bytes(payload.data),
        creator=bytes(signature_header.creator),
        nonce=bytes(signature_header.nonce),
    )


def decode_block(block: Proto) -> DecodedBlock:
    """Decode a full block; transactions missing from the filter count as NOT_VALIDATED."""
    flags = _transaction_filter(block)
    number = block.header.number
    transactions = []
    for i, envelope in enumerate(block.data.data):
        code = flags[i] if i < len(flags) else transaction_pb2.NOT_VALIDATED
        try:
            tx = decode_transaction(envelope, index=i, block_number=number, validation_code=code)
        except DecodeError as error:
            raise BlockDecodeError(f"block {number}, transaction {i}: {error}") from error
        transactions.append(tx)
    return DecodedBlock(
        number=number,
        previous_hash=bytes(block.header.previous_hash),
        data_hash=bytes(block.header.data_hash),
        header_hash=block_header_hash(block.header),
        computed_data_hash=block_data_hash(block.data),
        transactions=tuple(transactions),
    )
