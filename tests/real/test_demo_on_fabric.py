"""`scripts/demo --check` on the real network: the same scenario and printout as on the
simulated peer, staff registered at the real CAs, ending with `tracker verify: PASS`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from demo.services import free_port
from tests.real.fabric_net import REPO, FabricNet

DEMO_TIMEOUT_S = 600  # an upper bound, never a measured duration
# What the two contacts receive, as on the simulated peer (tests/scripts/test_demo.py): status
# changes of the shipments they follow, settlements and the dispute, and the chat's answers.
NOTIFICATIONS = 22


def test_demo_runs_on_the_real_network(fabric: FabricNet, tmp_path: Path) -> None:
    env = {**fabric.env, "PROVENANCE_STATE_DIR": str(tmp_path / "state")}
    ports = ("--tracker-port", str(free_port()), "--sandbox-port", str(free_port()))
    done = subprocess.run(
        [str(REPO / "scripts" / "demo"), "--check", *ports],
        env=env,
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    out = done.stdout
    assert "LEDGER: Hyperledger Fabric, channel supplychain" in out
    assert "SIMULATED" not in out
    assert "tracker verify: PASS" in out
    received = re.search(r"Notifications received in the sandbox so far: (\d+)", out)
    assert received is not None and int(received[1]) == NOTIFICATIONS, out
    for node in fabric.topology.nodes:  # the network's status is printed first
        assert f"{node.name} " in out
