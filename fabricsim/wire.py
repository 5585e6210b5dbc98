"""Wire-level helpers for the ledger tests: peer-style signature checks, status encoding,
and hand-built endorsed transactions and blocks (independent of tracker.ledger)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.ledger.rwset import rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import (
    chaincode_event_pb2,
    chaincode_pb2,
    proposal_pb2,
    proposal_response_pb2,
    transaction_pb2,
)
from google.protobuf import any_pb2

from tracker.ledger.blocks import block_header_hash
from tracker.ledger.identity import normalize_low_s

P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
PEER_ADDRESS = "peer0.org1.example.com:7051"


class Rejected(Exception):
    """A check a real peer makes failed."""


def verify_like_peer(creator: bytes, message: bytes, signature: bytes) -> None:
    """Verify an ECDSA-SHA256 signature by the creator's cert; refuse high-S like Fabric."""
    identity = identities_pb2.SerializedIdentity.FromString(creator)
    public_key = x509.load_pem_x509_certificate(identity.id_bytes).public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    _, s = decode_dss_signature(signature)
    if s > P256_N // 2:
        raise Rejected("invalid signature: high-S (non-canonical) ECDSA signature")
    try:
        public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise Rejected("invalid signature: verification failed") from error


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _len_field(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def encode_rpc_status(code: int, message: str, details: list[Any]) -> bytes:
    """Hand-encode a google.rpc.Status{code=1, message=2, details=3 (Any)} on the wire."""
    out = _varint(1 << 3) + _varint(code) + _len_field(2, message.encode())
    for detail in details:
        packed = any_pb2.Any()
        packed.Pack(detail)
        out += _len_field(3, packed.SerializeToString())
    return out


def error_detail(message: str, msp_id: str = "Org1MSP", address: str = PEER_ADDRESS) -> Any:
    """A gateway.ErrorDetail protobuf."""
    return gateway_pb2.ErrorDetail(address=address, msp_id=msp_id, message=message)


@dataclass
class Outcome:
    """What the fake chaincode does for one call."""

    result: bytes = b""
    writes: list[tuple[str, bytes, bool]] = field(default_factory=list)
    event: tuple[str, bytes] | None = None


class ChaincodeRefusal(Exception):
    """Raised by a fake chaincode function: the chaincode returned status 500 with a message."""


@dataclass
class Endorser:
    """The fake peer's own signing identity, used for endorsements."""

    msp_id: str
    cert_pem: bytes
    key: ec.EllipticCurvePrivateKey

    @property
    def serialized(self) -> bytes:
        """Serialized msp.SerializedIdentity of the peer."""
        return bytes(
            identities_pb2.SerializedIdentity(
                mspid=self.msp_id, id_bytes=self.cert_pem
            ).SerializeToString()
        )

    def endorse(self, response_payload: bytes) -> Any:
        """An Endorsement: signature over proposal_response_payload || endorser."""
        # Low-S, as every Fabric peer's BCCSP signs (verifiers refuse high-S).
        signature = normalize_low_s(
            self.key.sign(response_payload + self.serialized, ec.ECDSA(hashes.SHA256()))
        )
        return proposal_response_pb2.Endorsement(endorser=self.serialized, signature=signature)


# One endorser, or several (each endorses the same response payload).
Endorsers = Endorser | Sequence[Endorser]


def chaincode_action_payload(
    *, chaincode: str, tx_id: str, cpp: bytes, outcome: Outcome, endorser: Endorsers
) -> bytes:
    """ChaincodeActionPayload with rw-set writes, event, result and an endorsement by each
    endorser."""
    endorsers = [endorser] if isinstance(endorser, Endorser) else list(endorser)
    kv = kv_rwset_pb2.KVRWSet(
        writes=[kv_rwset_pb2.KVWrite(key=k, value=v, is_delete=d) for k, v, d in outcome.writes]
    )
    rwset = rwset_pb2.TxReadWriteSet(
        data_model=rwset_pb2.TxReadWriteSet.KV,
        ns_rwset=[rwset_pb2.NsReadWriteSet(namespace=chaincode, rwset=kv.SerializeToString())],
    )
    event = b""
    if outcome.event:
        event = chaincode_event_pb2.ChaincodeEvent(
            chaincode_id=chaincode,
            tx_id=tx_id,
            event_name=outcome.event[0],
            payload=outcome.event[1],
        ).SerializeToString()
    action = proposal_pb2.ChaincodeAction(
        results=rwset.SerializeToString(),
        events=event,
        response=proposal_response_pb2.Response(status=200, payload=outcome.result),
        chaincode_id=chaincode_pb2.ChaincodeID(name=chaincode, version="1.0"),
    )
    response_payload = proposal_response_pb2.ProposalResponsePayload(
        proposal_hash=hashlib.sha256(cpp).digest(), extension=action.SerializeToString()
    ).SerializeToString()
    payload = transaction_pb2.ChaincodeActionPayload(
        chaincode_proposal_payload=cpp,
        action=transaction_pb2.ChaincodeEndorsedAction(
            proposal_response_payload=response_payload,
            endorsements=[each.endorse(response_payload) for each in endorsers],
        ),
    ).SerializeToString()
    return bytes(payload)


def endorsed_envelope(
    *,
    client_key: ec.EllipticCurvePrivateKey,
    creator: bytes,
    channel: str,
    chaincode: str,
    nonce: bytes,
    outcome: Outcome,
    endorser: Endorsers,
    seconds: int,
    tx_id: str | None = None,
) -> bytes:
    """A signed endorser-transaction envelope, as it would appear in a block: signed low-S by
    the creator's key, endorsed by one endorser or several.

    `tx_id` overrides the derived id, for chains replayed from a simulated chaincode run.
    """
    tx_id = tx_id or hashlib.sha256(nonce + creator).hexdigest()
    extension = proposal_pb2.ChaincodeHeaderExtension(
        chaincode_id=chaincode_pb2.ChaincodeID(name=chaincode)
    )
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.ENDORSER_TRANSACTION,
        channel_id=channel,
        tx_id=tx_id,
        extension=extension.SerializeToString(),
    )
    channel_header.timestamp.seconds = seconds
    signature_header = common_pb2.SignatureHeader(creator=creator, nonce=nonce).SerializeToString()
    cap = chaincode_action_payload(
        chaincode=chaincode, tx_id=tx_id, cpp=b"", outcome=outcome, endorser=endorser
    )
    tx = transaction_pb2.Transaction(
        actions=[transaction_pb2.TransactionAction(header=signature_header, payload=cap)]
    )
    payload = common_pb2.Payload(
        header=common_pb2.Header(
            channel_header=channel_header.SerializeToString(), signature_header=signature_header
        ),
        data=tx.SerializeToString(),
    ).SerializeToString()
    signature = normalize_low_s(client_key.sign(payload, ec.ECDSA(hashes.SHA256())))
    return bytes(common_pb2.Envelope(payload=payload, signature=signature).SerializeToString())


def make_block(number: int, previous_hash: bytes, envelopes: list[bytes], flags: bytes) -> Any:
    """A common.Block with data hash set and the TRANSACTIONS_FILTER metadata filled in."""
    block = common_pb2.Block()
    block.header.number = number
    block.header.previous_hash = previous_hash
    block.header.data_hash = hashlib.sha256(b"".join(envelopes)).digest()
    block.data.data.extend(envelopes)
    metadata = [b""] * 5
    metadata[common_pb2.TRANSACTIONS_FILTER] = flags
    block.metadata.metadata.extend(metadata)
    return block


def next_block(chain: Sequence[Any], envelopes: list[bytes], flags: Sequence[int] = ()) -> Any:
    """The block after `chain`: numbered after it and linked to its last header by hash (block 0
    when it is empty); every transaction VALID unless `flags` gives the validation codes."""
    previous = block_header_hash(chain[-1].header) if chain else b""
    codes = bytes(flags) if flags else bytes(len(envelopes))  # 0 is VALID
    return make_block(len(chain), previous, envelopes, codes)
