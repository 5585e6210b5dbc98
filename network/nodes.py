"""How each kind of node is started: its command line and environment."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from network.layout import Layout
from network.topology import ORDERER_MSP, Node, Org, Topology

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Tools:
    """Where the Fabric binaries and Fabric's sample configs are."""

    bin: Path
    fabric_cfg: Path

    @classmethod
    def from_env(cls) -> Tools:
        """FABRIC_BIN and FABRIC_CFG, as scripts/setup resolved them."""
        missing = [v for v in ("FABRIC_BIN", "FABRIC_CFG") if not os.environ.get(v)]
        if missing:
            raise SystemExit(
                f"{', '.join(missing)} not set: run the network through scripts/network"
            )
        return cls(Path(os.environ["FABRIC_BIN"]), Path(os.environ["FABRIC_CFG"]))

    def exe(self, name: str) -> str:
        """Full path of a Fabric binary."""
        return str(self.bin / name)


def _base_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "TZ", "TMPDIR")
    return {k: os.environ[k] for k in keep if k in os.environ}


def orderer_env(node: Node, layout: Layout) -> dict[str, str]:
    """The orderer's settings: no system channel, admin endpoint with mutual TLS."""
    tls = layout.node_dir(node) / "tls"
    tls_ca = str(layout.tls_ca(None))
    data = layout.data(node)
    return {
        **_base_env(),
        "FABRIC_CFG_PATH": str(layout.config),
        "FABRIC_LOGGING_SPEC": os.environ.get("PROVENANCE_NET_LOG_SPEC", "INFO"),
        "ORDERER_GENERAL_LISTENADDRESS": _listen_host(node),
        "ORDERER_GENERAL_LISTENPORT": str(node.ports["listen"]),
        "ORDERER_GENERAL_LOCALMSPID": ORDERER_MSP,
        "ORDERER_GENERAL_LOCALMSPDIR": str(layout.node_dir(node) / "msp"),
        "ORDERER_GENERAL_TLS_ENABLED": "true",
        "ORDERER_GENERAL_TLS_PRIVATEKEY": str(tls / "server.key"),
        "ORDERER_GENERAL_TLS_CERTIFICATE": str(tls / "server.crt"),
        "ORDERER_GENERAL_TLS_ROOTCAS": f"[{tls_ca}]",
        "ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE": str(tls / "server.crt"),
        "ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY": str(tls / "server.key"),
        "ORDERER_GENERAL_CLUSTER_ROOTCAS": f"[{tls_ca}]",
        "ORDERER_GENERAL_BOOTSTRAPMETHOD": "none",
        # Peers ping their block streams this often (nodes.peer_env); pings more frequent than
        # ServerMinInterval (60 s by default) would be refused with GOAWAY.
        "ORDERER_GENERAL_KEEPALIVE_SERVERMININTERVAL": _keepalive(),
        "ORDERER_CHANNELPARTICIPATION_ENABLED": "true",
        "ORDERER_ADMIN_LISTENADDRESS": f"{_listen_host(node)}:{node.ports['admin']}",
        "ORDERER_ADMIN_TLS_ENABLED": "true",
        "ORDERER_ADMIN_TLS_PRIVATEKEY": str(tls / "server.key"),
        "ORDERER_ADMIN_TLS_CERTIFICATE": str(tls / "server.crt"),
        "ORDERER_ADMIN_TLS_ROOTCAS": f"[{tls_ca}]",
        "ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED": "true",
        "ORDERER_ADMIN_TLS_CLIENTROOTCAS": f"[{tls_ca}]",
        "ORDERER_OPERATIONS_LISTENADDRESS": f"{_listen_host(node)}:{node.ports['ops']}",
        "ORDERER_METRICS_PROVIDER": "prometheus",
        "ORDERER_FILELEDGER_LOCATION": str(data / "ledger"),
        "ORDERER_CONSENSUS_WALDIR": str(data / "etcdraft" / "wal"),
        "ORDERER_CONSENSUS_SNAPDIR": str(data / "etcdraft" / "snapshot"),
    }


