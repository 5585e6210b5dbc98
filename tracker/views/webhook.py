"""The WhatsApp webhook: Meta's subscription handshake and signed update deliveries.

POST order matters: the signature is checked over the RAW body before anything is parsed
(401 and nothing stored when it does not match); then the updates are stored in the inbox
and statuses applied to the outbox in ONE transaction, and 200 is answered at once. The
worker does the rest, so a slow provider never makes Meta retry a webhook.
A signed delivery is never refused: Meta retries anything but 200 for days, and a body it
signed will not parse better the next time. What cannot be parsed (the whole body, or one
entry, change, message or status) is logged and counted in `skipped`; updates for another
phone number id are logged and counted (`other_numbers`, shown in /healthz).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from tracker.chat.doorbell import parse_address, ring
from tracker.chat.inbox import Ingested, ingest
from tracker.config import CloudSettings
from tracker.errors import ApiError
from tracker.extensions import state
from tracker.store.columns import utcnow
from tracker.store.db import transaction
from tracker.views import other_numbers
from tracker.whatsapp.updates import Update
from tracker.whatsapp.webhook import (
    SIGNATURE_HEADER,
    MalformedPayload,
    parse_updates,
    verify_signature,
    verify_subscription,
)

webhook = Blueprint("webhook", __name__)
log = logging.getLogger(__name__)


def accept(parsed: list[Update], business_id: str | None) -> Ingested:
    """Store a verified delivery's updates in one transaction, then wake the worker."""
    with transaction(state().sessions) as session:
        result = ingest(session, parsed, business_id)
    other_numbers.record(state().config.state_dir, result.other_numbers, utcnow())
    if result.messages:
        ring(parse_address(state().config.wake_address))  # committed: the worker may start
    return result


def _cloud() -> CloudSettings:
    settings = state().config.whatsapp
    if settings is None or settings.cloud is None:
        raise ApiError(404, "NOT_FOUND", "the Cloud API webhook is not configured")
    return settings.cloud


@webhook.get("/webhook/whatsapp")
def subscription() -> ResponseReturnValue:
    """Meta's GET handshake: echo hub.challenge for our verify token."""
    args = request.args
    body, status = verify_subscription(
        args.get("hub.mode"),
        args.get("hub.verify_token"),
        args.get("hub.challenge"),
        _cloud().verify_token.read(),
    )
    if status != 200:
        raise ApiError(status, "VERIFICATION_FAILED", body)
    return Response(body, status=200, mimetype="text/plain")


@webhook.post("/webhook/whatsapp")
def updates() -> ResponseReturnValue:
    """Signed updates: check, store, answer."""
    cloud = _cloud()
    raw = request.get_data(cache=False)
    if not verify_signature(raw, request.headers.get(SIGNATURE_HEADER), cloud.app_secret.read()):
        log.warning("webhook with a bad or missing signature refused")
        raise ApiError(401, "BAD_SIGNATURE", "X-Hub-Signature-256 does not match the body")
    skipped: list[str] = []
    try:
        parsed = parse_updates(raw, skipped=skipped)
    except MalformedPayload as exc:
        parsed, skipped = [], [f"delivery: {exc}"]  # signed, so Meta's: answered, not retried
    for problem in skipped:
        log.warning("webhook item skipped: %s", problem)
    result = accept(parsed, cloud.phone_number_id)
    return jsonify(
        {
            "messages": result.messages,
            "statuses": result.statuses,
            "ignored": result.ignored,
            "skipped": len(skipped),
        }
    )
