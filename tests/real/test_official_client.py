"""The official Fabric Gateway client for Node and the project's own client on real Fabric.

@hyperledger/fabric-gateway (bench/node/fabric-client.mjs, pinned in its package-lock.json) and
the project's Gateway client, each as a producer dispatcher enrolled at the real Fabric CA and
through the producer's peer, read what the other one wrote: the Node client evaluates
GetShipment on a shipment the project created, and the project reads back (state, history and
the decoded block) a shipment the Node client submitted. The peers' TLS certificates name
127.0.0.1 and localhost, so neither client overrides the TLS host name.

Skipped (with its reason shown) when node or bench/node's npm dependencies are missing, before
the network is started, except under scripts/test, which installs them (npm ci) and sets
PROVENANCE_REQUIRE_NODE=1: there a missing client fails the run instead.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chaincode.cc_samples import make_sscc, shipment_request
from tests.real.fabric_net import REPO, FabricNet, as_json, org
from tracker.ledger import Contract, Gateway
from tracker.ledger.blocks import DecodedBlock, decode_block

PINNED = "1.12.1"
NODE_DIR = REPO / "bench" / "node"
MANIFEST = NODE_DIR / "node_modules" / "@hyperledger" / "fabric-gateway" / "package.json"
NODE = shutil.which("node")
REQUIRED = os.environ.get("PROVENANCE_REQUIRE_NODE") == "1"
NODE_TIMEOUT_S = 120  # an upper bound for one run of the client, never a measured duration
VALID = 0  # protos.TxValidationCode
pytestmark = pytest.mark.skipif(
    not (NODE and MANIFEST.is_file()) and not REQUIRED,
    reason="node or bench/node/node_modules missing (scripts/test and scripts/bench run npm ci)",
)

PRODUCER = org("ProducerMSP")
OfficialClient = Callable[..., dict[str, Any]]


def _sscc() -> str:
    return make_sscc(secrets.randbelow(10**9))


@pytest.fixture(scope="session")
def official_client(tmp_path_factory: pytest.TempPathFactory) -> OfficialClient:
    """Run `node fabric-client.mjs COMMAND` with a config; its JSON answer.

    Session-scoped and requested before `fabric`, so a missing client fails (or is skipped
    above) before a whole network is started for nothing.
    """
    assert NODE, "node is not on the PATH: install Node.js 20.19+ (scripts/test requires it)"
    assert MANIFEST.is_file(), f"{MANIFEST} missing: run npm ci in {NODE_DIR}"
    assert json.loads(MANIFEST.read_text())["version"] == PINNED, "stale bench/node install"
    work = tmp_path_factory.mktemp("node-client")

    def run(command: str, config: dict[str, Any]) -> dict[str, Any]:
        path = work / f"{command}-{secrets.token_hex(4)}.json"
        path.write_text(json.dumps(config))
        done = subprocess.run(
            ["node", str(NODE_DIR / "fabric-client.mjs"), command, "--config", str(path)],
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT_S,
            check=False,
        )
        assert done.returncode == 0, f"fabric-client.mjs {command} failed:\n{done.stderr}"
        answer: dict[str, Any] = json.loads(done.stdout)
        return answer

    return run


def _node_config(
    fabric: FabricNet, msp_dir: Path, transaction: str, argument: str
) -> dict[str, Any]:
    """The Node client as the producer's dispatcher, through the producer's peer."""
    return {
        "endpoint": fabric.topology.peer_of(PRODUCER).address(),
        "tls_root_cert": str(fabric.layout.tls_ca(PRODUCER)),
        "host_override": None,  # the peer's TLS certificate names 127.0.0.1 and localhost
        "msp_id": PRODUCER.msp_id,
        "msp_dir": str(msp_dir),
        "channel": "supplychain",
        "chaincode": "provenance",
        "transaction": transaction,
        "arguments": [argument],
    }


@pytest.fixture(scope="module")
def dispatcher(fabric: FabricNet) -> Path:
    """A producer dispatcher enrolled at the producer's real Fabric CA; their MSP folder."""
    return fabric.enrol(PRODUCER, "dispatcher")


@pytest.fixture
def gateway(fabric: FabricNet, dispatcher: Path) -> Iterator[Gateway]:
    """The project's Gateway client as that dispatcher, through the producer's peer."""
    opened = fabric.gateway(PRODUCER, dispatcher)
    yield opened
    opened.close()


def _block(gateway: Gateway, number: int) -> DecodedBlock:
    network = gateway.network("supplychain")
    with network.block_events(start_block=number, stop_at_newest=True) as stream:
        return decode_block(next(stream))


def test_official_client_reads_a_shipment_the_project_created(
    official_client: OfficialClient, fabric: FabricNet, dispatcher: Path, gateway: Gateway
) -> None:
    sscc = _sscc()
    contract: Contract = fabric.contract(gateway)
    created = contract.submit("CreateShipment", json.dumps(shipment_request(sscc)))
    assert created.validation_code == "VALID"

    answer = official_client("evaluate", _node_config(fabric, dispatcher, "GetShipment", sscc))
    shipment = json.loads(answer["evaluated"])
    assert (shipment["sscc"], shipment["status"]) == (sscc, "created")
    assert shipment["created_tx"] == shipment["updated_tx"] == created.tx_id
    assert shipment["quantity"] == shipment_request(sscc)["quantity"]
    # Same peer, same state, canonical JSON: the two clients get the very same bytes.
    assert answer["evaluated"].encode() == contract.evaluate("GetShipment", sscc)


def test_project_reads_a_shipment_the_official_client_created(
    official_client: OfficialClient, fabric: FabricNet, dispatcher: Path, gateway: Gateway
) -> None:
    sscc = _sscc()
    answer = official_client(
        "once",
        _node_config(fabric, dispatcher, "CreateShipment", json.dumps(shipment_request(sscc))),
    )
    tx_id, number = answer["tx_id"], answer["block_number"]
    assert (answer["successful"], answer["code"]) == (True, VALID)
    assert json.loads(answer["evaluated"])["shipment"]["status"] == "created"
    assert json.loads(answer["result"])["shipment"]["created_tx"] == tx_id

    contract = fabric.contract(gateway)
    shipment = as_json(contract.evaluate("GetShipment", sscc))
    assert (shipment["sscc"], shipment["status"]) == (sscc, "created")
    assert shipment["created_tx"] == shipment["updated_tx"] == tx_id
    assert shipment["parties"] == shipment_request(sscc)["parties"]
    history = as_json(contract.evaluate("GetHistory", json.dumps({"sscc": sscc})))
    assert [entry["tx_id"] for entry in history["history"]] == [tx_id]  # written once

    # The project's Deliver client and block decoder see the Node client's transaction as the
    # dispatcher's, endorsed by at least two of the three orgs (MAJORITY).
    block = _block(gateway, number)
    assert block.number == number and block.data_hash_matches
    tx = next(t for t in block.transactions if t.tx_id == tx_id)
    assert (tx.validation_code, tx.creator_msp_id) == ("VALID", PRODUCER.msp_id)
    assert tx.creator_cert_pem == (dispatcher / "signcerts" / "cert.pem").read_bytes()
    assert len({e.msp_id for e in tx.endorsements}) >= 2
    assert tx.event is not None and tx.event.event_name == "ShipmentCreated"
