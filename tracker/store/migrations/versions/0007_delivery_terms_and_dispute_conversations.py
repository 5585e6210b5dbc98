"""delivery terms read model (agreements, settlements, disputes, certificates) and the
disputes opened from the chat with their off-chain conversations

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 20:32:39.022826

The read-model tables fill from blocks (`tracker follow`; a `--rebuild` mirrors the records
already on the ledger). Conversation texts live only in `conversation_messages`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tracker.store.columns

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "agreements",
        sa.Column("sscc", sa.String(length=18), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("seller", sa.String(length=64), nullable=False),
        sa.Column("buyer", sa.String(length=64), nullable=False),
        sa.Column("price_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("last_tx_id", sa.String(length=64), nullable=False),
        sa.Column("last_block", sa.Integer(), nullable=False),
        sa.Column("committed_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sscc", name=op.f("pk_agreements")),
    )
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agreements_buyer"), ["buyer"], unique=False)
        batch_op.create_index(batch_op.f("ix_agreements_seller"), ["seller"], unique=False)

    op.create_table(
        "certificates",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        sa.Column("issuer_msp", sa.String(length=64), nullable=False),
        sa.Column("issuer_name", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.String(length=40), nullable=False),
        sa.Column("valid_until", sa.String(length=40), nullable=False),
        sa.Column("subject_sscc", sa.String(length=18), nullable=True),
        sa.Column("subject_gtin", sa.String(length=14), nullable=True),
        sa.Column("subject_lot", sa.String(length=64), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("tx_id", sa.String(length=64), nullable=False),
        sa.Column("block_number", sa.Integer(), nullable=False),
        sa.Column("committed_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_certificates")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificates_subject_gtin"), ["subject_gtin"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificates_subject_sscc"), ["subject_sscc"], unique=False
        )

    op.create_table(
        "disputes",
        sa.Column("sscc", sa.String(length=18), nullable=False),
        sa.Column("dispute_id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("raised_for", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("leaf_count", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("last_tx_id", sa.String(length=64), nullable=False),
        sa.Column("last_block", sa.Integer(), nullable=False),
        sa.Column("committed_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sscc", "dispute_id", name=op.f("pk_disputes")),
    )
    op.create_table(
        "settlements",
        sa.Column("sscc", sa.String(length=18), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("price_minor", sa.Integer(), nullable=False),
        sa.Column("refunded_to_buyer_minor", sa.Integer(), nullable=False),
        sa.Column("released_to_seller_minor", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("tx_id", sa.String(length=64), nullable=False),
        sa.Column("block_number", sa.Integer(), nullable=False),
        sa.Column("committed_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sscc", name=op.f("pk_settlements")),
    )
    op.create_table(
        "dispute_chats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.String(length=64), nullable=False),
        sa.Column("sscc", sa.String(length=18), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("raised_for", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("source_message_id", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("opened_tx", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_dispute_chats_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_chats")),
        sa.UniqueConstraint("dispute_id", name=op.f("uq_dispute_chats_dispute_id")),
    )
    with op.batch_alter_table("dispute_chats", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispute_chats_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dispute_chats_sscc"), ["sscc"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_chats_state"), ["state"], unique=False)

    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("provider_message_id", sa.String(length=128), nullable=True),
        sa.Column("time", sa.String(length=40), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("text_sha256", sa.String(length=64), nullable=True),
        sa.Column("leaf_hash", sa.String(length=64), nullable=True),
        sa.Column("leaf_index", sa.Integer(), nullable=True),
        sa.Column("anchor_tx", sa.String(length=64), nullable=True),
        sa.Column("created_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_conversation_messages_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["dispute_chats.dispute_id"],
            name=op.f("fk_conversation_messages_dispute_id_dispute_chats"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_messages")),
    )
    with op.batch_alter_table("conversation_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_messages_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_conversation_messages_dispute_id"), ["dispute_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_conversation_messages_outbox_id"), ["outbox_id"], unique=False
        )


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("conversation_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_messages_outbox_id"))
        batch_op.drop_index(batch_op.f("ix_conversation_messages_dispute_id"))
        batch_op.drop_index(batch_op.f("ix_conversation_messages_contact_id"))

    op.drop_table("conversation_messages")
    with op.batch_alter_table("dispute_chats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_chats_state"))
        batch_op.drop_index(batch_op.f("ix_dispute_chats_sscc"))
        batch_op.drop_index(batch_op.f("ix_dispute_chats_contact_id"))

    op.drop_table("dispute_chats")
    op.drop_table("settlements")
    op.drop_table("disputes")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_subject_sscc"))
        batch_op.drop_index(batch_op.f("ix_certificates_subject_gtin"))

    op.drop_table("certificates")
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreements_seller"))
        batch_op.drop_index(batch_op.f("ix_agreements_buyer"))

    op.drop_table("agreements")
