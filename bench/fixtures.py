"""Workloads for the benchmarks, built from the real chaincode's values.

The chaincode runs on fabricsim's in-memory stub and its transactions are wrapped into blocks
(fabricsim/ledger.py): the follower and the reports work on the chaincode's exact
JSON. No Fabric peer is involved, and the figures never claim one.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chaincode.shim_fixes import apply_logging_fix
from fabricsim.callers import caller
from fabricsim.ledger import SimLedger
from fabricsim.pki import MSP_ID, SimPki
from fabricsim.wire import Endorser
from tests.chaincode.cc_samples import CARRIER, PRODUCER, make_sscc, scan, shipment_request

# Importing the shim set the root logger to DEBUG (a library defect); put it back, quietly.
apply_logging_fix(logging.WARNING)

# The SSCC and request builders are part of the workloads the network benchmarks use too.
__all__ = [
    "busy_ledger",
    "cold_chain_ledger",
    "logger_batch",
    "make_sscc",
    "shipment_document_template",
    "shipment_request",
    "sim_ledger",
]


def sim_ledger(workdir: Path) -> SimLedger:
    """An empty simulated ledger."""
    pki = SimPki(workdir / "pki")
    return SimLedger(Endorser(MSP_ID, pki.peer.cert_pem, pki.peer.key))


def busy_ledger(workdir: Path, shipments: int, checkpoints_each: int) -> SimLedger:
    """Shipments created by the producer, then checkpoints recorded by the carrier."""
    sim = sim_ledger(workdir)
    dispatcher, scanner = caller(PRODUCER, "dispatcher"), caller(CARRIER, "scanner")
    steps = ["departing", "arriving"]
    for n in range(shipments):
        sscc = make_sscc(n + 1)
        assert sim.invoke(dispatcher, "CreateShipment", json.dumps(shipment_request(sscc))).ok
        for k in range(checkpoints_each):
            argument = scan(sscc, f"s{n}-{k}", steps[k % 2])
            assert sim.invoke(scanner, "RecordCheckpoint", argument).ok
    return sim


def logger_batch(sscc: str, readings: int) -> str:
    """A logger file of `readings` samples a minute apart, with one warm hour in the middle."""
    start = datetime(2025, 3, 1, 8, tzinfo=UTC)
    points = [
        {
            "time": (start + timedelta(minutes=i)).isoformat().replace("+00:00", "Z"),
            "celsius": 9.1 if readings // 2 <= i < readings // 2 + 60 else 4.0 + (i % 7) / 10,
        }
        for i in range(readings)
    ]
    return json.dumps({"sscc": sscc, "client_scan_id": "bench-batch", "readings": points})


def cold_chain_ledger(workdir: Path, readings: int) -> tuple[SimLedger, str, str]:
    """One shipment with a departure and a logger batch of `readings` samples."""
    sim = sim_ledger(workdir)
    sscc = make_sscc(1)
    dispatcher, scanner = caller(PRODUCER, "dispatcher"), caller(CARRIER, "scanner")
    assert sim.invoke(dispatcher, "CreateShipment", json.dumps(shipment_request(sscc))).ok
    assert sim.invoke(scanner, "RecordCheckpoint", scan(sscc, "s1", "departing")).ok
    batch = logger_batch(sscc, readings)
    result = sim.invoke(scanner, "RecordTemperatures", batch)
    assert result.ok, result.message
    return sim, sscc, batch


def shipment_document_template(sim: SimLedger) -> dict[str, Any]:
    """The chaincode's stored JSON of the first shipment, to clone for a large read model."""
    for key, value in sim.world.state.items():
        if key.startswith("\x00shipment\x00"):
            return dict(json.loads(value))
    raise LookupError("no shipment in the simulated ledger")
