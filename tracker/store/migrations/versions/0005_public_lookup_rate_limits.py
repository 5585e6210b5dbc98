"""public lookups: per-client counts of lookups made without a shipment's link token

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:00:00.000000

Clients are stored as keyed hashes only, and only while their window lasts
(see tracker.store.ratelimit).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tracker.store.columns

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "public_lookups",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("client", sa.String(length=32), nullable=False),
        sa.Column("window_start", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "client", name=op.f("pk_public_lookups")),
    )
    with op.batch_alter_table("public_lookups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_public_lookups_window_start"), ["window_start"], unique=False
        )


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("public_lookups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_lookups_window_start"))
    op.drop_table("public_lookups")
