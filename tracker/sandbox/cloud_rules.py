"""The WhatsApp Cloud API's rules the sandbox enforces: error bodies and send validation.

Error bodies follow Graph's shape `{"error": {"message", "type", "code", "error_data":
{"messaging_product", "details"}, "fbtrace_id"}}`; messages start with "(#code)" as Meta's do.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tracker.whatsapp.provider import is_user_id

# code -> (HTTP status, message, default details)
_ERRORS: Mapping[int, tuple[int, str, str]] = {
    100: (400, "(#100) Invalid parameter", "Invalid parameter"),
    190: (401, "Invalid OAuth access token - Cannot parse access token", ""),
    2500: (400, "Unknown path components", ""),
    130429: (429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached."),
    131000: (500, "(#131000) Something went wrong", "Something went wrong"),
    131047: (
        400,
        "(#131047) Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number.",
    ),
    132001: (404, "(#132001) Template name does not exist in the translation", ""),
    132018: (
        400,
        "(#132018) There was an issue with the parameters in your template.",
        "Param text cannot have new-line/tab characters or more than 4 consecutive spaces",
    ),
}
FREE_FORM_TYPES = frozenset({"text", "interactive", "document", "image"})
_VERSION = re.compile(r"^v\d+\.\d+$")
# What Meta refuses in a template's text parameters (code 132018).
_BAD_PARAMETER_TEXT = re.compile(r"[\r\n\t]| {5,}")
IsRegistered = Callable[[str, str], bool]
MediaExists = Callable[[str], bool]


class CloudApiRefusal(Exception):
    """A request Meta would refuse; carries the HTTP status and Graph error body."""

    def __init__(self, code: int, details: str = "", *, subcode: int | None = None) -> None:
        status, message, default_details = _ERRORS[code]
        super().__init__(message)
        self.code = code
        self.http_status = status
        self.body = error_body(code, message, details or default_details, subcode=subcode)


def error_body(
    code: int, message: str, details: str, *, subcode: int | None = None
) -> dict[str, Any]:
    """Graph API error body as Meta sends it."""
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "A" + secrets.token_urlsafe(16),
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


@dataclass(frozen=True, slots=True)
class SendRequest:
    """A validated send: recipient (wa_id or user id), type, the type's object, callback data."""

    to: str
    type: str
    content: dict[str, Any]
    callback_data: str | None


def check_version(version: str) -> None:
    """Refuse paths whose first component is not a Graph version like v21.0."""
    if not _VERSION.match(version):
        raise CloudApiRefusal(2500, f"Unknown path components: /{version}")


def wa_id(to: str) -> str:
    """Meta's wa_id for an input number: its digits only."""
    return re.sub(r"\D", "", to)


def address(to: str) -> str:
    """Who a phone or user stands for: a business-scoped user id as is, else the wa_id."""
    return to if is_user_id(to) else wa_id(to)


def validate_send(
    body: object,
    is_template_registered: IsRegistered,
    media_exists: MediaExists,
) -> SendRequest:
    """Check a send body the way the Cloud API does and return it typed."""
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        raise CloudApiRefusal(100, "The parameter messaging_product is required.")
    # `to` takes a phone number; `recipient` a business-scoped user id (a user known only by
    # a username, whose webhooks carry `from_user_id` and no `from`). A user id is kept as
    # is wherever it is given: turned into digits, it would reach some other phone.
    given = body.get("to", body.get("recipient"))
    to = address(str(given)) if given is not None else ""
    kind = body.get("type", "text")  # Meta defaults the type to text
    content = body.get(kind) if isinstance(kind, str) else None
    if not to or not isinstance(content, dict):
        raise CloudApiRefusal(
            100, f"Parameter 'to' (or 'recipient') and an object for type {kind!r} are required."
        )
    callback = body.get("biz_opaque_callback_data")
    if callback is not None and (not isinstance(callback, str) or len(callback) > 512):
        raise CloudApiRefusal(100, "biz_opaque_callback_data must be a string of 512 chars max.")
    _CHECKS.get(kind, _unsupported)(content, is_template_registered, media_exists)
    return SendRequest(to, kind, content, callback)


def _text(content: dict[str, Any], _r: IsRegistered, _m: MediaExists) -> None:
    body = content.get("body")
    if not isinstance(body, str) or not body or len(body) > 4096:
        raise CloudApiRefusal(100, "text.body must be 1 to 4096 characters.")


def _template(content: dict[str, Any], registered: IsRegistered, _m: MediaExists) -> None:
    name = content.get("name")
    language = content.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if not isinstance(name, str) or not isinstance(code, str):
        raise CloudApiRefusal(100, "template.name and template.language.code are required.")
    if not registered(name, code):
        raise CloudApiRefusal(132001, f"template name ({name}) does not exist in {code}")
    for text in _parameter_texts(content.get("components")):
        if _BAD_PARAMETER_TEXT.search(text):
            raise CloudApiRefusal(132018)


def _parameter_texts(components: object) -> list[str]:
    """The `text` of every text parameter of the template's components."""
    texts = []
    for component in components if isinstance(components, list) else []:
        parameters = component.get("parameters") if isinstance(component, dict) else None
        for parameter in parameters if isinstance(parameters, list) else []:
            if isinstance(parameter, dict) and isinstance(parameter.get("text"), str):
                texts.append(parameter["text"])
    return texts


def _interactive(content: dict[str, Any], _r: IsRegistered, _m: MediaExists) -> None:
    action = content.get("action")
    buttons = action.get("buttons") if isinstance(action, dict) else None
    if content.get("type") != "button" or not isinstance(buttons, list):
        raise CloudApiRefusal(100, "Only interactive type 'button' is simulated.")
    if not 1 <= len(buttons) <= 3:
        raise CloudApiRefusal(100, "Buttons count should be between 1 and 3.")
    replies = [b.get("reply") if isinstance(b, dict) else None for b in buttons]
    ids = {r.get("id") for r in replies if isinstance(r, dict)}
    titles = [r.get("title") if isinstance(r, dict) else None for r in replies]
    if len(ids) != len(buttons) or not all(isinstance(t, str) and 0 < len(t) <= 20 for t in titles):
        raise CloudApiRefusal(100, "Buttons need unique ids and 1-20 character titles.")
    body = content.get("body")
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not 0 < len(text) <= 1024:
        raise CloudApiRefusal(100, "interactive.body.text must be 1 to 1024 characters.")


def _document(content: dict[str, Any], _r: IsRegistered, media_exists: MediaExists) -> None:
    media_id, link = content.get("id"), content.get("link")
    if (media_id is None) == (link is None):
        raise CloudApiRefusal(100, "document needs exactly one of id or link.")
    if media_id is not None and not media_exists(str(media_id)):
        raise CloudApiRefusal(100, f"Media id {media_id} is not valid.")


def _unsupported(content: dict[str, Any], _r: IsRegistered, _m: MediaExists) -> None:
    raise CloudApiRefusal(100, "Message type is not supported by the sandbox.")


_CHECKS: Mapping[str, Callable[[dict[str, Any], IsRegistered, MediaExists], None]] = {
    "text": _text,
    "template": _template,
    "interactive": _interactive,
    "document": _document,
    "image": _document,
}
