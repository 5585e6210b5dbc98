"""The Twilio WhatsApp webhook: inbound messages and status callbacks, signed by Twilio.

POST order matters, as on `/webhook/whatsapp`: X-Twilio-Signature is checked over the
configured public URL (TWILIO_WEBHOOK_URL, with the request's query string) and every POST
parameter before anything is used (401 and nothing stored when it does not match); then the
update goes to the same inbox and outbox as Meta's (deduplicated by MessageSid; statuses
only move rows forward) in one transaction, and an empty TwiML `<Response/>` is answered at
once: the worker replies through the Messages API, never in the TwiML.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from tracker.config import TwilioSettings
from tracker.errors import ApiError
from tracker.extensions import state
from tracker.store.columns import utcnow
from tracker.views.webhook import accept
from tracker.whatsapp.twilio import verify_twilio_signature
from tracker.whatsapp.twilio_webhook import (
    EMPTY_TWIML,
    SIGNATURE_HEADER,
    business_id,
    parse_twilio,
    signed_url,
)
from tracker.whatsapp.webhook import MalformedPayload

twilio_webhook = Blueprint("twilio_webhook", __name__)
log = logging.getLogger(__name__)


def _twilio() -> TwilioSettings:
    settings = state().config.whatsapp
    if settings is None or settings.twilio is None:
        raise ApiError(404, "NOT_FOUND", "the Twilio webhook is not configured")
    return settings.twilio


@twilio_webhook.post("/webhook/twilio")
def updates() -> ResponseReturnValue:
    """Signed Twilio requests: check, store, answer empty TwiML."""
    twilio = _twilio()
    params = request.form.to_dict(flat=False)
    url = signed_url(twilio.webhook_url, request.query_string.decode("utf-8", "replace"))
    signature = request.headers.get(SIGNATURE_HEADER)
    if not verify_twilio_signature(url, params, signature, twilio.auth_token.read()):
        log.warning("Twilio webhook with a bad or missing signature refused")
        raise ApiError(401, "BAD_SIGNATURE", "X-Twilio-Signature does not match the request")
    first = {name: values[0] for name, values in params.items() if values}
    try:
        parsed = parse_twilio(first, callback_data=request.args.get("cb"), received_at=utcnow())
    except MalformedPayload as exc:
        raise ApiError(400, "MALFORMED_PAYLOAD", str(exc)) from None
    accept(parsed, business_id(twilio.from_number))
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")
