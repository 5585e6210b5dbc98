"""Sender rules with a scripted provider: pacing, template fallback, dead letters, in-doubt."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tracker.chat.links import ShipmentLinks
from tracker.chat.sender import Sender, SenderSettings
from tracker.config import SendTuning, Templates
from tracker.store.contacts import add_contact
from tracker.store.db import transaction
from tracker.store.queues import (
    OutboxRow,
    callback_data_for,
    enqueue,
    store_inbound,
    store_status,
)
from tracker.whatsapp.errors import WhatsAppError, error_from_code
from tracker.whatsapp.provider import SentMessage

VIEW = {
    "sscc": "376123450000000078",
    "status": "in_transit",
    "custodian": "CarrierMSP",
    "last_place": "Hub Lyon",
    "last_time": "2026-11-24T10:01:00+00:00",
    "verdict": "ok",
    "temp_min": None,
    "temp_max": None,
    "minutes_outside": 0,
    "mkt": None,
    "checkpoint_count": 1,
    "last_tx_id": "ab" * 32,
    "last_block": 2,
    "url": "",
    "origin_name": "Ferme du Val",
    "origin_verified": True,
}


@dataclass
class ScriptedProvider:
    """Raises the scripted errors in order, then accepts; records every call."""

    errors: list[WhatsAppError | None] = field(default_factory=list)
    calls: list[tuple[str, str, str | None]] = field(default_factory=list)

    def _call(self, kind: str, to: str, callback_data: str | None) -> SentMessage:
        self.calls.append((kind, to, callback_data))
        error = self.errors.pop(0) if self.errors else None
        if error is not None:
            raise error
        return SentMessage(f"wamid.{len(self.calls)}")

    def send_text(self, to: str, body: str, **kw: Any) -> SentMessage:
        return self._call("text", to, kw.get("callback_data"))

    def send_template(self, to: str, name: str, language: str, **kw: Any) -> SentMessage:
        return self._call("template", to, kw.get("callback_data"))

    def _unscripted(self, *args: object, **kw: object) -> NoReturn:
        raise AssertionError("these tests script text and template sends only")

    send_interactive_buttons = send_document = upload_media = mark_as_read = _unscripted

    def close(self) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def setup_rows(sessions: sessionmaker[Session], clock: Clock, *, inside: bool) -> list[int]:
    with transaction(sessions) as session:
        ids = []
        for n, phone in enumerate(("+33639980001", "+33639980002")):
            contact = add_contact(session, org_msp_id="CarrierMSP", phone=phone, language="fr")
            if inside:
                store_inbound(
                    session,
                    wa_message_id=f"in{n}",
                    contact_id=contact.id,
                    sender=None,
                    sent_at=clock.now - timedelta(hours=1),
                    content={"type": "text", "body": "hi"},
                )
            enqueue(
                session,
                dedupe_key=f"k{n}",
                kind="notify.status",
                body={"view": VIEW},
                contact_id=contact.id,
            )
            ids.append(contact.id)
        session.execute(update(OutboxRow).values(next_attempt_at=clock.now))
    return ids


def sender(sessions: sessionmaker[Session], provider: ScriptedProvider, clock: Clock) -> Sender:
    tuning = SendTuning(
        max_attempts=3, backoff_base_s=1, backoff_cap_s=4, pacing_s=30, in_doubt_grace_s=60
    )
    links = ShipmentLinks("https://t.example", b"k" * 32)
    settings = SenderSettings(tuning, Templates(), links)
    return Sender(sessions, settings, lambda: provider, clock=clock, rng=random.Random(1))


def rows(sessions: sessionmaker[Session]) -> list[OutboxRow]:
    with sessions() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def test_pair_rate_limit_paces_that_recipient_only(sessions: sessionmaker[Session]) -> None:
    clock = Clock()
    setup_rows(sessions, clock, inside=True)
    provider = ScriptedProvider([error_from_code(131056, "pair rate limit")])
    assert sender(sessions, provider, clock).run_once() == 2
    first, second = rows(sessions)
    assert first.state == "pending" and first.next_attempt_at == clock.now + timedelta(seconds=30)
    assert second.state == "sent" and second.wamid == "wamid.2"
    assert provider.calls[1][2] == callback_data_for(second.id)


def test_text_outside_the_window_falls_back_to_the_template_once(
    sessions: sessionmaker[Session],
) -> None:
    clock = Clock()
    setup_rows(sessions, clock, inside=True)
    reengage = error_from_code(131047, "re-engagement", http_status=400)
    provider = ScriptedProvider([reengage, None, None])
    run = sender(sessions, provider, clock)
    run.run_once()
    run.run_once()
    assert [c[0] for c in provider.calls] == ["text", "text", "template"]
    assert [r.state for r in rows(sessions)] == ["sent", "sent"]


def test_transient_errors_back_off_then_die_and_permanent_ones_die_at_once(
    sessions: sessionmaker[Session],
) -> None:
    clock = Clock()
    setup_rows(sessions, clock, inside=False)
    boom = error_from_code(131000, "something went wrong", http_status=500)
    undeliverable = error_from_code(131026, "undeliverable", http_status=400)
    provider = ScriptedProvider([boom, undeliverable, boom, boom])
    run = sender(sessions, provider, clock)
    for _ in range(3):
        run.run_once()
        clock.now += timedelta(seconds=5)  # past the capped backoff
    first, second = rows(sessions)
    assert (first.state, first.attempts) == ("dead", 3)
    assert "after 3 attempts" in (first.last_error or "")
    assert (second.state, second.attempts) == ("dead", 1)
    assert (second.last_error or "").startswith("131026")


def test_in_doubt_rows_adopt_a_stored_status_or_are_resent_after_the_grace(
    sessions: sessionmaker[Session],
) -> None:
    clock = Clock()
    setup_rows(sessions, clock, inside=False)
    first, second = (row.id for row in rows(sessions))
    with transaction(sessions) as session:  # a sender died after claiming both rows
        session.execute(update(OutboxRow).values(state="sending", claimed_at=clock.now, attempts=1))
        store_status(
            session,
            wa_message_id="wamid.early",
            status="delivered",
            callback_data=callback_data_for(first),
            error_code=None,
            error_title=None,
            at=clock.now,
        )
    provider = ScriptedProvider()
    run = sender(sessions, provider, clock)
    assert run.run_once() == 0 and run.recover_in_doubt() == 0  # within the grace: wait
    clock.now += timedelta(seconds=61)
    assert run.run_once() == 1
    adopted, resent = rows(sessions)
    assert (adopted.state, adopted.wamid) == ("delivered", "wamid.early")
    assert (resent.state, resent.attempts) == ("sent", 2)
    assert [c[2] for c in provider.calls] == [callback_data_for(second)]
