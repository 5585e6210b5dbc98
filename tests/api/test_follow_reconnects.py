"""`tracker follow` (the real command, as a process) rides out a peer restart: it reconnects
from its checkpoint and mirrors the blocks cut after the restart. The peer is the
SimulatedPeer (FAKE, not Fabric), stopped and started on the same port with its ledger kept."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from fabricsim.peer import SimulatedPeer
from fabricsim.pki import PEER_HOST
from tests.api.api_stack import ApiStack
from tracker.store.readmodel import ShipmentRow

DEADLINE_S = 60.0  # a bound against hanging, not a measured duration


def _mirrored(stack: ApiStack, sscc: str) -> bool:
    with stack.sessions() as session:
        return session.scalar(select(ShipmentRow.sscc).where(ShipmentRow.sscc == sscc)) is not None


def _wait(
    what: str, check: Callable[[], bool], follower: subprocess.Popen[bytes], log: Path
) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        assert follower.poll() is None, f"tracker follow exited:\n{log.read_text()}"
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} within {DEADLINE_S:.0f} s:\n{log.read_text()}")


def test_follow_reconnects_after_the_peer_restarts(
    stack: ApiStack, peer: SimulatedPeer, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": str(stack.sessions.kw["bind"].url),
        "TRACKER_PEER_ENDPOINT": peer.endpoint,
        "TRACKER_PEER_TLS_CA_FILE": str(stack.pki.tls_root_path),
        "TRACKER_PEER_HOST_OVERRIDE": PEER_HOST,
        "TRACKER_MSP_ID": "CarrierMSP",
        "TRACKER_MSP_DIR": str(stack.pki.root / "CarrierMSP" / "scanner1" / "msp"),
        "TRACKER_WORKER_WAKE_ADDRESS": "",
    }
    log = tmp_path / "follow.log"
    with log.open("wb") as sink:
        follower = subprocess.Popen(
            [sys.executable, "-m", "tracker.cli", "follow"], env=env, stdout=sink, stderr=sink
        )
    try:
        before = stack.created()
        _wait("the first shipment mirrored", lambda: _mirrored(stack, before), follower, log)
        peer.stop()
        _wait(
            "the follower noticing the peer is gone",
            lambda: "reconnecting" in log.read_text(),
            follower,
            log,
        )
        peer.start()
        after = stack.created()
        _wait(
            "the shipment made after the restart mirrored",
            lambda: _mirrored(stack, after),
            follower,
            log,
        )
    finally:
        follower.kill()
        follower.wait()
