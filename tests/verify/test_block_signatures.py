"""The ordering service's block signatures (metadata SIGNATURES): each one verified over Fabric's
signed bytes, by an orderer of an Orderer-group org chained to that org's roots; Raft needs one
valid signature per block, BFT a quorum of distinct consenters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fabric_protos.common import common_pb2

from fabricsim.blocks import (
    block_value,
    config_envelope,
    consenter_signature,
    orderer_signature,
    sign_block,
    with_signatures,
)
from fabricsim.consortium import ORDERER, Consortium, Member, make_org
from fabricsim.wire import make_block
from tests.verify.verify_chain import Journey, build_journey
from tests.verify.verify_tamper import copy
from tracker.ledger.blocks import block_header_hash
from tracker.verify.chain import Failure
from tracker.verify.ordering import Consenter, OrderingService
from tracker.verify.run import render, verify


def failures(blocks: list[Any]) -> list[tuple[str, str]]:
    """Every chain failure as (where, what)."""
    return [(f.where, f.what) for f in verify(blocks).failures]


def signed_by(blocks: list[Any], number: int, *signers: Member) -> list[Any]:
    """The chain with block `number` carrying exactly these signers' orderer signatures."""
    changed = copy(blocks)
    block, value = changed[number], block_value()
    with_signatures(block, [orderer_signature(block, s, value) for s in signers], value)
    return changed


def test_every_block_after_the_genesis_block_is_signed_by_the_orderer(journey: Journey) -> None:
    result = verify(journey.blocks)
    assert result.passed, render(result)
    assert result.block_signatures_checked == len(journey.blocks) - 1
    assert "orderer signatures: etcdraft: every block after block 0" in render(result)


def test_forged_signature_names_the_block(journey: Journey) -> None:
    blocks = copy(journey.blocks)
    value = block_value()
    forged = orderer_signature(blocks[2], journey.orderer, value)
    forged.signature = orderer_signature(blocks[1], journey.orderer, value).signature
    with_signatures(blocks[2], [forged], value)
    assert failures(blocks) == [
        ("block 2", "orderer signature 0: OrdererMSP signature does not verify"),
        ("block 2", "no valid orderer signature; etcdraft needs one"),
    ]


def test_signature_covers_the_metadata_value_and_the_header(journey: Journey) -> None:
    blocks = copy(journey.blocks)
    metadata = common_pb2.Metadata.FromString(blocks[3].metadata.metadata[common_pb2.SIGNATURES])
    metadata.value = block_value(last_config=3)  # a different value under the same signature
    blocks[3].metadata.metadata[common_pb2.SIGNATURES] = metadata.SerializeToString()
    # Block 1's signature replayed on block 4: same signer and value, another header.
    blocks[4].metadata.metadata[common_pb2.SIGNATURES] = blocks[1].metadata.metadata[0]
    found = failures(blocks)
    assert ("block 3", "orderer signature 0: OrdererMSP signature does not verify") in found
    assert ("block 4", "orderer signature 0: OrdererMSP signature does not verify") in found
    assert {where for where, _ in found} == {"block 3", "block 4"}


def test_missing_signature_names_the_block(journey: Journey) -> None:
    blocks = copy(journey.blocks)
    blocks[3].metadata.metadata[common_pb2.SIGNATURES] = b""
    assert failures(blocks) == [
        ("block 3", "carries no orderer signature; etcdraft needs one valid orderer signature")
    ]
    blocks[3].metadata.metadata[common_pb2.SIGNATURES] = b"\xff\xff"
    [(where, what)] = failures(blocks)
    assert where == "block 3" and what.startswith("SIGNATURES metadata is not a common.Metadata")


def test_signer_of_an_application_org_is_refused(journey: Journey, consortium: Consortium) -> None:
    blocks = signed_by(journey.blocks, 2, consortium.peers["ProducerMSP"])
    assert failures(blocks) == [
        ("block 2", "orderer signature 0: ProducerMSP is not an organisation of the Orderer group"),
        ("block 2", "no valid orderer signature; etcdraft needs one"),
    ]


