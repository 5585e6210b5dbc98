"""The chat: inbox messages, in arrival order, become replies queued in the outbox.

Each message is handled in ONE transaction: the reply row (deduplicated by
`reply:{message id}`), any subscription change, and the inbox row marked done commit
together, so a crash redoes a message at most once and never answers it twice.
What a sender may learn: a contact of one of the shipment's organisations gets the full
provenance, with the shipment's link (its token included: `chat.links`); anyone else gets the
public answer (status and verified origin) when TRACKER_PUBLIC_ANSWERS=short, and nothing when
it is `none`. A stranger's answered messages are counted per sender (a keyed hash of the number
or user id, `store.ratelimit`): past TRACKER_PUBLIC_RATE_LIMIT in a window, the first one gets
a polite notice saying when to come back and the others no answer, so SSCCs, handed out in
sequence, cannot be tried one after another to learn which exist. A Report button from a contact
of a party queues the report PDF (`reply.report`, built when sending) instead of the text,
when the provider can upload documents; everyone else gets what a tracking query gets.
A reply is in the language of the message it answers when its words tell (`detect_language`),
else in the contact's language (the default language for a stranger). A "Stop" button with
no code under a notification stops that notification's shipment only.
A sender known only by a username (a user id, no phone number) is answered as a stranger,
at that user id, which is forgotten, as a stranger's number is, once the message is handled.
DISPUTE and CERT are for contacts of a party only (`chat.disputes`, `chat.certificates`); once
a contact opened a dispute, its messages about that shipment and their replies are kept as the
dispute's conversation (`chat.conversation`), in the same transaction.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tracker.chat import terms_texts, texts
from tracker.chat.certificates import certificates_reply, terms_button
from tracker.chat.conversation import dispute_for, record_inbound, track_outbound
from tracker.chat.disputes import request_dispute
from tracker.chat.inbox import USER_ID_KEY
from tracker.chat.links import ShipmentLinks
from tracker.chat.parsing import (
    CertificateRequest,
    Command,
    Dispute,
    Help,
    MistypedCode,
    ReportRequest,
    Stop,
    Subscribe,
    TrackingQuery,
    Unknown,
    parse_button,
    parse_text,
)
from tracker.chat.provenance import provenance_view, shipment_parties
from tracker.chat.recipient import TO_USER_ID
from tracker.chat.report_document import REPORT_KIND
from tracker.store.columns import utcnow
from tracker.store.contacts import Contact, SubscriptionRow, get_contact, subscribe, unsubscribe
from tracker.store.db import transaction
from tracker.store.queues import InboxMessageRow, OutboxRow, enqueue
from tracker.store.ratelimit import LookupLimit, admit
from tracker.whatsapp import messages
from tracker.whatsapp.language import detect_language
from tracker.whatsapp.messages import Lang
from tracker.whatsapp.provider import ReplyButton

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChatPolicy:
    """What strangers get, and in which language."""

    public_answers: Literal["short", "none"]
    default_language: Lang
    links: ShipmentLinks
    report_documents: bool = True  # False when the provider cannot upload a PDF (Twilio)
    stranger_limit: LookupLimit = LookupLimit()  # answered messages per stranger and window
    disputes: bool = False  # True when the worker can open disputes (a ledger identity)


@dataclass(frozen=True, slots=True)
class Reply:
    """A text to send back, with optional reply buttons, or the report of `report_sscc`."""

    text: str
    buttons: tuple[ReplyButton, ...] = ()
    report_sscc: str | None = None


def process_inbox(
    sessions: sessionmaker[Session], policy: ChatPolicy, limit: int = 50
) -> list[str]:
    """Handle up to `limit` pending inbox messages; returns the provider ids of those handled."""
    with sessions() as session:
        ids = session.scalars(
            select(InboxMessageRow.id)
            .where(InboxMessageRow.state == "pending")
            .order_by(InboxMessageRow.id)
            .limit(limit)
        ).all()
    handled: list[str] = []
    for message_id in ids:
        with transaction(sessions) as session:
            row = session.get(InboxMessageRow, message_id, with_for_update=True)
            if row is not None and row.state == "pending":  # erased or done meanwhile
                _handle(session, row, policy)
                handled.append(row.wa_message_id)
    return handled


def _handle(session: Session, row: InboxMessageRow, policy: ChatPolicy) -> None:
    content = json.loads(row.content)
    user_id = content.pop(USER_ID_KEY, None)  # a username-only sender (see chat.inbox)
    command = _scoped(session, command_of(content), content)
    lang = language_of(content)
    contact = get_contact(session, row.contact_id) if row.contact_id is not None else None
    kept: str | None = None  # the dispute whose conversation this message is part of
    if contact is not None and isinstance(command, Dispute):
        text = request_dispute(
            session, contact, command, row, lang or contact.language, available=policy.disputes
        )
        reply: Reply | None = None if text is None else Reply(text)
        found = dispute_for(session, contact.id, command.sscc)
        kept = found.dispute_id if found is not None and text is not None else None
    elif contact is not None:
        reply = answer_contact(session, contact, command, policy, lang=lang)
        found = dispute_for(session, contact.id, getattr(command, "sscc", None))
        if found is not None:
            kept = found.dispute_id
            record_inbound(session, kept, row)
            if isinstance(command, Unknown):  # free words about the dispute: not a command
                reply = Reply(terms_texts.dispute_noted(kept, lang or contact.language))
    else:
        client = row.sender or (user_id if isinstance(user_id, str) else None)
        reply = answer_limited_stranger(session, command, policy, client, lang=lang)
    to_user_id = user_id if contact is None and not row.sender else None
    if reply is not None and (contact is not None or row.sender or to_user_id):
        body: dict[str, object]
        if reply.report_sscc is not None:
            kind, body = REPORT_KIND, {"sscc": reply.report_sscc}
        else:
            kind = "reply"
            body = {"text": reply.text, "buttons": [[b.id, b.title] for b in reply.buttons]}
        if isinstance(to_user_id, str):
            body[TO_USER_ID] = to_user_id  # forgotten once the reply is settled
        key = f"reply:{row.wa_message_id}"  # one answer per message, whatever it is
        enqueue(
            session,
            dedupe_key=key,
            kind=kind,
            body=body,
            contact_id=contact.id if contact else None,
            recipient=None if contact else row.sender,
            window_from=row.sent_at,
        )
        if kept is not None and contact is not None:
            track_outbound(session, kept, contact.id, key)
    row.state, row.processed_at, row.sender = "done", utcnow(), None
    if user_id is not None:
        row.content = json.dumps(content, ensure_ascii=False)  # the user id is not kept either


def command_of(content: dict[str, object]) -> Command:
    """The command in a stored message content."""
    if content.get("type") == "text":
        return parse_text(str(content.get("body", "")))
    if content.get("type") == "button":
        return parse_button(str(content.get("payload", "")), str(content.get("text", "")))
    return Unknown("")


def language_of(content: dict[str, object]) -> Lang | None:
    """The language the contact wrote (or tapped a button) in, when the words tell."""
    if content.get("type") == "text":
        return detect_language(str(content.get("body", "")))
    if content.get("type") == "button":
        return detect_language(str(content.get("text", "")))
    return None


def _scoped(session: Session, command: Command, content: dict[str, object]) -> Command:
    # "Stop" tapped under a notification (a template's button whose payload is only its
    # text, say) means that notification's shipment, not every shipment.
    context = content.get("context")
    if not isinstance(command, Stop) or command.sscc or not isinstance(context, str):
        return command
    if content.get("type") != "button":
        return command
    row = session.scalar(select(OutboxRow).where(OutboxRow.wamid == context))
    if row is None:
        return command
    body = row.payload()
    about = body.get("view") or body.get("terms")  # a notification's shipment
    sscc = about.get("sscc") if isinstance(about, dict) else body.get("sscc")
    return Stop(sscc) if isinstance(sscc, str) and sscc else command


def answer_contact(
    session: Session,
    contact: Contact,
    command: Command,
    policy: ChatPolicy,
    *,
    lang: Lang | None = None,
) -> Reply | None:
    """The reply to a known contact, in `lang` (the message's) or the contact's language."""
    lang = lang or contact.language
    if isinstance(command, MistypedCode):
        return Reply(messages.mistyped_hint(command.digits, command.expected_check_digit, lang))
    if isinstance(command, Subscribe):
        return _subscribe(session, contact, command.sscc, lang)
    if isinstance(command, Stop):
        unsubscribe(session, contact.id, command.sscc)
        return Reply(messages.unsubscribed(command.sscc, lang))
    if isinstance(command, ReportRequest) and policy.report_documents:
        if _is_party(session, contact, command.sscc):
            return Reply("", report_sscc=command.sscc)
    if isinstance(command, TrackingQuery | ReportRequest):
        return _provenance(session, contact, command.sscc, policy, lang)
    if isinstance(command, CertificateRequest):
        return Reply(*certificates_reply(session, contact, command.sscc, lang))
    return Reply(messages.help_text(lang))  # Help, Unknown and unsupported messages


def _is_party(session: Session, contact: Contact, sscc: str) -> bool:
    # The provenance text's rule: only contacts of the shipment's organisations.
    parties = shipment_parties(session, sscc)
    return parties is not None and contact.org_msp_id in parties


def _subscribe(session: Session, contact: Contact, sscc: str, lang: Lang) -> Reply:
    parties = shipment_parties(session, sscc)
    if parties is None:
        return Reply(texts.not_found(sscc, lang))
    if contact.org_msp_id not in parties:
        return Reply(texts.subscribe_refused(sscc, lang))
    if not subscribe(session, contact.id, sscc):
        return Reply(texts.already_subscribed(sscc, lang))
    return Reply(messages.subscribed(sscc, lang))


def _provenance(
    session: Session, contact: Contact, sscc: str, policy: ChatPolicy, lang: Lang
) -> Reply | None:
    view = provenance_view(session, sscc, links=policy.links)
    if view is None:
        return Reply(texts.not_found(sscc, lang))
    parties = shipment_parties(session, sscc) or frozenset()
    if contact.org_msp_id not in parties:
        # Not a party: what a stranger would get, never custody, temperatures or tx ids.
        return (
            Reply(messages.public_answer(view, lang)) if policy.public_answers == "short" else None
        )
    followed = session.scalar(
        select(SubscriptionRow.id).where(
            SubscriptionRow.contact_id == contact.id, SubscriptionRow.sscc == sscc
        )
    )
    buttons = texts.provenance_buttons(sscc, lang, subscribed=followed is not None)
    extra = terms_button(session, sscc, lang)  # WhatsApp shows at most three buttons
    return Reply(messages.provenance_summary(view, lang), buttons + extra)


# What a stranger gets an answer to, and so what counts against their limit.
_ANSWERED_TO_STRANGERS = (TrackingQuery, ReportRequest, MistypedCode, Help)


def answer_limited_stranger(
    session: Session,
    command: Command,
    policy: ChatPolicy,
    client: str | None,
    *,
    lang: Lang | None = None,
) -> Reply | None:
    """`answer_stranger`, counted against the sender's limit (`client`: number or user id).

    Past the limit, the first refused message of the window gets a notice, the others nothing.
    """
    if policy.public_answers != "none" and client and isinstance(command, _ANSWERED_TO_STRANGERS):
        pseudonym = policy.links.pseudonym("chat", client)
        admission = admit(session, "chat", pseudonym, policy.stranger_limit)
        if not admission.allowed:
            log.info("a stranger's message refused: over the lookup limit")
            if admission.first_refusal:
                lang = lang or policy.default_language
                return Reply(texts.too_many_lookups(admission.retry_after_s, lang))
            return None
    return answer_stranger(session, command, policy, lang=lang)


def answer_stranger(
    session: Session, command: Command, policy: ChatPolicy, *, lang: Lang | None = None
) -> Reply | None:
    """The reply to a number that is not a contact: public facts only, or nothing."""
    if policy.public_answers == "none":
        return None
    lang = lang or policy.default_language
    if isinstance(command, MistypedCode):
        return Reply(messages.mistyped_hint(command.digits, command.expected_check_digit, lang))
    if isinstance(command, TrackingQuery | ReportRequest):
        view = provenance_view(session, command.sscc)  # no link: it would open the whole page
        if view is None:
            return Reply(texts.not_found(command.sscc, lang))
        return Reply(messages.public_answer(view, lang))
    if isinstance(command, Help):
        return Reply(messages.help_text(lang))
    return None  # strangers cannot subscribe; other chatter gets no answer
