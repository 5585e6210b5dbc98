"""Where each piece of the network's state lives under its state folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from network.topology import DOMAIN, Node, Org


@dataclass(frozen=True)
class Layout:
    """Paths of the generated state (crypto, configs, ledgers, logs, pids)."""

    root: Path

    @property
    def crypto(self) -> Path:
        """cryptogen's output."""
        return self.root / "crypto"

    @property
    def config(self) -> Path:
        """Generated configs: crypto-config.yaml, configtx.yaml, core.yaml, orderer.yaml."""
        return self.root / "config"

    @property
    def genesis_block(self) -> Path:
        """The channel's block 0."""
        return self.root / "channel" / "genesis.block"

    @property
    def logs(self) -> Path:
        """One log file per node."""
        return self.root / "logs"

    @property
    def pids(self) -> Path:
        """One pid file per running node."""
        return self.root / "pids"

    def data(self, node: Node) -> Path:
        """A node's ledger or database folder."""
        return self.root / "data" / node.name

    def log(self, name: str) -> Path:
        """A node's log file."""
        return self.logs / f"{name}.log"

    def pid(self, name: str) -> Path:
        """A node's pid file."""
        return self.pids / f"{name}.pid"

    # --- crypto material, as cryptogen lays it out ---------------------------------------
    def org_root(self, org: Org | None) -> Path:
        """An org's folder (None: the orderer org)."""
        if org is None:
            return self.crypto / "ordererOrganizations" / DOMAIN
        return self.crypto / "peerOrganizations" / org.domain

    def node_dir(self, node: Node) -> Path:
        """A peer's or orderer's folder (msp/, tls/)."""
        kind = "orderers" if node.kind == "orderer" else "peers"
        return self.org_root(node.org) / kind / node.tls_host

    def admin_dir(self, org: Org | None) -> Path:
        """The org admin's folder (msp/, tls/)."""
        domain = DOMAIN if org is None else org.domain
        return self.org_root(org) / "users" / f"Admin@{domain}"

    def tls_ca(self, org: Org | None) -> Path:
        """The org's TLS root certificate."""
        domain = DOMAIN if org is None else org.domain
        return self.org_root(org) / "tlsca" / f"tlsca.{domain}-cert.pem"

    def ca_cert(self, org: Org) -> Path:
        """The org's identity CA certificate (also the Fabric CA's TLS root)."""
        return self.org_root(org) / "ca" / f"ca.{org.domain}-cert.pem"

    def ca_key(self, org: Org) -> Path:
        """The org's identity CA key, which its Fabric CA signs with."""
        return self.org_root(org) / "ca" / "priv_sk"

    def identity(self, org: Org, name: str) -> Path:
        """An identity enrolled at the org's Fabric CA (fabric-ca-client's home)."""
        return self.root / "identities" / org.name / name

    @property
    def chaincode(self) -> Path:
        """The CCaaS package, its TLS material and the recorded package id."""
        return self.root / "chaincode"

    @property
    def tracker_env(self) -> Path:
        """The tracker's variables for this network, to `source`."""
        return self.root / "tracker.env"
