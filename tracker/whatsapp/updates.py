"""Typed, frozen values for what a Meta webhook POST carries.

`webhook.parse_updates` turns the raw envelope into a list of `Update`: an
`InboundMessage` (with one `MessageContent`), a `StatusUpdate`, or an `ErrorNotice`
(value-level errors Meta reports outside any message). No raw dict travels further.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

MediaKind = Literal["image", "document", "audio", "video", "sticker"]
StatusKind = Literal["sent", "delivered", "read", "failed"]


@dataclass(frozen=True, slots=True)
class UpdateError:
    """One error entry as Meta reports it inside a webhook."""

    code: int | None
    title: str
    message: str
    details: str


@dataclass(frozen=True, slots=True)
class Text:
    """A plain text message."""

    body: str


@dataclass(frozen=True, slots=True)
class ButtonReply:
    """A tap on an interactive reply button."""

    id: str
    title: str


@dataclass(frozen=True, slots=True)
class ListReply:
    """A row picked in an interactive list."""

    id: str
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class QuickReply:
    """A tap on a template's quick-reply button (Meta's message type `button`)."""

    payload: str
    text: str


@dataclass(frozen=True, slots=True)
class Location:
    """A shared location."""

    latitude: float
    longitude: float
    name: str | None
    address: str | None


@dataclass(frozen=True, slots=True)
class Media:
    """An image, document, audio, video or sticker; fetch it later by `media_id`."""

    kind: MediaKind
    media_id: str
    mime_type: str
    sha256: str | None
    caption: str | None
    filename: str | None


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A message type this tracker does not handle, kept so it can be answered politely."""

    type: str


MessageContent = Text | ButtonReply | ListReply | QuickReply | Location | Media | Unsupported


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A message a contact sent to our business number.

    `sender` is the contact's wa_id (phone number without `+`) when Meta gives one (`from`),
    else their business-scoped user id (`from_user_id`, see `provider.is_user_id`): a contact
    known only by a username. `sender_user_id` is that user id whenever Meta sends it.
    """

    message_id: str
    sender: str
    sender_name: str | None
    timestamp: datetime
    phone_number_id: str
    context_message_id: str | None  # the business message this one replies to, if any
    content: MessageContent
    sender_user_id: str | None = None


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """A delivery status of a message we sent."""

    message_id: str
    recipient_id: str  # wa_id, else the user id (`recipient_user_id`), else ""
    status: StatusKind
    timestamp: datetime
    phone_number_id: str
    callback_data: str | None
    errors: tuple[UpdateError, ...]


@dataclass(frozen=True, slots=True)
class ErrorNotice:
    """Errors Meta reports at the change-value level, not tied to one message."""

    phone_number_id: str
    errors: tuple[UpdateError, ...]


Update = InboundMessage | StatusUpdate | ErrorNotice
