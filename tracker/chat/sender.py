"""The sender: due outbox rows go to the WhatsApp provider, at least once, almost exactly once.

One round: resolve in-doubt rows, then for each due `pending` row (oldest first) claim it
(`pending -> sending`, attempts + 1) and COMMIT, call the provider with
`biz_opaque_callback_data = "outbox:<id>"`, then record the outcome in a new transaction:
  * accepted -> `sent` with the wamid (or further, if a status webhook got there first);
  * transient (5xx, timeouts, 130429, 131000, 131016) -> `pending` again after a jittered
    exponential backoff, `dead` after TRACKER_SEND_MAX_ATTEMPTS;
  * 131056 (pair rate limit) -> that recipient's rows wait TRACKER_SEND_PACING_SECONDS;
  * 131047 on a free-form notification -> retried once as the template, else permanent;
  * permanent (131026, 100, 132001, ...) -> `dead`, listed by `tracker outbox dead`;
  * fatal (190 token, 368 policy) -> the row goes back to `pending` untouched and ALL
    sending halts (persistent flag, logged at ERROR, shown in /healthz and
    `tracker outbox status`) until `tracker outbox resume`.
Status webhooks move rows forward only (sent -> delivered -> read; failed is final).

In doubt, and the exact at-least-once edge: a row still `sending` when its claim is older
than TRACKER_SEND_IN_DOUBT_GRACE_SECONDS belongs to a process that died between claiming
and recording the outcome (the grace must exceed WHATSAPP_HTTP_TIMEOUT, so no live sender
still waits on it). If a status webhook carrying its callback data was stored, the row
takes that status and wamid: no resend. Otherwise it is resent. Likewise a send that got
no HTTP answer at all (timeout, connection cut) is retried no sooner than the grace, and
a status webhook arriving meanwhile settles it. So a contact receives a message TWICE
exactly when the provider accepted the first send AND the process died (or the answer was
lost) before the wamid was committed AND no status webhook for it reached the tracker
within the grace period. A message is never lost: it stays queued until accepted or dead.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tracker.chat.compose import Outgoing, Undeliverable, compose, in_window
from tracker.chat.conversation import complete_outbound, complete_staged, stage_outbound
from tracker.chat.links import ShipmentLinks
from tracker.chat.recipient import forget_recipient, recipient_of
from tracker.chat.report_document import ReportLoader, load_report
from tracker.config import SendTuning, Templates
from tracker.store.columns import utcnow
from tracker.store.contacts import get_contact
from tracker.store.db import transaction
from tracker.store.queues import (
    FINAL,
    RANK,
    InboxStatusRow,
    OutboxRow,
    callback_data_for,
    halt,
    halted,
    last_inbound_at,
    resume_generation,
)
from tracker.whatsapp.errors import (
    REENGAGEMENT_REQUIRED,
    FatalError,
    PacingError,
    TransientError,
    WhatsAppError,
)
from tracker.whatsapp.messages import Lang
from tracker.whatsapp.provider import WhatsAppProvider


class ClosableProvider(WhatsAppProvider, Protocol):
    """A provider owning an HTTP client to close."""

    def close(self) -> None:
        """Release the HTTP client."""
        ...


ProviderFactory = Callable[[], ClosableProvider]

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class SenderSettings:
    """What the sender needs from the configuration."""

    tuning: SendTuning
    templates: Templates
    links: ShipmentLinks  # the shipment links in notifications carry their token
    batch: int = 50
    channel: str = "supplychain"  # named in reports sent as documents


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row this process marked `sending`, with the call to make."""

    id: int
    outgoing: Outgoing


