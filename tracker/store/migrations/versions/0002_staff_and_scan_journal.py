"""staff (wallet identities, API token hashes) and the scan journal (pending-scan queue)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 17:23:16.996133
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tracker.store.columns

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "scan_journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("msp_id", sa.String(length=64), nullable=False),
        sa.Column("client_scan_id", sa.String(length=100), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sscc", sa.String(length=18), nullable=False),
        sa.Column("argument", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("tx_id", sa.String(length=64), nullable=True),
        sa.Column("block_number", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("created_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_journal")),
        sa.UniqueConstraint(
            "msp_id", "client_scan_id", name=op.f("uq_scan_journal_msp_id_client_scan_id")
        ),
    )
    with op.batch_alter_table("scan_journal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scan_journal_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_scan_journal_tx_id"), ["tx_id"], unique=False)

    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("msp_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("enrollment_id", sa.String(length=128), nullable=False),
        sa.Column("wallet_path", sa.String(length=500), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("msp_id", "enrollment_id", name=op.f("uq_staff_msp_id_enrollment_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_token_hash")),
    )


def downgrade() -> None:
    """Reverts this revision."""
    op.drop_table("staff")
    with op.batch_alter_table("scan_journal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scan_journal_tx_id"))
        batch_op.drop_index(batch_op.f("ix_scan_journal_state"))

    op.drop_table("scan_journal")
