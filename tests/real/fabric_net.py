"""The real tier's handle on a real Hyperledger Fabric network, started by `scripts/network up`
in the test run's own folder and on its own ports, and stopped at the end of the session."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from network import channel
from network.layout import Layout
from network.nodes import Tools
from network.processes import pid_of
from network.topology import PEER_ORGS, Org, Topology, from_env
from tracker.ledger import Contract, Gateway, connect, load_enrolment

REPO = Path(__file__).resolve().parents[2]
NETWORK_TIMEOUT_S = 600  # an upper bound for `scripts/network up`, never a measured duration
WAIT_S = 180.0  # an upper bound for anything to happen, never a measured duration


class FabricUnavailable(RuntimeError):
    """The Fabric binaries cannot be had on this machine (setup exited 69)."""


def fabric_tools(cache_env: dict[str, str]) -> tuple[str, str]:
    """FABRIC_BIN and FABRIC_CFG as scripts/setup resolves them (no build when cached)."""
    script = (
        f'source "{REPO}/scripts/lib/common.sh"; source "{REPO}/scripts/lib/fabric.sh"; '
        'ensure_fabric; printf "%s\\n%s\\n" "$FABRIC_BIN" "$FABRIC_CFG"'
    )
    done = subprocess.run(
        ["bash", "-c", script], env=cache_env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise FabricUnavailable(done.stderr.strip())
    fabric_bin, fabric_cfg = done.stdout.split()
    return fabric_bin, fabric_cfg


def require_fabric_tools(env: dict[str, str]) -> tuple[str, str]:
    """FABRIC_BIN and FABRIC_CFG, or the real tier's skip (a failure when
    PROVENANCE_REQUIRE_FABRIC=1), as the session's network does it."""
    try:
        return fabric_tools(env)
    except FabricUnavailable as reason:
        if env.get("PROVENANCE_REQUIRE_FABRIC") == "1":
            pytest.fail(f"real tier NOT RUN: {reason}")
        pytest.skip(f"real tier NOT RUN: {reason}")


@dataclass
class FabricNet:
    """A running network: its topology, where its state is, how to drive it."""

    root: Path
    env: dict[str, str]

    @property
    def topology(self) -> Topology:
        """Nodes, hosts and ports, as scripts/network computed them."""
        return from_env(self.root, self.env)

    @property
    def layout(self) -> Layout:
        """Where each file of the network is."""
        return Layout(self.root)

    @property
    def tools(self) -> Tools:
        """The Fabric binaries."""
        return Tools(Path(self.env["FABRIC_BIN"]), Path(self.env["FABRIC_CFG"]))

    def network(
        self, *args: str, timeout: float = NETWORK_TIMEOUT_S
    ) -> subprocess.CompletedProcess[str]:
        """Run `scripts/network ARGS` on this network."""
        return subprocess.run(
            [str(REPO / "scripts" / "network"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def up(self) -> None:
        """`scripts/network up`, which must succeed."""
        done = self.network("up")
        assert done.returncode == 0, done.stderr

    def settings(self) -> dict[str, str]:
        """The tracker's variables for this network (its gateway peer: the carrier's)."""
        loaded: dict[str, str] = json.loads((self.root / "tracker.json").read_text())
        return loaded

    def tracker_settings_for(self, org: Org) -> dict[str, str]:
        """The tracker's variables with that org's peer as gateway and its tracker identity."""
        return {
            **self.settings(),
            "TRACKER_PEER_ENDPOINT": self.topology.peer_of(org).address(),
            "TRACKER_PEER_TLS_CA_FILE": str(self.layout.tls_ca(org)),
            "TRACKER_MSP_ID": org.msp_id,
            "TRACKER_MSP_DIR": str(self.layout.identity(org, "tracker") / "msp"),
        }

    def height(self, org: Org) -> int | None:
        """The channel's height on the org's peer."""
        return channel.height(self.topology, self.layout, self.tools, org)

    def heights(self) -> dict[str, int | None]:
        """Height per peer."""
        return {org.msp_id: self.height(org) for org in PEER_ORGS}

    def pid(self, node: str) -> int | None:
        """The running process of a node."""
        return pid_of(self.layout, node)

    def kill(self, node: str, signum: int = signal.SIGKILL) -> None:
        """Signal one node's process (kill -9 by default)."""
        pid = self.pid(node)
        assert pid is not None, f"{node} is not running"
        os.kill(pid, signum)

    def enrol(self, org: Org, role: str | None, name: str | None = None) -> Path:
        """Register and enrol a person at the org's real Fabric CA; their MSP folder."""
        name = name or f"{role or 'client'}-{secrets.token_hex(4)}"
        registrar = self.layout.identity(org, "registrar")
        home = self.root / "people" / org.name / name
        ca = self.topology.ca_of(org)
        secret = secrets.token_urlsafe(12)
        base = [self.tools.exe("fabric-ca-client")]
        common = ["--caname", f"ca-{org.name}", "--tls.certfiles", str(self.layout.ca_cert(org))]
        register = [*base, "register", "--home", str(registrar), *common]
        register += ["-u", f"https://{ca.address()}", "--id.name", name, "--id.secret", secret]
        register += ["--id.type", "client"]
        if role:
            register += ["--id.attrs", f"role={role}:ecert"]
        enroll = [*base, "enroll", "--home", str(home), *common]
        enroll += ["-u", f"https://{name}:{secret}@{ca.address()}"]
        for argv in (register, enroll):
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stderr
        return home / "msp"

    def gateway(self, org: Org, msp_dir: Path, via: Org | None = None) -> Gateway:
        """The project's Gateway client as that identity, through `via`'s peer (default: own)."""
        peer_org = via or org
        identity, signer = load_enrolment(org.msp_id, msp_dir)
        return connect(
            endpoint=self.topology.peer_of(peer_org).address(),
            tls_root_cert_path=self.layout.tls_ca(peer_org),
            identity=identity,
            signer=signer,
        )

    def contract(self, gateway: Gateway) -> Contract:
        """The provenance chaincode on the channel."""
        return gateway.network("supplychain").contract("provenance")


def org(msp_id: str) -> Org:
    """A peer org by MSP id."""
    return next(o for o in PEER_ORGS if o.msp_id == msp_id)


def as_json(raw: bytes) -> Any:
    """A chaincode result."""
    return json.loads(raw)


def wait_for(check: Callable[[], bool], what: str, timeout: float = WAIT_S) -> float:
    """Poll until `check()`; the seconds it took. Fails naming `what` once `timeout` passes."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"timed out waiting for {what}"
        time.sleep(0.1)
    return time.monotonic() - started
