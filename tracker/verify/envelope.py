"""The signed parts of a block envelope, decoded from the raw bytes.

`tracker.ledger.blocks.DecodedTransaction` keeps what the read model needs; signature checks
need more: the exact payload bytes the creator signed, its signature, the nonce, and each
endorsed action's proposal_response_payload with the endorsers' identities and signatures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.message import DecodeError

from tracker.ledger._protos import common_pb2, identities_pb2, transaction_pb2
from tracker.ledger.identity import Identity


class EnvelopeError(ValueError):
    """An envelope, or one of its nested messages, is not well-formed."""


@dataclass(frozen=True)
class RawEndorsement:
    """One endorsement: the serialized endorser identity, its signature, and what it signed."""

    endorser: bytes
    signature: bytes
    response_payload: bytes

    @property
    def signed_bytes(self) -> bytes:
        """Fabric's endorsement message: proposal_response_payload || endorser."""
        return self.response_payload + self.endorser


@dataclass(frozen=True)
class RawEnvelope:
    """An envelope's signed payload, creator signature and header facts."""

    payload: bytes
    signature: bytes
    data: bytes
    header_type: int
    channel_id: str
    tx_id: str
    timestamp: datetime
    creator: bytes
    nonce: bytes
    endorsements: tuple[RawEndorsement, ...]


def parse_identity(serialized: bytes) -> Identity:
    """Decode an msp.SerializedIdentity."""
    try:
        identity = identities_pb2.SerializedIdentity.FromString(serialized)
    except DecodeError as error:
        raise EnvelopeError(f"identity is not a SerializedIdentity: {error}") from None
    return Identity(str(identity.mspid), bytes(identity.id_bytes))


def _endorsements(data: bytes) -> tuple[RawEndorsement, ...]:
    found: list[RawEndorsement] = []
    for action in transaction_pb2.Transaction.FromString(data).actions:
        endorsed = transaction_pb2.ChaincodeActionPayload.FromString(action.payload).action
        # Every endorser of an action signs the same response payload, byte for byte.
        payload = bytes(endorsed.proposal_response_payload)
        found.extend(
            RawEndorsement(bytes(e.endorser), bytes(e.signature), payload)
            for e in endorsed.endorsements
        )
    return tuple(found)


def parse_envelope(envelope_bytes: bytes) -> RawEnvelope:
    """Decode an envelope down to its signed bytes and endorsements."""
    try:
        envelope = common_pb2.Envelope.FromString(envelope_bytes)
        payload = common_pb2.Payload.FromString(envelope.payload)
        channel_header = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
        signature_header = common_pb2.SignatureHeader.FromString(payload.header.signature_header)
        endorsements: tuple[RawEndorsement, ...] = ()
        if channel_header.type == common_pb2.ENDORSER_TRANSACTION:
            endorsements = _endorsements(payload.data)
    except DecodeError as error:
        raise EnvelopeError(str(error)) from None
    return RawEnvelope(
        payload=bytes(envelope.payload),
        signature=bytes(envelope.signature),
        data=bytes(payload.data),
        header_type=int(channel_header.type),
        channel_id=str(channel_header.channel_id),
        tx_id=str(channel_header.tx_id),
        timestamp=channel_header.timestamp.ToDatetime(tzinfo=UTC),
        creator=bytes(signature_header.creator),
        nonce=bytes(signature_header.nonce),
        endorsements=endorsements,
    )
