"""The provenance chaincode's lifecycle: CCaaS package, install, approve, commit, and its server.

The chaincode runs as a service (`python -m chaincode`); the peers reach it over TLS through
the `connection.json` that the project's external builder (network/builders/ccaas) releases.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import ipaddress
import json
import os
import re
import tarfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from network import processes
from network.layout import Layout
from network.nodes import Tools, admin_env
from network.topology import CHAINCODE, CHANNEL, PEER_ORGS, Node, Org, Topology


@dataclass(frozen=True)
class Deployment:
    """What is committed on the channel and which package the server must announce."""

    version: str
    sequence: int
    package_id: str


def deployment(layout: Layout) -> Deployment | None:
    """The recorded deployment, if the chaincode was committed."""
    path = layout.chaincode / "deployment.json"
    if not path.exists():
        return None
    return Deployment(**json.loads(path.read_text()))


def save(layout: Layout, deployed: Deployment) -> None:
    """Record what is deployed (the chaincode server announces its package id)."""
    (layout.chaincode / "deployment.json").write_text(json.dumps(asdict(deployed)) + "\n")


def ensure_tls(layout: Layout, server: Node) -> Path:
    """A CA and a server certificate for the chaincode server; the CA's path."""
    tls = layout.chaincode / "tls"
    # The server key's folder is its owner's only (it was 0755 before: mended on the next up).
    tls.mkdir(mode=0o700, parents=True, exist_ok=True)
    tls.chmod(0o700)
    if (tls / "server.crt").exists():
        return tls / "ca.crt"
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "provenance chaincode TLS CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.DNSName(server.host)]
    for ip in {"127.0.0.1", server.host}:
        if ip.replace(".", "").isdigit():
            names.append(x509.IPAddress(ipaddress.ip_address(ip)))
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "chaincode")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (tls / "ca.crt").write_bytes(ca.public_bytes(pem))
    (tls / "server.crt").write_bytes(cert.public_bytes(pem))
    key_pem = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Created 0600: the key is never readable by others, not even before a chmod.
    descriptor = os.open(tls / "server.key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(key_pem)
    return tls / "ca.crt"


def _tar(members: dict[str, bytes]) -> bytes:
    """A gzipped tar with no timestamps: the same members give the same bytes, so the same
    package id on every host that packages it (a package id is a hash of the file)."""
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w") as tar,
    ):
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def package(layout: Layout, server: Node, version: str) -> Path:
    """The CCaaS package: metadata (type ccaas) and connection.json (TLS required)."""
    root_cert = ensure_tls(layout, server).read_text()
    connection = {
        "address": server.address(),
        "dial_timeout": "10s",
        "tls_required": True,
        "client_auth_required": False,
        "root_cert": root_cert,
    }
    label = f"{CHAINCODE}_{version}"
    code = _tar({"connection.json": json.dumps(connection, indent=2).encode()})
    metadata = json.dumps({"type": "ccaas", "label": label}).encode()
    path = layout.chaincode / f"{label}.tar.gz"
    path.write_bytes(_tar({"metadata.json": metadata, "code.tar.gz": code}))
    return path


def _peer_args(topology: Topology, layout: Layout) -> list[str]:
    args: list[str] = []
    for org in PEER_ORGS:
        args += [
            "--peerAddresses",
            topology.peer_of(org).address(),
            "--tlsRootCertFiles",
            str(layout.tls_ca(org)),
        ]
    return args


def orderer_args(topology: Topology, layout: Layout) -> list[str]:
    """The `peer` CLI's flags to reach the first orderer over TLS."""
    orderer = topology.of_kind("orderer")[0]
    return [
        "-o",
        orderer.address(),
        "--ordererTLSHostnameOverride",
        orderer.tls_host,
        "--tls",
        "--cafile",
        str(layout.tls_ca(None)),
    ]


def committed(
    topology: Topology, layout: Layout, tools: Tools, org: Org = PEER_ORGS[0]
) -> tuple[int, str] | None:
    """(sequence, version) of the chaincode committed on the channel (asking the org's peer),
    or None."""
    env = admin_env(topology, layout, org)
    argv = [tools.exe("peer"), "lifecycle", "chaincode", "querycommitted"]
    argv += ["-C", CHANNEL, "-n", CHAINCODE, "-O", "json"]
    try:
        out = processes.run(argv, env, "querycommitted")
    except processes.NetworkError as error:
        if "is not defined" in str(error) or "not found" in str(error):
            return None
        raise
    start = out.find("{")
    found = json.loads(out[start:])
    return int(found["sequence"]), str(found["version"])


