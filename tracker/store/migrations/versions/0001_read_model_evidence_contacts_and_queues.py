"""read model, evidence, contacts and queues

Revision ID: 0001
Revises:
Create Date: 2026-11-24 17:00:59.577206
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tracker.store.columns

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Applies this revision."""
    op.create_table(
        "blocks",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("header_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("previous_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("data_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("tx_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_blocks")),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_msp_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("opted_in_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("phone", name=op.f("uq_contacts_phone")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_org_msp_id"), ["org_msp_id"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_evidence")),
    )
    op.create_table(
        "follower_state",
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("next_block", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_follower_state")),
    )
    op.create_table(
        "inbox_statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wa_message_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("callback_data", sa.String(length=512), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_title", sa.Text(), nullable=True),
        sa.Column("at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.Column("received_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_statuses")),
        sa.UniqueConstraint(
            "wa_message_id", "status", name=op.f("uq_inbox_statuses_wa_message_id_status")
        ),
    )
    with op.batch_alter_table("inbox_statuses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbox_statuses_callback_data"), ["callback_data"], unique=False
        )

    op.create_table(
        "sending_control",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("halted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("since", tracker.store.columns.UtcDateTime(timezone=True), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sending_control")),
    )
    op.create_table(
        "shipments",
        sa.Column("sscc", sa.String(length=18), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("lot", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("custodian", sa.String(length=64), nullable=False),
        sa.Column("producer", sa.String(length=64), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("retailer", sa.String(length=64), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("checkpoint_count", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("last_tx_id", sa.String(length=64), nullable=False),
        sa.Column("last_block", sa.Integer(), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sscc", name=op.f("pk_shipments")),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipments_carrier"), ["carrier"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_gtin"), ["gtin"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_lot"), ["lot"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_producer"), ["producer"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_retailer"), ["retailer"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_status"), ["status"], unique=False)

    op.create_table(
        "checkpoints",
        sa.Column("sscc", sa.String(length=18), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("biz_step", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("event_time", sa.String(length=40), nullable=False),
        sa.Column("reporter_msp_id", sa.String(length=64), nullable=False),
        sa.Column("reporter_role", sa.String(length=32), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("tx_id", sa.String(length=64), nullable=False),
        sa.Column("block_number", sa.Integer(), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sscc"], ["shipments.sscc"], name=op.f("fk_checkpoints_sscc_shipments")
        ),
        sa.PrimaryKeyConstraint("sscc", "seq", name=op.f("pk_checkpoints")),
    )
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkpoints_tx_id"), ["tx_id"], unique=False)

    op.create_table(
        "inbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wa_message_id", sa.String(length=128), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("sender", sa.String(length=16), nullable=True),
        sa.Column("sent_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.Column("received_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("processed_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_inbox_messages_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_messages")),
        sa.UniqueConstraint("wa_message_id", name=op.f("uq_inbox_messages_wa_message_id")),
    )
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbox_messages_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inbox_messages_state"), ["state"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("claimed_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=True),
        sa.Column("window_from", tracker.store.columns.UtcDateTime(timezone=True), nullable=True),
        sa.Column("force_template", sa.Boolean(), nullable=False),
        sa.Column("wamid", sa.String(length=128), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_outbox_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_wamid"), ["wamid"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("sscc", sa.String(length=18), nullable=False),
        sa.Column("created_at", tracker.store.columns.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_subscriptions_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("contact_id", "sscc", name=op.f("uq_subscriptions_contact_id_sscc")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscriptions_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_subscriptions_sscc"), ["sscc"], unique=False)

    op.create_table(
        "transactions",
        sa.Column("tx_id", sa.String(length=64), nullable=False),
        sa.Column("block_number", sa.Integer(), nullable=False),
        sa.Column("tx_index", sa.Integer(), nullable=False),
        sa.Column("creator_msp_id", sa.String(length=64), nullable=False),
        sa.Column("creator_id", sa.String(length=128), nullable=False),
        sa.Column("creator_role", sa.String(length=32), nullable=False),
        sa.Column("validation_code", sa.String(length=48), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chaincode", sa.String(length=64), nullable=True),
        sa.Column("event_name", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["block_number"], ["blocks.number"], name=op.f("fk_transactions_block_number_blocks")
        ),
        sa.PrimaryKeyConstraint("tx_id", name=op.f("pk_transactions")),
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transactions_block_number"), ["block_number"], unique=False
        )


def downgrade() -> None:
    """Reverts this revision."""
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transactions_block_number"))

    op.drop_table("transactions")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_sscc"))
        batch_op.drop_index(batch_op.f("ix_subscriptions_contact_id"))

    op.drop_table("subscriptions")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_wamid"))
        batch_op.drop_index(batch_op.f("ix_outbox_state"))
        batch_op.drop_index(batch_op.f("ix_outbox_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_contact_id"))

    op.drop_table("outbox")
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_messages_state"))
        batch_op.drop_index(batch_op.f("ix_inbox_messages_contact_id"))

    op.drop_table("inbox_messages")
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkpoints_tx_id"))

    op.drop_table("checkpoints")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipments_status"))
        batch_op.drop_index(batch_op.f("ix_shipments_retailer"))
        batch_op.drop_index(batch_op.f("ix_shipments_producer"))
        batch_op.drop_index(batch_op.f("ix_shipments_lot"))
        batch_op.drop_index(batch_op.f("ix_shipments_gtin"))
        batch_op.drop_index(batch_op.f("ix_shipments_carrier"))

    op.drop_table("shipments")
    op.drop_table("sending_control")
    with op.batch_alter_table("inbox_statuses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_statuses_callback_data"))

    op.drop_table("inbox_statuses")
    op.drop_table("follower_state")
    op.drop_table("evidence")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_org_msp_id"))

    op.drop_table("contacts")
    op.drop_table("blocks")
