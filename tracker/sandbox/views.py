"""JSON views of sandbox state for the admin endpoints and the chat page."""

from __future__ import annotations

from typing import Any

from tracker.sandbox.state import Inbound, Outbound


def outbound_view(record: Outbound) -> dict[str, Any]:
    """A sent message as the admin API lists it, with a readable text and its buttons."""
    text, buttons = _render(record)
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
    }.get(kind, lambda: f"[{kind}]")()
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


def _render(record: Outbound) -> tuple[str, list[dict[str, str]]]:
    content = record.content
    if record.type == "text":
        return str(content.get("body", "")), []
    if record.type == "interactive":
        replies = [b["reply"] for b in content["action"]["buttons"]]
        return str(content["body"]["text"]), [{"id": r["id"], "title": r["title"]} for r in replies]
    if record.type == "template":
        return _render_template(content)
    name = content.get("filename") or content.get("link") or content.get("id")
    caption = content.get("caption")
    return f"📄 {name}" + (f" — {caption}" if caption else ""), []


def _render_template(content: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    # The sandbox does not know template bodies: show the name and the parameters.
    params: list[str] = []
    buttons: list[dict[str, str]] = []
    for component in content.get("components", []):
        values = [p.get("text") or p.get("payload") for p in component.get("parameters", [])]
        if component.get("type") == "body":
            params.extend(str(v) for v in values)
        elif component.get("sub_type") == "quick_reply" and values:
            payload = str(values[0])
            buttons.append({"id": payload, "title": payload.split(":", 1)[0].title()})
    return f"[{content['name']}] " + " | ".join(params), buttons