def deploy(
    topology: Topology, layout: Layout, tools: Tools, version: str, sequence: int
) -> Deployment:
    """Install on every peer, approve for every org, commit; returns the deployment."""
    deployed = Deployment(version, sequence, "")
    for org in PEER_ORGS:
        deployed = install(topology, layout, tools, org, version, sequence)
    save(layout, deployed)
    for org in PEER_ORGS:
        approve(topology, layout, tools, org, deployed)
    commit(topology, layout, tools, PEER_ORGS[0], deployed)
    return deployed


def install(
    topology: Topology, layout: Layout, tools: Tools, org: Org, version: str, sequence: int
) -> Deployment:
    """Package the version (the same bytes on every host) and install it on the org's peer."""
    path = package(layout, topology.node("chaincode"), version)
    env = admin_env(topology, layout, org)
    peer = tools.exe("peer")
    installed = processes.run(
        [peer, "lifecycle", "chaincode", "queryinstalled", "-O", "json"], env, "queryinstalled"
    )
    package_id = _package_id(tools, env, path)
    if package_id not in installed:
        processes.run(
            [peer, "lifecycle", "chaincode", "install", str(path)],
            env,
            f"install on {topology.peer_of(org).name}",
        )
    return Deployment(version, sequence, package_id)


def package_id(topology: Topology, layout: Layout, tools: Tools, path: Path) -> str:
    """The package's id (label and hash of its bytes), computed without a peer."""
    return _package_id(tools, admin_env(topology, layout, PEER_ORGS[0]), path)


def _package_id(tools: Tools, env: dict[str, str], path: Path) -> str:
    argv = [tools.exe("peer"), "lifecycle", "chaincode", "calculatepackageid", str(path)]
    calculated = processes.run(argv, env, "package id").strip()
    return calculated.splitlines()[-1].strip()


def approve(
    topology: Topology, layout: Layout, tools: Tools, org: Org, deployed: Deployment
) -> None:
    """Approve the definition for the org (through the orderer), waiting for its commit."""
    argv = [tools.exe("peer"), "lifecycle", "chaincode", "approveformyorg"]
    argv += [*orderer_args(topology, layout), *_definition(deployed)]
    argv += ["--package-id", deployed.package_id, "--waitForEvent"]
    _retry(_step(argv, admin_env(topology, layout, org), f"approve for {org.msp_id}"))


def approvals(
    topology: Topology, layout: Layout, tools: Tools, org: Org, deployed: Deployment
) -> dict[str, bool]:
    """Which orgs approved the definition, as the org's peer sees the channel."""
    argv = [tools.exe("peer"), "lifecycle", "chaincode", "checkcommitreadiness"]
    argv += [*_definition(deployed), "-O", "json"]
    out = processes.run(argv, admin_env(topology, layout, org), "checkcommitreadiness")
    found: dict[str, bool] = json.loads(out[out.find("{") :])["approvals"]
    return found


def commit(
    topology: Topology, layout: Layout, tools: Tools, org: Org, deployed: Deployment
) -> None:
    """Commit the approved definition as the org's admin, endorsed by every org's peer."""
    argv = [tools.exe("peer"), "lifecycle", "chaincode", "commit"]
    argv += [*orderer_args(topology, layout), *_definition(deployed)]
    argv += [*_peer_args(topology, layout), "--waitForEvent"]
    _retry(_step(argv, admin_env(topology, layout, org), "chaincode commit"))


def _definition(deployed: Deployment) -> list[str]:
    return ["-C", CHANNEL, "-n", CHAINCODE, "--version", deployed.version] + [
        "--sequence",
        str(deployed.sequence),
    ]


_SETTLING = re.compile(
    r"UNAVAILABLE|connection refused|no leader|failed to connect|not yet|service unavailable",
    re.IGNORECASE,
)


def _step(argv: list[str], env: dict[str, str], what: str) -> Callable[[], object]:
    return lambda: processes.run(argv, env, what)


def _retry(step: Callable[[], object], attempts: int = 10) -> None:
    """Run a lifecycle step, retrying while the channel is still settling (gossip, leader)."""
    for attempt in range(attempts):
        try:
            step()
            return
        except processes.NetworkError as error:
            transient = _SETTLING.search(str(error))
            if not transient or attempt == attempts - 1:
                raise
            time.sleep(1.0 + attempt)
