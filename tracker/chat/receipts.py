"""Read receipts: the inbound messages the worker handled are marked read (blue ticks).

Best effort by design: a receipt is a courtesy, the reply is what matters. The worker marks
messages only after their replies are queued and its send round is over, so a slow or failing
provider call delays no reply; a failure is logged and the next message is tried. A crash
between handling a message and marking it loses that one receipt, never a reply.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from tracker.whatsapp.provider import WhatsAppProvider

log = logging.getLogger(__name__)


def mark_read(provider: WhatsAppProvider, message_ids: Iterable[str]) -> int:
    """Mark each inbound message read; returns how many the provider accepted."""
    marked = 0
    for message_id in message_ids:
        try:
            provider.mark_as_read(message_id)
        except Exception as exc:  # never let a receipt stop the worker loop
            log.warning("inbound message %s not marked read: %r", message_id, exc)
            continue
        marked += 1
    return marked
