"""The provider interface every WhatsApp transport implements, and its value objects.

The tracker talks to `WhatsAppProvider` only; `cloud_api.CloudApiProvider` (Meta) and
`twilio.TwilioProvider` implement it. Every send returns a `SentMessage` and accepts
`callback_data`, an opaque string echoed back on status updates so a status can be tied
to the tracker event that caused the send.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

# Meta's documented limits for reply buttons.
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_CALLBACK_DATA = 512


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the provider accepted, identified by the provider's message id."""

    message_id: str


@dataclass(frozen=True, slots=True)
class ReplyButton:
    """A quick-reply button: `id` comes back as the payload when the contact taps it."""

    id: str
    title: str

    def __post_init__(self) -> None:
        if not self.id or not self.title or len(self.title) > MAX_BUTTON_TITLE:
            raise ValueError(f"button needs an id and a 1-{MAX_BUTTON_TITLE} char title")


@dataclass(frozen=True, slots=True)
class MediaRef:
    """Where a document lives: an uploaded media id or a public HTTPS link."""

    kind: Literal["id", "link"]
    value: str

    @classmethod
    def uploaded(cls, media_id: str) -> MediaRef:
        """Refer to media uploaded earlier with `upload_media`."""
        return cls("id", media_id)

    @classmethod
    def at(cls, link: str) -> MediaRef:
        """Refer to media the provider fetches from a URL."""
        return cls("link", link)


# A business-scoped user id (BSUID): ISO 3166 alpha-2 country code, a dot, then up to 128
# alphanumerics, e.g. `US.13491208655302741918` (a parent BSUID has `.ENT.` after the code).
# Meta gives it (`user_id`, `from_user_id`) for contacts known by a username, with no phone.
_USER_ID = re.compile(r"^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$")


def is_user_id(recipient: str) -> bool:
    """Whether a sender or recipient is a business-scoped user id rather than a phone number."""
    return _USER_ID.match(recipient) is not None


def redact_phone(phone: str) -> str:
    """Hide a phone number (or user id) for logs, keeping only its last 2 digits."""
    if is_user_id(phone):
        return f"{phone[:3]}…{phone[-2:]}"  # the country code is not personal
    digits = [c for c in phone if c.isdigit()]
    return "*" * max(len(digits) - 2, 0) + "".join(digits[-2:])


def template_parameter(text: str) -> str:
    """A template body parameter as WhatsApp takes it: one line, single spaces, no tabs.

    Meta refuses a parameter holding a newline or a tab or more than 4 consecutive spaces
    (#132018, "Param text cannot have new-line/tab characters or more than 4 consecutive
    spaces"; Twilio's 21656 for Content variables), permanently: free text from the ledger
    such as a place name would make the notification undeliverable. Every run of whitespace
    becomes one space and the ends are trimmed.
    """
    return " ".join(text.split())


def check_buttons(buttons: Sequence[ReplyButton]) -> None:
    """Refuse button sets Meta would refuse, before spending a request on them."""
    if not 1 <= len(buttons) <= MAX_REPLY_BUTTONS:
        raise ValueError(f"1 to {MAX_REPLY_BUTTONS} reply buttons, got {len(buttons)}")
    if len({b.id for b in buttons}) != len(buttons):
        raise ValueError("reply button ids must be unique")


class WhatsAppProvider(Protocol):
    """Send-side operations the tracker needs from a WhatsApp transport."""

    def send_text(
        self, to: str, body: str, *, preview_url: bool = False, callback_data: str | None = None
    ) -> SentMessage:
        """Send a free-form text (only inside the 24-hour customer-service window)."""
        ...

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
        """Send a pre-approved template (allowed outside the 24-hour window)."""
        ...

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
        ...

    def send_document(
        self,
        to: str,
        document: MediaRef,
        *,
        filename: str | None = None,
        caption: str | None = None,
        callback_data: str | None = None,
    ) -> SentMessage:
        """Send a document by uploaded media id or by link."""
        ...

    def upload_media(self, content: bytes, mime_type: str, filename: str) -> str:
        """Upload a file and return the media id to send it with."""
        ...

    def mark_as_read(self, message_id: str) -> None:
        """Mark an inbound message as read (blue ticks)."""
        ...
