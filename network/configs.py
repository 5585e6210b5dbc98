"""The network's generated configuration: crypto-config, configtx and the peer's core.yaml.

Fabric's own sample `core.yaml` and `orderer.yaml` (from the Fabric release or module, never
from this repository) are copied and adjusted with the few settings a native, Docker-less
network needs; everything else about a node is set through its environment (nodes.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from network.layout import Layout
from network.topology import DOMAIN, ORDERER_MSP, PEER_ORGS, Topology

REPO = Path(__file__).resolve().parents[1]
BUILDERS = REPO / "network" / "builders"


def _sans(*hosts: str) -> list[str]:
    return sorted({"localhost", "127.0.0.1", *hosts})


def crypto_config(topology: Topology) -> dict[str, Any]:
    """cryptogen's input: NodeOUs on, one peer per org, every node's host in its SANs."""
    orderers = [{"Hostname": n.name, "SANS": _sans(n.host)} for n in topology.of_kind("orderer")]
    peer_orgs = []
    for org in PEER_ORGS:
        peer = topology.peer_of(org)
        peer_orgs.append(
            {
                "Name": org.name,
                "Domain": org.domain,
                "EnableNodeOUs": True,
                "Specs": [{"Hostname": "peer0", "SANS": _sans(peer.host)}],
                "Users": {"Count": 1},
            }
        )
    return {
        "OrdererOrgs": [
            {"Name": "Orderer", "Domain": DOMAIN, "EnableNodeOUs": True, "Specs": orderers}
        ],
        "PeerOrgs": peer_orgs,
    }


def _rule(text: str) -> dict[str, str]:
    return {"Type": "Signature", "Rule": text}


def _peer_org_policies(msp: str) -> dict[str, Any]:
    return {
        "Readers": _rule(f"OR('{msp}.admin', '{msp}.peer', '{msp}.client')"),
        "Writers": _rule(f"OR('{msp}.admin', '{msp}.client')"),
        "Admins": _rule(f"OR('{msp}.admin')"),
        "Endorsement": _rule(f"OR('{msp}.peer')"),
    }


def _orderer_org_policies(msp: str) -> dict[str, Any]:
    return {
        "Readers": _rule(f"OR('{msp}.member')"),
        "Writers": _rule(f"OR('{msp}.member')"),
        "Admins": _rule(f"OR('{msp}.admin')"),
    }


def _meta(rule: str) -> dict[str, str]:
    return {"Type": "ImplicitMeta", "Rule": rule}


def configtx(topology: Topology, layout: Layout) -> dict[str, Any]:
    """configtx.yaml for the channel: Raft orderers, three peer orgs with anchor peers."""
    orderers = topology.of_kind("orderer")
    orderer_org: dict[str, Any] = {
        "Name": "OrdererOrg",
        "ID": ORDERER_MSP,
        "MSPDir": str(layout.org_root(None) / "msp"),
        "Policies": _orderer_org_policies(ORDERER_MSP),
        "OrdererEndpoints": [o.address() for o in orderers],
    }
    orgs: list[dict[str, Any]] = [orderer_org]
    app_orgs: list[dict[str, Any]] = []
    for org in PEER_ORGS:
        peer = topology.peer_of(org)
        entry: dict[str, Any] = {
            "Name": org.msp_id,
            "ID": org.msp_id,
            "MSPDir": str(layout.org_root(org) / "msp"),
            "Policies": _peer_org_policies(org.msp_id),
            # Without anchor peers the Gateway cannot find the other orgs to endorse.
            "AnchorPeers": [{"Host": peer.host, "Port": peer.ports["listen"]}],
        }
        orgs.append(entry)
        app_orgs.append(entry)
    consenters = [
        {
            "Host": o.host,
            "Port": o.ports["listen"],
            "ClientTLSCert": str(layout.node_dir(o) / "tls" / "server.crt"),
            "ServerTLSCert": str(layout.node_dir(o) / "tls" / "server.crt"),
        }
        for o in orderers
    ]
    settings = topology.settings
    channel = {
        "Policies": {
            "Readers": _meta("ANY Readers"),
            "Writers": _meta("ANY Writers"),
            "Admins": _meta("MAJORITY Admins"),
        },
        "Capabilities": {"V3_0": True},
        "Orderer": {
            "OrdererType": "etcdraft",
            "BatchTimeout": settings.batch_timeout,
            "BatchSize": {
                "MaxMessageCount": settings.max_message_count,
                "AbsoluteMaxBytes": "10 MB",
                "PreferredMaxBytes": "2 MB",
            },
            "EtcdRaft": {
                "Consenters": consenters,
                "Options": {
                    "TickInterval": "500ms",
                    "ElectionTick": 10,
                    "HeartbeatTick": 1,
                    "MaxInflightBlocks": 5,
                    "SnapshotIntervalSize": "16 MB",
                },
            },
            "Organizations": [orderer_org],
            "Policies": {
                "Readers": _meta("ANY Readers"),
                "Writers": _meta("ANY Writers"),
                "Admins": _meta("MAJORITY Admins"),
                "BlockValidation": _meta("ANY Writers"),
            },
            "Capabilities": {"V2_0": True},
        },
        "Application": {
            "Organizations": app_orgs,
            "Policies": {
                "Readers": _meta("ANY Readers"),
                "Writers": _meta("ANY Writers"),
                "Admins": _meta("MAJORITY Admins"),
                "LifecycleEndorsement": _meta("MAJORITY Endorsement"),
                "Endorsement": _meta("MAJORITY Endorsement"),
            },
            "Capabilities": {"V2_5": True},
        },
    }
    return {"Organizations": orgs, "Profiles": {"SupplyChain": channel}}


def core_yaml(sample: dict[str, Any]) -> dict[str, Any]:
    """Fabric's sample core.yaml, adjusted for peers that run as plain processes."""
    # No Docker: with a VM endpoint set, /healthz stays 503 (the Docker check fails).
    sample["vm"]["endpoint"] = ""
    sample["chaincode"]["externalBuilders"] = [
        {
            "name": "ccaas",
            "path": str(BUILDERS / "ccaas"),
            "propagateEnvironment": ["HOME"],
        }
    ]
    sample["chaincode"]["executetimeout"] = "30s"
    sample["metrics"]["provider"] = "prometheus"
    return sample


def write_all(topology: Topology, layout: Layout, fabric_cfg: Path) -> None:
    """Write crypto-config.yaml, configtx.yaml, core.yaml and orderer.yaml."""
    layout.config.mkdir(parents=True, exist_ok=True)
    _dump(layout.config / "crypto-config.yaml", crypto_config(topology))
    _dump(layout.config / "configtx.yaml", configtx(topology, layout))
    sample = yaml.safe_load((fabric_cfg / "core.yaml").read_text())
    _dump(layout.config / "core.yaml", core_yaml(sample))
    shutil.copyfile(fabric_cfg / "orderer.yaml", layout.config / "orderer.yaml")


def _dump(path: Path, value: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(value, sort_keys=False))
