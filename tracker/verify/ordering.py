"""The ordering service as a channel configuration defines it: who may sign blocks, and how many.

Path inside a config: channel_group → group "Orderer" → one group per orderer organisation (its
MSP, read by channel.py), value "ConsensusType" = orderer.ConsensusType{type: "etcdraft", "BFT",
…} and, from Fabric 3, value "Orderers" = common.Orderers{consenter_mapping: [Consenter{id,
msp_id, identity (PEM), …}]}. Block validation follows Fabric's defaults: Raft (and the older
solo and Kafka) accept a block signed by any orderer of an Orderer-group organisation ("ANY
Writers"); BFT needs a quorum of the consenters, ceil((n + f + 1) / 2) with f = (n - 1) // 3
(common/policies.ComputeBFTQuorum).
"""

from __future__ import annotations

from dataclasses import dataclass

from fabric_protos.common import configuration_pb2
from fabric_protos.orderer import configuration_pb2 as orderer_configuration_pb2
from google.protobuf.message import DecodeError

from tracker.ledger._protos import Proto

ORDERER_SECTION = "Orderer"
CONSENSUS_TYPE_VALUE = "ConsensusType"
ORDERERS_VALUE = "Orderers"
BFT = "BFT"


class OrderingConfigError(ValueError):
    """The Orderer group's consensus values are not what Fabric writes there."""


@dataclass(frozen=True)
class Consenter:
    """A BFT consenter: its numeric id (named by identifier headers), MSP and certificate."""

    id: int
    msp_id: str
    identity: bytes


@dataclass(frozen=True)
class OrderingService:
    """The Orderer group's organisations, consensus type and (BFT) consenter set."""

    msp_ids: frozenset[str]
    consensus_type: str
    consenters: tuple[Consenter, ...] = ()

    @property
    def is_bft(self) -> bool:
        """Whether blocks carry a quorum of consenter signatures (Fabric 3 BFT)."""
        return self.consensus_type == BFT

    @property
    def required(self) -> int:
        """Valid signatures a block needs: one, or for BFT a quorum of distinct consenters."""
        if not self.is_bft:
            return 1
        total = len(self.consenters)
        faulty = max(total - 1, 0) // 3
        # ceil((total + faulty + 1) / 2); never 0: a BFT configuration that lists no
        # consenters must not let unsigned blocks pass.
        return max(1, (total + faulty + 2) // 2)

    def consenter(self, identifier: int) -> Consenter | None:
        """The consenter with that id, if the configuration has one."""
        return next((c for c in self.consenters if c.id == identifier), None)

    def rule(self) -> str:
        """The rule block signatures are held to, in words (printed by `tracker verify`)."""
        orgs = ", ".join(sorted(self.msp_ids)) or "no organisation"
        if self.is_bft:
            return (
                f"BFT: every block after block 0 needs {self.required} valid signatures of "
                f"distinct consenters out of {len(self.consenters)} ({orgs})"
            )
        kind = self.consensus_type or "consensus type not configured"
        return (
            f"{kind}: every block after block 0 needs at least one valid signature by an "
            f"orderer of the channel's Orderer organisations ({orgs})"
        )


NO_ORDERING = OrderingService(frozenset(), "")


def _consenters(group: Proto) -> tuple[Consenter, ...]:
    if ORDERERS_VALUE not in group.values:
        return ()
    orderers = configuration_pb2.Orderers.FromString(group.values[ORDERERS_VALUE].value)
    return tuple(
        Consenter(int(c.id), str(c.msp_id), bytes(c.identity)) for c in orderers.consenter_mapping
    )


def ordering_of(config: Proto, msp_ids: frozenset[str]) -> OrderingService:
    """The ordering service of a common.Config whose Orderer organisations have these MSP ids."""
    groups = config.channel_group.groups
    if ORDERER_SECTION not in groups:
        return OrderingService(msp_ids, "")
    group = groups[ORDERER_SECTION]
    try:
        kind = ""
        if CONSENSUS_TYPE_VALUE in group.values:
            value = group.values[CONSENSUS_TYPE_VALUE].value
            kind = str(orderer_configuration_pb2.ConsensusType.FromString(value).type)
        return OrderingService(msp_ids, kind, _consenters(group))
    except DecodeError as error:
        raise OrderingConfigError(f"Orderer: consensus values unreadable: {error}") from None
