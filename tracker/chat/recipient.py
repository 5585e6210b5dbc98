"""Who a stranger's outbox row goes to, and forgetting it once the row is settled.

A contact's row names the contact; a stranger's names their phone number (`recipient`), or,
for a sender known only by a username, their business-scoped user id, which is longer than
that column and so travels in the row's JSON body under `TO_USER_ID`. Either is kept only
while the row may still be sent: `forget_recipient` drops both once the row is settled.
"""

from __future__ import annotations

import json

from tracker.store.queues import OutboxRow

TO_USER_ID = "to_user_id"


def recipient_of(row: OutboxRow) -> str | None:
    """The phone number or user id a stranger's row goes to; None for a contact's row."""
    if row.recipient:
        return row.recipient
    user_id = row.payload().get(TO_USER_ID)
    return user_id if isinstance(user_id, str) and user_id else None


def forget_recipient(row: OutboxRow) -> None:
    """No longer queued: a stranger's number or user id is not kept."""
    row.recipient = None
    body = row.payload()
    if body.pop(TO_USER_ID, None) is not None:
        row.body = json.dumps(body, ensure_ascii=False, sort_keys=True)
