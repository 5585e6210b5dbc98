"""`GET /shipments/<sscc>`: the shipment's public page, the link sent in WhatsApp messages.

It shows what anyone holding the tracking code may see (the chat's public answer): status,
verified origin, how many checkpoints the ledger holds and the latest transaction id and
block number, so the reader can check them on the ledger; and, first on the page, a cold-chain
breach or excursion, because whoever holds the goods must know it before using them.
Custody details, places and temperatures stay with the shipment's parties (chat, API,
reports).
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

import gs1
from tracker.app import ApiError, state
from tracker.chat.provenance import provenance_view
from tracker.whatsapp.messages import status_label, verdict_label

shipments = Blueprint("shipments", __name__)


@shipments.get("/shipments/<code>")
def shipment_page(code: str) -> ResponseReturnValue:
    """The public page of one shipment."""
    try:
        sscc = gs1.normalize_sscc(code)
    except gs1.InvalidIdentifier as error:
        raise ApiError(422, "INVALID_SSCC", str(error)) from None
    with state().sessions() as session:
        view = provenance_view(session, sscc)
    if view is None:
        raise ApiError(404, "SHIPMENT_NOT_FOUND", f"no shipment {sscc} on the ledger yet")
    return render_template(
        "shipment.html",
        view=view,
        status=status_label(view.status, "en"),
        verdict=verdict_label(view.verdict, "en"),
    )
