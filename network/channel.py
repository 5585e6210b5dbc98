"""The channel: block 0 from configtx.yaml, joined by each orderer (osnadmin) and each peer."""

from __future__ import annotations

import json
import re

from network import processes
from network.layout import Layout
from network.nodes import Tools, admin_env
from network.topology import CHANNEL, Node, Org, Topology


def ensure_genesis(layout: Layout, tools: Tools) -> None:
    """Write block 0 once; it stays the channel's identity across restarts."""
    if layout.genesis_block.exists():
        return
    layout.genesis_block.parent.mkdir(parents=True, exist_ok=True)
    argv = [tools.exe("configtxgen"), "-configPath", str(layout.config), "-profile"]
    argv += ["SupplyChain", "-channelID", CHANNEL, "-outputBlock", str(layout.genesis_block)]
    processes.run(argv, {"PATH": "/usr/bin:/bin"}, "configtxgen (block 0)")


def _osnadmin(layout: Layout, tools: Tools, orderer: Node, *args: str) -> str:
    admin_tls = layout.admin_dir(None) / "tls"
    argv = [tools.exe("osnadmin"), "channel", *args, "-o", orderer.address("admin")]
    argv += ["--ca-file", str(layout.tls_ca(None))]
    argv += ["--client-cert", str(admin_tls / "client.crt")]
    argv += ["--client-key", str(admin_tls / "client.key")]
    return processes.run(argv, {"PATH": "/usr/bin:/bin"}, f"osnadmin on {orderer.name}")


def join_orderer(layout: Layout, tools: Tools, orderer: Node) -> None:
    """Join the orderer to the channel unless it already is."""
    listed = _osnadmin(layout, tools, orderer, "list")
    if f'"{CHANNEL}"' in listed:
        return
    _osnadmin(
        layout,
        tools,
        orderer,
        "join",
        "--channelID",
        CHANNEL,
        "--config-block",
        str(layout.genesis_block),
    )


def orderer_active(layout: Layout, tools: Tools, orderer: Node) -> bool:
    """True once the orderer reports the channel active (Raft has a leader)."""
    try:
        listed = _osnadmin(layout, tools, orderer, "list", "--channelID", CHANNEL)
    except processes.NetworkError:
        return False
    return '"active"' in listed


def join_peer(topology: Topology, layout: Layout, tools: Tools, org: Org) -> None:
    """Join the org's peer to the channel unless it already is."""
    env = admin_env(topology, layout, org)
    listed = processes.run([tools.exe("peer"), "channel", "list"], env, "peer channel list")
    if re.search(rf"^{CHANNEL}$", listed, re.MULTILINE):
        return
    processes.run(
        [tools.exe("peer"), "channel", "join", "-b", str(layout.genesis_block)],
        env,
        f"join {topology.peer_of(org).name} to {CHANNEL}",
    )


def height(topology: Topology, layout: Layout, tools: Tools, org: Org) -> int | None:
    """The channel's height on the org's peer, or None when it cannot be read."""
    env = admin_env(topology, layout, org)
    try:
        out = processes.run(
            [tools.exe("peer"), "channel", "getinfo", "-c", CHANNEL], env, "getinfo", 15
        )
    except processes.NetworkError:
        return None
    found = re.search(r"Blockchain info: (\{.*\})", out)
    return int(json.loads(found.group(1))["height"]) if found else None