def test_orderer_from_a_foreign_ca_is_refused(journey: Journey) -> None:
    rogue = make_org(ORDERER, "orderer.example.com").enrol("orderer0", "orderer")
    blocks = signed_by(journey.blocks, 4, rogue)
    [(where, what), _] = failures(blocks)
    assert where == "block 4"
    assert what == (
        "orderer signature 0: OrdererMSP certificate: certificate does not chain to a root "
        "of OrdererMSP"
    )


def test_only_orderer_nodes_sign_blocks(journey: Journey, consortium: Consortium) -> None:
    admin = consortium.orderer.enrol("Admin@orderer.example.com", "admin")
    [(where, what), _] = failures(signed_by(journey.blocks, 1, admin))
    assert where == "block 1"
    assert (
        what == "orderer signature 0: OrdererMSP signer is not an orderer node (node OU ['admin'])"
    )


def test_every_signature_present_must_verify(journey: Journey, consortium: Consortium) -> None:
    peer = consortium.peers["CarrierMSP"]
    blocks = signed_by(journey.blocks, 2, journey.orderer, peer)
    assert failures(blocks) == [
        ("block 2", "orderer signature 1: CarrierMSP is not an organisation of the Orderer group")
    ]
    assert verify(signed_by(journey.blocks, 2, journey.orderer, journey.orderer)).passed


def test_a_config_block_is_signed_under_the_configuration_before_it(
    journey: Journey, consortium: Consortium
) -> None:
    # The update hands ordering to another org; its own block is still the old orderer's.
    successor = make_org("Orderer2MSP", "orderer2.example.com")
    node = successor.enrol("orderer0.orderer2.example.com", "orderer")
    orgs = (consortium.producer, consortium.carrier, consortium.retailer, successor)
    update = config_envelope(orgs, 1, journey.orderer)
    previous = block_header_hash(journey.blocks[-1].header)
    blocks = [
        *journey.blocks,
        sign_block(make_block(5, previous, [update], b"\0"), journey.orderer),
    ]
    assert verify(blocks).passed, render(verify(blocks))

    def then_signed_by(signer: Member) -> list[Any]:
        previous = block_header_hash(blocks[-1].header)
        later = make_block(6, previous, [journey.blocks[4].data.data[0]], b"\0")
        return [*blocks, sign_block(later, signer)]

    old = failures(then_signed_by(journey.orderer))
    assert (
        "block 6",
        "orderer signature 0: OrdererMSP is not an organisation of the Orderer group",
    ) in old
    assert [f for f in failures(then_signed_by(node)) if f[0] == "block 6"] == []


@pytest.fixture
def consenters(consortium: Consortium) -> dict[int, Member]:
    """Four BFT consenters of OrdererMSP (quorum: 3), by consenter id."""
    return {
        n: consortium.orderer.enrol(f"orderer{n}.orderer.example.com", "orderer")
        for n in (1, 2, 3, 4)
    }


def bft_chain(
    journey: Journey, consenters: dict[int, Member], signatures: list[tuple[int, Member]]
) -> list[Any]:
    """A BFT channel: its genesis block, then block 1 signed with identifier headers."""
    config = config_envelope(journey.consortium.orgs, consensus="BFT", consenters=consenters)
    genesis = make_block(0, b"", [config], b"\0")
    envelopes = list(journey.blocks[1].data.data)
    block = make_block(1, block_header_hash(genesis.header), envelopes, bytes(len(envelopes)))
    value = block_value()
    signed = [consenter_signature(block, n, member, value) for n, member in signatures]
    return [genesis, with_signatures(block, signed, value)]


