"""The three-orderer profile (`PROVENANCE_NET_PROFILE=raft3`) on real Fabric: it comes up, the
Raft leader is `kill -9`-ed, a new leader is elected within the election timeout and the
channel keeps committing; the old node catches up once `scripts/network up` restarts it."""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from cc_samples import make_sscc, shipment_request
from fabric_net import FabricNet, org

from network.topology import Node
from tracker.ledger import Gateway

PRODUCER = org("ProducerMSP")
# TickInterval 500 ms x ElectionTick 10 (network/configs.py): a follower campaigns after 5 s
# without a heartbeat; the bound below leaves room for a failed first round.
ELECTION_BOUND_S = 15.0


def _gauge(node: Node, name: str) -> int:
    try:
        with urllib.request.urlopen(f"http://{node.address('ops')}/metrics", timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return -1
    found = re.search(rf'^{name}\{{channel="supplychain"\}} (\d+)', text, re.M)
    return int(found.group(1)) if found else -1


def _leaders(net: FabricNet) -> list[str]:
    return [
        o.name
        for o in net.topology.of_kind("orderer")
        if _gauge(o, "consensus_etcdraft_is_leader") == 1
    ]


@pytest.fixture(scope="module")
def raft3(fabric: FabricNet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FabricNet]:
    """A second network, three orderers, on its own ports; cleaned at the end."""
    root = tmp_path_factory.mktemp("raft3") / "network"
    env = {
        **fabric.env,
        "PROVENANCE_NETWORK_DIR": str(root),
        "PROVENANCE_NET_PROFILE": "raft3",
        "PROVENANCE_NET_PORT_BASE": os.environ.get("PROVENANCE_TEST_RAFT3_PORT_BASE", "37000"),
    }
    net = FabricNet(Path(root), env)
    try:
        net.up()
        yield net
    finally:
        net.network("clean")


def _create(gateway: Gateway, net: FabricNet) -> str:
    sscc = make_sscc(secrets.randbelow(10**9))
    result = net.contract(gateway).submit("CreateShipment", json.dumps(shipment_request(sscc)))
    return result.validation_code


def test_leader_killed_a_new_one_is_elected_and_the_old_one_catches_up(raft3: FabricNet) -> None:
    assert len(raft3.topology.of_kind("orderer")) == 3
    gateway = raft3.gateway(PRODUCER, raft3.enrol(PRODUCER, "dispatcher"))
    try:
        assert _create(gateway, raft3) == "VALID"
        (leader,) = _leaders(raft3)
        raft3.kill(leader)
        killed = time.monotonic()
        new: list[str] = []
        while not new and time.monotonic() - killed < ELECTION_BOUND_S:
            time.sleep(0.2)
            new = [n for n in _leaders(raft3) if n != leader]
        assert new, f"no new leader within {ELECTION_BOUND_S} s of killing {leader}"
        elected = time.monotonic() - killed
        assert _create(gateway, raft3) == "VALID"  # the channel orders with two of three
        raft3.up()  # restarts exactly the killed orderer
        node = raft3.topology.node(leader)
        peer_height = raft3.height(PRODUCER) or 0
        deadline = time.monotonic() + 60
        while _gauge(node, "consensus_etcdraft_committed_block_number") < peer_height - 1:
            assert time.monotonic() < deadline, f"{leader} did not catch up to {peer_height}"
            time.sleep(0.5)
        sys.stdout.write(f"\nraft3: {leader} killed, {new[0]} leader after {elected:.1f} s\n")
    finally:
        gateway.close()
