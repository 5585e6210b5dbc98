"""staff: token expiry and the state of the identity's revocation at the Fabric CA

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00.000000

Tokens issued before this revision get the default lifetime from the moment of the upgrade:
no token may live forever, and their holders keep working for that long, time enough to be
given a fresh one (`tracker staff token`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import tracker.store.columns

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The value of tracker.store.staff.DEFAULT_TOKEN_DAYS when this revision was written; a
# migration must not change meaning if that default changes later.
EXISTING_TOKEN_DAYS = 90


def upgrade() -> None:
    """Applies this revision."""
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "token_expires_at",
                tracker.store.columns.UtcDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("ca_revocation", sa.String(length=16), nullable=True))
    staff = sa.table(
        "staff", sa.column("token_expires_at", tracker.store.columns.UtcDateTime(timezone=True))
    )
    expiry = datetime.now(UTC) + timedelta(days=EXISTING_TOKEN_DAYS)
    op.execute(staff.update().values(token_expires_at=expiry))
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.alter_column(
            "token_expires_at",
            existing_type=tracker.store.columns.UtcDateTime(timezone=True),
            nullable=False,
        )


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("ca_revocation")
        batch_op.drop_column("token_expires_at")
