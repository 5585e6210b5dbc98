"""The sandbox's behaviour behind the HTTP routes: auth, faults, window, sends, inbound.

Each public method returns `(json_body, http_status)` so the Flask layer stays thin.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tracker.sandbox.cloud_rules import (
    FREE_FORM_TYPES,
    CloudApiRefusal,
    address,
    check_version,
    validate_send,
)
from tracker.sandbox.config import SandboxConfig
from tracker.sandbox.delivery import (
    Identity,
    WebhookDeliverer,
    envelope,
    message_value,
    status_value,
)
from tracker.sandbox.state import Inbound, Outbound, SandboxState, StoredMedia, new_wamid
from tracker.sandbox.views import outbound_text
from tracker.whatsapp.provider import is_user_id

Reply = tuple[dict[str, Any], int]


class Sandbox:
    """One simulated WhatsApp business phone number."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.state = SandboxState(faults=config.faults, seed=config.seed)
        self.identity = Identity(
            config.waba_id, config.phone_number_id, config.display_phone_number
        )
        self.deliverer = WebhookDeliverer(
            config.webhook_url,
            config.app_secret,
            attempts=config.delivery_attempts,
            delay_s=config.retry_delay_s,
        )

    def graph_call(self, version: str, phone_number_id: str, authorization: str | None) -> None:
        """Checks every Graph call goes through, in Meta's order: path, token, number, faults."""
        check_version(version)
        expected = f"Bearer {self.config.access_token}"
        if not authorization or not hmac.compare_digest(authorization.encode(), expected.encode()):
            raise CloudApiRefusal(190)
        if phone_number_id != self.config.phone_number_id:
            raise CloudApiRefusal(
                100, f"Object with ID '{phone_number_id}' does not exist.", subcode=33
            )
        faults = self.state.faults
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        fault = self.state.roll_fault()
        if fault == "5xx":
            raise CloudApiRefusal(131000)
        if fault == "429":
            raise CloudApiRefusal(130429)

    def send(self, body: object) -> Reply:
        """POST /messages: a message send or a mark-as-read."""
        if isinstance(body, dict) and body.get("status") == "read":
            return self._mark_read(body)
        request = validate_send(
            body, lambda n, lang: (n, lang) in self.config.templates, self.state.has_media
        )
        now = datetime.now(UTC)
        if request.type in FREE_FORM_TYPES and not self.state.in_window(
            request.to, now, self.config.service_window
        ):
            raise CloudApiRefusal(131047)
        record = Outbound(
            new_wamid(), request.to, request.type, request.content, request.callback_data, now
        )
        self.state.add_outbound(record)
        self._emit_statuses(record)
        message: dict[str, Any] = {"id": record.message_id}
        if request.type == "template":
            message["message_status"] = "accepted"
        raw_to = request.to
        if isinstance(body, dict):
            raw_to = str(body.get("to", body.get("recipient", request.to)))
        key = "user_id" if is_user_id(request.to) else "wa_id"
        contacts = [{"input": raw_to, key: request.to}]
        return {"messaging_product": "whatsapp", "contacts": contacts, "messages": [message]}, 200

    def upload(self, form: Mapping[str, str], file: tuple[str, bytes, str] | None) -> Reply:
        """POST /media: store a multipart upload and return its media id."""
        if form.get("messaging_product") != "whatsapp" or file is None:
            raise CloudApiRefusal(100, "messaging_product=whatsapp and a file are required.")
        filename, content, mime = file
        media_id = str(secrets.randbelow(9 * 10**15) + 10**15)  # Meta media ids are numeric
        self.state.add_media(StoredMedia(media_id, content, form.get("type") or mime, filename))
        return {"id": media_id}, 200

    def inject_inbound(self, data: Mapping[str, Any]) -> Reply:
        """Play the contact's phone: build a Meta message object and deliver it.

        `from` is a phone number, or a business-scoped user id (`US.1349…`) to play a user
        known only by a username: the webhook then carries `from_user_id` and no `from`.
        """
        sender = address(str(data.get("from", "")))
        if not sender:
            return {"error": "'from' is required"}, 400
        message = self._inbound_message(data)
        if message is None:
            return {"error": "give text, button {id,title} or message {type,...}"}, 400
        sent_at = datetime.fromtimestamp(int(data.get("timestamp") or time.time()), tz=UTC)
        sender_key = "from_user_id" if is_user_id(sender) else "from"
        message.update(
            {sender_key: sender, "id": new_wamid(), "timestamp": str(int(sent_at.timestamp()))}
        )
        self.state.add_inbound(Inbound(message["id"], sender, message, sent_at))
        name = str(data.get("name") or f"Contact {sender[-2:]}")
        self.deliverer.enqueue(envelope(self.identity, message_value(sender, name, message)))
        return {"message_id": message["id"]}, 200

    def reset(self) -> None:
        """Back to a blank sandbox with the configured faults."""
        self.state.reset(self.config.faults)
        self.deliverer.clear()

    def _inbound_message(self, data: Mapping[str, Any]) -> dict[str, Any] | None:
        context_id = data.get("context_id")
        context = (
            {"context": {"from": self.config.display_phone_number, "id": context_id}}
            if isinstance(context_id, str)
            else {}
        )
        if isinstance(data.get("text"), str) and data["text"]:
            return {**context, "type": "text", "text": {"body": data["text"]}}
        button = data.get("button")
        quick_reply = isinstance(button, str) and bool(button)
        if quick_reply:
            button = {"id": button}  # `"button": "<payload>"`: a template's quick reply
        if isinstance(button, dict) and isinstance(button.get("id"), str):
            origin = self.state.find_outbound(context_id) if isinstance(context_id, str) else None
            payload = button["id"]
            if quick_reply or (origin is not None and origin.type == "template"):
                # Template quick replies arrive as type "button", not "interactive", with the
                # button's approved text.
                title = str(button.get("title") or self._template_button(origin, payload))
                return {**context, "type": "button", "button": {"payload": payload, "text": title}}
            title = str(button.get("title") or payload)
            reply = {"type": "button_reply", "button_reply": {"id": payload, "title": title}}
            return {**context, "type": "interactive", "interactive": reply}
        raw = data.get("message")
        if isinstance(raw, dict) and isinstance(raw.get("type"), str):
            return {**context, **raw}
        return None

    def _template_button(self, origin: Outbound | None, payload: str) -> str:
        """The text of the template button carrying `payload`, or the payload itself."""
        if origin is not None and origin.type == "template":
            _, buttons = outbound_text(origin, self.config)
            for button in buttons:
                if button["id"] == payload:
                    return button["title"]
        return payload

    def _mark_read(self, body: dict[str, Any]) -> Reply:
        message_id = body.get("message_id")
        if body.get("messaging_product") != "whatsapp" or not isinstance(message_id, str):
            raise CloudApiRefusal(100, "messaging_product and message_id are required.")
        if not self.state.mark_read(message_id):
            raise CloudApiRefusal(100, f"Invalid message_id {message_id}.")
        return {"success": True}, 200

    def _emit_statuses(self, record: Outbound) -> None:
        statuses = ["sent", "delivered"] + (["read"] if self.config.auto_read else [])
        for status in statuses:
            value = status_value(
                record.message_id, record.to, status, datetime.now(UTC), record.callback_data
            )
            self.deliverer.enqueue(envelope(self.identity, value))