def peer_env(node: Node, layout: Layout) -> dict[str, str]:
    """The peer's settings: its own ports, TLS, Gateway, gossip through its own address."""
    assert node.org is not None
    tls = layout.node_dir(node) / "tls"
    listen = _listen_host(node)
    return {
        **_base_env(),
        "FABRIC_CFG_PATH": str(layout.config),
        "FABRIC_LOGGING_SPEC": os.environ.get("PROVENANCE_NET_LOG_SPEC", "INFO"),
        "CORE_PEER_ID": node.tls_host,
        "CORE_PEER_ADDRESS": node.address(),
        "CORE_PEER_LISTENADDRESS": f"{listen}:{node.ports['listen']}",
        "CORE_PEER_CHAINCODEADDRESS": node.address("chaincode"),
        "CORE_PEER_CHAINCODELISTENADDRESS": f"{listen}:{node.ports['chaincode']}",
        "CORE_PEER_GOSSIP_BOOTSTRAP": node.address(),
        "CORE_PEER_GOSSIP_EXTERNALENDPOINT": node.address(),
        "CORE_PEER_LOCALMSPID": node.org.msp_id,
        "CORE_PEER_MSPCONFIGPATH": str(layout.node_dir(node) / "msp"),
        "CORE_PEER_TLS_ENABLED": "true",
        "CORE_PEER_TLS_CERT_FILE": str(tls / "server.crt"),
        "CORE_PEER_TLS_KEY_FILE": str(tls / "server.key"),
        "CORE_PEER_TLS_ROOTCERT_FILE": str(tls / "ca.crt"),
        "CORE_PEER_FILESYSTEMPATH": str(layout.data(node)),
        "CORE_LEDGER_SNAPSHOTS_ROOTDIR": str(layout.data(node) / "snapshots"),
        "CORE_OPERATIONS_LISTENADDRESS": f"{listen}:{node.ports['ops']}",
        "CORE_PEER_GATEWAY_ENABLED": "true",
        # A peer that was not up yet when another probed it is retried after this, not after
        # the default 25 s: the Gateway finds other orgs' endorsers sooner after a (re)start.
        "CORE_PEER_GOSSIP_RECONNECTINTERVAL": os.environ.get(
            "PROVENANCE_NET_GOSSIP_RECONNECT", "3s"
        ),
        # A link cut without a reset (another host's cable, a partition) leaves a connection
        # that TCP retransmits on with doubling pauses: the peer's block stream resumed only
        # ~60 s after a 20 s cut. Pings find it dead instead, and the reconnection (at most
        # 5 s apart, not Fabric's hour) picks the healed link up at once.
        **_peer_keepalive(),
        "CORE_PEER_DELIVERYCLIENT_RECONNECTBACKOFFTHRESHOLD": "5s",
    }


def _keepalive() -> str:
    """How long a connection may stay silent before a ping tests it (PROVENANCE_NET_KEEPALIVE)."""
    return os.environ.get("PROVENANCE_NET_KEEPALIVE", "10s")


def _peer_keepalive() -> dict[str, str]:
    every = _keepalive()
    return {
        "CORE_PEER_KEEPALIVE_MININTERVAL": every,  # what it accepts from clients
        "CORE_PEER_KEEPALIVE_CLIENT_INTERVAL": every,  # to other peers (endorsement)
        "CORE_PEER_KEEPALIVE_CLIENT_TIMEOUT": "5s",
        "CORE_PEER_KEEPALIVE_DELIVERYCLIENT_INTERVAL": every,  # the block stream from orderers
        "CORE_PEER_KEEPALIVE_DELIVERYCLIENT_TIMEOUT": "5s",
    }


def admin_env(topology: Topology, layout: Layout, org: Org) -> dict[str, str]:
    """The `peer` CLI as the org's admin, talking to the org's peer."""
    peer = topology.peer_of(org)
    return {
        **_base_env(),
        "FABRIC_CFG_PATH": str(layout.config),
        "FABRIC_LOGGING_SPEC": "WARNING",
        "CORE_PEER_LOCALMSPID": org.msp_id,
        "CORE_PEER_MSPCONFIGPATH": str(layout.admin_dir(org) / "msp"),
        "CORE_PEER_ADDRESS": peer.address(),
        "CORE_PEER_TLS_ENABLED": "true",
        "CORE_PEER_TLS_ROOTCERT_FILE": str(layout.tls_ca(org)),
    }


def ca_argv(node: Node, layout: Layout, tools: Tools) -> list[str]:
    """fabric-ca-server started with the org's own CA key, so whom it enrolls are members."""
    assert node.org is not None
    return [
        tools.exe("fabric-ca-server"),
        "start",
        "--home",
        str(layout.data(node)),
        "--port",
        str(node.ports["listen"]),
        "--address",
        _listen_host(node),
        "--ca.name",
        f"ca-{node.org.name}",
        "--ca.certfile",
        str(layout.ca_cert(node.org)),
        "--ca.keyfile",
        str(layout.ca_key(node.org)),
        "--tls.enabled",
        "--csr.hosts",
        ",".join(sorted({"localhost", "127.0.0.1", node.host})),
        "--operations.listenaddress",
        f"{_listen_host(node)}:{node.ports['ops']}",
    ]


def ca_env(bootstrap: str = "") -> dict[str, str]:
    """fabric-ca-server's (or -client's) environment; the bootstrap `user:password` goes here,
    not on the command line, where any local user could read it with `ps`."""
    env = {**_base_env(), "FABRIC_CA_SERVER_LOGLEVEL": "info"}
    if bootstrap:
        env["FABRIC_CA_SERVER_BOOT"] = bootstrap
    return env


def chaincode_env(node: Node, layout: Layout, package_id: str) -> dict[str, str]:
    """`python -m chaincode` as a service, with TLS (the peers verify it)."""
    tls = layout.chaincode / "tls"
    return {
        **_base_env(),
        "CHAINCODE_ID": package_id,
        "CHAINCODE_SERVER_ADDRESS": f"{_listen_host(node)}:{node.ports['listen']}",
        "CHAINCODE_TLS_KEY_FILE": str(tls / "server.key"),
        "CHAINCODE_TLS_CERT_FILE": str(tls / "server.crt"),
        "CHAINCODE_LOG_LEVEL": "INFO",
        "PYTHONPATH": str(REPO),
    }


def chaincode_argv() -> list[str]:
    """The chaincode server's command: this virtualenv's Python."""
    return [sys.executable, "-m", "chaincode"]


def _listen_host(node: Node) -> str:
    """Listen on the node's own address; 0.0.0.0 when it is a name (a multi-host setup)."""
    host = node.host
    return host if host.replace(".", "").isdigit() or host == "localhost" else "0.0.0.0"
