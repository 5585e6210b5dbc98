"""`kill -9` of the real `tracker follow` process in the middle of catching up, then a restart:
the read model ends equal to a clean follow, with no block applied twice or skipped.

The blocks come from the simulated ledger (the real chaincode's writes) through a FAKE Deliver
service over TLS that paces them, so the kill lands mid-way; the follower process, its Gateway
client and the database are real.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import func, select

from fabricsim.callers import caller
from fabricsim.gateway import FakeDeliver, serving
from fabricsim.ledger import CHAINCODE, CHANNEL, SimLedger
from fabricsim.pki import SimPki, tracker_peer_env
from tests.chaincode.cc_samples import CARRIER, PRODUCER, make_sscc, scan, shipment_request
from tracker.follow.follower import Follower, FollowerConfig
from tracker.store import migrate
from tracker.store.db import make_engine, session_factory
from tracker.store.readmodel import BlockRow, CheckpointRow, FollowerState, ShipmentRow


def busy(sim: SimLedger, shipments: int) -> None:
    """Each shipment created, then shipped, arriving, departing, arriving again."""
    dispatcher, scanner = caller(PRODUCER, "dispatcher"), caller(CARRIER, "scanner")
    for n in range(shipments):
        sscc = make_sscc(500 + n)
        assert sim.invoke(dispatcher, "CreateShipment", json.dumps(shipment_request(sscc))).ok
        for k, step in enumerate(("shipping", "arriving", "departing", "arriving")):
            assert sim.invoke(scanner, "RecordCheckpoint", scan(sscc, f"k{n}-{k}", step)).ok


class PacedDeliver(FakeDeliver):
    """Serves blocks a few milliseconds apart, like a peer committing a burst."""

    def stream(self, seek: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        for response in super().stream(seek, context):
            time.sleep(0.01)
            yield response


@pytest.fixture
def deliver(tmp_path: Path, sim: SimLedger) -> Iterator[tuple[str, SimPki, int]]:
    busy(sim, 30)  # 150 blocks of real chaincode writes
    pki = SimPki(tmp_path / "deliver-pki")
    service = PacedDeliver()
    service.blocks = list(sim.blocks)
    with serving(pki.tls_server.key_pem, pki.tls_server.cert_pem, deliver=service) as endpoint:
        yield endpoint, pki, len(sim.blocks)


def follow(url: str, endpoint: str, pki: SimPki, log: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TRACKER_DATABASE_URL": url, **tracker_peer_env(endpoint, pki)}
    command = [sys.executable, "-m", "tracker.cli", "follow", *args]
    with log.open("ab") as sink:  # the child keeps its own descriptor
        return subprocess.Popen(command, env=env, stdout=sink, stderr=sink)


def next_block(url: str) -> int:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        found = session.scalar(select(FollowerState.next_block))
    engine.dispose()
    return found or 0


def snapshot(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        state = {
            "shipments": session.execute(
                select(ShipmentRow.sscc, ShipmentRow.document, ShipmentRow.last_block).order_by(
                    ShipmentRow.sscc
                )
            ).all(),
            "checkpoints": session.execute(
                select(CheckpointRow.sscc, CheckpointRow.seq, CheckpointRow.tx_id).order_by(
                    CheckpointRow.sscc, CheckpointRow.seq
                )
            ).all(),
            "blocks": session.scalar(select(func.count()).select_from(BlockRow)),
        }
    engine.dispose()
    return state


def test_kill_minus_nine_mid_burst_then_restart(
    deliver: tuple[str, SimPki, int], sim: SimLedger, tmp_path: Path
) -> None:
    endpoint, pki, total = deliver
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    migrate.upgrade(url)

    log = tmp_path / "follow.log"
    first = follow(url, endpoint, pki, log)
    deadline = time.monotonic() + 60
    while next_block(url) < 20:
        assert first.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the follower made no progress"
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = next_block(url)
    assert 20 <= killed_at < total  # the kill landed in the middle of the burst

    second = follow(url, endpoint, pki, log, "--until-block", str(total - 1))
    assert second.wait(timeout=120) == 0, log.read_text()
    assert next_block(url) == total

    clean = f"sqlite:///{tmp_path / 'clean.db'}"
    migrate.upgrade(clean)
    config = FollowerConfig(CHANNEL, CHAINCODE)
    engine = make_engine(clean)
    Follower(config=config, sessions=session_factory(engine), source=sim.source()).run()
    engine.dispose()
    assert snapshot(url) == snapshot(clean)
    assert snapshot(url)["blocks"] == total
