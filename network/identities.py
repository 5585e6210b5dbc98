"""Identities enrolled at each org's Fabric CA: the registrar and the tracker's own identity."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from network import processes
from network.layout import Layout
from network.nodes import Tools, ca_env
from network.topology import Org, Topology

REGISTRAR = "registrar"
TRACKER = "tracker"  # the tracker's own identity: follows blocks, verifies (no role)
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700
# Files that hold a private key or a secret, by name, wherever they are in the state: keys
# (cryptogen's priv_sk, server.key / client.key, BCCSP's <ski>_sk), fabric-ca-server's
# config (it writes the bootstrap admin's password into it) and database (its identities).
PRIVATE_NAMES = frozenset({"priv_sk", "fabric-ca-server-config.yaml", "fabric-ca-server.db"})
PRIVATE_SUFFIXES = ("_sk", ".key")
KEY_FOLDERS = frozenset({"keystore"})  # everything in it is a key (Idemix IssuerSecretKey too)


def is_private(path: Path) -> bool:
    """Whether a file of the network's state holds a private key or a secret."""
    return (
        path.name in PRIVATE_NAMES
        or path.name.endswith(PRIVATE_SUFFIXES)
        or path.parent.name in KEY_FOLDERS
    )


def make_private(root: Path) -> list[Path]:
    """Mode 0600 for every private file under `root` and 0700 for the folders that hold one
    (and every keystore), as cryptogen and fabric-ca-client leave keys in 0755 folders and
    Idemix keys, fabric-ca-server's config and database 0644. Idempotent; the changed paths."""
    changed: list[Path] = []

    def ensure(path: Path, mode: int) -> None:
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
            changed.append(path)

    if not root.exists():
        return changed
    for folder, _dirs, files in os.walk(root):
        here = Path(folder)
        private = [here / name for name in files if is_private(here / name)]
        for path in private:
            if not path.is_symlink():
                ensure(path, PRIVATE_FILE)
        if private or here.name in KEY_FOLDERS:
            ensure(here, PRIVATE_FOLDER)
    return changed


def bootstrap_secret(layout: Layout, org: Org) -> str:
    """The CA's bootstrap admin password, made once and kept 0600 in the state."""
    path = layout.root / "secrets" / f"ca-{org.name}-admin"
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(18))
        path.chmod(0o600)
    return path.read_text().strip()


def _client(layout: Layout, tools: Tools, org: Org, home: Path, command: str) -> list[str]:
    return [
        tools.exe("fabric-ca-client"),
        command,
        "--home",
        str(home),
        "--caname",
        f"ca-{org.name}",
        "--tls.certfiles",
        str(layout.ca_cert(org)),
    ]


def _url(topology: Topology, org: Org, user: str = "", secret: str = "") -> str:
    ca = topology.ca_of(org)
    cred = f"{user}:{secret}@" if user else ""
    return f"https://{cred}{ca.address()}"


def enroll_all(topology: Topology, layout: Layout, tools: Tools, org: Org) -> None:
    """The org's registrar (the CA's bootstrap admin) and the tracker identity, once each."""
    registrar = layout.identity(org, REGISTRAR)
    if not (registrar / "msp" / "signcerts" / "cert.pem").exists():
        argv = _client(layout, tools, org, registrar, "enroll")
        argv += ["-u", _url(topology, org, "admin", bootstrap_secret(layout, org))]
        processes.run(argv, ca_env(), f"enroll the registrar at ca-{org.name}")
    make_private(registrar)  # fabric-ca-client: key 0600, but in a 0755 home
    tracker = layout.identity(org, TRACKER)
    if (tracker / "msp" / "signcerts" / "cert.pem").exists():
        make_private(tracker)  # enrolled by an earlier version
        return
    secret_file = layout.root / "secrets" / f"{org.name}-{TRACKER}"
    if not secret_file.exists():
        secret = secrets.token_urlsafe(18)
        argv = _client(layout, tools, org, registrar, "register")
        argv += ["-u", _url(topology, org), "--id.name", TRACKER, "--id.type"]
        argv += ["client", "--id.secret", secret]
        processes.run(argv, ca_env(), f"register the tracker identity at ca-{org.name}")
        secret_file.write_text(secret)  # only once the CA knows it
        secret_file.chmod(0o600)
    argv = _client(layout, tools, org, tracker, "enroll")
    argv += ["-u", _url(topology, org, TRACKER, secret_file.read_text())]
    processes.run(argv, ca_env(), f"enroll the tracker identity at ca-{org.name}")
    make_private(tracker)
