"""`scripts/network up | down | status | clean`: the network's lifecycle, idempotent."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
import time
import urllib.request

from network import chaincode, channel, configs, hosts, identities, processes
from network.layout import Layout
from network.nodes import (
    Tools,
    ca_argv,
    ca_env,
    chaincode_argv,
    chaincode_env,
    orderer_env,
    peer_env,
)
from network.processes import NetworkError, log_line
from network.topology import CHAINCODE, CHANNEL, PEER_ORGS, Node, Topology

STOP_ORDER = ("chaincode", "peer", "orderer", "ca")
GOSSIP_TIMEOUT_S = 90.0


def up(topology: Topology, tools: Tools, only: str | None = None) -> None:
    """Start whatever is not running; create what does not exist yet. Safe to repeat.

    `only` (`--only`): start just those groups' nodes (topology.GROUPS), on a host that holds
    a copy of the network's material (`scripts/network bundle`), as on separate hosts."""
    layout = Layout(topology.state)
    started = time.monotonic()
    chosen = topology.select(only)
    check_profile(topology, layout)
    if only is None:
        ensure_material(topology, layout, tools)
    elif not (layout.crypto.exists() and layout.genesis_block.exists()):
        raise NetworkError(
            f"no crypto material or block 0 in {layout.root}: make them once on one host with "
            f"`scripts/network bundle --only {only}` and unpack that bundle here"
        )
    # cryptogen writes keys 0600 but in 0755 folders; also mends a network made before this.
    identities.make_private(layout.crypto)
    for node in chosen:  # every clash named before anything starts
        if processes.pid_of(layout, node.name) is None:
            processes.check_ports_free(node)
    _start_nodes(topology, layout, tools, chosen)
    if only is None:
        _ensure_chaincode(topology, layout, tools)
        _wait_gossip(topology, layout, topology.of_kind("peer"))
    else:
        peers = [n for n in chosen if n.kind == "peer"]
        if hosts.ensure_chaincode(topology, layout, tools, peers):
            _wait_gossip(topology, layout, peers)
        if topology.node("chaincode") in chosen:
            _start_chaincode(layout, topology.node("chaincode"), hosts.bundled(layout))
    write_tracker_env(topology, layout)
    log_line(
        f"network up in {time.monotonic() - started:.1f} s; tracker settings: {layout.tracker_env}"
    )


def ensure_material(topology: Topology, layout: Layout, tools: Tools) -> None:
    """Configs, crypto material and block 0, made once (`bundle` copies them to other hosts)."""
    if not layout.crypto.exists():
        configs.write_all(topology, layout, tools.fabric_cfg)
        log_line("crypto material (cryptogen, NodeOUs)")
        processes.run(
            [
                tools.exe("cryptogen"),
                "generate",
                "--config",
                str(layout.config / "crypto-config.yaml"),
                "--output",
                str(layout.crypto),
            ],
            {"PATH": "/usr/bin:/bin"},
            "cryptogen",
        )
    identities.make_private(layout.crypto)
    channel.ensure_genesis(layout, tools)


def _start_nodes(topology: Topology, layout: Layout, tools: Tools, chosen: list[Node]) -> None:
    """CAs (and their identities), orderers joined and led, peers joined: those chosen."""
    cas = [n for n in chosen if n.kind == "ca"]
    for ca in cas:
        assert ca.org is not None
        _start(
            layout,
            ca,
            ca_argv(ca, layout, tools),
            ca_env(f"admin:{identities.bootstrap_secret(layout, ca.org)}"),
        )
    for ca in cas:
        _wait_healthy(layout, ca)
        # Its first start wrote the bootstrap password into its config, and Idemix keys, 0644.
        identities.make_private(layout.data(ca))
        assert ca.org is not None
        identities.enroll_all(topology, layout, tools, ca.org)
    orderers = [n for n in chosen if n.kind == "orderer"]
    for orderer in orderers:
        _start(layout, orderer, [tools.exe("orderer")], orderer_env(orderer, layout))
    for orderer in orderers:
        _wait_healthy(layout, orderer)
        channel.join_orderer(layout, tools, orderer)
    peers = [n for n in chosen if n.kind == "peer"]
    for peer in peers:
        _start(layout, peer, [tools.exe("peer"), "node", "start"], peer_env(peer, layout))
    for peer in peers:
        _wait_healthy(layout, peer)
        assert peer.org is not None
        channel.join_peer(topology, layout, tools, peer.org)
    if orderers:
        first = orderers[0]
        processes.wait_until(
            layout,
            first.name,
            lambda: channel.orderer_active(layout, tools, first),
            "channel active",
        )
        # "active" comes before the election: until a leader exists, Broadcast is UNAVAILABLE.
        processes.wait_until(
            layout, first.name, lambda: _raft_leaders(topology) >= 1, "Raft leader"
        )


