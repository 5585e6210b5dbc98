"""Identities and single envelopes for the signature checks.

The signed parts of a transaction (the payload bytes the creator signed, its signature, the
nonce, each endorsement's proposal_response_payload with the endorser's identity) come with
`tracker.ledger.blocks.DecodedTransaction`, so a block is decoded once for the read model's
facts and the signature checks alike.
"""

from __future__ import annotations

from fabric_protos.msp import identities_pb2
from fabric_protos.peer import transaction_pb2
from google.protobuf.message import DecodeError

from tracker.ledger.blocks import DecodedTransaction, decode_transaction
from tracker.ledger.identity import Identity


class EnvelopeError(ValueError):
    """An envelope, or one of its nested messages, is not well-formed."""


def parse_identity(serialized: bytes) -> Identity:
    """Decode an msp.SerializedIdentity."""
    try:
        identity = identities_pb2.SerializedIdentity.FromString(serialized)
    except DecodeError as error:
        raise EnvelopeError(f"identity is not a SerializedIdentity: {error}") from None
    return Identity(str(identity.mspid), bytes(identity.id_bytes))


def parse_envelope(envelope_bytes: bytes) -> DecodedTransaction:
    """One envelope on its own, outside any block (not validated: NOT_VALIDATED)."""
    try:
        return decode_transaction(
            envelope_bytes, index=0, block_number=-1, validation_code=transaction_pb2.NOT_VALIDATED
        )
    except DecodeError as error:
        raise EnvelopeError(str(error)) from None
