"""In-memory, thread-safe state of the sandbox: what was sent, received, uploaded and read.

In-memory on purpose: the sandbox is a test double of Meta's service, not a store.
"""

from __future__ import annotations

import base64
import itertools
import random
import secrets
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from tracker.sandbox.config import Faults


def new_wamid() -> str:
    """A message id shaped like Meta's (`wamid.` + base64)."""
    return "wamid." + base64.b64encode(b"HBgL" + secrets.token_bytes(30)).decode()


@dataclass(frozen=True, slots=True)
class Outbound:
    """A message the business sent through the sandbox."""

    message_id: str
    to: str
    type: str
    content: dict[str, Any]
    callback_data: str | None
    at: datetime
    seq: int = 0  # arrival order across both directions; timestamps are only to the second


@dataclass(frozen=True, slots=True)
class Inbound:
    """A message a contact's phone sent (as delivered in the webhook)."""

    message_id: str
    sender: str
    message: dict[str, Any]  # the Meta message object, as put in the webhook
    at: datetime
    seq: int = 0


@dataclass(frozen=True, slots=True)
class StoredMedia:
    """An uploaded file."""

    media_id: str
    content: bytes
    mime_type: str
    filename: str


@dataclass
class SandboxState:
    """Every mutable thing behind one lock; readers get copies, never live lists."""

    faults: Faults = Faults()
    seed: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _outbound: list[Outbound] = field(default_factory=list)
    _inbound: list[Inbound] = field(default_factory=list)
    _last_inbound: dict[str, datetime] = field(default_factory=dict)
    _media: dict[str, StoredMedia] = field(default_factory=dict)
    _read: dict[str, int] = field(default_factory=dict)  # inbound id -> mark-as-read calls
    _rng: random.Random = field(init=False)
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def reset(self, faults: Faults) -> None:
        """Forget everything and restore the given faults."""
        with self._lock:
            for store in (self._outbound, self._inbound):
                store.clear()
            self._last_inbound.clear()
            self._media.clear()
            self._read.clear()
            self.faults = faults
            self._rng = random.Random(self.seed)

    def set_faults(self, faults: Faults) -> None:
        """Replace the fault knobs."""
        with self._lock:
            self.faults = faults

    def roll_fault(self) -> Literal["5xx", "429"] | None:
        """Throw the dice for this request against the fault shares."""
        with self._lock:
            roll = self._rng.random()
            if roll < self.faults.error_5xx_share:
                return "5xx"
            if roll < self.faults.error_5xx_share + self.faults.rate_limit_share:
                return "429"
            return None

    def add_outbound(self, record: Outbound) -> None:
        """Remember a sent message."""
        with self._lock:
            self._outbound.append(replace(record, seq=next(self._seq)))

    def add_inbound(self, record: Inbound) -> None:
        """Remember a contact's message and open (or extend) their service window."""
        with self._lock:
            self._inbound.append(replace(record, seq=next(self._seq)))
            previous = self._last_inbound.get(record.sender)
            if previous is None or record.at > previous:
                self._last_inbound[record.sender] = record.at

    def in_window(self, wa_id: str, now: datetime, window: timedelta) -> bool:
        """Whether the contact wrote to us within the customer-service window."""
        with self._lock:
            last = self._last_inbound.get(wa_id)
        return last is not None and now - last < window

    def add_media(self, media: StoredMedia) -> None:
        """Store an uploaded file."""
        with self._lock:
            self._media[media.media_id] = media

    def has_media(self, media_id: str) -> bool:
        """Whether a media id was uploaded."""
        with self._lock:
            return media_id in self._media

    def media(self, media_id: str) -> StoredMedia | None:
        """An uploaded file, bytes included, or None."""
        with self._lock:
            return self._media.get(media_id)

    def mark_read(self, message_id: str) -> bool:
        """Record a mark-as-read call; False when no such inbound message exists."""
        with self._lock:
            if not any(m.message_id == message_id for m in self._inbound):
                return False
            self._read[message_id] = self._read.get(message_id, 0) + 1
            return True

    def is_read(self, message_id: str) -> bool:
        """Whether the business marked an inbound message read."""
        return self.read_count(message_id) > 0

    def read_count(self, message_id: str) -> int:
        """How many times the business marked an inbound message read."""
        with self._lock:
            return self._read.get(message_id, 0)

    def outbound_to(self, wa_id: str | None) -> list[Outbound]:
        """Messages sent to one number, or all of them, oldest first."""
        with self._lock:
            return [m for m in self._outbound if wa_id is None or m.to == wa_id]

    def inbound_from(self, wa_id: str) -> list[Inbound]:
        """Messages a number sent, oldest first."""
        with self._lock:
            return [m for m in self._inbound if m.sender == wa_id]

    def find_outbound(self, message_id: str) -> Outbound | None:
        """The sent message with this id, if any."""
        with self._lock:
            return next((m for m in self._outbound if m.message_id == message_id), None)