def test_bft_block_needs_a_quorum_of_consenters(
    journey: Journey, consenters: dict[int, Member]
) -> None:
    quorum = [(n, consenters[n]) for n in (1, 2, 4)]
    result = verify(bft_chain(journey, consenters, quorum))
    assert result.passed, render(result)
    assert (
        "BFT: every block after block 0 needs 3 valid signatures of distinct consenters out of 4"
        in render(result)
    )
    short = bft_chain(
        journey, consenters, [(1, consenters[1]), (2, consenters[2]), (2, consenters[2])]
    )
    assert verify(short).failures == (
        Failure("block 1", "2 valid consenter signatures; BFT needs 3"),
    )


def test_bft_signature_of_an_unknown_or_wrong_consenter_fails(
    journey: Journey, consenters: dict[int, Member]
) -> None:
    wrong = [(1, consenters[1]), (2, consenters[2]), (3, consenters[4]), (9, consenters[3])]
    assert failures(bft_chain(journey, consenters, wrong)) == [
        ("block 1", "orderer signature 2: OrdererMSP signature does not verify"),
        ("block 1", "orderer signature 3: consenter id 9 is not in the channel's consenter set"),
        ("block 1", "2 valid consenter signatures; BFT needs 3"),
    ]


def test_bft_accepts_signature_headers_of_consenters_only(
    journey: Journey, consenters: dict[int, Member]
) -> None:
    blocks = bft_chain(journey, consenters, [(1, consenters[1]), (2, consenters[2])])
    metadata = common_pb2.Metadata.FromString(blocks[1].metadata.metadata[common_pb2.SIGNATURES])
    value = bytes(metadata.value)
    with_header = [orderer_signature(blocks[1], consenters[3], value)]
    outsider = [orderer_signature(blocks[1], journey.orderer, value)]  # OrdererMSP, no consenter
    with_signatures(blocks[1], [*metadata.signatures, *with_header], value)
    assert verify(blocks).passed, render(verify(blocks))
    with_signatures(blocks[1], [*metadata.signatures, *outsider], value)
    assert failures(blocks) == [
        (
            "block 1",
            "orderer signature 2: OrdererMSP signer is not one of the channel's consenters",
        ),
        ("block 1", "2 valid consenter signatures; BFT needs 3"),
    ]


@pytest.mark.parametrize(("total", "quorum"), [(1, 1), (3, 2), (4, 3), (5, 4), (7, 5), (10, 7)])
def test_bft_quorum_is_fabrics(total: int, quorum: int) -> None:
    # common/policies.ComputeBFTQuorum: ceil((n + f + 1) / 2) with f = (n - 1) / 3.
    mapping = tuple(Consenter(n, ORDERER, b"") for n in range(total))
    assert OrderingService(frozenset({ORDERER}), "BFT", mapping).required == quorum
    assert OrderingService(frozenset({ORDERER}), "etcdraft", mapping).required == 1


def test_bft_without_consenters_still_needs_a_signature() -> None:
    # A BFT configuration with no Orderers value must not let unsigned blocks pass.
    assert OrderingService(frozenset({ORDERER}), "BFT", ()).required == 1


def test_a_far_future_timestamp_dates_only_its_own_block(consortium: Consortium) -> None:
    # A client picks its transaction's timestamp; one from 2099 (after every certificate's
    # expiry) must fail that block alone, not every block the orderer signs after it.
    journey = build_journey(consortium)  # its own: the session's journey stays untouched
    envelope = journey._envelope(
        "far future",
        consortium.scanner,
        b"f" * 24,
        datetime(2099, 1, 1, tzinfo=UTC),
        [("note", b"x")],
    )
    journey.block([envelope])
    far = len(journey.blocks) - 1
    journey.block([journey.tx("after", consortium.scanner, [("note2", b"y")])])
    places = {where for where, _ in failures(journey.blocks)}
    assert any(str(far) in where for where in places)
    assert not any(f"block {far + 1}" in where for where in places)
