"""Turning an outbox row into the provider call to make, at send time.

Text or template is decided here, when sending, because the 24-hour customer-service
window moves with every inbound message: inside it a notification goes as free-form text,
outside it as the approved template in the contact's language. A reply can only go inside
the window (it always is, right after the message it answers, unless the queue was stuck
for a day), otherwise it is undeliverable. A report reply (`reply.report`) becomes a document
whose data `reports` reads from the read model; the PDF is rendered when sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from tracker.chat import terms_texts, texts
from tracker.chat.links import ShipmentLinks
from tracker.chat.provenance import view_from_json
from tracker.chat.report_document import (
    REPORT_KIND,
    ReportDocument,
    ReportLoader,
    report_filename,
    send_report,
)
from tracker.config import Templates
from tracker.store.queues import OutboxRow
from tracker.whatsapp.messages import Lang, TemplateMessage
from tracker.whatsapp.provider import ReplyButton, SentMessage, WhatsAppProvider

WINDOW = timedelta(hours=24)
# Decide "outside" a little early: a text sent at 23:59:59 may reach Meta after the window.
WINDOW_MARGIN = timedelta(minutes=1)


class Undeliverable(Exception):
    """This row cannot be sent at all (e.g. a reply whose window has closed)."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One provider call: free-form text (with optional buttons), a template or a document."""

    to: str
    kind: Literal["text", "template", "document"]
    text: str = ""
    buttons: tuple[ReplyButton, ...] = ()
    template: TemplateMessage | None = None
    document: ReportDocument | None = None

    def send(self, provider: WhatsAppProvider, callback_data: str) -> SentMessage:
        """Make the call."""
        if self.document is not None:
            return send_report(provider, self.to, self.document, callback_data)
        if self.template is not None:
            t = self.template
            return provider.send_template(
                self.to,
                t.name,
                t.language,
                body_parameters=t.body_parameters,
                button_payloads=t.button_payloads,
                callback_data=callback_data,
            )
        if self.buttons:
            return provider.send_interactive_buttons(
                self.to, self.text, self.buttons, callback_data=callback_data
            )
        return provider.send_text(self.to, self.text, callback_data=callback_data)


def in_window(window_start: datetime | None, now: datetime) -> bool:
    """Whether free-form messages are allowed, given the last inbound message time."""
    return window_start is not None and now - window_start < WINDOW - WINDOW_MARGIN


def compose(
    row: OutboxRow,
    *,
    to: str,
    lang: Lang,
    window_open: bool,
    templates: Templates,
    links: ShipmentLinks,
    reports: ReportLoader | None = None,
) -> Outgoing:
    """The call to make for `row`; raises `Undeliverable` when none is allowed."""
    body = row.payload()
    if row.kind in ("reply", REPORT_KIND) and not window_open:
        raise Undeliverable("reply outside the 24-hour window")
    if row.kind == "reply":
        buttons = tuple(ReplyButton(str(i), str(t)) for i, t in body.get("buttons", []))
        return Outgoing(to, "text", text=str(body["text"]), buttons=buttons)
    if row.kind == REPORT_KIND:
        return _report(to, str(body["sscc"]), lang, reports)
    if "terms" in body:  # a settlement or a dispute (chat.terms_facts)
        return _terms(to, body["terms"], lang, window_open and not row.force_template, templates)
    view = view_from_json(body["view"], links)
    free_form = window_open and not row.force_template
    if row.kind == "notify.cold_chain":
        if free_form:
            return Outgoing(to, "text", text=texts.cold_chain_alert_text(view, lang))
        template = texts.cold_chain_alert_template(view, lang, templates)
        return Outgoing(to, "template", template=template)
    if row.kind in ("notify.status", "notify.delivered"):
        if free_form:
            return Outgoing(to, "text", text=texts.status_text(view, lang))
        return Outgoing(to, "template", template=texts.status_template(view, lang, templates))
    raise Undeliverable(f"unknown outbox kind {row.kind!r}")


def _terms(
    to: str, facts: dict[str, Any], lang: Lang, free_form: bool, templates: Templates
) -> Outgoing:
    if free_form:
        return Outgoing(to, "text", text=terms_texts.terms_text(facts, lang))
    if not templates.terms:
        raise Undeliverable("outside the 24-hour window and no terms template configured")
    template = terms_texts.terms_template(facts, lang, templates)
    return Outgoing(to, "template", template=template)


def _report(to: str, sscc: str, lang: Lang, reports: ReportLoader | None) -> Outgoing:
    report = reports(sscc) if reports is not None else None
    if report is None:  # a stranger's row, an unrelated org, or a read model rebuilt since
        raise Undeliverable(f"no report of {sscc} for this recipient")
    document = ReportDocument(report, report_filename(sscc), texts.report_caption(sscc, lang))
    return Outgoing(to, "document", document=document)
