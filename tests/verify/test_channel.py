"""Channel members from CONFIG blocks, and configuration changes along the chain."""

from __future__ import annotations

from typing import Any

import pytest
from fabric_protos.common import common_pb2, configtx_pb2
from fabric_protos.msp import msp_config_pb2

from fabricsim.blocks import config_envelope, sign_block
from fabricsim.consortium import Consortium, Member
from fabricsim.wire import next_block
from tests.verify.verify_chain import Journey
from tracker.verify.channel import ChannelConfigError, members_of_envelope
from tracker.verify.envelope import parse_envelope
from tracker.verify.run import verify


def test_block_zero_defines_every_org(journey: Journey, consortium: Consortium) -> None:
    members = members_of_envelope(parse_envelope(journey.blocks[0].data.data[0]))
    assert sorted(members) == ["CarrierMSP", "OrdererMSP", "ProducerMSP", "RetailerMSP"]
    assert members.sequence == 0
    carrier = members["CarrierMSP"]
    assert carrier.root_certs == (consortium.carrier.root.cert_pem,)
    assert consortium.carrier.intermediate is not None
    assert carrier.intermediate_certs == (consortium.carrier.intermediate.cert_pem,)
    assert carrier.section == "Application" and members["OrdererMSP"].section == "Orderer"
    assert carrier.node_ous is not None and carrier.node_ous.peer == "peer"
    assert carrier.node_ous.roles_of(frozenset({"client", "other"})) == ("client",)
    assert "ProducerMSP" in repr(members) and "BEGIN CERTIFICATE" not in repr(members)


def _config_with(mutate: Any) -> Any:
    channel = configtx_pb2.ConfigGroup()
    mutate(channel)
    header = common_pb2.ChannelHeader(type=common_pb2.CONFIG, channel_id="supplychain")
    payload = common_pb2.Payload(
        header=common_pb2.Header(channel_header=header.SerializeToString()),
        data=configtx_pb2.ConfigEnvelope(
            config=configtx_pb2.Config(channel_group=channel)
        ).SerializeToString(),
    )
    envelope = common_pb2.Envelope(payload=payload.SerializeToString()).SerializeToString()
    return parse_envelope(envelope)


def test_idemix_msps_are_skipped_and_malformed_orgs_refused() -> None:
    def idemix(channel: Any) -> None:
        value = msp_config_pb2.MSPConfig(type=1, config=b"opaque").SerializeToString()
        channel.groups["Application"].groups["Anon"].values["MSP"].value = value

    assert len(members_of_envelope(_config_with(idemix))) == 0

    def no_msp(channel: Any) -> None:
        channel.groups["Application"].groups["Org"].values["Other"].value = b""

    with pytest.raises(ChannelConfigError, match="Application/Org: no MSP value"):
        members_of_envelope(_config_with(no_msp))
    with pytest.raises(ChannelConfigError, match="not CONFIG"):
        members_of_envelope(parse_envelope(endorser_envelope()))


def endorser_envelope() -> bytes:
    header = common_pb2.ChannelHeader(type=common_pb2.ENDORSER_TRANSACTION)
    payload = common_pb2.Payload(
        header=common_pb2.Header(channel_header=header.SerializeToString())
    )
    return bytes(common_pb2.Envelope(payload=payload.SerializeToString()).SerializeToString())


def _append(blocks: list[Any], envelopes: list[bytes], orderer: Member) -> list[Any]:
    block = next_block(blocks, envelopes)
    return [*blocks, sign_block(block, orderer)]


def test_a_later_config_block_removes_an_org(journey: Journey, consortium: Consortium) -> None:
    orderer = consortium.orderer.enrol("orderer0", "orderer")
    without_retailer = (consortium.producer, consortium.carrier, consortium.orderer)
    blocks = _append(journey.blocks, [config_envelope(without_retailer, 1, orderer)], orderer)
    assert verify(blocks).passed
    # The same retailer transaction that was fine before is now from a non-member.
    mvcc_loser = journey.blocks[3].data.data[1]
    result = verify(_append(blocks, [mvcc_loser], orderer))
    [failure] = result.failures
    assert failure.where.startswith(f"tx {journey.tx_ids['mvcc']} (block 6 #0)")
    assert "MSP 'RetailerMSP' is not an X.509 member of the channel" in failure.what


def test_a_later_config_block_must_be_signed_by_an_orderer(
    journey: Journey, consortium: Consortium
) -> None:
    unsigned = _append(journey.blocks, [config_envelope(consortium.orgs, 1)], journey.orderer)
    [failure] = verify(unsigned).failures
    assert "config transaction signature" in failure.what and "block 5 #0" in failure.where
