"""evidence linked to its shipment

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 17:41:33.040609
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sscc", sa.String(length=18), nullable=True))
        batch_op.create_index(batch_op.f("ix_evidence_sscc"), ["sscc"], unique=False)


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_sscc"))
        batch_op.drop_column("sscc")
