"""A real Hyperledger Fabric network for the benchmark, as the real tier starts one.

`scripts/network up` runs in the bench's own folder and on its own ports
(PROVENANCE_BENCH_NETWORK_DIR, default .state/bench-network; PROVENANCE_BENCH_NET_PORT_BASE,
default 19000), so neither a developer's network (7000) nor the real tier's (17000) is touched.
FABRIC_BIN and FABRIC_CFG are resolved as tests/real/fabric_net.py `fabric_tools` does. A
dispatcher (ProducerMSP) and a scanner (CarrierMSP) are registered and enrolled at their orgs'
real Fabric CAs with their `role` attribute (fabric-ca-client, tests/real/fabric_net.py
`FabricNet.enrol`); the ledger is demo/fabric.py's `connect_network` with those enrolments.
At the end the network is stopped (`scripts/network down`) and its folder removed (`clean`).
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from fabric_protos.peer.policy_pb2 import ApplicationPolicy

from bench.scan_stack import DISPATCHER_ORG, SCANNER_ORG
from demo.fabric import connect_network
from demo.ledger import DemoLedger
from network import processes
from network.nodes import admin_env
from network.topology import CHAINCODE, CHANNEL, PEER_ORGS, Node
from tests.real.fabric_net import FabricNet, FabricUnavailable, fabric_tools, org

REPO = Path(__file__).resolve().parents[1]

DEFAULT_PORT_BASE = "19000"
PROFILE = "SupplyChain"  # the configtx.yaml profile network/configs.py writes
__all__ = ["BenchNetwork", "FabricUnavailable", "fabric_network", "network_dir"]


def network_dir() -> Path:
    """Where the bench's network lives (scripts/bench exports the same default)."""
    chosen = os.environ.get("PROVENANCE_BENCH_NETWORK_DIR")
    if chosen:
        return Path(chosen).resolve()
    state = Path(os.environ.get("PROVENANCE_STATE_DIR") or REPO / ".state")
    return (state / "bench-network").resolve()


@dataclass(frozen=True)
class BenchNetwork:
    """The running network, its ledger with the bench's people, and how long `up` took."""

    net: FabricNet
    ledger: DemoLedger
    up_s: float

    def settings(self) -> dict[str, Any]:
        """The settings the channel was created with, read back from the configtx.yaml that
        `scripts/network up` generated (BatchTimeout, BatchSize, consenters, policies)."""
        topology = self.net.topology
        configtx = yaml.safe_load((self.net.layout.config / "configtx.yaml").read_text())
        channel = configtx["Profiles"][PROFILE]
        orderer, application = channel["Orderer"], channel["Application"]
        orgs = len(application["Organizations"])
        rule = application["Policies"]["Endorsement"]["Rule"]
        return {
            "fabric_version": _fabric_version(),
            "profile": topology.settings.profile,
            "batch_timeout": orderer["BatchTimeout"],
            "max_message_count": orderer["BatchSize"]["MaxMessageCount"],
            "absolute_max_bytes": orderer["BatchSize"]["AbsoluteMaxBytes"],
            "preferred_max_bytes": orderer["BatchSize"]["PreferredMaxBytes"],
            "topology_settings": {  # network/topology Settings, which configtx.yaml carries
                "batch_timeout": topology.settings.batch_timeout,
                "max_message_count": topology.settings.max_message_count,
                "profile": topology.settings.profile,
            },
            "consensus": f"{orderer['OrdererType']}, "
            f"{len(orderer['EtcdRaft']['Consenters'])} orderer(s)",
            "peers": len(topology.of_kind("peer")),
            "endorsement_policy": _endorsement(self.chaincode_policy(), rule, orgs),
            "gateway_peer": f"{_node_at(topology.nodes, self.ledger.endpoint)} "
            f"({self.ledger.endpoint}): every client and the tracker submit through it",
            "port_base": self.net.env["PROVENANCE_NET_PORT_BASE"],
            # relative to the checkout where it is inside it: results are committed, paths not
            "network_dir": _shown(self.net.root),
            "network_up_s": round(self.up_s, 1),
        }

    def operations(self) -> dict[str, str]:
        """Each peer's and orderer's operations address (Prometheus /metrics), by name."""
        nodes = self.net.topology.nodes
        return {n.name: n.address("ops") for n in nodes if n.kind in ("peer", "orderer")}

    def gateway_node(self) -> str:
        """The name of the peer every client and the tracker submit through."""
        return _node_at(self.net.topology.nodes, self.ledger.endpoint)

    def chaincode_policy(self) -> str:
        """The endorsement policy of the committed chaincode definition (`peer lifecycle
        chaincode querycommitted`): a channel policy's path, or its own signature policy."""
        topology, layout = self.net.topology, self.net.layout
        argv = [self.net.tools.exe("peer"), "lifecycle", "chaincode", "querycommitted"]
        argv += ["-C", CHANNEL, "-n", CHAINCODE, "-O", "json"]
        out = processes.run(argv, admin_env(topology, layout, PEER_ORGS[0]), "querycommitted")
        found = json.loads(out[out.find("{") :])
        policy = ApplicationPolicy.FromString(base64.b64decode(found["validation_parameter"]))
        if policy.WhichOneof("Type") == "channel_config_policy_reference":
            return str(policy.channel_config_policy_reference)
        return f"its own signature policy {policy.signature_policy}"


