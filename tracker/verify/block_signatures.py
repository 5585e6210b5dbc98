"""The ordering service's signatures on a block, checked as Fabric's BlockSignatureVerifier does.

Block metadata SIGNATURES is a common.Metadata{value, signatures}. Each MetadataSignature signs
`value ‖ signature_header ‖ ASN.1 block header` (protoutil.BlockSignatureVerifier; the orderer's
blockwriter signs the same concatenation), the signer being the header's creator; with BFT in
Fabric 3 a signature may carry an identifier_header instead, `value ‖ identifier_header ‖
header` being signed by the consenter with that id. A signer must be an orderer node (node OU
"orderer" when the MSP enables node OUs) of an organisation of the channel's Orderer group,
chained to that organisation's roots; how many valid signatures a block needs comes from
ordering.py. Every signature present must verify: an orderer never writes a bad one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fabric_protos.common import common_pb2
from fabric_protos.msp import identities_pb2
from google.protobuf.message import DecodeError

from tracker.ledger._protos import Proto
from tracker.ledger.blocks import block_header_bytes
from tracker.verify.channel import ChannelMembers
from tracker.verify.envelope import EnvelopeError, parse_identity
from tracker.verify.signatures import check_signed_by, node_roles

ORDERER_ROLE = "orderer"


@dataclass(frozen=True)
class BlockSignatures:
    """What a block's orderer signatures came to: how many were checked, and what is wrong."""

    checked: int
    problems: tuple[str, ...]


@dataclass(frozen=True)
class _Signed:
    """One signature with the identity it claims and the exact bytes it must cover."""

    identity: bytes
    message: bytes
    signature: bytes


def signed_bytes(value: bytes, header: bytes, block_header: Proto) -> bytes:
    """What an orderer signs: metadata value ‖ signature (or identifier) header ‖ DER header."""
    return value + header + block_header_bytes(block_header)


def _metadata(block: Proto) -> Proto:
    metadata = block.metadata.metadata
    index = common_pb2.SIGNATURES
    raw = bytes(metadata[index]) if len(metadata) > index else b""
    return common_pb2.Metadata.FromString(raw)


def _claim(signature: Proto, value: bytes, block: Proto, members: ChannelMembers) -> _Signed | str:
    """Who the signature says signed, and over what; or why that cannot be known."""
    ordering, header = members.ordering, bytes(signature.signature_header)
    message = signed_bytes(value, header, block.header)
    if header:
        creator = common_pb2.SignatureHeader.FromString(header).creator
        return _Signed(bytes(creator), message, bytes(signature.signature))
    identifier = bytes(signature.identifier_header)
    if not (identifier and ordering.is_bft):
        return "carries no signature header"
    number = common_pb2.IdentifierHeader.FromString(identifier).identifier
    consenter = ordering.consenter(number)
    if consenter is None:
        return f"consenter id {number} is not in the channel's consenter set"
    identity = identities_pb2.SerializedIdentity(
        mspid=consenter.msp_id, id_bytes=consenter.identity
    )
    message = signed_bytes(value, identifier, block.header)
    return _Signed(bytes(identity.SerializeToString()), message, bytes(signature.signature))


def _signer(signed: _Signed, members: ChannelMembers, at: datetime) -> tuple[str, bytes]:
    """The valid signer's MSP id and certificate; raises ValueError naming the problem."""
    identity = parse_identity(signed.identity)
    ordering = members.ordering
    if identity.msp_id not in ordering.msp_ids:
        raise ValueError(f"{identity.msp_id} is not an organisation of the Orderer group")
    problem = check_signed_by(signed.identity, signed.message, signed.signature, members, at)
    if problem is not None:
        raise ValueError(problem)
    roles = node_roles(identity.cert_pem, members[identity.msp_id])
    if roles is not None and roles != (ORDERER_ROLE,):
        raise ValueError(f"{identity.msp_id} signer is not an orderer node (node OU {list(roles)})")
    signer = (identity.msp_id, identity.cert_pem)
    if ordering.is_bft and all((c.msp_id, c.identity) != signer for c in ordering.consenters):
        raise ValueError(f"{identity.msp_id} signer is not one of the channel's consenters")
    return signer


def _shortfall(valid: int, members: ChannelMembers, present: int) -> str | None:
    ordering = members.ordering
    if valid >= ordering.required:
        return None
    kind = ordering.consensus_type or "the ordering service"
    if ordering.is_bft:
        return f"{valid} valid consenter signatures; BFT needs {ordering.required}"
    if present == 0:
        return f"carries no orderer signature; {kind} needs one valid orderer signature"
    return f"no valid orderer signature; {kind} needs one"


def check_block_signatures(
    block: Proto, members: ChannelMembers, at: datetime | None
) -> BlockSignatures:
    """Check every orderer signature of a block against the configuration in force before it."""
    try:
        metadata = _metadata(block)
    except DecodeError as error:
        return BlockSignatures(0, (f"SIGNATURES metadata is not a common.Metadata: {error}",))
    problems: list[str] = []
    signers: set[tuple[str, bytes]] = set()
    for i, signature in enumerate(metadata.signatures):
        where = f"orderer signature {i}"
        try:
            claim = _claim(signature, bytes(metadata.value), block, members)
            if isinstance(claim, str):
                raise ValueError(claim)
            if at is None:
                raise ValueError("no transaction dates the block, so no certificate can be checked")
            signers.add(_signer(claim, members, at))
        except (ValueError, DecodeError, EnvelopeError) as error:
            problems.append(f"{where}: {error}")
    shortfall = _shortfall(len(signers), members, len(metadata.signatures))
    if shortfall is not None:
        problems.append(shortfall)
    return BlockSignatures(len(metadata.signatures), tuple(problems))
