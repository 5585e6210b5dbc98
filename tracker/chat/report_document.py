"""The shipment's provenance report PDF, answered to a Report button as a WhatsApp document.

The outbox row (kind `reply.report`) holds only the SSCC. At send time the sender reads the
shipment from the read model inside its claim transaction (`load_report`, which also
re-applies the party rule), then, after that commit, renders the PDF with the same code as
`tracker report shipment --format pdf`, uploads it and sends it by media id (`send_report`).
A retry uploads again: an unused upload costs nothing, and the send itself carries the
outbox callback data like every other send, so the sender's in-doubt rules hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tracker.chat.provenance import shipment_parties
from tracker.reports.facts import ShipmentReport
from tracker.reports.outputs import shipment_report
from tracker.reports.pdf_report import render_pdf
from tracker.reports.source import ShipmentNotInReadModel
from tracker.whatsapp.provider import MediaRef, SentMessage, WhatsAppProvider

REPORT_KIND = "reply.report"
PDF_MIME = "application/pdf"

ReportLoader = Callable[[str], ShipmentReport | None]


@dataclass(frozen=True, slots=True)
class ReportDocument:
    """A report ready to render and send: its data, file name and caption."""

    report: ShipmentReport
    filename: str
    caption: str


def report_filename(sscc: str) -> str:
    """The file name the contact sees."""
    return f"provenance-{sscc}.pdf"


def load_report(
    session: Session, sscc: str, *, org_msp_id: str, channel: str
) -> ShipmentReport | None:
    """The shipment's report data for a contact of `org_msp_id`; None when not a party."""
    parties = shipment_parties(session, sscc)
    if parties is None or org_msp_id not in parties:
        return None
    try:
        return shipment_report(session, channel, sscc)
    except ShipmentNotInReadModel:
        return None


def send_report(
    provider: WhatsAppProvider, to: str, document: ReportDocument, callback_data: str
) -> SentMessage:
    """Render the PDF, upload it, then send it as a document message."""
    pdf = render_pdf(document.report)
    media_id = provider.upload_media(pdf, PDF_MIME, document.filename)
    return provider.send_document(
        to,
        MediaRef.uploaded(media_id),
        filename=document.filename,
        caption=document.caption,
        callback_data=callback_data,
    )
