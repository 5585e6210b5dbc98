"""Framework-free core of the Meta webhook: subscription handshake, signature, parsing.

Order matters: check `verify_signature` on the RAW body bytes first, then call
`parse_updates`. Parsing never raises anything but `MalformedPayload`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast, get_args

from tracker.whatsapp.updates import (
    ButtonReply,
    ErrorNotice,
    InboundMessage,
    ListReply,
    Location,
    Media,
    MediaKind,
    MessageContent,
    QuickReply,
    StatusKind,
    StatusUpdate,
    Text,
    Unsupported,
    Update,
    UpdateError,
)

SIGNATURE_HEADER = "X-Hub-Signature-256"
_MEDIA_KINDS: tuple[str, ...] = get_args(MediaKind)
_STATUS_KINDS: tuple[str, ...] = get_args(StatusKind)


class MalformedPayload(ValueError):
    """The webhook body is not JSON or not shaped like Meta's envelope."""


def verify_subscription(
    mode: str | None, token: str | None, challenge: str | None, expected_token: str
) -> tuple[str, int]:
    """Answer Meta's GET handshake: echo the challenge only for our verify token."""
    if mode is None or token is None or challenge is None:
        return "missing hub.mode, hub.verify_token or hub.challenge", 400
    if mode != "subscribe" or not hmac.compare_digest(token.encode(), expected_token.encode()):
        return "verification failed", 403
    return challenge, 200