def upgrade(topology: Topology, tools: Tools, version: str) -> chaincode.Deployment:
    """Deploy a new version of the chaincode at the next sequence, restarting its server."""
    layout = Layout(topology.state)
    current = chaincode.committed(topology, layout, tools)
    sequence = (current[0] if current else 0) + 1
    deployed = chaincode.deploy(topology, layout, tools, version, sequence)
    server = topology.node("chaincode")
    processes.stop(layout, server.name)
    _start(layout, server, chaincode_argv(), chaincode_env(server, layout, deployed.package_id))
    return deployed


def _ensure_chaincode(topology: Topology, layout: Layout, tools: Tools) -> None:
    layout.chaincode.mkdir(parents=True, exist_ok=True)
    identities.make_private(layout.chaincode)  # its TLS key's folder, on a network made before
    server = topology.node("chaincode")
    committed = chaincode.committed(topology, layout, tools)
    deployed = chaincode.deployment(layout)
    if committed is None or deployed is None or deployed.sequence != committed[0]:
        log_line(f"chaincode {CHAINCODE}: install, approve by each org, commit")
        version = deployed.version if deployed and committed else "1.0"
        sequence = (committed[0] + 1) if committed else 1
        deployed = chaincode.deploy(topology, layout, tools, version, sequence)
    _start_chaincode(layout, server, deployed)


def _start_chaincode(layout: Layout, server: Node, deployed: chaincode.Deployment) -> None:
    _start(layout, server, chaincode_argv(), chaincode_env(server, layout, deployed.package_id))
    processes.wait_until(
        layout,
        server.name,
        lambda: processes.port_in_use(server.host, server.ports["listen"]),
        "chaincode server listening",
    )


def _start(layout: Layout, node: Node, argv: list[str], env: dict[str, str]) -> None:
    if processes.pid_of(layout, node.name) is not None:
        return
    processes.check_ports_free(node)
    if node.kind in ("peer", "orderer", "ca"):
        layout.data(node).mkdir(parents=True, exist_ok=True)
    processes.spawn(layout, node.name, argv, env)
    log_line(f"started {node.name} on {node.address()}  (log: {layout.log(node.name)})")


def _health_url(node: Node) -> str:
    return f"http://{node.address('ops')}/healthz"


def _healthy(node: Node) -> bool:
    # /healthz answers before the node's gRPC listener (and an orderer's admin endpoint, which
    # osnadmin needs next) accepts: all must be up.
    listeners = [node.ports[k] for k in ("listen", "admin") if k in node.ports]
    return processes.http_ok(_health_url(node)) and all(
        processes.port_in_use(node.host, port) for port in listeners
    )


def _wait_healthy(layout: Layout, node: Node) -> None:
    processes.wait_until(layout, node.name, lambda: _healthy(node), "healthy /healthz")


