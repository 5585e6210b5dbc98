"""evidence read by the ledger records that reference it, not by its first uploader's SSCC

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 10:00:00.000000

`evidence.sscc` named the shipment the bytes were first posted for, even when that write was
refused: it is dropped, not carried over. The references are rebuilt from what the ledger
accepted: the scan journal's committed writes (references of their shipment) and its queued
ones (readable by their organisation until they settle); the tracker adds the read model's
checkpoints itself (`tracker.store.evidence.sync_from_read_model`). Bytes no record references
stay stored but are served to no one.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import tracker.store.columns

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_HEX = set("0123456789abcdef")


def _sha256(value: object) -> str | None:
    if isinstance(value, str) and len(value) == 64 and set(value) <= _HEX:
        return value
    return None


def _references(kind: str, argument: str) -> set[str]:
    """The hashes a journalled write binds to its shipment (as the tracker counts them when
    this revision was written): a delivery's photo, a temperature batch's logger file and
    the batch argument itself."""
    try:
        body: Any = json.loads(argument)
    except ValueError:
        return set()
    if not isinstance(body, dict):
        return set()
    if kind == "delivery":
        found = {_sha256(body.get("proof_of_delivery_sha256"))}
    elif kind == "temperatures":
        evidence = body.get("evidence")
        found = {_sha256(item) for item in (evidence if isinstance(evidence, list) else [])}
        found.add(hashlib.sha256(argument.encode("utf-8")).hexdigest())
    else:
        return set()
    return {digest for digest in found if digest is not None}


def upgrade() -> None:
    """Applies this revision."""
    utc = tracker.store.columns.UtcDateTime(timezone=True)
    op.create_table(
        "evidence_refs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sscc", sa.String(length=18), nullable=False),
        sa.Column("recorded_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("sha256", "sscc", name=op.f("pk_evidence_refs")),
    )
    op.create_table(
        "evidence_queued",
        sa.Column("queue_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("msp_id", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("queue_id", "sha256", name=op.f("pk_evidence_queued")),
    )
    with op.batch_alter_table("evidence_queued", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_queued_sha256"), ["sha256"], unique=False)
    op.create_table(
        "evidence_sync",
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("next_block", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_evidence_sync")),
    )
    _references_from_the_journal()
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_sscc"))
        batch_op.drop_column("sscc")


def _references_from_the_journal() -> None:
    connection = op.get_bind()
    held = set(connection.scalars(sa.text("SELECT sha256 FROM evidence")))
    if not held:
        return
    journal = sa.text(
        "SELECT id, msp_id, kind, sscc, argument, state FROM scan_journal "
        "WHERE kind IN ('delivery', 'temperatures') AND state IN ('committed', 'pending') "
        "ORDER BY id"
    )
    now = datetime.now(UTC)
    refs: dict[tuple[str, str], dict[str, Any]] = {}
    queued: list[dict[str, Any]] = []
    for row in connection.execute(journal).mappings():
        for digest in sorted(_references(row["kind"], row["argument"]) & held):
            if row["state"] == "committed":
                refs[(digest, row["sscc"])] = {
                    "sha256": digest, "sscc": row["sscc"], "recorded_at": now,
                }  # fmt: skip
            else:
                queued.append(
                    {"queue_id": row["id"], "sha256": digest, "msp_id": row["msp_id"],
                     "recorded_at": now}
                )  # fmt: skip
    utc = tracker.store.columns.UtcDateTime(timezone=True)
    if refs:
        table = sa.table(
            "evidence_refs", sa.column("sha256"), sa.column("sscc"), sa.column("recorded_at", utc)
        )
        op.bulk_insert(table, list(refs.values()))
    if queued:
        table = sa.table(
            "evidence_queued",
            sa.column("queue_id"),
            sa.column("sha256"),
            sa.column("msp_id"),
            sa.column("recorded_at", utc),
        )
        op.bulk_insert(table, queued)


def downgrade() -> None:
    """Reverts this revision (each evidence gets one of its shipments back)."""
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sscc", sa.String(length=18), nullable=True))
        batch_op.create_index(batch_op.f("ix_evidence_sscc"), ["sscc"], unique=False)
    op.execute(
        "UPDATE evidence SET sscc = (SELECT MIN(r.sscc) FROM evidence_refs r "
        "WHERE r.sha256 = evidence.sha256)"
    )
    op.drop_table("evidence_sync")
    with op.batch_alter_table("evidence_queued", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_queued_sha256"))
    op.drop_table("evidence_queued")
    op.drop_table("evidence_refs")
