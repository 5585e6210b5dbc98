"""The official Hyperledger Fabric Gateway client for Node, as the benchmark drives it.

bench/node/fabric-client.mjs uses @hyperledger/fabric-gateway (pinned in bench/node's
package-lock.json; `npm ci` there, which scripts/bench and scripts/test run) through its public
API only: `submitAsync` + `getStatus` per transaction, one connection, one async worker per
scanner, the same TLS root, enrolment folder and peer as the project's client.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.scan_stack import CHAINCODE, CHANNEL, SCANNER_ORG
from demo.ledger import DemoLedger

NODE_DIR = Path(__file__).resolve().parent / "node"
NODE_TIMEOUT_S = 900  # an upper bound for one run, never a measured duration


def node_available() -> str | None:
    """Why the official Node client cannot run, or None when it can."""
    if shutil.which("node") is None:
        return "node is not on the PATH: install Node.js 20.19+ (22.12+ recommended)"
    if not (NODE_DIR / "node_modules" / "@hyperledger" / "fabric-gateway").is_dir():
        return f"{NODE_DIR}/node_modules is missing: run `npm ci` there (scripts/bench does)"
    return None


def run_node_client(config: dict[str, Any], command: str = "bench") -> dict[str, Any]:
    """bench/node/fabric-client.mjs with `config`; its JSON answer."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "config.json"
        path.write_text(json.dumps(config))
        done = subprocess.run(
            ["node", str(NODE_DIR / "fabric-client.mjs"), command, "--config", str(path)],
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT_S,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"the official Node client failed ({done.returncode}):\n{done.stderr}")
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def node_config(ledger: DemoLedger, org: str, transaction: str, arguments: list[str]) -> Any:
    """The Node client's configuration: the same peer, TLS root and enrolment folder."""
    return {
        "endpoint": ledger.endpoint,
        "tls_root_cert": str(ledger.tls_root),
        "host_override": ledger.host_override,
        "msp_id": org,
        "msp_dir": str(ledger.msp_dirs[org]),
        "channel": CHANNEL,
        "chaincode": CHAINCODE,
        "transaction": transaction,
        "arguments": arguments,
    }


def official_node(
    ledger: DemoLedger, concurrency: int, arguments: list[str], warmup: int
) -> dict[str, Any]:
    """(c) The official Node client: `submitAsync` + `getStatus`, one async worker per scanner."""
    config = node_config(ledger, SCANNER_ORG, "RecordCheckpoint", arguments)
    answer = run_node_client({**config, "concurrency": concurrency, "warmup": warmup})
    return {
        "samples": [ms / 1000 for ms in answer["samples_ms"]],
        "wall_s": answer["wall_s"],
        "cpu_s": answer["cpu_s"],
        "errors": answer["errors"],
        "messages": answer["error_messages"],
        "warmup": answer["warmup"],
        "warmup_errors": answer["warmup_errors"],
        "node": answer["node"],
        "signature_ms": round(answer["signature_ms"], 3),
    }
