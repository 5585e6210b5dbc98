"""Disputes opened from the chat: DISPUTE / LITIGE <code> [subject] and the DISPUTE:<sscc> button.

`request_dispute` runs inside the inbox message's transaction: for a contact of one of the
shipment's organisations it keeps a dispute `opening` (its id made here, once) with the
command message as the conversation's first message, and answers nothing yet. `open_pending`,
from the worker after the inbox round and outside any database transaction while the ledger
works, opens each on the ledger as the tracker (`raised_for`: the contact's party), then
queues the answer with the dispute id. A crash between the two replays OpenDispute with the
same client scan id, which the chaincode answers from its record: never two disputes.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from tracker.chat import terms_texts, texts
from tracker.chat.conversation import dispute_for, record_inbound, track_outbound
from tracker.chat.dispute_ledger import DisputeLedger, Written
from tracker.chat.parsing import Dispute
from tracker.ledger.errors import LedgerError
from tracker.store.columns import utcnow
from tracker.store.contacts import Contact
from tracker.store.conversations import (
    OPEN,
    OPENING,
    REFUSED,
    ConversationMessageRow,
    DisputeChatRow,
)
from tracker.store.db import transaction
from tracker.store.queues import InboxMessageRow, enqueue
from tracker.store.readmodel import ShipmentRow
from tracker.whatsapp.messages import Lang

log = logging.getLogger(__name__)

_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
RETRY_FIRST_S, RETRY_CAP_S = 2.0, 300.0
EXISTS = "DISPUTE_EXISTS"  # a replay the chaincode did not recognise: it is ours all the same


def new_dispute_id() -> str:
    """A fresh dispute id, as the chaincode takes them ([A-Za-z0-9_-]{6,64})."""
    return "D-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def party_of(session: Session, contact: Contact, sscc: str) -> str | None:
    """Which party of the shipment the contact's organisation is (the buyer first)."""
    row = session.get(ShipmentRow, sscc)
    if row is None:
        return None
    for party, msp_id in (("retailer", row.retailer), ("producer", row.producer)):
        if contact.org_msp_id == msp_id:
            return party
    return "carrier" if contact.org_msp_id == row.carrier else None


def request_dispute(
    session: Session,
    contact: Contact,
    command: Dispute,
    message: InboxMessageRow,
    lang: Lang,
    *,
    available: bool,
) -> str | None:
    """The immediate answer to DISPUTE, or None when the dispute is on its way to the ledger."""
    party = party_of(session, contact, command.sscc)
    if party is None:
        if session.get(ShipmentRow, command.sscc) is None:
            return texts.not_found(command.sscc, lang)
        return terms_texts.partners_only(command.sscc, lang)
    if not available:
        return terms_texts.disputes_unavailable(lang)
    existing = dispute_for(session, contact.id, command.sscc)
    if existing is not None:
        record_inbound(session, existing.dispute_id, message)
        return terms_texts.dispute_already_open(command.sscc, existing.dispute_id, lang)
    now = utcnow()
    dispute = DisputeChatRow(
        dispute_id=new_dispute_id(),
        sscc=command.sscc,
        contact_id=contact.id,
        subject=command.subject,
        raised_for=party,
        language=lang,
        source_message_id=message.wa_message_id,
        state=OPENING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(dispute)
    session.flush()  # the conversation's messages refer to the dispute id
    record_inbound(session, dispute.dispute_id, message)
    return None


@dataclass(frozen=True, slots=True)
class _Opening:
    id: int
    dispute_id: str
    sscc: str
    subject: str
    raised_for: str


def open_pending(
    sessions: sessionmaker[Session], ledger: DisputeLedger, now: datetime | None = None
) -> int:
    """Open every due `opening` dispute on the ledger and answer its contact; returns how many."""
    moment = now or utcnow()
    with sessions() as session:
        due = [
            _Opening(r.id, r.dispute_id, r.sscc, r.subject, r.raised_for)
            for r in session.scalars(
                select(DisputeChatRow)
                .where(DisputeChatRow.state == OPENING, DisputeChatRow.next_attempt_at <= moment)
                .order_by(DisputeChatRow.id)
            )
        ]
    done = 0
    for item in due:
        outcome = _open_one(ledger, item, moment)
        with transaction(sessions) as session:
            row = session.get(DisputeChatRow, item.id, with_for_update=True)
            if row is not None and row.state == OPENING:
                outcome(session, row)
        done += outcome.func is not _retry
    return done


def _open_one(ledger: DisputeLedger, item: _Opening, now: datetime) -> partial[None]:
    """What to record after one OpenDispute attempt."""
    try:
        written = ledger.open_dispute(
            sscc=item.sscc,
            dispute_id=item.dispute_id,
            subject=item.subject,
            raised_for=item.raised_for,
        )
    except LedgerError as error:
        code = error.chaincode_code
        if code is None or error.retriable:  # unreachable, timed out, an MVCC conflict...
            return partial(_retry, error=repr(error), now=now)
        if code != EXISTS:
            return partial(_refused, code=code)
        try:
            document = ledger.dispute(sscc=item.sscc, dispute_id=item.dispute_id)
        except LedgerError as again:
            return partial(_retry, error=repr(again), now=now)
        written = Written(str(document.get("opened_tx", "")), None, document)
    return partial(_opened, written=written)


def _reply(session: Session, row: DisputeChatRow, text: str) -> str | None:
    if row.contact_id is None:
        return None  # the contact was erased meanwhile
    key = f"reply:{row.source_message_id}"
    enqueue(
        session,
        dedupe_key=key,
        kind="reply",
        body={"text": text, "buttons": []},
        contact_id=row.contact_id,
    )
    return key


def _opened(session: Session, row: DisputeChatRow, *, written: Written) -> None:
    row.state, row.last_error = OPEN, None
    row.opened_tx = str(written.dispute.get("opened_tx") or written.tx_id)
    lang: Lang = "fr" if row.language == "fr" else "en"
    text = terms_texts.dispute_opened(row.sscc, row.dispute_id, row.subject, row.opened_tx, lang)
    key = _reply(session, row, text)
    if key is not None and row.contact_id is not None:
        track_outbound(session, row.dispute_id, row.contact_id, key)
    log.info("dispute %s opened on the ledger (tx %s)", row.dispute_id, row.opened_tx)


def _refused(session: Session, row: DisputeChatRow, *, code: str) -> None:
    row.state, row.last_error = REFUSED, code
    # Never on the ledger: nothing to anchor, nothing of this conversation to keep.
    session.execute(
        delete(ConversationMessageRow).where(ConversationMessageRow.dispute_id == row.dispute_id)
    )
    lang: Lang = "fr" if row.language == "fr" else "en"
    _reply(session, row, terms_texts.dispute_refused(row.sscc, code, lang))
    log.warning("dispute %s refused by the ledger: %s", row.dispute_id, code)


def _retry(_session: Session, row: DisputeChatRow, *, error: str, now: datetime) -> None:
    row.attempts += 1
    delay = min(RETRY_CAP_S, RETRY_FIRST_S * 2 ** (row.attempts - 1))
    row.next_attempt_at, row.last_error = now + timedelta(seconds=delay), error
    log.warning("dispute %s not opened yet (%s); retry in %.0f s", row.dispute_id, error, delay)
