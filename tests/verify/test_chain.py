"""The chain walk: hash links, signatures, validation flags and the rebuilt world state."""

from __future__ import annotations

import json

from fabricsim.blocks import endorsed_envelope, relink
from tests.verify.verify_chain import MVCC, S1, S2, Journey
from tests.verify.verify_tamper import copy, forge_endorsement, high_s, replace_envelope
from tracker.verify.chain import ChainWalk, Failure, split_key
from tracker.verify.run import exit_code, render, verify


def walk(blocks: list[object]) -> ChainWalk:
    chain = ChainWalk()
    for block in blocks:
        chain.add(block)
    return chain


def test_untouched_chain_passes_with_counts(journey: Journey) -> None:
    result = verify(journey.blocks)
    assert result.passed, render(result)
    assert (result.blocks, result.transactions, result.valid) == (5, 8, 7)
    assert result.invalid == (("MVCC_READ_CONFLICT", 1),)
    assert result.signatures_checked == 7 * 3  # creator + two endorsers per transaction
    assert result.block_signatures_checked == 4  # one orderer signature on blocks 1 to 4
    assert render(result).startswith(
        "PASS 5 blocks, 8 transactions (7 VALID, 1 MVCC_READ_CONFLICT)"
    )
    assert render(result).splitlines()[1] == (
        "  orderer signatures: etcdraft: every block after block 0 needs at least one valid "
        "signature by an orderer of the channel's Orderer organisations (OrdererMSP)"
    )
    assert exit_code(result) == 0


def test_world_state_takes_valid_writes_only_last_write_wins(journey: Journey) -> None:
    state = walk(journey.blocks).state()
    assert sorted(state.shipments) == [S1, S2]
    assert sorted(state.checkpoints) == [(S1, 1), (S1, 2), (S1, 3), (S2, 1)]
    second = state.checkpoints[(S1, 2)]
    # The MVCC loser also wrote checkpoint #2 (as a delivery scan); the logger batch stays.
    assert json.loads(second.value)["kind"] == "temperature"
    assert second.tx_id == journey.tx_ids[f"{S1} #2"] != journey.tx_ids["mvcc"]
    assert (second.block_number, state.shipments[S1].block_number) == (3, 4)
    assert json.loads(state.shipments[S1].value)["status"] == "at_hub"
    assert state.shipments[S1].tx_id == journey.tx_ids[f"{S1} #3"]


def test_altered_previous_hash_names_the_block(journey: Journey) -> None:
    blocks = copy(journey.blocks)
    blocks[3].header.previous_hash = b"\x00" * 32
    result = verify(blocks)
    assert not result.passed and exit_code(result) == 1
    wheres = [(f.where, f.what) for f in result.failures]
    assert ("block 3", "previous_hash is not the header hash of block 2") in wheres
    assert "chain: block 3: previous_hash is not the header hash of block 2" in render(result)


def test_altered_data_hash_names_the_block(journey: Journey) -> None:
    blocks = copy(journey.blocks)
    blocks[2].header.data_hash = bytes(32)
    result = verify(blocks)
    assert ("block 2", "data_hash is not the hash of the block's transactions") in [
        (f.where, f.what) for f in result.failures
    ]


def test_altered_transaction_bytes_break_the_data_hash(journey: Journey) -> None:
    blocks = copy(journey.blocks)
    envelope = bytearray(blocks[2].data.data[0])
    at = envelope.find(b"Hub Lyon")
    envelope[at : at + 8] = b"Hub Lyom"
    blocks[2].data.data[0] = bytes(envelope)
    wheres = {f.where for f in verify(blocks).failures}
    assert "block 2" in wheres  # and the creator's signature no longer matches the payload
    assert any(w.startswith("tx ") and "block 2 #0" in w for w in wheres)


