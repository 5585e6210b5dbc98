"""Framework-free core of Twilio's WhatsApp webhook: the signed URL and parsing.

Twilio POSTs form-encoded parameters, for an inbound message (`From=whatsapp:+E164`, `To`,
`Body`, `MessageSid`, `ProfileName`, `ButtonPayload`/`ButtonText` for a quick reply, ...)
or for a status callback (`MessageSid`, `MessageStatus`, `ErrorCode`, and our own `cb`
query parameter carrying the outbox callback data). Order matters, as for Meta: check
`twilio.verify_twilio_signature` over `signed_url(...)` and EVERY POST parameter first, then
`parse_twilio`, which yields the same typed updates as Meta's webhook (`updates.Update`) so
one inbox and one outbox serve both providers. Twilio sends no event time: the receive time
stands in for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from tracker.whatsapp.updates import (
    InboundMessage,
    Location,
    MessageContent,
    QuickReply,
    StatusKind,
    StatusUpdate,
    Text,
    Unsupported,
    Update,
    UpdateError,
)
from tracker.whatsapp.webhook import MalformedPayload

SIGNATURE_HEADER = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
CHANNEL_PREFIX = "whatsapp:"
_MAX_SID = 64

# Twilio's statuses onto the shared ones. The others (queued, accepted, sending, scheduled,
# canceled, receiving, received) tell the outbox nothing it does not know already.
_STATUSES: Mapping[str, StatusKind] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "failed",  # Twilio's carrier-side failure: final, like Meta's failed
}


def signed_url(webhook_url: str, query_string: str) -> str:
    """The URL Twilio signed: the configured public URL plus the request's own query string."""
    base = webhook_url.split("?", 1)[0]
    return f"{base}?{query_string}" if query_string else base


def business_id(number: str) -> str:
    """Digits of a number, as `Update.phone_number_id` holds our sender for Twilio."""
    return "".join(c for c in number if c.isdigit())


def parse_twilio(
    params: Mapping[str, str], *, callback_data: str | None, received_at: datetime
) -> list[Update]:
    """One inbound message or one status, typed; empty for what the tracker does not use."""
    sid = params.get("MessageSid", "")
    if not sid or len(sid) > _MAX_SID or not sid.isascii() or not sid.isalnum():
        raise MalformedPayload("MessageSid is missing or malformed")
    status = params.get("MessageStatus", "")
    if status and status not in ("received", "receiving"):
        return _status(sid, status, params, callback_data, received_at)
    return _message(sid, params, received_at)


def _status(
    sid: str,
    status: str,
    params: Mapping[str, str],
    callback_data: str | None,
    received_at: datetime,
) -> list[Update]:
    kind = _STATUSES.get(status)
    if kind is None:
        return []
    code = params.get("ErrorCode", "")
    errors: tuple[UpdateError, ...] = ()
    if code:
        text = params.get("ErrorMessage") or "Twilio error"
        errors = (UpdateError(int(code) if code.isdigit() else None, text, text, ""),)
    update = StatusUpdate(
        message_id=sid,
        recipient_id=_whatsapp_number(params, "To") or "",
        status=kind,
        timestamp=received_at,
        phone_number_id=business_id(params.get("From", "")),
        callback_data=callback_data,
        errors=errors,
    )
    return [update]


def _message(sid: str, params: Mapping[str, str], received_at: datetime) -> list[Update]:
    sender = _whatsapp_number(params, "From")
    if sender is None:
        return []  # an SMS to the same Twilio number: not this channel
    update = InboundMessage(
        message_id=sid,
        sender=sender,
        sender_name=params.get("ProfileName") or None,
        timestamp=received_at,
        phone_number_id=business_id(params.get("To", "")),
        context_message_id=params.get("OriginalRepliedMessageSid") or None,
        content=_content(params),
    )
    return [update]


def _content(params: Mapping[str, str]) -> MessageContent:
    payload = params.get("ButtonPayload")
    if payload:
        return QuickReply(payload, params.get("ButtonText", ""))
    if params.get("NumMedia", "0") not in ("", "0"):
        # Twilio puts a media's caption in Body: text the contact typed, read as such.
        caption = params.get("Body", "")
        return Text(caption) if caption.strip() else Unsupported("media")
    if params.get("Latitude") and params.get("Longitude"):
        return _location(params)
    body = params.get("Body", "")
    return Text(body) if body else Unsupported(params.get("MessageType") or "empty")


def _location(params: Mapping[str, str]) -> Location:
    try:
        latitude, longitude = float(params["Latitude"]), float(params["Longitude"])
    except ValueError as exc:
        raise MalformedPayload(f"bad location: {exc}") from exc
    return Location(latitude, longitude, params.get("Label"), params.get("Address"))


def _whatsapp_number(params: Mapping[str, str], key: str) -> str | None:
    # `whatsapp:+33639982201` -> `33639982201` (a wa_id, as Meta's webhook gives senders).
    value = params.get(key, "")
    if not value.startswith(CHANNEL_PREFIX):
        return None
    digits = value[len(CHANNEL_PREFIX) :].lstrip("+")
    if not digits.isascii() or not digits.isdigit():
        raise MalformedPayload(f"{key} is not a WhatsApp number")
    return digits
