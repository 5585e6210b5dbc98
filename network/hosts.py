"""One group of nodes per host (`--only`): the bundle of shared material a host needs, and the
chaincode steps an org's host takes on its own (install, approve; the last org commits).

The material (crypto, configs, block 0, the chaincode package) is made once on one host;
`bundle --only GROUPS` packs what those groups' host needs: every public certificate, and the
private keys of the chosen orgs only.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

from network import chaincode, identities, processes
from network.layout import Layout
from network.nodes import Tools
from network.processes import NetworkError, log_line
from network.topology import PEER_ORGS, Node, Org, Topology

FIRST_VERSION = "1.0"
# Shared by every host; never the per-host state (ledgers, logs, pids, CA secrets, identities).
SHARED = ("profile", "config", "channel", "crypto", "chaincode")


def prepare_chaincode(topology: Topology, layout: Layout, tools: Tools) -> chaincode.Deployment:
    """The chaincode's TLS material, its package and its package id, recorded once."""
    deployed = chaincode.deployment(layout)
    if deployed is not None:
        return deployed
    layout.chaincode.mkdir(parents=True, exist_ok=True)
    path = chaincode.package(layout, topology.node("chaincode"), FIRST_VERSION)
    deployed = chaincode.Deployment(
        FIRST_VERSION, 1, chaincode.package_id(topology, layout, tools, path)
    )
    chaincode.save(layout, deployed)
    return deployed


def bundled(layout: Layout) -> chaincode.Deployment:
    """The deployment the bundle recorded; NetworkError when the folder has none."""
    deployed = chaincode.deployment(layout)
    if deployed is None:
        raise NetworkError(
            f"no {layout.chaincode / 'deployment.json'}: unpack a bundle made by "
            "`scripts/network bundle` into this folder first"
        )
    return deployed


def write_bundle(topology: Topology, layout: Layout, chosen: list[Node], name: str) -> Path:
    """A .tar.gz of the shared material, private keys only of the chosen groups; its path."""
    keep = _key_roots(layout, chosen)
    out = layout.root / "bundles" / f"{name}.tar.gz"
    out.parent.mkdir(mode=identities.PRIVATE_FOLDER, parents=True, exist_ok=True)
    with tarfile.open(out, "w:gz") as tar:
        for top in SHARED:
            for path in sorted(_walk(layout.root / top)):
                private = identities.is_private(path)
                if not private or any(root in path.parents for root in keep):
                    tar.add(path, arcname=str(path.relative_to(layout.root)), recursive=False)
    out.chmod(identities.PRIVATE_FILE)
    return out


def _walk(top: Path) -> list[Path]:
    if top.is_file():
        return [top]
    return [p for p in top.rglob("*") if p.is_file()] if top.exists() else []


def _key_roots(layout: Layout, chosen: list[Node]) -> list[Path]:
    """The folders whose private keys the chosen groups' host needs."""
    roots: list[Path] = []
    for node in chosen:
        if node.kind == "orderer":
            roots.append(layout.org_root(None))
        elif node.kind == "chaincode":
            roots.append(layout.chaincode)
        elif node.org is not None:
            roots.append(layout.org_root(node.org))
    return roots


def ensure_chaincode(topology: Topology, layout: Layout, tools: Tools, peers: list[Node]) -> bool:
    """Install the bundled package on the chosen peers and approve it for their orgs; commit
    it once every org approved. True when it is committed (the channel is complete)."""
    orgs = [p.org for p in peers if p.org is not None]
    if not orgs:
        return False
    deployed = bundled(layout)
    for org in orgs:
        installed = chaincode.install(
            topology, layout, tools, org, deployed.version, deployed.sequence
        )
        if installed.package_id != deployed.package_id:
            raise NetworkError(
                f"the package on this host is {installed.package_id}, the bundle's is "
                f"{deployed.package_id}: unpack the same bundle on every host"
            )
        if not _committed(topology, layout, tools, org, deployed):
            if not chaincode.approvals(topology, layout, tools, org, deployed).get(org.msp_id):
                log_line(f"chaincode: approve for {org.msp_id}")
                chaincode.approve(topology, layout, tools, org, deployed)
    return _commit_when_approved(topology, layout, tools, orgs[0], deployed)


def _committed(
    topology: Topology, layout: Layout, tools: Tools, org: Org, deployed: chaincode.Deployment
) -> bool:
    current = chaincode.committed(topology, layout, tools, org)
    return current is not None and current[0] >= deployed.sequence


def _commit_when_approved(
    topology: Topology, layout: Layout, tools: Tools, org: Org, deployed: chaincode.Deployment
) -> bool:
    if _committed(topology, layout, tools, org, deployed):
        return True
    approved = chaincode.approvals(topology, layout, tools, org, deployed)
    missing = [o.msp_id for o in PEER_ORGS if not approved.get(o.msp_id)]
    if missing:
        log_line(
            f"chaincode not committed yet: it waits for the approval of {', '.join(missing)} "
            "(run `scripts/network up --only ORG` on their hosts)"
        )
        return False
    log_line(f"chaincode: every org approved; commit as {org.msp_id}")
    try:
        chaincode.commit(topology, layout, tools, org, deployed)
    except processes.NetworkError:
        if not _committed(topology, layout, tools, org, deployed):
            raise
        # another org's host committed it first: the definition is on the channel
    return True
