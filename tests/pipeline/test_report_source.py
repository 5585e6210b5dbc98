"""Reports built from the read model carry the ledger's facts for every event.

The chaincode's real code produces the values; the follower mirrors them from blocks; the
report adapter reads them back. Only the ordering of transactions into blocks is simulated.
"""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy.orm import Session, sessionmaker

from fabricsim.callers import caller
from fabricsim.ledger import CHAINCODE, CHANNEL, SimLedger
from tests.chaincode.cc_samples import (
    CARRIER,
    PRODUCER,
    RETAILER,
    make_sscc,
    scan,
    shipment_request,
)
from tracker.follow.follower import Follower, FollowerConfig
from tracker.reports.csv_report import render_csv
from tracker.reports.facts import build_report
from tracker.reports.json_report import render_json
from tracker.reports.source import report_source, shipment_history
from tracker.store.db import transaction
from tracker.store.evidence import put_evidence
from tracker.store.readmodel import CheckpointRow

SSCC = make_sscc(77)
BATCH = json.dumps(
    {
        "sscc": SSCC,
        "client_scan_id": "t1",
        "readings": [
            {"time": "2025-03-01T10:00:00Z", "celsius": 4},
            {"time": "2025-03-01T10:20:00Z", "celsius": 9.5},
            {"time": "2025-03-01T10:30:00Z", "celsius": 5},
        ],
    }
)
DELIVERY = json.dumps(
    {
        "sscc": SSCC,
        "client_scan_id": "d1",
        "proof_of_delivery_sha256": "c" * 64,
        "event_time": "2025-03-02T16:00:00Z",
    }
)


def journey(sim: SimLedger) -> list[str]:
    """Create, depart, arrive, log temperatures, load, deliver; returns the tx ids."""
    dispatcher, scanner = caller(PRODUCER, "dispatcher"), caller(CARRIER, "scanner")
    steps = [
        (dispatcher, "CreateShipment", json.dumps(shipment_request(SSCC))),
        (scanner, "RecordCheckpoint", scan(SSCC, "s1", "shipping")),
        (scanner, "RecordCheckpoint", scan(SSCC, "s2", "arriving")),
        (scanner, "RecordTemperatures", BATCH),
        (scanner, "RecordCheckpoint", scan(SSCC, "s3", "loading")),
        (caller(RETAILER, "receiver"), "ConfirmDelivery", DELIVERY),
    ]
    tx_ids = []
    for who, function, argument in steps:
        result = sim.invoke(who, function, argument)
        assert result.ok, result.message
        tx_ids.append(result.tx_id)
    return tx_ids


def test_every_event_carries_tx_block_and_signer(
    sim: SimLedger, sessions: sessionmaker[Session]
) -> None:
    tx_ids = journey(sim)
    config = FollowerConfig(channel=CHANNEL, chaincode=CHAINCODE)
    Follower(config=config, sessions=sessions, source=sim.source()).run()
    with transaction(sessions) as session:
        put_evidence(session, BATCH.encode(), "application/json")  # the uploaded logger file

    with sessions() as session:
        history = shipment_history(session, SSCC)
        report = build_report(
            history.shipment, history.checkpoints, history.readings, report_source(session, CHANNEL)
        )
    assert history.shipment.created.tx_id == tx_ids[0]
    assert (history.shipment.created.msp_id, history.shipment.created.role) == (
        PRODUCER,
        "dispatcher",
    )
    refs = [(c.ledger.tx_id, c.ledger.block_number, c.ledger.role) for c in history.checkpoints]
    assert refs == [
        (tx_ids[1], 1, "scanner"),
        (tx_ids[2], 2, "scanner"),
        (tx_ids[3], 3, "scanner"),
        (tx_ids[4], 4, "scanner"),
        (tx_ids[5], 5, "receiver"),
    ]
    assert all(c.ledger.validation_code == "VALID" for c in history.checkpoints)
    assert [r.celsius for r in history.readings] == [4, 9.5, 5]
    assert history.shipment.verdict is not None and history.shipment.verdict.status == "excursion"
    assert report.analysis.status == "excursion"  # the recomputation agrees with the ledger
    assert report.analysis.minutes_outside == history.shipment.verdict.minutes_outside == 10

    as_json = json.loads(render_json(report))
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert {tx for tx in tx_ids} <= {row["tx_id"] for row in rows}
    assert json.dumps(as_json).count(tx_ids[5]) >= 1
    assert report.source.first_block == 0 and report.source.last_block == 5


def test_an_exceptions_reason_and_notes_reach_the_report_apart(
    sim: SimLedger, sessions: sessionmaker[Session]
) -> None:
    reason, notes = "seal broken\nat door 3", "photo taken\nby the driver"
    dispatcher = caller(PRODUCER, "dispatcher")
    assert sim.invoke(dispatcher, "CreateShipment", json.dumps(shipment_request(SSCC))).ok
    body = {"sscc": SSCC, "reason": reason, "notes": notes, "event_time": "2025-03-01T11:00:00Z"}
    argument = json.dumps({**body, "client_scan_id": "e1"})
    assert sim.invoke(caller(RETAILER, "receiver"), "ReportException", argument).ok
    Follower(
        config=FollowerConfig(CHANNEL, CHAINCODE), sessions=sessions, source=sim.source()
    ).run()

    with sessions() as session:
        history = shipment_history(session, SSCC)
        report = build_report(
            history.shipment, history.checkpoints, history.readings, report_source(session, CHANNEL)
        )
    [checkpoint] = history.checkpoints
    assert (checkpoint.reason, checkpoint.notes) == (reason, notes)
    event = json.loads(render_json(report))["events"][-1]
    row = list(csv.DictReader(io.StringIO(render_csv(report))))[-1]
    for cells in (event, row):
        assert (cells["reason"], cells["notes"]) == (reason, notes)


def test_a_checkpoint_without_a_reason_field_keeps_its_notes_as_stored(
    sim: SimLedger, sessions: sessionmaker[Session]
) -> None:
    # Written before `reason` was its own field: shown as stored, never split by guess.
    journey(sim)
    Follower(
        config=FollowerConfig(CHANNEL, CHAINCODE), sessions=sessions, source=sim.source()
    ).run()
    with transaction(sessions) as session:
        row = session.get(CheckpointRow, (SSCC, 1))
        assert row is not None
        document = json.loads(row.document)
        del document["reason"]
        row.document = json.dumps({**document, "notes": "seal broken\nat door 3\nphoto"})
    with sessions() as session:
        first = shipment_history(session, SSCC).checkpoints[0]
    assert (first.reason, first.notes) == ("", "seal broken\nat door 3\nphoto")
