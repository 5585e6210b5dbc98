"""The records the real peers endorsed re-encode to the same bytes: the write sets of a
committed CreateShipment, RecordCheckpoint and RecordTemperatures, read from the peer's block,
decode with `records` and encode back byte for byte."""

from __future__ import annotations

import json
import secrets
import uuid

import records
from tests.chaincode.cc_samples import make_sscc, scan, shipment_request
from tests.real.fabric_net import FabricNet, org
from tracker.ledger import Gateway
from tracker.ledger.blocks import DecodedBlock, Write, decode_block

PRODUCER, CARRIER = org("ProducerMSP"), org("CarrierMSP")
RECORD_TYPES: dict[str, type[records.Shipment] | type[records.Checkpoint]] = {
    "shipment": records.Shipment,
    "checkpoint": records.Checkpoint,
}


def _block(gateway: Gateway, number: int) -> DecodedBlock:
    network = gateway.network("supplychain")
    with network.block_events(start_block=number, stop_at_newest=True) as stream:
        return decode_block(next(stream))


def _record_writes(block: DecodedBlock, tx_id: str) -> list[tuple[str, Write]]:
    """(object type, write) of the transaction's shipment and checkpoint keys."""
    tx = next(t for t in block.transactions if t.tx_id == tx_id)
    assert tx.validation_code == "VALID"
    found = []
    for write in tx.writes:
        kind = write.key.split("\x00")[1] if write.key.startswith("\x00") else ""
        if kind in RECORD_TYPES and not write.is_delete:
            found.append((kind, write))
    return found


def test_endorsed_record_bytes_re_encode_unchanged(fabric: FabricNet) -> None:
    sscc = make_sscc(secrets.randbelow(10**9))
    dispatcher = fabric.gateway(PRODUCER, fabric.enrol(PRODUCER, "dispatcher"))
    scanner = fabric.gateway(CARRIER, fabric.enrol(CARRIER, "scanner"))
    try:
        request = shipment_request(sscc, product={"gtin": "04006381333931", "lot": "LOT-ü",
                                                  "description": "Fraises « bio »"})  # fmt: skip
        batch = {"sscc": sscc, "client_scan_id": str(uuid.uuid4()),
                 "readings": [{"time": "2025-03-01T10:00:00Z", "celsius": 4},
                              {"time": "2025-03-01T11:15:00+01:00", "celsius": 9.5}]}  # fmt: skip
        results = [
            fabric.contract(dispatcher).submit("CreateShipment", json.dumps(request)),
            fabric.contract(scanner).submit(
                "RecordCheckpoint", scan(sscc, str(uuid.uuid4()), "departing", notes="été")
            ),
            fabric.contract(scanner).submit("RecordTemperatures", json.dumps(batch)),
        ]
        kinds: list[str] = []
        for result in results:
            block = _block(scanner, result.block_number)
            for kind, write in _record_writes(block, result.tx_id):
                record = records.from_json(RECORD_TYPES[kind], write.value, kind)
                assert records.encode(record) == write.value, (kind, write.key)
                kinds.append(kind)
    finally:
        dispatcher.close()
        scanner.close()
    assert sorted(kinds) == ["checkpoint", "checkpoint", "shipment", "shipment", "shipment"]
