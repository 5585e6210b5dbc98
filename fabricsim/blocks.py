"""Fabric messages for the verification tests: a real CONFIG envelope carrying the orgs' MSP
configs and the ordering service, endorser transactions signed low-S by a creator and several
endorsing peers, and blocks signed by orderers as Fabric's blockwriter signs them."""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fabric_protos.common import common_pb2, configtx_pb2, configuration_pb2
from fabric_protos.msp import msp_config_pb2
from fabric_protos.orderer import configuration_pb2 as orderer_configuration_pb2

from fabricsim import wire
from fabricsim.consortium import Member, Org
from fabricsim.wire import make_block
from tracker.ledger.blocks import block_header_bytes, block_header_hash
from tracker.ledger.identity import normalize_low_s

CHANNEL, CHAINCODE = "supplychain", "provenance"
CONFIG_UPDATE_TIME = 1_795_000_000  # 2026-11-17, within the test certificates' validity


def sign(member: Member, message: bytes) -> bytes:
    """ECDSA-SHA256, low-S, as Fabric's BCCSP signs."""
    return normalize_low_s(member.pair.key.sign(message, ec.ECDSA(hashes.SHA256())))


def msp_value(org: Org) -> bytes:
    """The org group's "MSP" value: MSPConfig{type FABRIC, FabricMSPConfig with node OUs}."""

    def ou(unit: str) -> Any:
        return msp_config_pb2.FabricOUIdentifier(organizational_unit_identifier=unit)

    config = msp_config_pb2.FabricMSPConfig(
        name=org.msp_id,
        root_certs=[org.root.cert_pem],
        intermediate_certs=[org.intermediate.cert_pem] if org.intermediate else [],
        fabric_node_ous=msp_config_pb2.FabricNodeOUs(
            enable=True,
            client_ou_identifier=ou("client"),
            peer_ou_identifier=ou("peer"),
            admin_ou_identifier=ou("admin"),
            orderer_ou_identifier=ou("orderer"),
        ),
    )
    wrapper = msp_config_pb2.MSPConfig(type=0, config=config.SerializeToString())
    return bytes(wrapper.SerializeToString())


def _ordering(orderer: Any, consensus: str, consenters: dict[int, Member]) -> None:
    """The Orderer group's ConsensusType value and, for BFT, its consenter mapping."""
    kind = orderer_configuration_pb2.ConsensusType(type=consensus)
    orderer.values["ConsensusType"].value = kind.SerializeToString()
    if consenters:
        mapping = [
            configuration_pb2.Consenter(
                id=number,
                host=f"orderer{number}.example.com",
                port=7050,
                msp_id=member.msp_id,
                identity=member.pair.cert_pem,
            )
            for number, member in consenters.items()
        ]
        orderers = configuration_pb2.Orderers(consenter_mapping=mapping)
        orderer.values["Orderers"].value = orderers.SerializeToString()


def config_envelope(
    orgs: tuple[Org, ...],
    sequence: int = 0,
    signer: Member | None = None,
    *,
    consensus: str = "etcdraft",
    consenters: dict[int, Member] | None = None,
) -> bytes:
    """A CONFIG envelope: unsigned as configtxgen writes block 0, or signed by an orderer."""
    channel = configtx_pb2.ConfigGroup()
    for org in orgs:
        orderer_org = org.msp_id.startswith("Orderer")  # OrdererMSP, Orderer2MSP, …
        section = channel.groups["Orderer" if orderer_org else "Application"]
        group = section.groups[org.msp_id.removesuffix("MSP")]  # group key is the org name
        group.values["MSP"].value = msp_value(org)
    _ordering(channel.groups["Orderer"], consensus, consenters or {})
    envelope = configtx_pb2.ConfigEnvelope(
        config=configtx_pb2.Config(sequence=sequence, channel_group=channel)
    )
    header = common_pb2.ChannelHeader(type=common_pb2.CONFIG, channel_id=CHANNEL)
    signature_header = b""
    if signer is not None:
        header.timestamp.seconds = CONFIG_UPDATE_TIME  # the signer's certificate is checked then
        signature_header = common_pb2.SignatureHeader(
            creator=signer.serialized, nonce=b"n" * 24
        ).SerializeToString()
    payload = common_pb2.Payload(
        header=common_pb2.Header(
            channel_header=header.SerializeToString(), signature_header=signature_header
        ),
        data=envelope.SerializeToString(),
    ).SerializeToString()
    signature = sign(signer, payload) if signer is not None else b""
    return bytes(common_pb2.Envelope(payload=payload, signature=signature).SerializeToString())


