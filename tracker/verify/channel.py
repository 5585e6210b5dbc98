"""The channel's members, read from its CONFIG blocks: who may sign, and under which roots.

Path inside a config transaction: Envelope.payload.data = common.ConfigEnvelope →
config.channel_group → groups "Application" / "Orderer" → one group per organisation →
value "MSP" = msp.MSPConfig (type 0 = FABRIC, X.509) → msp.FabricMSPConfig.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from fabric_protos.common import common_pb2, configtx_pb2
from fabric_protos.msp import msp_config_pb2
from google.protobuf.message import DecodeError

from tracker.ledger._protos import Proto
from tracker.ledger.blocks import DecodedTransaction
from tracker.verify.ordering import (
    NO_ORDERING,
    ORDERER_SECTION,
    OrderingConfigError,
    OrderingService,
    ordering_of,
)

FABRIC_MSP_TYPE = 0  # msp.ProviderType FABRIC; 1 is IDEMIX, which has no X.509 chain
ORG_SECTIONS = ("Application", ORDERER_SECTION)
MSP_VALUE = "MSP"


class ChannelConfigError(ValueError):
    """A CONFIG transaction does not have the structure Fabric gives it."""


@dataclass(frozen=True)
class NodeOUs:
    """Fabric's node OU classification: which subject OU marks each role."""

    client: str
    peer: str
    admin: str
    orderer: str

    def roles_of(self, units: frozenset[str]) -> tuple[str, ...]:
        """The roles whose OU identifier appears among a certificate's subject OUs."""
        table = {"client": self.client, "peer": self.peer, "admin": self.admin}
        table["orderer"] = self.orderer
        return tuple(role for role, unit in table.items() if unit and unit in units)


@dataclass(frozen=True)
class MspInfo:
    """One organisation's MSP as the channel configuration defines it (PEM blobs)."""

    msp_id: str
    section: str
    root_certs: tuple[bytes, ...]
    intermediate_certs: tuple[bytes, ...]
    revocation_list: tuple[bytes, ...]
    node_ous: NodeOUs | None


class ChannelMembers(Mapping[str, MspInfo]):
    """Read-only mapping MSP id → MspInfo, plus the config sequence and the ordering service."""

    __slots__ = ("_by_id", "ordering", "sequence")

    def __init__(
        self,
        msps: Mapping[str, MspInfo],
        sequence: int,
        ordering: OrderingService = NO_ORDERING,
    ) -> None:
        """Freeze a copy of the mapping."""
        self._by_id: Mapping[str, MspInfo] = MappingProxyType(dict(msps))
        self.sequence = sequence
        self.ordering = ordering

    def __getitem__(self, msp_id: str) -> MspInfo:
        """The MSP of that id."""
        return self._by_id[msp_id]

    def __iter__(self) -> Iterator[str]:
        """MSP ids in configuration order."""
        return iter(self._by_id)

    def __len__(self) -> int:
        """How many MSPs the channel knows."""
        return len(self._by_id)

    def __repr__(self) -> str:
        """MSP ids and sequence, no certificate bytes."""
        return f"ChannelMembers({sorted(self._by_id)}, sequence={self.sequence})"


def _node_ous(config: Proto) -> NodeOUs | None:
    if not config.HasField("fabric_node_ous") or not config.fabric_node_ous.enable:
        return None
    ous = config.fabric_node_ous
    return NodeOUs(
        client=ous.client_ou_identifier.organizational_unit_identifier,
        peer=ous.peer_ou_identifier.organizational_unit_identifier,
        admin=ous.admin_ou_identifier.organizational_unit_identifier,
        orderer=ous.orderer_ou_identifier.organizational_unit_identifier,
    )


def msp_info(section: str, org: str, value: bytes) -> MspInfo | None:
    """The MSP of one org group's "MSP" value; None for a non-X.509 (idemix) MSP."""
    try:
        wrapper = msp_config_pb2.MSPConfig.FromString(value)
        if wrapper.type != FABRIC_MSP_TYPE:
            return None
        config = msp_config_pb2.FabricMSPConfig.FromString(wrapper.config)
    except DecodeError as error:
        raise ChannelConfigError(
            f"{section}/{org}: MSP value is not an MSPConfig: {error}"
        ) from None
    return MspInfo(
        msp_id=str(config.name),
        section=section,
        root_certs=tuple(bytes(c) for c in config.root_certs),
        intermediate_certs=tuple(bytes(c) for c in config.intermediate_certs),
        revocation_list=tuple(bytes(c) for c in config.revocation_list),
        node_ous=_node_ous(config),
    )


def members_of_config(config: Proto) -> ChannelMembers:
    """Every X.509 MSP of the Application and Orderer sections of a common.Config."""
    found: dict[str, MspInfo] = {}
    orderer_ids: set[str] = set()
    for section in ORG_SECTIONS:
        if section not in config.channel_group.groups:
            continue
        for org, group in sorted(config.channel_group.groups[section].groups.items()):
            if MSP_VALUE not in group.values:
                raise ChannelConfigError(f"{section}/{org}: no MSP value")
            info = msp_info(section, org, bytes(group.values[MSP_VALUE].value))
            if info is not None:
                # An org in both sections has one MSP; the first section seen names it.
                found.setdefault(info.msp_id, info)
                if section == ORDERER_SECTION:
                    orderer_ids.add(info.msp_id)
    try:
        ordering = ordering_of(config, frozenset(orderer_ids))
    except OrderingConfigError as error:
        raise ChannelConfigError(str(error)) from None
    return ChannelMembers(found, int(config.sequence), ordering)


def members_of_envelope(envelope: DecodedTransaction) -> ChannelMembers:
    """The members defined by a CONFIG transaction (header type CONFIG)."""
    if envelope.header_type != common_pb2.CONFIG:
        raise ChannelConfigError(f"envelope type {envelope.header_type} is not CONFIG")
    try:
        config_envelope = configtx_pb2.ConfigEnvelope.FromString(envelope.payload_data)
    except DecodeError as error:
        raise ChannelConfigError(f"not a ConfigEnvelope: {error}") from None
    if not config_envelope.HasField("config"):
        raise ChannelConfigError("ConfigEnvelope carries no config")
    return members_of_config(config_envelope.config)