def test_creator_from_a_ca_outside_the_channel_names_the_tx(journey: Journey) -> None:
    outsider = journey.consortium.outsider
    peers = journey.consortium.peers
    forged = endorsed_envelope(
        creator=outsider,
        endorsers=[peers["ProducerMSP"]],
        nonce=b"forged".ljust(24, b"\0"),
        seconds=1_795_000_000,
        writes=[("\x00shipment\x00" + S2 + "\x00", b'{"sscc":"' + S2.encode() + b'"}')],
    )
    blocks = replace_envelope(journey.blocks, 2, 1, forged, journey.orderer)
    result = verify(blocks)
    [failure] = result.failures
    assert failure.where.startswith("tx ") and "(block 2 #1)" in failure.where
    assert "creator: ProducerMSP certificate: certificate does not chain" in failure.what
    assert failure.where.split()[1] in render(result)


def test_tampered_endorsement_signature_fails(journey: Journey) -> None:
    envelope = forge_endorsement(
        journey.blocks[2].data.data[0], journey.consortium.scanner, journey.consortium.scanner
    )
    result = verify(replace_envelope(journey.blocks, 2, 0, envelope, journey.orderer))
    [failure] = result.failures
    assert failure.where == f"tx {journey.tx_ids[f'{S1} #1']} (block 2 #0)"
    assert failure.what == "marked VALID but endorsement 0: ProducerMSP signature does not verify"


def test_high_s_creator_signature_fails(journey: Journey) -> None:
    envelope = high_s(journey.blocks[4].data.data[0])
    result = verify(replace_envelope(journey.blocks, 4, 0, envelope, journey.orderer))
    [failure] = result.failures
    assert failure.where == f"tx {journey.tx_ids[f'{S1} #3']} (block 4 #0)"
    assert "high-S ECDSA signature" in failure.what


def test_bad_signatures_of_an_invalid_transaction_are_not_failures(journey: Journey) -> None:
    envelope = high_s(journey.blocks[3].data.data[1])  # the MVCC loser
    result = verify(replace_envelope(journey.blocks, 3, 1, envelope, journey.orderer))
    assert result.passed, render(result)


def test_a_valid_flag_on_the_mvcc_loser_lets_its_writes_in(journey: Journey) -> None:
    blocks = copy(journey.blocks)
    blocks[3].metadata.metadata[2] = bytes([0, 0])  # the flags are not covered by any hash
    chain = walk(blocks)
    # Only re-validation could tell: the orderer signs the header, not the peer's flags.
    assert not chain.failures
    assert chain.state().checkpoints[(S1, 2)].tx_id == journey.tx_ids["mvcc"]
    assert bytes(journey.blocks[3].metadata.metadata[2]) == bytes([0, MVCC])


def test_missing_block_and_missing_flags(journey: Journey) -> None:
    blocks = copy(journey.blocks)
    del blocks[2]
    blocks[3].metadata.metadata[2] = b""
    failures = [(f.where, f.what) for f in verify(blocks).failures]
    assert ("block 3", "out of order: expected block 2") in failures
    assert ("block 4", "0 validation flags for 1 transactions") in failures


def test_chain_without_config_block_trusts_nobody(journey: Journey) -> None:
    result = verify(relink(journey.blocks[1:], journey.orderer))
    assert result.failures[0] == Failure("block 1", "out of order: expected block 0")
    whats = [f.what for f in result.failures]
    assert sum("out of order" in w for w in whats) == 4  # every block is one number late
    assert sum("no CONFIG block precedes it" in w for w in whats) == 6  # every VALID tx
    unchecked = "orderer signatures unchecked: no channel configuration before it"
    assert whats.count(unchecked) == 4  # every block: no orderer is known
    assert verify([]).failures == (Failure("chain", "the peer delivered no block"),)


def test_genesis_hash_pins_block_zero(journey: Journey) -> None:
    good = walk(journey.blocks[:1]).blocks[0].header_hash
    assert verify(journey.blocks, genesis_hash=good).passed
    assert not verify(journey.blocks, genesis_hash=bytes(32)).passed


def test_split_key() -> None:
    assert split_key("\x00checkpoint\x00A\x00000002\x00") == ("checkpoint", ["A", "000002"])
    assert split_key("plain") is None
    assert split_key("\x00broken") is None
