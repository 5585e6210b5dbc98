"""a dispute's source message id may be forgotten: erasing its contact nulls it

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 21:50:00.000000

`dispute_chats.source_message_id` (the provider id of the DISPUTE message) becomes nullable:
deleting the contact forgets it, as it forgets the conversation's provider ids and text hashes
(`tracker.store.conversations.erase_contact_texts`); the leaf hashes stay for the anchors.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    with op.batch_alter_table("dispute_chats", schema=None) as batch_op:
        batch_op.alter_column(
            "source_message_id", existing_type=sa.String(length=128), nullable=True
        )


def downgrade() -> None:
    """Reverts this revision (an erased dispute's id becomes the empty string)."""
    op.execute("UPDATE dispute_chats SET source_message_id = '' WHERE source_message_id IS NULL")
    with op.batch_alter_table("dispute_chats", schema=None) as batch_op:
        batch_op.alter_column(
            "source_message_id", existing_type=sa.String(length=128), nullable=False
        )
