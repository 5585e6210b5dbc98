"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from tracker.store import migrate
from tracker.store.db import make_engine
from tracker.store.schema import metadata


def test_upgrade_to_head_matches_the_models(database_url: str) -> None:
    assert migrate.current(database_url) is None
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []
    assert migrate.current(database_url) is not None


def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    migrate.upgrade(database_url)
    first = migrate.current(database_url)
    migrate.upgrade(database_url)
    assert migrate.current(database_url) == first


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_evidence_references_are_rebuilt_from_what_the_ledger_accepted(database_url: str) -> None:
    """Revision 0006 drops `evidence.sscc` (the first uploader's shipment, even a refused
    one) and rebuilds who may read from the scan journal: committed writes reference their
    shipment, queued ones their organisation; refused writes and free-form lists nothing."""
    photo, refused, logger, noted = b"\x89PNG photo", b"\x89PNG refused", b"time,celsius\n", b"x"
    batch = json.dumps({"evidence": [_digest(logger)], "sscc": "C"}, separators=(",", ":"))
    now = datetime(2026, 12, 1, tzinfo=UTC)
    migrate.upgrade(database_url, "0004")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        for content, first_sscc in (
            (photo, "A"),  # first posted (refused) for A, then delivered on B
            (refused, "A"),
            (logger, "C"),
            (batch.encode(), "C"),
            (noted, "D"),
        ):
            connection.execute(
                text(
                    "INSERT INTO evidence (sha256, media_type, content, stored_at, sscc) "
                    "VALUES (:sha256, 'image/png', :content, :now, :sscc)"
                ),
                {"sha256": _digest(content), "content": content, "now": now, "sscc": first_sscc},
            )
        journal = (
            (1, "RetailerMSP", "delivery", "B", "committed",
             json.dumps({"proof_of_delivery_sha256": _digest(photo), "sscc": "B"})),
            (2, "CarrierMSP", "temperatures", "C", "pending", batch),
            (3, "OtherRetailMSP", "delivery", "A", "rejected",
             json.dumps({"proof_of_delivery_sha256": _digest(refused), "sscc": "A"})),
            (4, "CarrierMSP", "checkpoint", "D", "committed",
             json.dumps({"evidence": [_digest(noted)], "sscc": "D"})),
        )  # fmt: skip
        for row_id, msp_id, kind, sscc, state, argument in journal:
            connection.execute(
                text(
                    "INSERT INTO scan_journal (id, msp_id, client_scan_id, staff_id, kind, sscc, "
                    "argument, state, attempts, last_error, created_at, updated_at) VALUES "
                    "(:id, :msp, :scan, 1, :kind, :sscc, :argument, :state, 1, '', :now, :now)"
                ),
                {"id": row_id, "msp": msp_id, "scan": f"s{row_id}", "kind": kind, "sscc": sscc,
                 "argument": argument, "state": state, "now": now},
            )  # fmt: skip
    migrate.upgrade(database_url)
    with engine.connect() as connection:
        refs = set(connection.execute(text("SELECT sha256, sscc FROM evidence_refs")))
        queued = set(
            connection.execute(text("SELECT queue_id, sha256, msp_id FROM evidence_queued"))
        )
        columns = {c["name"] for c in inspect(connection).get_columns("evidence")}
        kept = connection.scalar(text("SELECT COUNT(*) FROM evidence"))
    assert refs == {(_digest(photo), "B")}
    assert queued == {
        (2, _digest(logger), "CarrierMSP"),
        (2, _digest(batch.encode()), "CarrierMSP"),
    }
    assert "sscc" not in columns and kept == 5  # unreferenced bytes are kept, served to no one
    command.downgrade(migrate.alembic_config(database_url), "0005")  # each gets a shipment back
    with engine.connect() as connection:
        back = {
            row[0]: row[1] for row in connection.execute(text("SELECT sha256, sscc FROM evidence"))
        }
    assert back[_digest(photo)] == "B" and back[_digest(refused)] is None
    engine.dispose()
