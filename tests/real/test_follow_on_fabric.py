"""`tracker follow` and `tracker verify` on the real ledger: `kill -9` of the follower mid
catch-up then a restart ends equal to a clean follow (SQLite and PostgreSQL); verify passes
through the carrier's peer and through another org's peer, and names a tampered field."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from tests.chaincode.cc_samples import make_sscc, shipment_request
from tests.real.fabric_net import FabricNet, org
from tracker.store import migrate
from tracker.store.db import make_engine, session_factory
from tracker.store.readmodel import BlockRow, CheckpointRow, FollowerState, ShipmentRow

PRODUCER, CARRIER = org("ProducerMSP"), org("CarrierMSP")
MIN_BLOCKS = 60  # enough for a kill to land mid catch-up
WAIT_S = 180.0  # upper bounds, never measured durations


@pytest.fixture(scope="module")
def busy_ledger(fabric: FabricNet) -> int:
    """At least MIN_BLOCKS blocks of real writes; the height."""
    dispatcher = fabric.gateway(PRODUCER, fabric.enrol(PRODUCER, "dispatcher"))
    contract = fabric.contract(dispatcher)

    def create_some(_: int) -> None:
        while (fabric.height(CARRIER) or 0) < MIN_BLOCKS:
            sscc = make_sscc(secrets.randbelow(10**9))
            contract.submit("CreateShipment", json.dumps(shipment_request(sscc)))

    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(create_some, range(2)))
    finally:
        dispatcher.close()
    return fabric.height(CARRIER) or 0


def _env(fabric: FabricNet, url: str, via: Any = CARRIER) -> dict[str, str]:
    return {**os.environ, **fabric.tracker_settings_for(via), "TRACKER_DATABASE_URL": url}


def _follow(fabric: FabricNet, url: str, log: Path, *args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tracker.cli", "follow", *args]
    with log.open("ab") as sink:
        return subprocess.Popen(command, env=_env(fabric, url), stdout=sink, stderr=sink)


def _next_block(url: str) -> int:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        found = session.scalar(select(FollowerState.next_block))
    engine.dispose()
    return found or 0


def _snapshot(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        shipments = select(ShipmentRow.sscc, ShipmentRow.document, ShipmentRow.last_block)
        checkpoints = select(CheckpointRow.sscc, CheckpointRow.seq, CheckpointRow.tx_id)
        state = {
            "shipments": session.execute(shipments.order_by(ShipmentRow.sscc)).all(),
            "checkpoints": session.execute(
                checkpoints.order_by(CheckpointRow.sscc, CheckpointRow.seq)
            ).all(),
            "blocks": session.scalar(select(func.count()).select_from(BlockRow)),
        }
    engine.dispose()
    return state


def _verify(fabric: FabricNet, url: str, via: Any = CARRIER) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker.cli", "verify"],
        env=_env(fabric, url, via),
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        check=False,
    )


def test_kill_9_mid_follow_then_restart_equals_a_clean_follow(
    fabric: FabricNet, busy_ledger: int, database_url: str, tmp_path: Path
) -> None:
    total = busy_ledger
    migrate.upgrade(database_url)
    log = tmp_path / "follow.log"
    first = _follow(fabric, database_url, log)
    deadline = time.monotonic() + WAIT_S
    while _next_block(database_url) < 3:
        assert first.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the follower made no progress"
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = _next_block(database_url)
    assert 3 <= killed_at < total, (killed_at, total)  # the kill landed mid catch-up

    second = _follow(fabric, database_url, log, "--until-block", str(total - 1))
    assert second.wait(timeout=WAIT_S) == 0, log.read_text()
    assert _next_block(database_url) == total

    clean = f"sqlite:///{tmp_path / 'clean.db'}"
    migrate.upgrade(clean)
    done = _follow(fabric, clean, tmp_path / "clean.log", "--until-block", str(total - 1))
    assert done.wait(timeout=WAIT_S) == 0, (tmp_path / "clean.log").read_text()
    assert _snapshot(database_url) == _snapshot(clean)
    assert _snapshot(database_url)["blocks"] == total

    passed = _verify(fabric, database_url)
    assert passed.returncode == 0 and passed.stdout.startswith("PASS"), (
        passed.stdout + passed.stderr
    )
    # The same check through another org's peer, as that org's own tracker identity.
    other = _verify(fabric, database_url, via=PRODUCER)
    assert other.returncode == 0 and other.stdout.startswith("PASS"), other.stdout + other.stderr

    engine = make_engine(database_url)
    with engine.begin() as conn:
        sscc, document = conn.execute(
            text("SELECT sscc, document FROM shipments ORDER BY sscc LIMIT 1")
        ).one()
        changed = json.loads(document)
        changed["quantity"] += 1
        conn.execute(
            text("UPDATE shipments SET document = :d WHERE sscc = :s"),
            {"d": json.dumps(changed, sort_keys=True, separators=(",", ":")), "s": sscc},
        )
    engine.dispose()
    failed = _verify(fabric, database_url, via=PRODUCER)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert sscc in failed.stdout and "quantity" in failed.stdout, failed.stdout
