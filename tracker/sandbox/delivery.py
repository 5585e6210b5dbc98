"""Signed webhook delivery, as Meta does it: envelope, HMAC-SHA256 header, retries.

A single background thread drains a queue so the send request returns at once (Meta
answers the send before any status exists) and so webhooks for one message keep their
order (sent, delivered, read).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from tracker.whatsapp.provider import is_user_id
from tracker.whatsapp.webhook import SIGNATURE_HEADER, sign

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Identity:
    """Whose webhooks these are: business account and phone number."""

    waba_id: str
    phone_number_id: str
    display_phone_number: str


def envelope(identity: Identity, value: dict[str, Any]) -> dict[str, Any]:
    """Wrap a change value in Meta's `whatsapp_business_account` envelope."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": identity.display_phone_number,
            "phone_number_id": identity.phone_number_id,
        },
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": identity.waba_id, "changes": [{"value": value, "field": "messages"}]}],
    }


def status_value(
    message_id: str, recipient: str, status: str, at: datetime, callback_data: str | None
) -> dict[str, Any]:
    """The `statuses` change value for one status of one sent message."""
    # A user known only by a username: `recipient_user_id`, and no `recipient_id`.
    key = "recipient_user_id" if is_user_id(recipient) else "recipient_id"
    item: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(int(at.timestamp())),
        key: recipient,
        "pricing": {"billable": True, "pricing_model": "CBP", "category": "service"},
    }
    if callback_data is not None:
        item["biz_opaque_callback_data"] = callback_data
    return {"statuses": [item]}


def message_value(sender: str, name: str, message: dict[str, Any]) -> dict[str, Any]:
    """The `messages` change value for one inbound message.

    A sender known only by a username (a business-scoped user id) has `user_id` in
    `contacts[]` and `from_user_id` in the message, and no `wa_id` / `from`.
    """
    key = "user_id" if is_user_id(sender) else "wa_id"
    return {"contacts": [{"profile": {"name": name}, key: sender}], "messages": [message]}


@dataclass(frozen=True, slots=True)
class Attempt:
    """One delivery try, kept for the admin view."""

    url: str
    status: int | None
    error: str | None


class WebhookDeliverer:
    """Background sender of signed webhook POSTs with bounded retries."""

    def __init__(self, url: str | None, app_secret: str, *, attempts: int, delay_s: float) -> None:
        self._url = url
        self._secret = app_secret
        self._attempts = attempts
        self._delay_s = delay_s
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._log: list[Attempt] = []

    def enqueue(self, payload: dict[str, Any]) -> None:
        """Schedule a delivery; a no-op when no webhook URL is configured."""
        if self._url is None:
            return
        with self._lock:
            if self._thread is None:
                # Started lazily: an app that never delivers never owns a thread.
                self._thread = threading.Thread(
                    target=self._run, name="sandbox-webhooks", daemon=True
                )
                self._thread.start()
        self._queue.put(payload)

    def attempts(self) -> list[Attempt]:
        """Delivery attempts so far, oldest first."""
        with self._lock:
            return list(self._log)

    def clear(self) -> None:
        """Forget the attempt log."""
        with self._lock:
            self._log.clear()

    def close(self) -> None:
        """Stop the thread after the queued deliveries."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=10)

    def _run(self) -> None:
        with httpx.Client(timeout=5.0) as client:
            while (payload := self._queue.get()) is not None:
                self._deliver(client, payload)

    def _deliver(self, client: httpx.Client, payload: dict[str, Any]) -> None:
        assert self._url is not None  # enqueue drops payloads when there is no URL
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, self._secret)}
        for attempt in range(self._attempts):
            status, error = self._post(client, raw, headers)
            with self._lock:
                self._log.append(Attempt(self._url, status, error))
            if status is not None and 200 <= status < 300:
                return
            time.sleep(self._delay_s * (2**attempt))  # Meta also backs off between retries
        log.warning("webhook dropped after %d attempts", self._attempts)

    def _post(
        self, client: httpx.Client, raw: bytes, headers: dict[str, str]
    ) -> tuple[int | None, str | None]:
        assert self._url is not None
        try:
            return client.post(self._url, content=raw, headers=headers).status_code, None
        except Exception as exc:  # noqa: BLE001 - a dead receiver must not kill the thread
            return None, f"{type(exc).__name__}: {exc}"