class Sender:
    """Sends due outbox rows through one provider."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: SenderSettings,
        provider_factory: ProviderFactory,
        *,
        clock: Clock = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        """Wire the sender and build its provider; nothing is sent until `run_once`."""
        self._sessions = sessions
        self._settings = settings
        self._tuning = settings.tuning
        self._factory = provider_factory
        self.provider = provider_factory()
        self._clock = clock
        self._rng = rng or random.Random()
        with sessions() as session:
            self._generation = resume_generation(session)

    def close(self) -> None:
        """Release the provider's HTTP client."""
        self.provider.close()

    def _reload_if_resumed(self, generation: int) -> None:
        # After `outbox resume` the operator has usually rotated the token file: re-read it.
        if generation == self._generation:
            return
        self._generation = generation
        self.provider.close()
        self.provider = self._factory()
        log.info("sending resumed: provider credentials reloaded")

    def run_once(self, should_stop: Callable[[], bool] = lambda: False) -> int:
        """One round; returns how many sends were attempted."""
        self.recover_in_doubt()
        with self._sessions() as session:
            if halted(session) is not None:
                return 0
            generation = resume_generation(session)  # read with the flag: no resume missed
            ids = session.scalars(
                select(OutboxRow.id)
                .where(OutboxRow.state == "pending", OutboxRow.next_attempt_at <= self._clock())
                .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
                .limit(self._settings.batch)
            ).all()
        self._reload_if_resumed(generation)
        attempted = 0
        for outbox_id in ids:
            if should_stop():
                break
            claimed = self._claim(outbox_id)
            if claimed is None:
                continue
            attempted += 1
            if not self._send(claimed):
                break  # sending was halted
        return attempted

    def _claim(self, outbox_id: int) -> Claimed | None:
        now = self._clock()
        with transaction(self._sessions) as session:
            if halted(session) is not None:
                return None
            row = session.get(OutboxRow, outbox_id, with_for_update=True)
            if row is None or row.state != "pending" or row.next_attempt_at > now:
                return None  # another worker, a webhook or an erasure got there first
            try:
                outgoing = self._compose(session, row, now)
            except Undeliverable as exc:
                _dead(row, str(exc), now)
                return None
            row.state, row.claimed_at, row.updated_at = "sending", now, now
            row.attempts += 1
            stage_outbound(session, row.id, outgoing)  # what a dispute's conversation gets
            return Claimed(row.id, outgoing)

    def _compose(self, session: Session, row: OutboxRow, now: datetime) -> Outgoing:
        lang: Lang = "en"
        to, window_start = recipient_of(row), row.window_from
        reports: ReportLoader | None = None  # reports go to contacts of a party only
        if row.contact_id is not None:
            contact = get_contact(session, row.contact_id)
            if contact is None:
                raise Undeliverable("contact erased")
            to, lang = contact.phone, contact.language
            last = last_inbound_at(session, contact.id)
            window_start = max(filter(None, (window_start, last)), default=None)
            org, channel = contact.org_msp_id, self._settings.channel
            reports = partial(load_report, session, org_msp_id=org, channel=channel)
        if not to:
            raise Undeliverable("no recipient")
        return compose(
            row,
            to=to,
            lang=lang,
            window_open=in_window(window_start, now),
            templates=self._settings.templates,
            links=self._settings.links,
            reports=reports,
        )

    def _send(self, claimed: Claimed) -> bool:
        try:
            sent = claimed.outgoing.send(self.provider, callback_data_for(claimed.id))
        except WhatsAppError as exc:
            self._record(claimed.id, self._on_error(exc))
            return not isinstance(exc, FatalError)
        except Exception as exc:  # a bug or a refused argument: never retry it forever
            log.exception("outbox %d: unexpected send error", claimed.id)
            self._record(claimed.id, self._on_bug(exc))
            return True
        wamid, outgoing = sent.message_id, claimed.outgoing
        self._record(claimed.id, lambda s, row: _accepted(row, wamid, self._clock(), s, outgoing))
        return True

    def _on_error(self, exc: WhatsAppError) -> Callable[[Session, OutboxRow], None]:
        if isinstance(exc, FatalError):
            return lambda session, row: self._fatal(session, row, exc)
        return lambda session, row: self._failed(session, row, exc)

    def _on_bug(self, exc: Exception) -> Callable[[Session, OutboxRow], None]:
        return lambda _session, row: _dead(row, repr(exc), self._clock())

    def _record(self, outbox_id: int, apply: Callable[[Session, OutboxRow], None]) -> None:
        with transaction(self._sessions) as session:
            row = session.get(OutboxRow, outbox_id, with_for_update=True)
            if row is None:
                log.info("outbox %d was erased while being sent", outbox_id)
                return
            apply(session, row)

    def _failed(self, session: Session, row: OutboxRow, exc: WhatsAppError) -> None:
        if row.state != "sending":
            return  # a status webhook already settled it
        now, error = self._clock(), f"{exc.code} {exc.message}"
        if isinstance(exc, PacingError):
            self._retry(row, error, now + timedelta(seconds=self._tuning.pacing_s), now)
            _pace_recipient(session, row, now + timedelta(seconds=self._tuning.pacing_s))
        elif isinstance(exc, TransientError):
            delay = self._backoff(row.attempts)
            if exc.http_status is None:
                # No answer at all: Meta may have accepted it, wait for a status webhook.
                delay = max(delay, self._tuning.in_doubt_grace_s)
            self._retry(row, error, now + timedelta(seconds=delay), now)
        elif (
            exc.code == REENGAGEMENT_REQUIRED
            and row.kind.startswith("notify.")
            and not row.force_template
        ):
            row.force_template = True  # the window closed under us: the template, once
            self._retry(row, error, now, now, count=False)
        else:
            _dead(row, error, now)

    def _retry(
        self, row: OutboxRow, error: str, at: datetime, now: datetime, *, count: bool = True
    ) -> None:
        if count and row.attempts >= self._tuning.max_attempts:
            _dead(row, f"{error} (after {row.attempts} attempts)", now)
            return
        row.state, row.next_attempt_at, row.claimed_at = "pending", at, None
        row.last_error, row.updated_at = error, now

    def _fatal(self, session: Session, row: OutboxRow, exc: FatalError) -> None:
        reason = f"{exc.code} {exc.message}"
        halt(session, reason)
        log.error("ALL WhatsApp sending halted: %s; fix it, then `tracker outbox resume`", reason)
        if row.state == "sending":
            # Not this message's fault: back in the queue as it was.
            row.state, row.claimed_at, row.attempts = "pending", None, max(row.attempts - 1, 0)
            row.last_error, row.updated_at = reason, self._clock()

    def _backoff(self, attempts: int) -> float:
        # "Equal jitter": half the exponential delay fixed, half random, so retries spread.
        ceiling = min(
            self._tuning.backoff_cap_s, self._tuning.backoff_base_s * 2.0 ** (attempts - 1)
        )
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def recover_in_doubt(self) -> int:
        """Settle rows left `sending` past the grace: adopt a stored status, else resend."""
        now = self._clock()
        cutoff = now - timedelta(seconds=self._tuning.in_doubt_grace_s)
        with transaction(self._sessions) as session:
            rows = session.scalars(
                select(OutboxRow).where(
                    OutboxRow.state == "sending", OutboxRow.claimed_at <= cutoff
                )
            ).all()
            for row in rows:
                _settle_in_doubt(session, row, now)
        return len(rows)