def gauge(node: Node, name: str) -> int | None:
    """A node's Prometheus gauge for the channel, from its operations endpoint (None when the
    node does not answer or does not report it)."""
    try:
        with urllib.request.urlopen(f"http://{node.address('ops')}/metrics", timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None
    found = re.search(rf'^{name}\{{channel="{CHANNEL}"\}} (\d+)', text, re.M)
    return int(found.group(1)) if found else None


def _metric(node: Node, name: str) -> int:
    return gauge(node, name) or 0


def known_peers(node: Node) -> int:
    """How many other peers of the channel the peer's gossip knows (0 when unreachable)."""
    return _metric(node, "gossip_membership_total_peers_known")


def _raft_leaders(topology: Topology) -> int:
    return sum(_metric(o, "consensus_etcdraft_is_leader") for o in topology.of_kind("orderer"))


def _wait_gossip(topology: Topology, layout: Layout, peers: list[Node]) -> None:
    """Each peer must know the other orgs' peers, or the Gateway cannot find endorsers."""
    others = len(topology.of_kind("peer")) - 1
    for peer in peers:
        processes.wait_until(
            layout,
            peer.name,
            lambda peer=peer: known_peers(peer) >= others,
            f"gossip membership of {others} other peers",
            GOSSIP_TIMEOUT_S,
        )


def check_profile(topology: Topology, layout: Layout) -> None:
    """Refuse a folder made with another profile; make it the owner's only (0700)."""
    stamp = layout.root / "profile"
    if stamp.exists() and stamp.read_text().strip() != topology.settings.profile:
        raise NetworkError(
            f"the network in {layout.root} was created with profile {stamp.read_text().strip()}; "
            f"run `scripts/network clean` before using profile {topology.settings.profile}"
        )
    # Keys, CA passwords and ledgers: the state is its owner's only (0700), whatever the umask.
    layout.root.mkdir(mode=identities.PRIVATE_FOLDER, parents=True, exist_ok=True)
    layout.root.chmod(identities.PRIVATE_FOLDER)
    stamp.write_text(topology.settings.profile + "\n")


def tracker_settings(topology: Topology, layout: Layout) -> dict[str, str]:
    """The tracker's variables for this network (its gateway peer: the carrier's)."""
    carrier = PEER_ORGS[1]
    peer = topology.peer_of(carrier)
    settings = {
        "TRACKER_PEER_ENDPOINT": peer.address(),
        "TRACKER_PEER_TLS_CA_FILE": str(layout.tls_ca(carrier)),
        "TRACKER_MSP_ID": carrier.msp_id,
        "TRACKER_MSP_DIR": str(layout.identity(carrier, identities.TRACKER) / "msp"),
        "TRACKER_CHANNEL": CHANNEL,
        "TRACKER_CHAINCODE": CHAINCODE,
        "TRACKER_CA_ORGS": ",".join(o.msp_id for o in PEER_ORGS),
    }
    for org in PEER_ORGS:
        key = f"TRACKER_CA_{org.msp_id.upper()}_"
        settings[key + "URL"] = f"https://{topology.ca_of(org).address()}"
        settings[key + "NAME"] = f"ca-{org.name}"
        settings[key + "TLS_CA_FILE"] = str(layout.ca_cert(org))
        settings[key + "REGISTRAR_MSP_DIR"] = str(
            layout.identity(org, identities.REGISTRAR) / "msp"
        )
    return settings


def write_tracker_env(topology: Topology, layout: Layout) -> None:
    """tracker.env (to `source`) and tracker.json: the tracker's settings for this network."""
    lines = [f"export {k}={shlex.quote(v)}" for k, v in tracker_settings(topology, layout).items()]
    layout.tracker_env.write_text("\n".join(lines) + "\n")
    (layout.root / "tracker.json").write_text(
        json.dumps(tracker_settings(topology, layout), indent=2) + "\n"
    )


def down(topology: Topology, only: str | None = None) -> int:
    """Stop exactly the processes `up` recorded (of the `only` groups), chaincode first; how
    many were running."""
    layout = Layout(topology.state)
    stopped = 0
    recorded = {p.stem for p in layout.pids.glob("*.pid")} if layout.pids.exists() else set()
    if only is not None:
        recorded &= {n.name for n in topology.select(only)}
    by_kind = {n.name: n.kind for n in topology.nodes}
    order = sorted(recorded, key=lambda n: STOP_ORDER.index(by_kind.get(n, "ca")))
    for name in order:
        if processes.stop(layout, name):
            stopped += 1
            log_line(f"stopped {name}")
    log_line(f"network down: {stopped} process(es) stopped; ledgers kept in {layout.root / 'data'}")
    return stopped


def status(topology: Topology, tools: Tools | None, only: str | None = None) -> int:
    """Print each (`only`: each chosen) node's state, health, height and log; 0 when all are
    healthy."""
    layout = Layout(topology.state)
    if not layout.crypto.exists():
        _out(f"no network processes recorded in {layout.root} (run: scripts/network up)")
        return 0
    unhealthy = 0
    _out(f"{'node':<18} {'state':<8} {'address':<22} {'':<10} log")
    for node in topology.select(only):
        running = processes.pid_of(layout, node.name) is not None
        if node.kind == "chaincode":
            healthy = running and processes.port_in_use(node.host, node.ports["listen"])
        else:
            healthy = running and _healthy(node)
        extra = ""
        if node.kind == "peer" and healthy and tools is not None:
            assert node.org is not None
            extra = f"height {channel.height(topology, layout, tools, node.org)}"
        state = "healthy" if healthy else ("running" if running else "stopped")
        unhealthy += 0 if healthy else 1
        _out(f"{node.name:<18} {state:<8} {node.address():<22} {extra:<10} {layout.log(node.name)}")
    deployed = chaincode.deployment(layout)
    if deployed:
        _out(f"chaincode {CHAINCODE} {deployed.version}, sequence {deployed.sequence}")
        _out(f"  package {deployed.package_id}")
    _out(f"tracker settings: source {layout.tracker_env}")
    return 0 if unhealthy == 0 else 1


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


def clean(topology: Topology) -> None:
    """Stop, then remove every generated file of the network."""
    down(topology)
    shutil.rmtree(topology.state, ignore_errors=True)
    log_line(f"removed {topology.state}")