def tx_id_for(creator: Member, nonce: bytes) -> str:
    """Fabric's transaction id: hex SHA-256 of nonce || serialized creator."""
    return hashlib.sha256(nonce + creator.serialized).hexdigest()


def endorsed_envelope(
    *,
    creator: Member,
    endorsers: list[Member],
    nonce: bytes,
    seconds: int,
    writes: list[tuple[str, bytes]],
    event: str = "ShipmentUpdated",
) -> bytes:
    """A committed-looking endorser transaction: creator-signed, endorsed by every endorser
    (fabricsim.wire's envelope, with the consortium's members)."""
    return wire.endorsed_envelope(
        client_key=creator.pair.key,
        creator=creator.serialized,
        channel=CHANNEL,
        chaincode=CHAINCODE,
        nonce=nonce,
        outcome=wire.Outcome(writes=[(k, v, False) for k, v in writes], event=(event, b"{}")),
        endorser=[wire.Endorser(p.msp_id, p.pair.cert_pem, p.pair.key) for p in endorsers],
        seconds=seconds,
    )


def block_value(last_config: int = 0) -> bytes:
    """The SIGNATURES metadata value a Fabric 2.x/3.x orderer writes: OrdererBlockMetadata."""
    metadata = common_pb2.OrdererBlockMetadata(last_config=common_pb2.LastConfig(index=last_config))
    return bytes(metadata.SerializeToString())


def orderer_signature(block: Any, signer: Member, value: bytes) -> Any:
    """A MetadataSignature with a signature header, over value ‖ header ‖ ASN.1 block header."""
    header = common_pb2.SignatureHeader(creator=signer.serialized, nonce=b"o" * 24)
    header_bytes = header.SerializeToString()
    message = value + header_bytes + block_header_bytes(block.header)
    return common_pb2.MetadataSignature(
        signature_header=header_bytes, signature=sign(signer, message)
    )


def consenter_signature(block: Any, number: int, signer: Member, value: bytes) -> Any:
    """A Fabric 3 BFT MetadataSignature naming its consenter by id (identifier header)."""
    header = common_pb2.IdentifierHeader(identifier=number, nonce=b"c" * 24).SerializeToString()
    message = value + header + block_header_bytes(block.header)
    return common_pb2.MetadataSignature(identifier_header=header, signature=sign(signer, message))


def with_signatures(block: Any, signatures: list[Any], value: bytes) -> Any:
    """The block with these signatures as its SIGNATURES metadata (set in place, returned)."""
    metadata = common_pb2.Metadata(value=value, signatures=signatures)
    block.metadata.metadata[common_pb2.SIGNATURES] = metadata.SerializeToString()
    return block


def sign_block(block: Any, orderer: Member) -> Any:
    """The block signed by one orderer, as a Raft orderer's blockwriter signs it."""
    value = block_value()
    return with_signatures(block, [orderer_signature(block, orderer, value)], value)


def relink(blocks: list[Any], orderer: Member) -> list[Any]:
    """Copies of the blocks with hashes recomputed and re-signed by the orderer (after a tamper)."""
    linked: list[Any] = []
    for block in blocks:
        flags = bytes(block.metadata.metadata[common_pb2.TRANSACTIONS_FILTER])
        previous = block_header_hash(linked[-1].header) if linked else b""
        fresh = make_block(block.header.number, previous, list(block.data.data), flags)
        linked.append(sign_block(fresh, orderer) if fresh.header.number > 0 else fresh)
    return linked