def sign(raw_body: bytes, app_secret: str) -> str:
    """Header value Meta sends for a body: `sha256=<hex HMAC-SHA256>`."""
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """Tell whether `X-Hub-Signature-256` matches the raw body, in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(raw_body, app_secret).encode(), header.strip().encode())


def parse_updates(raw_body: bytes, *, skipped: list[str] | None = None) -> list[Update]:
    """Parse every entry and change of a webhook POST into typed updates.

    A body that is not Meta's envelope (not JSON, another `object`, no `entry` list) always
    raises. With `skipped` given, a malformed entry, change, message or status is described
    there and left out, so one bad item does not refuse the good ones beside it (Meta would
    redeliver the whole POST, good items included, until it gives up); without it, it raises.
    """
    try:
        envelope = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedPayload(f"body is not JSON: {exc}") from exc
    except RecursionError:
        # Nesting deeper than the interpreter's recursion limit: no Meta envelope is that deep.
        raise MalformedPayload("body is not JSON Meta sends: nested too deeply") from None
    envelope = _obj(envelope, "envelope")
    if envelope.get("object") != "whatsapp_business_account":
        raise MalformedPayload(f"unexpected object {envelope.get('object')!r}")
    updates: list[Update] = []
    for entry in _list(envelope, "entry"):
        try:
            changes = _list(_obj(entry, "entry"), "changes")
        except MalformedPayload as exc:
            _skip(skipped, "entry", exc)
            continue
        for change in changes:
            try:
                change = _obj(change, "change")
                if change.get("field") == "messages":
                    updates.extend(_parse_value(_obj(change.get("value"), "value"), skipped))
            except MalformedPayload as exc:
                _skip(skipped, "change", exc)
    return updates


def _skip(skipped: list[str] | None, kind: str, exc: MalformedPayload) -> None:
    if skipped is None:
        raise exc
    skipped.append(f"{kind}: {exc}")


def _parse_value(value: dict[str, Any], skipped: list[str] | None) -> list[Update]:
    phone_id = _str(_obj(value.get("metadata"), "metadata"), "phone_number_id")
    names = _names(value.get("contacts"))
    updates: list[Update] = []
    for message in _list(value, "messages", required=False):
        _keep(updates, skipped, "message", partial(_message_item, message, phone_id, names))
    for status in _list(value, "statuses", required=False):
        _keep(updates, skipped, "status", partial(_status_item, status, phone_id))
    if "errors" in value:
        updates.append(ErrorNotice(phone_id, _parse_errors(value)))
    return updates


def _names(contacts: object) -> dict[str, str]:
    """Profile names by wa_id and by user id; `contacts[]` only adds names, so never refuses."""
    names: dict[str, str] = {}
    for contact in contacts if isinstance(contacts, list) else []:
        if not isinstance(contact, dict):
            continue
        profile = contact.get("profile")
        name = profile.get("name") if isinstance(profile, dict) else None
        if not isinstance(name, str):
            continue
        # A contact known only by a username has a `user_id` (BSUID) and no `wa_id`.
        for key in ("wa_id", "user_id"):
            identifier = contact.get(key)
            if isinstance(identifier, str) and identifier:
                names[identifier] = name
    return names


def _message_item(raw: object, phone_id: str, names: dict[str, str]) -> Update:
    return _parse_message(_obj(raw, "message"), phone_id, names)


def _status_item(raw: object, phone_id: str) -> Update:
    return _parse_status(_obj(raw, "status"), phone_id)


def _keep(
    updates: list[Update], skipped: list[str] | None, kind: str, parse: Callable[[], Update]
) -> None:
    """Parse one item into `updates`; a malformed one raises, or is noted in `skipped`."""
    try:
        updates.append(parse())
    except MalformedPayload as exc:
        if skipped is None:
            raise
        skipped.append(f"{kind}: {exc}")


def _parse_message(msg: dict[str, Any], phone_id: str, names: dict[str, str]) -> InboundMessage:
    # `from` (the wa_id) is missing for a user known only by a username: `from_user_id` then.
    wa_id, user_id = _opt_str(msg, "from") or None, _opt_str(msg, "from_user_id") or None
    sender = wa_id or user_id
    if sender is None:
        raise MalformedPayload("from and from_user_id are missing or not strings")
    context = msg.get("context")
    context_id = context.get("id") if isinstance(context, dict) else None
    name = names.get(sender) or (names.get(user_id) if user_id else None)
    return InboundMessage(
        message_id=_str(msg, "id"),
        sender=sender,
        sender_name=name,
        timestamp=_time(msg),
        phone_number_id=phone_id,
        context_message_id=context_id if isinstance(context_id, str) else None,
        content=_parse_content(msg),
        sender_user_id=user_id,
    )


def _parse_content(msg: dict[str, Any]) -> MessageContent:
    kind = _str(msg, "type")
    if kind == "text":
        return Text(_str(_obj(msg.get("text"), "text"), "body"))
    if kind == "button":
        button = _obj(msg.get("button"), "button")
        return QuickReply(_str(button, "payload"), str(button.get("text", "")))
    if kind == "interactive":
        return _parse_interactive(_obj(msg.get("interactive"), "interactive"))
    if kind == "location":
        loc = _obj(msg.get("location"), "location")
        return Location(
            _num(loc, "latitude"),
            _num(loc, "longitude"),
            _opt_str(loc, "name"),
            _opt_str(loc, "address"),
        )
    if kind in _MEDIA_KINDS:
        media = _obj(msg.get(kind), kind)
        return Media(
            cast(MediaKind, kind),  # membership in MediaKind checked just above
            _str(media, "id"),
            str(media.get("mime_type", "")),
            _opt_str(media, "sha256"),
            _opt_str(media, "caption"),
            _opt_str(media, "filename"),
        )
    return Unsupported(kind)


def _parse_interactive(interactive: dict[str, Any]) -> MessageContent:
    kind = _str(interactive, "type")
    if kind == "button_reply":
        reply = _obj(interactive.get("button_reply"), "button_reply")
        return ButtonReply(_str(reply, "id"), str(reply.get("title", "")))
    if kind == "list_reply":
        row = _obj(interactive.get("list_reply"), "list_reply")
        return ListReply(
            _str(row, "id"), str(row.get("title", "")), str(row.get("description", ""))
        )
    return Unsupported(f"interactive.{kind}")


def _parse_status(status: dict[str, Any], phone_id: str) -> StatusUpdate:
    kind = _str(status, "status")
    if kind not in _STATUS_KINDS:
        raise MalformedPayload(f"unknown status {kind!r}")
    return StatusUpdate(
        message_id=_str(status, "id"),
        # A recipient known only by a username has `recipient_user_id` and no `recipient_id`.
        recipient_id=_opt_str(status, "recipient_id")
        or _opt_str(status, "recipient_user_id")
        or "",
        status=cast(StatusKind, kind),  # membership checked just above
        timestamp=_time(status),
        phone_number_id=phone_id,
        callback_data=_opt_str(status, "biz_opaque_callback_data"),
        errors=_parse_errors(status),
    )


def _parse_errors(holder: dict[str, Any]) -> tuple[UpdateError, ...]:
    errors = []
    for raw in _list(holder, "errors", required=False):
        err = _obj(raw, "error")
        code = err.get("code")
        details = err.get("error_data", {})
        errors.append(
            UpdateError(
                code=code if isinstance(code, int) else None,
                title=str(err.get("title", "")),
                message=str(err.get("message", err.get("title", ""))),
                details=str(details.get("details", "")) if isinstance(details, dict) else "",
            )
        )
    return tuple(errors)


def _obj(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"{what} is not an object")
    return value


def _list(holder: dict[str, Any], key: str, *, required: bool = True) -> list[Any]:
    value = holder.get(key, None if required else [])
    if not isinstance(value, list):
        raise MalformedPayload(f"{key} is not a list")
    return value


def _str(holder: dict[str, Any], key: str) -> str:
    value = holder.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedPayload(f"{key} is missing or not a string")
    return value


def _opt_str(holder: dict[str, Any], key: str) -> str | None:
    value = holder.get(key)
    return value if isinstance(value, str) else None


def _num(holder: dict[str, Any], key: str) -> float:
    value = holder.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedPayload(f"{key} is not a number")
    return float(value)


def _time(holder: dict[str, Any]) -> datetime:
    # Meta sends Unix seconds as a string.
    raw = _str(holder, "timestamp")
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise MalformedPayload(f"bad timestamp {raw!r}") from exc
