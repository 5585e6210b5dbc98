"""Fixtures of the interop tests: a SimulatedPeer (FAKE, not Fabric) over TLS, and a way to
run the official Fabric Gateway client for Node (bench/node/fabric-client.mjs) against it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fabricsim.peer import SimulatedPeer
from fabricsim.pki import PEER_HOST, SimPki

NODE_DIR = Path(__file__).resolve().parents[2] / "bench" / "node"
NODE_TIMEOUT_S = 120  # an upper bound for one run of the client, never a measured duration


@pytest.fixture
def official_client(
    peer: SimulatedPeer, pki: SimPki, tmp_path: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `node fabric-client.mjs COMMAND` as an enrolled person against the peer."""

    def run(
        command: str, *, msp_id: str, msp_dir: Path, transaction: str, arguments: list[str],
        **extra: Any,
    ) -> subprocess.CompletedProcess[str]:  # fmt: skip
        config = {
            "endpoint": peer.endpoint,
            "tls_root_cert": str(pki.tls_root_path),
            "host_override": PEER_HOST,
            "msp_id": msp_id,
            "msp_dir": str(msp_dir),
            "channel": "supplychain",
            "chaincode": "provenance",
            "transaction": transaction,
            "arguments": arguments,
            **extra,
        }
        path = tmp_path / f"node-{command}.json"
        path.write_text(json.dumps(config))
        return subprocess.run(
            ["node", str(NODE_DIR / "fabric-client.mjs"), command, "--config", str(path)],
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT_S,
            check=False,
        )

    return run
