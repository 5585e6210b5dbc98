"""Ways to alter a chain for the negative tests; each returns new blocks, never edits in place."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from fabric_protos.common import common_pb2
from fabric_protos.peer import transaction_pb2

from fabricsim.blocks import relink, sign
from fabricsim.consortium import Member

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def copy(blocks: list[Any]) -> list[Any]:
    """Deep copies of the blocks."""
    copies = []
    for block in blocks:
        clone = common_pb2.Block()
        clone.CopyFrom(block)
        copies.append(clone)
    return copies


def replace_envelope(
    blocks: list[Any], number: int, index: int, envelope: bytes, orderer: Member
) -> list[Any]:
    """The chain with one envelope replaced, hashes recomputed and blocks re-signed by the
    orderer, so only the envelope is wrong."""
    changed = copy(blocks)
    changed[number].data.data[index] = envelope
    return relink(changed, orderer)


def high_s(envelope_bytes: bytes) -> bytes:
    """The same envelope with the creator's signature as (r, n - s): valid ECDSA, high-S."""
    envelope = common_pb2.Envelope.FromString(envelope_bytes)
    r, s = decode_dss_signature(envelope.signature)
    envelope.signature = encode_dss_signature(r, P256_ORDER - s)
    return bytes(envelope.SerializeToString())


def forge_endorsement(envelope_bytes: bytes, creator: Member, forger: Member) -> bytes:
    """Endorsement 0 replaced by `forger`'s signature over other bytes; creator re-signs."""
    envelope = common_pb2.Envelope.FromString(envelope_bytes)
    payload = common_pb2.Payload.FromString(envelope.payload)
    tx = transaction_pb2.Transaction.FromString(payload.data)
    action = transaction_pb2.ChaincodeActionPayload.FromString(tx.actions[0].payload)
    action.action.endorsements[0].signature = sign(forger, b"a different response payload")
    tx.actions[0].payload = action.SerializeToString()
    payload.data = tx.SerializeToString()
    envelope.payload = payload.SerializeToString()
    envelope.signature = sign(creator, envelope.payload)
    return bytes(envelope.SerializeToString())