def _endorsement(chaincode: str, rule: str, orgs: int) -> str:
    """What endorses a transaction, from the chaincode's policy and the channel's rule."""
    if chaincode != "/Channel/Application/Endorsement":
        return f"the chaincode definition's {chaincode}"
    needed = f" ({orgs // 2 + 1} of {orgs} orgs' peers endorse each transaction)"
    return (
        f"{rule} of {orgs} orgs{needed if rule.startswith('MAJORITY') else ''}: the chaincode "
        f"definition refers to the channel's {chaincode}"
    )


def _node_at(nodes: tuple[Node, ...], address: str) -> str:
    return next((n.name for n in nodes if n.address() == address), "?")


def _fabric_version() -> str:
    for line in (REPO / "network" / "versions.env").read_text().splitlines():
        if line.startswith("FABRIC_VERSION="):
            return line.split("=", 1)[1].strip()
    return "unknown"


def _must(net: FabricNet, command: str) -> None:
    done = net.network(command)
    if done.returncode != 0:
        raise RuntimeError(
            f"scripts/network {command} failed ({done.returncode}) for the bench's network in "
            f"{net.root}:\n{done.stderr[-4000:]}"
        )


@contextmanager
def fabric_network() -> Iterator[BenchNetwork]:
    """A fresh network up and healthy, a dispatcher and a scanner enrolled at the real CAs;
    `scripts/network down` and `clean` on the way out, whatever happened.

    Raises FabricUnavailable when the Fabric binaries cannot be had on this machine."""
    env = dict(os.environ)
    fabric_bin, fabric_cfg = fabric_tools(env)
    root = network_dir()
    env.update(
        FABRIC_BIN=fabric_bin,
        FABRIC_CFG=fabric_cfg,
        PROVENANCE_NETWORK_DIR=str(root),
        PROVENANCE_NET_PORT_BASE=os.environ.get(
            "PROVENANCE_BENCH_NET_PORT_BASE", DEFAULT_PORT_BASE
        ),
    )
    net = FabricNet(root, env)
    _must(net, "clean")  # whatever an earlier, killed run left behind
    try:
        started = time.monotonic()
        base = env["PROVENANCE_NET_PORT_BASE"]
        sys.stderr.write(f"bench: scripts/network up in {root} (ports from {base})\n")
        _must(net, "up")
        up_s = time.monotonic() - started
        people = {
            DISPATCHER_ORG: net.enrol(org(DISPATCHER_ORG), "dispatcher"),
            SCANNER_ORG: net.enrol(org(SCANNER_ORG), "scanner"),
        }
        ledger = replace(connect_network(root, env), msp_dirs=people)
        yield BenchNetwork(net, ledger, up_s)
    finally:
        net.network("down")
        net.network("clean")


def _shown(path: Path) -> str:
    """A path as results may show it: relative to the checkout when inside it."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return path.name
