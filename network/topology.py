"""The network's shape: organisations, nodes, hosts and ports, read once from the environment.

Every address is configurable so the same scripts can place each node on its own host:
`PROVENANCE_NET_HOST` (default 127.0.0.1) for all nodes, `PROVENANCE_NET_<NODE>_HOST` for one,
`PROVENANCE_NET_PORT_BASE` (default 7000) for the port plan below, and
`PROVENANCE_NET_<NODE>_<KIND>_PORT` for one port (NODE as in `scripts/network status`,
upper-cased with `-` as `_`; KIND is LISTEN, ADMIN, OPS or CHAINCODE).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

CHANNEL = "supplychain"
CHAINCODE = "provenance"
DOMAIN = "example.com"
ORDERER_MSP = "OrdererMSP"
PROFILES = ("single", "raft3")


class TopologyError(ValueError):
    """A setting of the network is malformed."""


@dataclass(frozen=True)
class Org:
    """A peer organisation: its MSP id, domain and short name."""

    name: str  # producer, carrier, retailer
    msp_id: str

    @property
    def domain(self) -> str:
        """The org's DNS domain in the crypto material."""
        return f"{self.name}.{DOMAIN}"


PEER_ORGS = (
    Org("producer", "ProducerMSP"),
    Org("carrier", "CarrierMSP"),
    Org("retailer", "RetailerMSP"),
)
# What `--only` can name: the groups of nodes that may run on a host of their own.
GROUPS = ("orderer", "chaincode", *(o.name for o in PEER_ORGS))


@dataclass(frozen=True)
class Node:
    """One process of the network: where it listens and what it is."""

    name: str  # e.g. peer0-producer, orderer0, ca-carrier, chaincode
    kind: str  # peer, orderer, ca, chaincode
    host: str
    ports: Mapping[str, int]
    org: Org | None = None

    def address(self, kind: str = "listen") -> str:
        """host:port of one of the node's ports."""
        return f"{self.host}:{self.ports[kind]}"

    @property
    def tls_host(self) -> str:
        """The name in the node's TLS certificate (the SANs add host and localhost)."""
        if self.kind == "orderer":
            return f"{self.name}.{DOMAIN}"
        assert self.org is not None
        return f"{self.name.split('-')[0]}.{self.org.domain}"


@dataclass(frozen=True)
class Settings:
    """Block cutting and timings the channel is created with."""

    batch_timeout: str = "100ms"
    max_message_count: int = 100
    profile: str = "single"


@dataclass(frozen=True)
class Topology:
    """All nodes of the network and where its state lives."""

    state: Path
    nodes: tuple[Node, ...]
    settings: Settings = field(default_factory=Settings)

    def of_kind(self, kind: str) -> list[Node]:
        """The nodes of one kind, in start order."""
        return [n for n in self.nodes if n.kind == kind]

    def node(self, name: str) -> Node:
        """One node by name."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def peer_of(self, org: Org) -> Node:
        """The org's peer."""
        return self.node(f"peer0-{org.name}")

    def ca_of(self, org: Org) -> Node:
        """The org's Fabric CA."""
        return self.node(f"ca-{org.name}")

    def group(self, name: str) -> list[Node]:
        """The nodes one host runs: `orderer` (every orderer), `chaincode` (its server), or
        an org by short name or MSP id (its peer and CA)."""
        key = name.strip().lower()
        if key in ("orderer", "chaincode"):
            return self.of_kind(key)
        for org in PEER_ORGS:
            if key in (org.name, org.msp_id.lower()):
                return [n for n in self.nodes if n.org == org]
        raise TopologyError(f"unknown group {name!r}: choose from {', '.join(GROUPS)}")

    def select(self, only: str | None) -> list[Node]:
        """The nodes of a comma-separated list of groups (`--only`), or every node."""
        if only is None:
            return list(self.nodes)
        names = {n.name for part in only.split(",") if part.strip() for n in self.group(part)}
        if not names:
            raise TopologyError(f"--only {only!r} names no group: choose from {', '.join(GROUPS)}")
        return [n for n in self.nodes if n.name in names]


def _env_key(node: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", node.upper())


class _Ports:
    """The port plan: base + offset, each overridable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.base = self._int("PROVENANCE_NET_PORT_BASE", 7000)
        self.default_host = environ.get("PROVENANCE_NET_HOST", "127.0.0.1")

    def _int(self, name: str, default: int) -> int:
        raw = self.environ.get(name, "")
        if not raw:
            return default
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise TopologyError(f"{name}={raw!r} is not a TCP port number")
        return int(raw)

    def host(self, node: str) -> str:
        return self.environ.get(f"PROVENANCE_NET_{_env_key(node)}_HOST", self.default_host)

    def ports(self, node: str, offsets: Mapping[str, int]) -> dict[str, int]:
        return {
            kind: self._int(
                f"PROVENANCE_NET_{_env_key(node)}_{kind.upper()}_PORT", self.base + offset
            )
            for kind, offset in offsets.items()
        }


def from_env(state: Path, environ: Mapping[str, str] | None = None) -> Topology:
    """The topology the environment asks for (defaults: one orderer, three peer orgs)."""
    env = os.environ if environ is None else environ
    profile = env.get("PROVENANCE_NET_PROFILE", "single")
    if profile not in PROFILES:
        raise TopologyError(f"PROVENANCE_NET_PROFILE={profile!r}: choose one of {PROFILES}")
    plan = _Ports(env)
    nodes: list[Node] = []
    for i in range(3 if profile == "raft3" else 1):
        name = f"orderer{i}"
        offsets = {"listen": 50 + 100 * i, "admin": 53 + 100 * i, "ops": 443 + i}
        nodes.append(Node(name, "orderer", plan.host(name), plan.ports(name, offsets)))
    for k, org in enumerate(PEER_ORGS):
        peer, ca = f"peer0-{org.name}", f"ca-{org.name}"
        peer_offsets = {"listen": 1051 + 100 * k, "chaincode": 1052 + 100 * k, "ops": 446 + k}
        ca_offsets = {"listen": 1054 + 100 * k, "ops": 456 + k}
        nodes.append(Node(peer, "peer", plan.host(peer), plan.ports(peer, peer_offsets), org))
        nodes.append(Node(ca, "ca", plan.host(ca), plan.ports(ca, ca_offsets), org))
    nodes.append(
        Node(
            "chaincode",
            "chaincode",
            plan.host("chaincode"),
            plan.ports("chaincode", {"listen": 999}),
        )
    )
    settings = Settings(
        batch_timeout=env.get("PROVENANCE_NET_BATCH_TIMEOUT", Settings.batch_timeout),
        max_message_count=plan._int("PROVENANCE_NET_MAX_MESSAGE_COUNT", Settings.max_message_count),
        profile=profile,
    )
    if not re.fullmatch(r"\d+(ms|s)", settings.batch_timeout):
        raise TopologyError(
            f"PROVENANCE_NET_BATCH_TIMEOUT={settings.batch_timeout!r}: write e.g. 100ms or 1s"
        )
    return Topology(state, tuple(nodes), settings)
