"""Counting lookups made without a shipment's link token, per client, in fixed windows.

The count lives in the database, so one limit holds across gunicorn's web workers, the chat
worker and restarts. A window opens at a client's first lookup and lasts `window`; within it
the first `limit` lookups are admitted and the rest refused, with the seconds left until it
closes. A client is stored only as a keyed hash of its IP address or phone number (see
`tracker.chat.links.ShipmentLinks.pseudonym`), and only while its window lasts: closed
windows are deleted whenever a new client's window opens. A refused lookup writes nothing
(except the first of a window, remembered so the chat sends its notice once), so a flood
of refused requests costs reads only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.store.columns import UtcDateTime, utcnow
from tracker.store.db import Base


class PublicLookupRow(Base):
    """One client's lookups in its current window."""

    __tablename__ = "public_lookups"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # "page", "chat"
    client: Mapped[str] = mapped_column(String(32), primary_key=True)  # a keyed hash
    window_start: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    count: Mapped[int] = mapped_column(Integer)
    refused: Mapped[int] = mapped_column(Integer)  # 1 once a lookup of this window was refused


@dataclass(frozen=True, slots=True)
class LookupLimit:
    """At most `limit` lookups per client in `window_s` seconds."""

    limit: int = 30
    window_s: float = 600.0


@dataclass(frozen=True, slots=True)
class Admission:
    """The answer to one lookup."""

    allowed: bool
    retry_after_s: int = 0  # when refused: whole seconds until the window closes
    first_refusal: bool = False  # the first lookup refused in this window


def admit(
    session: Session,
    scope: str,
    client: str,
    limit: LookupLimit,
    *,
    now: datetime | None = None,
) -> Admission:
    """Count one lookup of `client` and say whether it may go ahead (in the caller's
    transaction, which must commit for the count to hold)."""
    now = now or utcnow()
    window = timedelta(seconds=limit.window_s)
    for _ in range(2):  # a second round only after losing a race to open the same window
        row = session.get(PublicLookupRow, (scope, client), with_for_update=True)
        if row is None:
            if _open(session, scope, client, now, window):
                return Admission(True)
            continue
        if row.window_start + window <= now:
            row.window_start, row.count, row.refused = now, 1, 0
            return Admission(True)
        if row.count < limit.limit:
            row.count += 1
            return Admission(True)
        first = row.refused == 0
        if first:
            row.refused = 1
        left = (row.window_start + window - now).total_seconds()
        return Admission(False, max(1, math.ceil(left)), first)
    raise RuntimeError(f"could not count a lookup of {scope} client")  # pragma: no cover


def _open(session: Session, scope: str, client: str, now: datetime, window: timedelta) -> bool:
    session.execute(
        delete(PublicLookupRow).where(
            PublicLookupRow.scope == scope, PublicLookupRow.window_start <= now - window
        )
    )
    row = PublicLookupRow(scope=scope, client=client, window_start=now, count=1, refused=0)
    try:
        with session.begin_nested():  # a concurrent first lookup may have opened it
            session.add(row)
        return True
    except IntegrityError:
        return False
