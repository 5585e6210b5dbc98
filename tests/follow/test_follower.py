"""The block follower mirrors blocks into the read model exactly once, crash or not."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fabricsim.gateway import FakePeer
from fabricsim.pki import SimPki
from fabricsim.wire import Endorser
from tests.ledger.ledger_chain import ChainBuilder, config_envelope, sha
from tracker.follow.follower import ChainBroken, Follower, FollowerConfig
from tracker.ledger.gateway import Gateway
from tracker.ledger.identity import Identity
from tracker.store.db import Base, make_engine, session_factory
from tracker.store.projection import Change
from tracker.store.readmodel import BlockRow, CheckpointRow, ShipmentRow, TransactionRow

CONFIG = FollowerConfig(channel="supplychain", chaincode="provenance")
SSCCS = [f"{n:017d}" + "0" for n in range(1, 6)]


@pytest.fixture
def chain(pki: SimPki, identity: Identity, endorser: Endorser) -> ChainBuilder:
    """Block 0 (config), then 5 shipments created, then 3 checkpoints each, 2 tx per block."""
    builder = ChainBuilder(pki, identity, endorser)
    builder.block([config_envelope()])
    builder.block([builder.create(s) for s in SSCCS[:3]])
    builder.block([builder.create(s) for s in SSCCS[3:]])
    steps = [(seq, status) for seq, status in [(1, "in_transit"), (2, "at_hub"), (3, "in_transit")]]
    txs = [builder.checkpoint(s, seq, status) for seq, status in steps for s in SSCCS]
    for i in range(0, len(txs), 2):
        builder.block(txs[i : i + 2])
    return builder


def listing(blocks: list[Any]) -> Any:
    return lambda start: iter(blocks[start:])


def snapshot(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """Everything the read model holds, in a comparable form."""
    with sessions() as s:
        return {
            "shipments": [
                (r.sscc, r.status, r.checkpoint_count, r.last_block, sha(r.document.encode()))
                for r in s.scalars(select(ShipmentRow).order_by(ShipmentRow.sscc))
            ],
            "checkpoints": [
                (r.sscc, r.seq, r.status, r.tx_id, r.block_number)
                for r in s.scalars(
                    select(CheckpointRow).order_by(CheckpointRow.sscc, CheckpointRow.seq)
                )
            ],
            "tx": s.scalar(select(func.count()).select_from(TransactionRow)),
            "blocks": [
                (b.number, b.header_hash)
                for b in s.scalars(select(BlockRow).order_by(BlockRow.number))
            ],
        }


def test_follows_every_block_into_the_read_model(
    chain: ChainBuilder, sessions: sessionmaker[Session]
) -> None:
    follower = Follower(config=CONFIG, sessions=sessions, source=listing(chain.blocks))
    assert follower.run() == len(chain.blocks)
    state = snapshot(sessions)
    assert [row[:3] for row in state["shipments"]] == [(s, "in_transit", 3) for s in SSCCS]
    assert len(state["checkpoints"]) == 15
    assert state["tx"] == 5 + 15 + 1  # the config transaction is recorded too
    assert [n for n, _ in state["blocks"]] == list(range(len(chain.blocks)))
    assert follower.next_block() == len(chain.blocks)


def test_reports_changes_for_notifications(
    chain: ChainBuilder, sessions: sessionmaker[Session]
) -> None:
    seen: list[Change] = []
    follower = Follower(
        config=CONFIG,
        sessions=sessions,
        source=listing(chain.blocks),
        on_changes=lambda _s, c: seen.extend(c),
    )
    follower.run()
    kinds = [(c.kind, c.sscc, c.old, c.new) for c in seen if c.sscc == SSCCS[0]]
    assert kinds == [
        ("created", SSCCS[0], None, "created"),
        ("checkpoint", SSCCS[0], None, "custody"),
        ("status", SSCCS[0], "created", "in_transit"),
        ("checkpoint", SSCCS[0], None, "custody"),
        ("status", SSCCS[0], "in_transit", "at_hub"),
        ("checkpoint", SSCCS[0], None, "custody"),
        ("status", SSCCS[0], "at_hub", "in_transit"),
    ]


def test_crash_mid_block_neither_skips_nor_repeats(
    chain: ChainBuilder, sessions: sessionmaker[Session]
) -> None:
    calls = 0

    def crash_on_fourth(_session: Session, _changes: list[Change]) -> None:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise KeyboardInterrupt("simulated crash inside the block's transaction")

    crashing = Follower(
        config=CONFIG, sessions=sessions, source=listing(chain.blocks), on_changes=crash_on_fourth
    )
    with pytest.raises(KeyboardInterrupt):
        crashing.run()
    stopped_at = crashing.next_block()
    assert 0 < stopped_at < len(chain.blocks)
    with sessions() as s:  # nothing of the crashed block is visible
        assert s.get(BlockRow, stopped_at) is None
    Follower(config=CONFIG, sessions=sessions, source=listing(chain.blocks)).run()

    clean = make_engine("sqlite://")
    Base.metadata.create_all(clean)
    Follower(config=CONFIG, sessions=session_factory(clean), source=listing(chain.blocks)).run()
    assert snapshot(sessions) == snapshot(session_factory(clean))


def test_rebuild_from_block_zero_gives_the_same_content(
    chain: ChainBuilder, sessions: sessionmaker[Session]
) -> None:
    follower = Follower(config=CONFIG, sessions=sessions, source=listing(chain.blocks))
    follower.run()
    before = snapshot(sessions)
    follower.reset()
    assert snapshot(sessions)["shipments"] == []
    follower.run()
    assert snapshot(sessions) == before


def test_broken_hash_chain_is_refused(chain: ChainBuilder, sessions: sessionmaker[Session]) -> None:
    tampered = list(chain.blocks)
    forged = type(tampered[3])()
    forged.CopyFrom(tampered[3])
    forged.header.previous_hash = b"\x00" * 32
    tampered[3] = forged
    follower = Follower(config=CONFIG, sessions=sessions, source=listing(tampered))
    with pytest.raises(ChainBroken, match="block 3: previous hash"):
        follower.run()
    assert follower.next_block() == 3


def test_until_block_stops_and_resumes(
    chain: ChainBuilder, sessions: sessionmaker[Session]
) -> None:
    follower = Follower(config=CONFIG, sessions=sessions, source=listing(chain.blocks))
    assert follower.run(until_block=2) == 3
    assert follower.run() == len(chain.blocks) - 3


def test_follows_blocks_from_a_deliver_stream(
    chain: ChainBuilder, fake_peer: FakePeer, gateway: Gateway, sessions: sessionmaker[Session]
) -> None:
    fake_peer.deliver.blocks = chain.blocks
    network = gateway.network("supplychain")

    def deliver(start: int) -> Any:
        return network.block_events(start_block=start, stop_at_newest=True)

    follower = Follower(config=CONFIG, sessions=sessions, source=deliver)
    assert follower.run(until_block=4) == 5
    assert follower.run() == len(chain.blocks) - 5
    assert [s.start.specified.number for s in fake_peer.deliver.seeks] == [0, 5]
    assert len(snapshot(sessions)["checkpoints"]) == 15