def _settle_in_doubt(session: Session, row: OutboxRow, now: datetime) -> None:
    statuses = session.scalars(
        select(InboxStatusRow).where(InboxStatusRow.callback_data == callback_data_for(row.id))
    ).all()
    if statuses:
        best = max(statuses, key=lambda s: RANK[s.status])
        # A dispute's conversation may be waiting for this message, reply or notification.
        complete_staged(session, row, best.wa_message_id, best.at)
        row.state, row.wamid, row.claimed_at = best.status, best.wa_message_id, None
        row.updated_at = now
        forget_recipient(row)
        log.info("outbox %d in doubt: provider had it (%s), not resent", row.id, best.status)
        return
    row.state, row.next_attempt_at, row.claimed_at = "pending", now, None
    row.last_error, row.updated_at = "in doubt (sender died mid-send): resent", now
    log.warning("outbox %d in doubt with no status webhook: resending", row.id)


def _accepted(
    row: OutboxRow, wamid: str, now: datetime, session: Session, outgoing: Outgoing
) -> None:
    # A message of a dispute's conversation is complete once the provider took it.
    complete_outbound(session, row.id, outgoing, row.wamid or wamid, now)
    if row.state in FINAL:
        return
    if RANK[row.state] < RANK["sent"]:
        row.state = "sent"
    row.wamid = row.wamid or wamid
    row.claimed_at, row.updated_at = None, now
    forget_recipient(row)


def _dead(row: OutboxRow, error: str, now: datetime) -> None:
    row.state, row.last_error, row.claimed_at = "dead", error, None
    row.updated_at = now
    forget_recipient(row)  # a stranger's number is not kept
    log.warning("outbox %d dead: %s", row.id, error)


def _pace_recipient(session: Session, row: OutboxRow, until: datetime) -> None:
    # 131056 limits one business-recipient pair: only that recipient's other rows wait.
    if row.contact_id is None and row.recipient is None:
        return  # a user id in the body: no column to match; this row waits by itself
    same = (
        OutboxRow.contact_id == row.contact_id
        if row.contact_id is not None
        else OutboxRow.recipient == row.recipient
    )
    session.execute(
        update(OutboxRow)
        .where(same, OutboxRow.state == "pending", OutboxRow.next_attempt_at < until)
        .values(next_attempt_at=until)
    )
