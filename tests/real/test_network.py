"""`scripts/network` on real Fabric: joined peers, idempotent `up`, `down` that leaves nothing,
ledgers kept across `down`/`up`, and a clear error for a port already taken."""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from pathlib import Path

from network.topology import PEER_ORGS
from tests.chaincode.cc_samples import make_sscc, shipment_request
from tests.real.fabric_net import FabricNet


def _wait_equal_heights(fabric: FabricNet, timeout_s: float = 30) -> dict[str, int | None]:
    deadline = time.monotonic() + timeout_s
    heights = fabric.heights()
    while len(set(heights.values())) != 1 and time.monotonic() < deadline:
        time.sleep(0.5)
        heights = fabric.heights()
    return heights


def test_every_peer_joined_the_channel_with_equal_heights(fabric: FabricNet) -> None:
    heights = _wait_equal_heights(fabric)
    assert set(heights) == {o.msp_id for o in PEER_ORGS}
    assert len(set(heights.values())) == 1, heights
    # block 0, three approvals and the commit of the chaincode definition at least
    assert (next(iter(heights.values())) or 0) >= 5


def test_status_shows_each_node_healthy_with_height_and_log(fabric: FabricNet) -> None:
    done = fabric.network("status")
    assert done.returncode == 0, done.stdout + done.stderr
    for node in fabric.topology.nodes:
        line = next(x for x in done.stdout.splitlines() if x.startswith(node.name + " "))
        assert " healthy " in line and str(fabric.layout.log(node.name)) in line
        if node.kind == "peer":
            assert " height " in line


def test_up_twice_starts_nothing_new(fabric: FabricNet) -> None:
    before = {n.name: fabric.pid(n.name) for n in fabric.topology.nodes}
    fabric.up()
    assert {n.name: fabric.pid(n.name) for n in fabric.topology.nodes} == before


def _processes_using(root: Path) -> list[int]:
    """Pids whose environment or command line names the network's folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            seen = (entry / "environ").read_bytes() + (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(root).encode() in seen:
            found.append(int(entry.name))
    return found


def test_down_leaves_no_process_and_up_keeps_the_ledger(fabric: FabricNet) -> None:
    heights = _wait_equal_heights(fabric)
    done = fabric.network("down")
    assert done.returncode == 0, done.stderr
    time.sleep(0.5)
    assert _processes_using(fabric.root) == []
    assert all(fabric.pid(n.name) is None for n in fabric.topology.nodes)
    fabric.up()
    after = fabric.heights()
    assert all((after[msp] or 0) >= (h or 0) for msp, h in heights.items()), (heights, after)
    # and it orders again at once: `up` returns only once a Raft leader is elected
    producer = PEER_ORGS[0]
    gateway = fabric.gateway(producer, fabric.enrol(producer, "dispatcher"))
    try:
        sscc = make_sscc(secrets.randbelow(10**9))
        result = fabric.contract(gateway).submit(
            "CreateShipment", json.dumps(shipment_request(sscc))
        )
    finally:
        gateway.close()
    assert result.validation_code == "VALID"


def test_a_busy_port_is_named_at_once(fabric: FabricNet, tmp_path: Path) -> None:
    env = {
        **fabric.env,
        "PROVENANCE_NETWORK_DIR": str(tmp_path / "other"),
        "PROVENANCE_NET_PORT_BASE": "27000",
    }
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", 28151))  # the carrier peer's port on that plan
        squatter.listen()
        started = time.monotonic()
        done = FabricNet(tmp_path / "other", env).network("up", timeout=120)
        elapsed = time.monotonic() - started
    try:
        assert done.returncode == 70, done.stderr
        assert "127.0.0.1:28151" in done.stderr and "already in use" in done.stderr
        assert "PROVENANCE_NET_PEER0_CARRIER_LISTEN_PORT" in done.stderr
        assert elapsed < 60  # refused before anything started, not after a wait
        assert _processes_using(tmp_path / "other") == []
    finally:
        FabricNet(tmp_path / "other", env).network("clean")
