"""Keeping a dispute's conversation off-chain: which messages belong to it, and their leaves.

Once a contact opened a dispute about a shipment (`chat.disputes`), that contact's messages
about the shipment are kept: an inbound message naming the shipment's code, or naming none
while it is the contact's latest open dispute; the replies to them and the shipment's
notifications to that contact, until the ledger resolves it (its resolution notice to the
contact who opened it is the last message kept: `chat.notify`). An inbound message is
complete at once; an outbound one when the provider accepted it (its id and time are known
only then, `complete_outbound`); the text it was composed with is staged when the sender
claims it (`stage_outbound`), so a send settled in doubt by another process completes too,
whatever its kind (`complete_staged`). A complete message has its leaf hash
(`terms.merkle.leaf_hash`); `chat.anchoring` puts the leaves on the ledger.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from records import format_instant
from terms.merkle import leaf_hash
from tracker.chat.compose import Outgoing
from tracker.store.columns import utcnow
from tracker.store.conversations import ConversationMessageRow, DisputeChatRow, active_disputes
from tracker.store.queues import InboxMessageRow, OutboxRow

log = logging.getLogger(__name__)


def leaf_time(moment: datetime) -> str:
    """The instant a leaf commits to: UTC, whole seconds, `Z`."""
    return format_instant(moment.replace(microsecond=0), "leaf time")


def text_digest(text: str) -> str:
    """SHA-256 of a message's UTF-8 text, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def message_leaf(message_id: str, direction: str, time: str, text: str) -> str:
    """The leaf hash of one message (what the ledger gets instead of the message)."""
    message = {"id": message_id, "direction": direction, "time": time}
    return leaf_hash({**message, "text_sha256": text_digest(text)})


def inbound_text(content: dict[str, object]) -> str:
    """What the contact wrote: a text's body, a caption, a tapped button's text or payload."""
    if content.get("type") == "text":
        return str(content.get("body", ""))
    if content.get("type") == "button":
        return str(content.get("text") or content.get("payload") or "")
    return ""  # media without caption, locations: kept as an empty text


def dispute_for(session: Session, contact_id: int, sscc: str | None) -> DisputeChatRow | None:
    """The open (or opening) dispute a contact's message about `sscc` (None: no code) is part of;
    never one the ledger resolved. Locked until the transaction ends: a dispute being closed
    meanwhile waits for the message (`chat.anchoring.close_resolved`)."""
    disputes = active_disputes(session, contact_id, lock=True)
    if sscc is None:
        return disputes[0] if disputes else None
    return next((d for d in disputes if d.sscc == sscc), None)


def record_inbound(session: Session, dispute_id: str, row: InboxMessageRow) -> None:
    """Keep an inbound message in the dispute's conversation (complete: it has id and time)."""
    content = json.loads(row.content)
    text, time = inbound_text(content), leaf_time(row.sent_at)
    session.add(
        ConversationMessageRow(
            dispute_id=dispute_id,
            contact_id=row.contact_id,
            direction="in",
            provider_message_id=row.wa_message_id,
            time=time,
            text=text,
            text_sha256=text_digest(text),
            leaf_hash=message_leaf(row.wa_message_id, "in", time, text),
            created_at=utcnow(),
        )
    )


def track_outbound(session: Session, dispute_id: str, contact_id: int, dedupe_key: str) -> None:
    """Keep the queued outbox row `dedupe_key` in the conversation once it is sent."""
    outbox_id = session.scalar(select(OutboxRow.id).where(OutboxRow.dedupe_key == dedupe_key))
    if outbox_id is None:
        return
    known = select(ConversationMessageRow.id).where(ConversationMessageRow.outbox_id == outbox_id)
    if session.scalar(known) is not None:
        return  # a replayed block or message: tracked already
    session.add(
        ConversationMessageRow(
            dispute_id=dispute_id,
            contact_id=contact_id,
            direction="out",
            outbox_id=outbox_id,
            created_at=utcnow(),
        )
    )


def outgoing_text(outgoing: Outgoing) -> str:
    """The text a contact received: a text, a template's parameters, a document's caption."""
    if outgoing.template is not None:
        template = outgoing.template
        return f"[{template.name}] " + " | ".join(template.body_parameters)
    if outgoing.document is not None:
        return outgoing.document.caption
    return outgoing.text


def _tracked(session: Session, outbox_id: int) -> list[ConversationMessageRow]:
    """The conversation messages waiting for the outbox row `outbox_id` to be accepted."""
    return list(
        session.scalars(
            select(ConversationMessageRow).where(
                ConversationMessageRow.outbox_id == outbox_id,
                ConversationMessageRow.provider_message_id.is_(None),
                ConversationMessageRow.leaf_hash.is_(None),
            )
        )
    )


def stage_outbound(session: Session, outbox_id: int, outgoing: Outgoing) -> None:
    """The sender composed the outbox row (in the claim's transaction): keep the text it is
    about to send, so a send settled in doubt later, by another process, completes with it."""
    for row in _tracked(session, outbox_id):
        row.text = outgoing_text(outgoing)


def _complete(row: ConversationMessageRow, text: str, message_id: str, at: datetime) -> None:
    time = leaf_time(at)
    row.provider_message_id, row.time, row.text = message_id, time, text
    row.text_sha256 = text_digest(text)
    row.leaf_hash = message_leaf(message_id, "out", time, text)


def complete_outbound(
    session: Session, outbox_id: int, outgoing: Outgoing, message_id: str, at: datetime
) -> None:
    """The provider accepted an outbox row: a tracked conversation message is now complete."""
    for row in _tracked(session, outbox_id):
        _complete(row, outgoing_text(outgoing), message_id, at)


def complete_staged(session: Session, outbox: OutboxRow, message_id: str, at: datetime) -> None:
    """A send settled in doubt (a status webhook says the provider had it): complete its
    tracked messages, of any kind, with the text staged when it was composed. A row claimed
    before texts were staged falls back on a reply's own text; without any, it stays out."""
    body = outbox.payload()
    fallback = str(body.get("text", "")) if outbox.kind == "reply" else None
    for row in _tracked(session, outbox.id):
        text = row.text if row.text is not None else fallback
        if text is None:
            log.warning("outbox %d settled in doubt with no staged text: not anchored", outbox.id)
            continue
        _complete(row, text, message_id, at)
