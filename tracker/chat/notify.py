"""Notifications: the Follower's `on_changes` hook turns ledger changes into outbox rows.

`enqueue_changes(session, changes)` runs inside the block's own database transaction, so
the outbox rows commit together with the read model and the follower's checkpoint: a crash
loses none and a replayed block duplicates none (`dedupe_key` is unique per
`notify:{tx_id}:{kind}:{contact_id}`). Only the facts are queued; whether the message goes
as text (inside the contact's 24-hour window) or as a template is decided when sending.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy.orm import Session

from tracker.chat.provenance import provenance_view, shipment_parties, view_to_json
from tracker.store.contacts import subscribers
from tracker.store.projection import Change
from tracker.store.queues import enqueue

log = logging.getLogger(__name__)

ALERT_VERDICTS = frozenset({"excursion", "breach"})
NOTIFY_KINDS = ("notify.status", "notify.delivered", "notify.cold_chain")


def notification_kind(change: Change) -> str | None:
    """Which notification a change deserves, if any."""
    if change.kind == "status":
        return "notify.delivered" if change.new == "delivered" else "notify.status"
    if change.kind == "verdict" and change.new in ALERT_VERDICTS:
        return "notify.cold_chain"
    return None  # creations and plain checkpoints are not pushed


def enqueue_changes(session: Session, changes: list[Change]) -> None:
    """Queue one message per notifiable change and subscribed contact of a party org."""
    queued = 0
    for change in changes:
        kind = notification_kind(change)
        if kind is None:
            continue
        view = provenance_view(session, change.sscc)
        parties = shipment_parties(session, change.sscc)
        if view is None or parties is None:
            continue
        if change.kind == "status":
            # The read model holds the block's final state; say what THIS transaction did.
            view = replace(view, status=change.new)
        body = {"view": view_to_json(view), "tx_id": change.tx_id, "block": change.block_number}
        for contact in subscribers(session, change.sscc):
            if contact.org_msp_id not in parties:
                continue  # defence in depth: subscribing already requires being a party
            key = f"notify:{change.tx_id}:{kind}:{contact.id}"
            queued += enqueue(session, dedupe_key=key, kind=kind, body=body, contact_id=contact.id)
    if queued:
        log.info("%d notifications queued", queued)
