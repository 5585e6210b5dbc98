"""The benchmark sections that can run on this machine; each returns its figures as a dict."""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from bench import fixtures
from bench.stats import summary_ms, timed
from tracker.follow.follower import Follower, FollowerConfig
from tracker.reports.facts import build_report
from tracker.reports.pdf_report import render_pdf
from tracker.reports.recall import recall_trace
from tracker.reports.source import lot_histories, report_source, shipment_history
from tracker.store.db import Base, make_engine, session_factory, transaction
from tracker.store.evidence import put_evidence
from tracker.store.readmodel import ShipmentRow

CONFIG = FollowerConfig(channel="supplychain", chaincode="provenance")


def _database(url: str) -> sessionmaker[Session]:
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    return session_factory(engine)


def follower_catch_up(
    urls: dict[str, str], shipments: int, checkpoints_each: int
) -> dict[str, Any]:
    """Blocks and transactions per second when the follower replays a chain from block 0."""
    with tempfile.TemporaryDirectory() as work:
        sim = fixtures.busy_ledger(Path(work), shipments, checkpoints_each)
    figures: dict[str, Any] = {"blocks": len(sim.blocks), "runs_per_database": 3}
    for name, url in urls.items():
        runs = []
        for _ in range(3):
            sessions = _database(url)
            start = time.perf_counter()
            applied = Follower(config=CONFIG, sessions=sessions, source=sim.source()).run()
            runs.append(time.perf_counter() - start)
            assert applied == len(sim.blocks)
        best = min(runs)
        figures[name] = {
            "seconds": [round(r, 3) for r in runs],
            "blocks_per_s": round(len(sim.blocks) / best, 1),
            "tx_per_s": round(len(sim.blocks) / best, 1),  # one transaction per block here
        }
    return figures


def report_pdf(url: str, readings: int) -> dict[str, Any]:
    """Read model → report → PDF for one shipment with a logger batch of `readings` samples."""
    with tempfile.TemporaryDirectory() as work:
        sim, sscc, batch = fixtures.cold_chain_ledger(Path(work), readings)
    sessions = _database(url)
    Follower(config=CONFIG, sessions=sessions, source=sim.source()).run()
    with transaction(sessions) as session:
        put_evidence(session, batch.encode(), "application/json")

    def build() -> bytes:
        with sessions() as session:
            history = shipment_history(session, sscc)
            report = build_report(
                history.shipment,
                history.checkpoints,
                history.readings,
                report_source(session, "sc"),
            )
        assert len(report.readings) == readings
        return render_pdf(report)

    samples = timed(build, runs=5, warmup=1)
    return {"readings": readings, "pdf_bytes": len(build()), **summary_ms(samples)}


def recall(url: str, shipments: int, per_lot: int) -> dict[str, Any]:
    """Recall trace of one lot over a read model holding `shipments` shipments."""
    with tempfile.TemporaryDirectory() as work:
        sim = fixtures.busy_ledger(Path(work), 1, 0)
    template = fixtures.shipment_document_template(sim)
    sessions = _database(url)
    Follower(config=CONFIG, sessions=sessions, source=sim.source()).run()
    with transaction(sessions) as session:
        session.execute(insert(ShipmentRow), _clones(template, shipments, per_lot))
    lots = [
        f"LOT-{n:06d}" for n in range(0, shipments // per_lot, max(1, shipments // per_lot // 20))
    ]
    gtin = template["product"]["gtin"]
    samples: list[float] = []
    for lot in lots:
        start = time.perf_counter()
        with sessions() as session:
            trace = recall_trace(
                lot_histories(session, gtin, lot), gtin, lot, report_source(session, "sc")
            )
        samples.append(time.perf_counter() - start)
        assert len(trace.shipments) == per_lot, (lot, len(trace.shipments))
    return {"shipments": shipments + 1, "per_lot": per_lot, **summary_ms(samples)}


def _clones(template: dict[str, Any], count: int, per_lot: int) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        sscc = fixtures.make_sscc(1_000_000 + n)
        lot = f"LOT-{n // per_lot:06d}"
        doc = {**template, "sscc": sscc, "product": {**template["product"], "lot": lot}}
        rows.append(
            {
                "sscc": sscc, "gtin": doc["product"]["gtin"], "lot": lot, "status": doc["status"],
                "custodian": doc["custodian"], "producer": doc["parties"]["producer"],
                "carrier": doc["parties"]["carrier"], "retailer": doc["parties"]["retailer"],
                "verdict": doc["cold_chain_state"]["verdict"], "checkpoint_count": 0,
                "document": json.dumps(doc, sort_keys=True, separators=(",", ":")),
                "last_tx_id": doc["created_tx"], "last_block": 0,
                "committed_at": datetime.now(UTC),
            }
        )  # fmt: skip
    return rows
