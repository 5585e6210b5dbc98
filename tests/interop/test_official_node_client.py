"""The official Fabric Gateway client for Node against the SimulatedPeer.

@hyperledger/fabric-gateway (bench/node, pinned in its package-lock.json) evaluates and submits
a CreateShipment through the SimulatedPeer's Gateway service; the project's own Deliver
client, block decoding, follower and `tracker verify` then read back the block it landed in.
This checks that the FAKE peer speaks the Gateway protocol as the official client expects, so
what the fast tier proves against it with the project's client is no private dialect.

Skipped (with its reason shown) when node or bench/node's npm dependencies are missing,
except under scripts/test, which installs them (npm ci) and sets PROVENANCE_REQUIRE_NODE=1:
there a missing client fails the run instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from fabricsim.peer import SimulatedPeer
from fabricsim.pki import PEER_HOST, Enrolment, SimPki
from tests.chaincode.cc_samples import make_sscc, shipment_request
from tracker.follow.follower import Follower, FollowerConfig
from tracker.ledger.blocks import decode_block
from tracker.ledger.gateway import Gateway, connect
from tracker.ledger.identity import load_enrolment
from tracker.store.engine import create_schema, open_database
from tracker.store.readmodel import ShipmentRow
from tracker.verify.run import verify

PINNED = "1.12.1"
NODE_DIR = Path(__file__).resolve().parents[2] / "bench" / "node"
MANIFEST = NODE_DIR / "node_modules" / "@hyperledger" / "fabric-gateway" / "package.json"
NODE = shutil.which("node")
REQUIRED = os.environ.get("PROVENANCE_REQUIRE_NODE") == "1"
pytestmark = pytest.mark.skipif(
    not (NODE and MANIFEST.is_file()) and not REQUIRED,
    reason="node or bench/node/node_modules missing (scripts/test and scripts/bench run npm ci)",
)
VALID = 0  # protos.TxValidationCode
OfficialClient = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def dispatcher(pki: SimPki) -> Enrolment:
    """The producer's dispatcher, enrolled as fabric-ca-client lays it out."""
    assert NODE, "node is not on the PATH: install Node.js 20.19+ (scripts/test requires it)"
    assert MANIFEST.is_file(), f"{MANIFEST} missing: run npm ci in {NODE_DIR}"
    assert json.loads(MANIFEST.read_text())["version"] == PINNED, "stale bench/node install"
    return pki.enrol("ProducerMSP", f"dispatcher-{uuid.uuid4().hex[:8]}", "dispatcher")


def _project_client(peer: SimulatedPeer, pki: SimPki) -> Gateway:
    """The project's Gateway client, as the tracker's follower identity."""
    follower = pki.enrol("CarrierMSP", f"follower-{uuid.uuid4().hex[:8]}", None)
    identity, signer = load_enrolment("CarrierMSP", follower.msp_dir)
    return connect(
        endpoint=peer.endpoint,
        tls_root_cert_path=pki.tls_root_path,
        server_name_override=PEER_HOST,
        signer=signer,
        identity=identity,
    )


def _blocks(peer: SimulatedPeer, pki: SimPki, start: int) -> list[object]:
    """Every block from `start` to the newest, through the project's Deliver client."""
    with _project_client(peer, pki) as gateway:
        network = gateway.network("supplychain")
        return list(network.block_events(start_block=start, stop_at_newest=True))


def test_official_client_submits_a_shipment_the_project_reads_back(
    official_client: OfficialClient,
    peer: SimulatedPeer,
    pki: SimPki,
    dispatcher: Enrolment,
    tmp_path: Path,
) -> None:
    sscc = make_sscc(4242)
    done = official_client(
        "once",
        msp_id="ProducerMSP",
        msp_dir=dispatcher.msp_dir,
        transaction="CreateShipment",
        arguments=[json.dumps(shipment_request(sscc))],
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    tx_id, number = answer["tx_id"], answer["block_number"]
    assert (answer["successful"], answer["code"]) == (True, VALID)
    # Evaluate ran the chaincode without committing; submit committed that same shipment.
    assert json.loads(answer["evaluated"])["shipment"]["status"] == "created"
    assert json.loads(answer["result"])["shipment"]["created_tx"] == tx_id
    assert peer.state("shipment", sscc)["created_tx"] == tx_id

    block = decode_block(_blocks(peer, pki, number)[0])
    assert block.number == number and block.data_hash_matches
    [tx] = block.transactions
    assert (tx.tx_id, tx.validation_code, tx.creator_msp_id) == (tx_id, "VALID", "ProducerMSP")
    assert tx.creator_cert_pem == dispatcher.issued.cert_pem
    assert tx.event is not None and tx.event.event_name == "ShipmentCreated"
    assert json.loads(tx.event.payload)["tx_id"] == tx_id

    engine, sessions = open_database(f"sqlite:///{tmp_path / 'read.db'}")
    create_schema(engine)
    everything = _blocks(peer, pki, 0)
    follower = Follower(
        config=FollowerConfig("supplychain", "provenance"),
        sessions=sessions,
        source=lambda start: iter(everything[start:]),
    )
    assert follower.run() == number + 1
    with sessions() as session:
        row = session.scalars(select(ShipmentRow).where(ShipmentRow.sscc == sscc)).one()
    assert (row.last_tx_id, row.last_block) == (tx_id, number)
    # The official client's envelope signature passes the project's verifier (block 0 is the
    # channel configuration).
    result = verify(everything, sessions=sessions)
    assert result.passed, (result.failures, result.read_model)
    assert (result.blocks, result.valid, result.shipments) == (2, 2, 1)
    assert result.signatures_checked >= 2  # the creator's and the endorser's
    engine.dispose()


def test_official_client_gets_the_chaincode_refusal_and_nothing_commits(
    official_client: OfficialClient, peer: SimulatedPeer, dispatcher: Enrolment
) -> None:
    argument = json.dumps(shipment_request(make_sscc(4243)))
    first = official_client(
        "once", msp_id="ProducerMSP", msp_dir=dispatcher.msp_dir,
        transaction="CreateShipment", arguments=[argument],
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    height = len(peer.ledger.blocks)

    again = official_client(
        "once", msp_id="ProducerMSP", msp_dir=dispatcher.msp_dir,
        transaction="CreateShipment", arguments=[argument],
    )  # fmt: skip
    assert again.returncode == 1
    # The client's GatewayError carries the peer's error details, chaincode code first.
    assert "GatewayError" in again.stderr and "SHIPMENT_EXISTS" in again.stderr
    assert len(peer.ledger.blocks) == height


def test_official_client_runs_concurrent_submits_to_commit(
    official_client: OfficialClient, peer: SimulatedPeer, pki: SimPki, dispatcher: Enrolment
) -> None:
    arguments = [json.dumps(shipment_request(make_sscc(5000 + n))) for n in range(12)]
    done = official_client(
        "bench", msp_id="ProducerMSP", msp_dir=dispatcher.msp_dir,
        transaction="CreateShipment", arguments=arguments, concurrency=4, warmup=2,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert (answer["errors"], answer["warmup"], len(answer["samples_ms"])) == (0, 2, 10)
    assert all(peer.state("shipment", make_sscc(5000 + n)) for n in range(12))
    # Endorsements and submits interleaved; each event is served with its own tx's block.
    where = {
        tx.tx_id: block.number
        for block in map(decode_block, _blocks(peer, pki, 1))
        for tx in block.transactions
    }
    with _project_client(peer, pki) as gateway:
        events = list(gateway.network("supplychain").chaincode_events("provenance", start_block=0))
    assert {e.tx_id: e.block_number for e in events} == where and len(where) == 12
