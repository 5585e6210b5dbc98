"""Meta WhatsApp Business Cloud API provider over httpx.

Request bodies follow Meta's documented shapes (`messaging_product: "whatsapp"`,
`recipient_type`, `to` (a phone number) or `recipient` (a business-scoped user id, for a
contact known only by a username), `type`, one object named after the type); errors are
translated through `errors.error_from_response`. The access token is a value handed in by the
caller: this module never reads the environment. Phone numbers are only logged redacted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from tracker.whatsapp.errors import PermanentError, TransientError, error_from_response
from tracker.whatsapp.provider import (
    MAX_CALLBACK_DATA,
    MediaRef,
    ReplyButton,
    SentMessage,
    check_buttons,
    is_user_id,
    redact_phone,
    template_parameter,
)

log = logging.getLogger(__name__)

__all__ = ["CloudApiConfig", "CloudApiProvider", "redact_phone"]


@dataclass(frozen=True, kw_only=True, slots=True)
class CloudApiConfig:
    """Where and as whom to call the Graph API."""

    phone_number_id: str
    access_token: str = field(repr=False)  # repr=False: never end up in logs or tracebacks
    base_url: str = "https://graph.facebook.com"
    api_version: str = "v21.0"
    timeout: float = 10.0

    def url(self, edge: str) -> str:
        """Absolute URL of an edge of the configured phone number, e.g. `messages`."""
        return f"{self.base_url.rstrip('/')}/{self.api_version}/{self.phone_number_id}/{edge}"


class CloudApiProvider:
    """`WhatsAppProvider` backed by Meta's Cloud API."""

    def __init__(self, config: CloudApiConfig, *, client: httpx.Client | None = None) -> None:
        self._config = config
        # A caller-owned client lets tests and the app share pools; we only close our own.
        self._client = client or httpx.Client(timeout=config.timeout)
        self._owns_client = client is None

    def close(self) -> None:
        """Close the HTTP client if this provider built it."""
        if self._owns_client:
            self._client.close()

    def send_text(
        self, to: str, body: str, *, preview_url: bool = False, callback_data: str | None = None
    ) -> SentMessage:
        """Send a free-form text message."""
        text = {"body": body, "preview_url": preview_url}
        return self._send(to, "text", text, callback_data)

    def send_template(
        self,
        to: str,
        name: str,
        language: str,
        *,
        body_parameters: Sequence[str] = (),
        button_payloads: Sequence[str] = (),
        callback_data: str | None = None,
    ) -> SentMessage:
        """Send an approved template; body parameters are made one-line (`template_parameter`)."""
        components: list[dict[str, Any]] = []
        if body_parameters:
            params = [{"type": "text", "text": template_parameter(p)} for p in body_parameters]
            components.append({"type": "body", "parameters": params})
        for index, payload in enumerate(button_payloads):
            components.append(
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": str(index),  # Meta documents the index as a string
                    "parameters": [{"type": "payload", "payload": payload}],
                }
            )
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if components:
            template["components"] = components
        return self._send(to, "template", template, callback_data)

    def send_interactive_buttons(
        self,
        to: str,
        body: str,
        buttons: Sequence[ReplyButton],
        *,
        footer: str | None = None,
        callback_data: str | None = None,
    ) -> SentMessage:
        """Send a text with up to 3 reply buttons."""
        check_buttons(buttons)
        replies = [{"type": "reply", "reply": {"id": b.id, "title": b.title}} for b in buttons]
        interactive: dict[str, Any] = {
            "type": "button",
            "body": {"text": body},
            "action": {"buttons": replies},
        }
        if footer:
            interactive["footer"] = {"text": footer}
        return self._send(to, "interactive", interactive, callback_data)

    def send_document(
        self,
        to: str,
        document: MediaRef,
        *,
        filename: str | None = None,
        caption: str | None = None,
        callback_data: str | None = None,
    ) -> SentMessage:
        """Send a document by media id or link."""
        doc: dict[str, Any] = {document.kind: document.value}
        if filename:
            doc["filename"] = filename
        if caption:
            doc["caption"] = caption
        return self._send(to, "document", doc, callback_data)

    def upload_media(self, content: bytes, mime_type: str, filename: str) -> str:
        """Upload a file (multipart) and return its media id."""
        reply = self._post(
            "media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, content, mime_type)},
        )
        media_id = reply.get("id")
        if not isinstance(media_id, str):
            raise PermanentError("media upload answered without an id", http_status=200)
        return media_id

    def mark_as_read(self, message_id: str) -> None:
        """Mark an inbound message as read."""
        payload = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
        self._post("messages", json=payload)

    def _send(
        self, to: str, kind: str, content: Mapping[str, Any], callback_data: str | None
    ) -> SentMessage:
        payload: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            # A user known only by a username is addressed by their user id, never `to`.
            ("recipient" if is_user_id(to) else "to"): to,
            "type": kind,
            kind: content,
        }
        if callback_data is not None:
            if len(callback_data) > MAX_CALLBACK_DATA:
                raise ValueError(f"callback_data longer than {MAX_CALLBACK_DATA} characters")
            payload["biz_opaque_callback_data"] = callback_data
        reply = self._post("messages", json=payload)
        message_id = _first_message_id(reply)
        log.info("whatsapp %s sent to %s as %s", kind, redact_phone(to), message_id)
        return SentMessage(message_id)

    def _post(self, edge: str, **kwargs: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._config.access_token}"}
        try:
            response = self._client.post(
                self._config.url(edge), headers=headers, timeout=self._config.timeout, **kwargs
            )
        except httpx.TimeoutException as exc:
            raise TransientError(f"timeout calling {edge}: {exc}") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"transport error calling {edge}: {exc}") from exc
        body = _json_or_none(response)
        if response.is_error:
            error = error_from_response(response.status_code, body)
            log.warning("whatsapp %s failed: %r", edge, error)
            raise error
        if not isinstance(body, dict):
            # Not retried: the request may well have been accepted and a retry would duplicate.
            raise PermanentError(f"{edge} answered a non-JSON body", http_status=200)
        return body


def _json_or_none(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None


def _first_message_id(reply: Mapping[str, Any]) -> str:
    messages = reply.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        message_id = messages[0].get("id")
        if isinstance(message_id, str):
            return message_id
    raise PermanentError("send answered without a message id", http_status=200)
