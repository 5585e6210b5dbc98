"""The provenance chaincode on real Fabric, through the project's own Gateway client:
lifecycle upgrade, endorsement by two of three orgs, coded errors, concurrent submissions."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.chaincode.cc_samples import make_sscc, scan, shipment_request
from tests.real.fabric_net import FabricNet, as_json, org
from tracker.ledger import ChaincodeError, Contract, Gateway
from tracker.ledger.blocks import DecodedBlock, decode_block

PRODUCER, CARRIER, RETAILER = org("ProducerMSP"), org("CarrierMSP"), org("RetailerMSP")


def _sscc() -> str:
    return make_sscc(secrets.randbelow(10**9))


@pytest.fixture(scope="module")
def people(fabric: FabricNet) -> dict[str, Path]:
    """A dispatcher, a scanner and a receiver enrolled at their orgs' real CAs."""
    return {
        "dispatcher": fabric.enrol(PRODUCER, "dispatcher"),
        "scanner": fabric.enrol(CARRIER, "scanner"),
        "receiver": fabric.enrol(RETAILER, "receiver"),
    }


@pytest.fixture
def gateways(fabric: FabricNet, people: dict[str, Path]) -> Iterator[dict[str, Gateway]]:
    """One Gateway connection per person, each through its own org's peer."""
    opened = {
        "dispatcher": fabric.gateway(PRODUCER, people["dispatcher"]),
        "scanner": fabric.gateway(CARRIER, people["scanner"]),
        "receiver": fabric.gateway(RETAILER, people["receiver"]),
    }
    yield opened
    for gateway in opened.values():
        gateway.close()


def _contract(fabric: FabricNet, gateways: dict[str, Gateway], role: str) -> Contract:
    return fabric.contract(gateways[role])


def _block(gateway: Gateway, number: int) -> DecodedBlock:
    network = gateway.network("supplychain")
    with network.block_events(start_block=number, stop_at_newest=True) as stream:
        return decode_block(next(stream))


def test_every_write_is_endorsed_by_two_orgs_and_readable_by_all(
    fabric: FabricNet, gateways: dict[str, Gateway]
) -> None:
    sscc = _sscc()
    dispatcher = _contract(fabric, gateways, "dispatcher")
    scanner = _contract(fabric, gateways, "scanner")
    receiver = _contract(fabric, gateways, "receiver")
    results = [
        dispatcher.submit("CreateShipment", json.dumps(shipment_request(sscc))),
        scanner.submit("RecordCheckpoint", scan(sscc, str(uuid.uuid4()), "departing")),
        scanner.submit(
            "RecordTemperatures",
            json.dumps({
                "sscc": sscc, "client_scan_id": str(uuid.uuid4()),
                "readings": [{"time": "2025-03-01T10:00:00Z", "celsius": 4.0},
                             {"time": "2025-03-01T10:15:00Z", "celsius": 5.0}],
            }),
        ),
        scanner.submit("RecordCheckpoint", scan(sscc, str(uuid.uuid4()), "arriving")),
        scanner.submit("RecordCheckpoint", scan(sscc, str(uuid.uuid4()), "loading")),
        receiver.submit(
            "ConfirmDelivery",
            json.dumps({
                "sscc": sscc, "client_scan_id": str(uuid.uuid4()),
                "read_point": {"gln": "4006381000017", "name": "Retail DC Berlin"},
                "event_time": "2025-03-02T11:00:00Z", "proof_of_delivery_sha256": "b" * 64,
            }),
        ),
    ]  # fmt: skip
    for result in results:
        assert result.validation_code == "VALID"
        block = _block(gateways["scanner"], result.block_number)
        tx = next(t for t in block.transactions if t.tx_id == result.tx_id)
        endorsing_orgs = {e.msp_id for e in tx.endorsements}
        assert len(endorsing_orgs) >= 2, endorsing_orgs  # MAJORITY of three orgs
    for role in ("dispatcher", "scanner", "receiver"):
        shipment = as_json(_contract(fabric, gateways, role).evaluate("GetShipment", sscc))
        assert shipment["status"] == "delivered"
    provenance = as_json(receiver.evaluate("GetProvenance", json.dumps({"sscc": sscc})))
    assert len(provenance["checkpoints"]) == 5


def test_coded_errors_arrive_with_their_code(
    fabric: FabricNet, gateways: dict[str, Gateway]
) -> None:
    scanner = _contract(fabric, gateways, "scanner")
    with pytest.raises(ChaincodeError) as missing:
        scanner.evaluate("GetShipment", _sscc())
    assert "SHIPMENT_NOT_FOUND" in str(missing.value)
    with pytest.raises(ChaincodeError) as forbidden:  # a scanner may not create shipments
        scanner.submit("CreateShipment", json.dumps(shipment_request(_sscc())))
    assert "FORBIDDEN" in str(forbidden.value)
    sscc = _sscc()
    _contract(fabric, gateways, "dispatcher").submit(
        "CreateShipment", json.dumps(shipment_request(sscc))
    )
    with pytest.raises(ChaincodeError) as transition:  # received before it ever left
        scanner.submit("RecordCheckpoint", scan(sscc, str(uuid.uuid4()), "receiving"))
    assert "INVALID_TRANSITION" in str(transition.value)


def test_sixteen_concurrent_submissions_all_commit_exactly_once(
    fabric: FabricNet, gateways: dict[str, Gateway]
) -> None:
    dispatcher = _contract(fabric, gateways, "dispatcher")
    ssccs = [_sscc() for _ in range(16)]
    with ThreadPoolExecutor(16) as pool:
        results = list(
            pool.map(
                lambda s: dispatcher.submit("CreateShipment", json.dumps(shipment_request(s))),
                ssccs,
            )
        )
    assert [r.validation_code for r in results] == ["VALID"] * 16
    assert len({r.tx_id for r in results}) == 16
    for sscc in ssccs:
        history = as_json(dispatcher.evaluate("GetHistory", json.dumps({"sscc": sscc})))
        assert len(history["history"]) == 1  # written once, by one transaction


def test_upgrade_to_a_new_sequence_keeps_serving(
    fabric: FabricNet, gateways: dict[str, Gateway]
) -> None:
    done = fabric.network("upgrade", "1.1")
    assert done.returncode == 0, done.stderr
    version, _, sequence, package_id = done.stdout.split()
    assert version == "1.1" and int(sequence) >= 2 and package_id.startswith("provenance_1.1:")
    status = fabric.network("status")
    assert "provenance 1.1" in status.stdout
    sscc = _sscc()
    result = _contract(fabric, gateways, "dispatcher").submit(
        "CreateShipment", json.dumps(shipment_request(sscc))
    )
    assert result.validation_code == "VALID"
