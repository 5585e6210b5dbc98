"""Twilio's WhatsApp API as a second `WhatsAppProvider`, plus Twilio webhook signatures.

Messages go through the Messages resource
`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form-encoded, basic auth).
Templates are Twilio Content templates: `name` is the ContentSid (HX...) and body
parameters become `ContentVariables` {"1": ..., "2": ...}. Twilio has no opaque callback
field, so `callback_data` rides as a `cb` query parameter on the StatusCallback URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from tracker.whatsapp.errors import (
    FatalError,
    PacingError,
    PermanentError,
    TransientError,
    WhatsAppError,
)
from tracker.whatsapp.provider import (
    MediaRef,
    ReplyButton,
    SentMessage,
    check_buttons,
    redact_phone,
    template_parameter,
)

log = logging.getLogger(__name__)

# Twilio error codes (twilio.com/docs/api/errors) mapped onto the shared tree.
_TWILIO_CODES: Mapping[int, type[WhatsAppError]] = {
    20003: FatalError,  # authentication failed
    20005: FatalError,  # account not active
    20429: TransientError,  # too many requests
    63018: PacingError,  # rate limit exceeded for the channel / recipient
    63016: PermanentError,  # free-form message outside the 24-hour window
    21211: PermanentError,  # invalid To number
    21610: PermanentError,  # recipient unsubscribed
    63003: PermanentError,  # channel could not find To address
    63024: PermanentError,  # invalid message recipient
}


@dataclass(frozen=True, kw_only=True, slots=True)
class TwilioConfig:
    """Account and sender used for Twilio's Messages resource."""

    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str  # E.164, e.g. "+12025550186"
    base_url: str = "https://api.twilio.com"
    status_callback_url: str | None = None
    timeout: float = 10.0


class TwilioProvider:
    """`WhatsAppProvider` backed by Twilio's Messages resource."""

    def __init__(self, config: TwilioConfig, *, client: httpx.Client | None = None) -> None:
        self._config = config
        self._client = client or httpx.Client(timeout=config.timeout)
        self._owns_client = client is None

    def close(self) -> None:
        """Close the HTTP client if this provider built it."""
        if self._owns_client:
            self._client.close()

    def send_text(
        self, to: str, body: str, *, preview_url: bool = False, callback_data: str | None = None
    ) -> SentMessage:
        """Send a free-form WhatsApp text."""
        return self._create(to, {"Body": body}, callback_data)

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
        """Send a Content template; `name` is its ContentSid, `language` is implied by it."""
        # WhatsApp's rule for body variables applies behind Twilio too (Twilio error 21656).
        variables = {str(i): template_parameter(v) for i, v in enumerate(body_parameters, start=1)}
        # Quick-reply payloads live in the Content template itself on Twilio.
        fields = {"ContentSid": name, "ContentVariables": json.dumps(variables)}
        return self._create(to, fields, callback_data)

    def send_interactive_buttons(
        self,
        to: str,
        body: str,
        buttons: Sequence[ReplyButton],
        *,
        footer: str | None = None,
        callback_data: str | None = None,
    ) -> SentMessage:
        """Send the buttons as text lines: ad-hoc buttons need a Content template on Twilio."""
        check_buttons(buttons)
        lines = [body, *(f"- {b.title}" for b in buttons)]
        if footer:
            lines.append(footer)
        return self._create(to, {"Body": "\n".join(lines)}, callback_data)

    def send_document(
        self,
        to: str,
        document: MediaRef,
        *,
        filename: str | None = None,
        caption: str | None = None,
        callback_data: str | None = None,
    ) -> SentMessage:
        """Send a document by link (Twilio fetches MediaUrl itself)."""
        if document.kind != "link":
            raise PermanentError("Twilio sends media by URL only, not by uploaded id")
        fields = {"MediaUrl": document.value, "Body": caption or filename or ""}
        return self._create(to, fields, callback_data)

    def upload_media(self, content: bytes, mime_type: str, filename: str) -> str:
        """Not offered by Twilio's Messages API: host the file and send a link instead."""
        raise PermanentError("Twilio has no media upload for messages")

    def mark_as_read(self, message_id: str) -> None:
        """No-op: Twilio's Messages API has no read receipts to send."""

    def _create(self, to: str, fields: Mapping[str, str], callback_data: str | None) -> SentMessage:
        form = {"From": f"whatsapp:{self._config.from_number}", "To": f"whatsapp:{to}", **fields}
        callback_url = _callback_url(self._config.status_callback_url, callback_data)
        if callback_url:
            form["StatusCallback"] = callback_url
        url = (
            f"{self._config.base_url.rstrip('/')}/2010-04-01/Accounts/"
            f"{self._config.account_sid}/Messages.json"
        )
        try:
            response = self._client.post(
                url, data=form, auth=(self._config.account_sid, self._config.auth_token)
            )
        except httpx.TransportError as exc:  # includes timeouts
            raise TransientError(f"transport error calling Twilio: {exc}") from exc
        body = _json_or_none(response)
        if response.is_error:
            raise twilio_error(response.status_code, body)
        sid = body.get("sid") if isinstance(body, dict) else None
        if not isinstance(sid, str):
            raise PermanentError("Twilio answered without a message sid", http_status=200)
        log.info("twilio message sent to %s as %s", redact_phone(to), sid)
        return SentMessage(sid)


def _callback_url(base: str | None, callback_data: str | None) -> str | None:
    # Twilio has no opaque field: the callback data travels in the StatusCallback URL.
    if not base or callback_data is None:
        return base
    sep = "&" if "?" in base else "?"
    return base + sep + urlencode({"cb": callback_data})


def twilio_error(http_status: int, body: object) -> WhatsAppError:
    """Map a Twilio error body `{"code", "message", "more_info", "status"}` onto the tree."""
    data: Mapping[str, Any] = body if isinstance(body, dict) else {}
    code = data.get("code") if isinstance(data.get("code"), int) else None
    message = str(data.get("message") or f"Twilio HTTP {http_status}")
    cls = _TWILIO_CODES.get(code) if code is not None else None
    if cls is None:
        cls = TransientError if http_status >= 500 or http_status == 429 else PermanentError
        if http_status in (401, 403):
            cls = FatalError
    return cls(
        message, code=code, details=str(data.get("more_info") or ""), http_status=http_status
    )


def twilio_signature(url: str, params: Mapping[str, str | Sequence[str]], auth_token: str) -> str:
    """Compute X-Twilio-Signature: base64(HMAC-SHA1(token, url + sorted key+value pairs)).

    `url` is the full URL Twilio requested, query string included; POST parameters are
    sorted by name and each name+value appended (a repeated name once per distinct value,
    in sorted order, as Twilio's own validators do).
    """
    signed = url
    for key in sorted(params):
        value = params[key]
        for item in [value] if isinstance(value, str) else sorted(set(value)):
            signed += key + item
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_twilio_signature(
    url: str,
    params: Mapping[str, str | Sequence[str]],
    signature: str | None,
    auth_token: str,
) -> bool:
    """Tell whether a Twilio webhook's signature matches, in constant time."""
    if not signature:
        return False
    expected = twilio_signature(url, params, auth_token)
    return hmac.compare_digest(expected.encode(), signature.encode())


def _json_or_none(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None
