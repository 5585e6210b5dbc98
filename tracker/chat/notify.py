"""Notifications: the Follower's `on_changes` hook turns ledger changes into outbox rows.

`enqueue_changes(session, changes)` runs inside the block's own database transaction, so
the outbox rows commit together with the read model and the follower's position: a crash
loses none and a replayed block duplicates none (`dedupe_key` is unique per
`notify:{tx_id}:{kind}:{contact_id}`). Only the facts are queued; whether the message goes
as text (inside the contact's 24-hour window) or as a template is decided when sending.
Settlements and disputes (`chat.terms_facts`) go to the same subscribers, and a resolution
also to the contact who opened the dispute from the chat; a notification about a shipment to
a contact disputing it is part of the dispute's conversation (`chat.conversation`); the
resolution notice to the contact who opened the dispute is the last message of its
conversation, and the dispute turns `closing` in the same transaction (`chat.anchoring`).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tracker.chat.conversation import dispute_for, track_outbound
from tracker.chat.provenance import provenance_view, shipment_parties, view_to_json
from tracker.chat.terms_facts import TERMS_KINDS, terms_facts
from tracker.store.contacts import Contact, get_contact, subscribers
from tracker.store.conversations import CLOSING, OPEN, OPENING, DisputeChatRow
from tracker.store.projection import Change
from tracker.store.queues import enqueue

log = logging.getLogger(__name__)

ALERT_VERDICTS = frozenset({"excursion", "breach"})
NOTIFY_KINDS = ("notify.status", "notify.delivered", "notify.cold_chain", *TERMS_KINDS.values())


def notification_kind(change: Change) -> str | None:
    """Which notification a change deserves, if any."""
    if change.kind == "status":
        return "notify.delivered" if change.new == "delivered" else "notify.status"
    if change.kind == "verdict" and change.new in ALERT_VERDICTS:
        return "notify.cold_chain"
    return TERMS_KINDS.get(change.kind)  # creations and plain checkpoints are not pushed


def enqueue_changes(session: Session, changes: list[Change]) -> None:
    """Queue one message per notifiable change and subscribed contact of a party org."""
    queued = 0
    for change in changes:
        if change.kind == "dispute_resolved":
            _closing(session, change.new)
        kind = notification_kind(change)
        if kind is None:
            continue
        parties = shipment_parties(session, change.sscc)
        body = _body(session, change)
        if body is None or parties is None:
            continue
        for contact in _recipients(session, change):
            if contact.org_msp_id not in parties:
                continue  # defence in depth: subscribing already requires being a party
            key = f"notify:{change.tx_id}:{kind}:{contact.id}"
            queued += enqueue(session, dedupe_key=key, kind=kind, body=body, contact_id=contact.id)
            disputed = _conversation(session, change, contact.id)
            if disputed is not None:
                track_outbound(session, disputed.dispute_id, contact.id, key)
    if queued:
        log.info("%d notifications queued", queued)


def _conversation(session: Session, change: Change, contact_id: int) -> DisputeChatRow | None:
    """The dispute conversation a notification to the contact is part of: the resolved dispute
    itself for the resolution notice to the contact who opened it (its last message)."""
    if change.kind == "dispute_resolved":
        own = session.scalar(
            select(DisputeChatRow)
            .where(
                DisputeChatRow.dispute_id == change.new,
                DisputeChatRow.sscc == change.sscc,
                DisputeChatRow.contact_id == contact_id,
                DisputeChatRow.state.in_((OPENING, OPEN, CLOSING)),
            )
            .with_for_update()
        )
        if own is not None:
            return own
    return dispute_for(session, contact_id, change.sscc)


def _closing(session: Session, dispute_id: str) -> None:
    """The ledger resolved the dispute: it takes no new message, its last ones get anchored."""
    session.execute(
        update(DisputeChatRow)
        .where(DisputeChatRow.dispute_id == dispute_id, DisputeChatRow.state == OPEN)
        .values(state=CLOSING)
    )


def _body(session: Session, change: Change) -> dict[str, object] | None:
    """What the notification says: the shipment's view, or a settlement's or dispute's facts."""
    where = {"tx_id": change.tx_id, "block": change.block_number}
    if change.kind in TERMS_KINDS:
        facts = terms_facts(session, change)
        return None if facts is None else {"terms": facts, **where}
    view = provenance_view(session, change.sscc)
    if view is None:
        return None
    if change.kind == "status":
        # The read model holds the block's final state; say what THIS transaction did.
        view = replace(view, status=change.new)
    return {"view": view_to_json(view), **where}


def _recipients(session: Session, change: Change) -> list[Contact]:
    """The shipment's subscribers; for a resolution, also who opened the dispute in the chat."""
    contacts = subscribers(session, change.sscc)
    if change.kind == "dispute_resolved":
        opener = session.scalar(
            select(DisputeChatRow.contact_id).where(DisputeChatRow.dispute_id == change.new)
        )
        contact = get_contact(session, opener) if opener is not None else None
        if contact is not None and all(c.id != contact.id for c in contacts):
            contacts.append(contact)
    return contacts
