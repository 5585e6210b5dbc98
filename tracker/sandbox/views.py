"""JSON views of sandbox state for the admin endpoints and the chat page.

A sent message's `text` and `buttons` are what the contact's phone shows: a template is its
approved body (`SandboxConfig.template_bodies`) with the send's parameters in place of
{{1}}, {{2}}, ..., under it its quick-reply buttons with their approved titles (a tap sends
the payload the send gave that button).
"""

from __future__ import annotations

import re
from typing import Any

from tracker.sandbox.config import SandboxConfig
from tracker.sandbox.state import Inbound, Outbound

_PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")


def outbound_view(record: Outbound, config: SandboxConfig | None = None) -> dict[str, Any]:
    """A sent message as the admin API lists it, with a readable text and its buttons."""
    text, buttons = outbound_text(record, config or SandboxConfig())
    media_id = record.content.get("id") if record.type in ("document", "image") else None
    return {
        "id": record.message_id,
        "direction": "out",
        "to": record.to,
        "type": record.type,
        record.type: record.content,
        "callback_data": record.callback_data,
        "timestamp": int(record.at.timestamp()),
        "seq": record.seq,
        "text": text,
        "buttons": buttons,
        "media_url": f"/_sandbox/media/{media_id}" if isinstance(media_id, str) else None,
    }


def inbound_view(record: Inbound, read_count: int = 0) -> dict[str, Any]:
    """A contact's message as the chat page shows it, with its mark-as-read calls."""
    message = record.message
    kind = str(message.get("type"))
    text = {
        "text": lambda: message["text"]["body"],
        "button": lambda: message["button"]["text"],
        "interactive": lambda: message["interactive"]["button_reply"]["title"],
    }.get(kind, lambda: _media_text(kind, message))()
    return {
        "id": record.message_id,
        "direction": "in",
        "from": record.sender,
        "type": kind,
        "timestamp": int(record.at.timestamp()),
        "seq": record.seq,
        "text": str(text),
        "buttons": [],
        "read_count": read_count,
    }


def _media_text(kind: str, message: dict[str, Any]) -> str:
    media = message.get(kind)
    caption = media.get("caption") if isinstance(media, dict) else None
    return f"[{kind}]" + (f"\n{caption}" if isinstance(caption, str) and caption else "")


def outbound_text(record: Outbound, config: SandboxConfig) -> tuple[str, list[dict[str, str]]]:
    """What the phone shows of a sent message: its text and its reply buttons."""
    content = record.content
    if record.type == "text":
        return str(content.get("body", "")), []
    if record.type == "interactive":
        replies = [b["reply"] for b in content["action"]["buttons"]]
        return str(content["body"]["text"]), [{"id": r["id"], "title": r["title"]} for r in replies]
    if record.type == "template":
        return _render_template(content, config)
    # A document bubble: the file (the phone draws the icon), its caption below.
    name = content.get("filename") or content.get("link") or content.get("id")
    caption = content.get("caption")
    return f"📄 {name}" + (f"\n{caption}" if caption else ""), []


def _render_template(
    content: dict[str, Any], config: SandboxConfig
) -> tuple[str, list[dict[str, str]]]:
    params: list[str] = []
    payloads: dict[int, str] = {}
    for component in content.get("components", []):
        parameters = component.get("parameters", [])
        if component.get("type") == "body":
            params.extend(str(p.get("text", "")) for p in parameters)
        elif component.get("sub_type") == "quick_reply" and parameters:
            index = str(component.get("index", ""))
            payloads[int(index) if index.isdigit() else len(payloads)] = str(
                parameters[0].get("payload", "")
            )
    name, language = str(content.get("name")), str(content.get("language", {}).get("code"))
    approved = config.template_body(name, language)
    if approved is None:
        # A template the sandbox has no body for: its name and parameters, buttons by payload.
        buttons = [
            {"id": p, "title": p.split(":", 1)[0].title()} for _, p in sorted(payloads.items())
        ]
        return f"[{name}] " + " | ".join(params), buttons

    def parameter(match: re.Match[str]) -> str:
        number = int(match.group(1))
        return params[number - 1] if 0 < number <= len(params) else match.group(0)

    text = _PLACEHOLDER.sub(parameter, approved.body)
    # Without a payload in the send, Meta sends the button's text as the payload.
    buttons = [
        {"id": payloads.get(index, title), "title": title}
        for index, title in enumerate(approved.buttons)
    ]
    return text, buttons
