"""Lookups without a link token, counted per client in fixed windows, on both backends."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tracker.store.db import transaction
from tracker.store.ratelimit import Admission, LookupLimit, PublicLookupRow, admit

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
LIMIT = LookupLimit(limit=2, window_s=600)


def ask(sessions: sessionmaker[Session], client: str, at: datetime) -> Admission:
    with transaction(sessions) as session:
        return admit(session, "page", client, LIMIT, now=at)


def test_a_window_admits_the_limit_then_refuses_until_it_closes(
    sessions: sessionmaker[Session],
) -> None:
    seconds = timedelta(seconds=1)
    assert ask(sessions, "a", T0) == Admission(True)
    assert ask(sessions, "a", T0 + 10 * seconds) == Admission(True)
    assert ask(sessions, "a", T0 + 20 * seconds) == Admission(False, 580, first_refusal=True)
    assert ask(sessions, "a", T0 + 599.5 * seconds) == Admission(False, 1, first_refusal=False)
    assert ask(sessions, "b", T0 + 30 * seconds) == Admission(True)  # another client
    with transaction(sessions) as session:  # another scope
        assert admit(session, "chat", "a", LIMIT, now=T0 + 30 * seconds).allowed
    # The window closes 600 s after its first lookup: a new one opens, notice included.
    assert ask(sessions, "a", T0 + 600 * seconds) == Admission(True)
    assert ask(sessions, "a", T0 + 601 * seconds) == Admission(True)
    assert ask(sessions, "a", T0 + 602 * seconds).first_refusal


def test_closed_windows_are_forgotten(sessions: sessionmaker[Session]) -> None:
    for client in ("a", "b", "c"):
        ask(sessions, client, T0)
    ask(sessions, "d", T0 + timedelta(minutes=11))  # a new client's window: the old go
    with sessions() as session:
        clients = session.scalars(select(PublicLookupRow.client)).all()
    assert clients == ["d"]


def test_concurrent_lookups_are_all_counted(sessions: sessionmaker[Session]) -> None:
    limit = LookupLimit(limit=1000, window_s=600)
    errors: list[BaseException] = []

    def hammer() -> None:
        try:
            for _ in range(10):
                with transaction(sessions) as session:
                    assert admit(session, "page", "same", limit).allowed
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with sessions() as session:
        assert session.scalar(select(func.sum(PublicLookupRow.count))) == 60
