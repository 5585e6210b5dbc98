"""Report files as `tracker report` and `/api/v1` hand them out: read model → report → bytes.

The one place where a report kind and a format become content, a media type and a file name,
so the command line and the HTTP API cannot produce different reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from records import canonical_json
from tracker.reports import csv_report, epcis, fsma, json_report, pdf_report, recall
from tracker.reports.facts import ShipmentReport, build_report
from tracker.reports.source import (
    histories_between,
    lot_histories,
    report_source,
    shipment_history,
)
from tracker.reports.terms_source import shipment_terms

SHIPMENT_FORMATS = ("pdf", "csv", "json", "epcis")
LOT_FORMATS = ("csv", "json", "pdf", "epcis")
PERIOD_FORMATS = ("csv", "xlsx", "epcis")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "epcis": "application/ld+json",  # EPCIS 2.0 JSON-LD
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_SUFFIXES = {"epcis": "epcis.jsonld"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")

_SHIPMENT: dict[str, Callable[[ShipmentReport], str | bytes]] = {
    "pdf": pdf_report.render_pdf,
    "csv": csv_report.render_csv,
    "json": json_report.render_json,
}
_LOT: dict[str, Callable[[recall.RecallTrace], str | bytes]] = {
    "csv": recall.render_recall_csv,
    "json": recall.render_recall_json,
    "pdf": recall.render_recall_pdf,
}


class LotNotInReadModel(LookupError):
    """The read model holds no shipment of that GTIN and lot."""


@dataclass(frozen=True)
class ReportFile:
    """A rendered report: its bytes, media type and a file name to save it under."""

    content: bytes
    media_type: str
    filename: str


def _check(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(allowed)}")


def _file(data: str | bytes, fmt: str, *stem: str) -> ReportFile:
    raw = data.encode() if isinstance(data, str) else data
    # Lot numbers are free text: keep file names to characters every system accepts.
    name = "-".join(_UNSAFE.sub("_", part) for part in stem)
    return ReportFile(raw, MEDIA_TYPES[fmt], f"{name}.{_SUFFIXES.get(fmt, fmt)}")


def shipment_report(session: Session, channel: str, sscc: str) -> ShipmentReport:
    """The provenance report data of one shipment; raises ShipmentNotInReadModel."""
    history = shipment_history(session, sscc)
    source = report_source(session, channel)
    terms = shipment_terms(session, sscc)
    return build_report(history.shipment, history.checkpoints, history.readings, source, terms)


def shipment_file(session: Session, channel: str, sscc: str, fmt: str, now: datetime) -> ReportFile:
    """One shipment's provenance report file; raises ShipmentNotInReadModel."""
    _check(fmt, SHIPMENT_FORMATS)
    if fmt == "epcis":
        history = shipment_history(session, sscc)
        data: str | bytes = canonical_json(epcis.shipment_document(history, now))
    else:
        data = _SHIPMENT[fmt](shipment_report(session, channel, sscc))
    return _file(data, fmt, "shipment", sscc)


def lot_file(
    session: Session, channel: str, gtin: str, lot: str, fmt: str, now: datetime
) -> ReportFile:
    """The recall trace of a lot (GTIN + lot); raises LotNotInReadModel."""
    _check(fmt, LOT_FORMATS)
    histories = lot_histories(session, gtin, lot)
    if not histories:
        raise LotNotInReadModel(f"no shipment of GTIN {gtin} lot {lot} in the read model")
    if fmt == "epcis":
        data: str | bytes = canonical_json(epcis.lot_document(histories, gtin, lot, now))
    else:
        trace = recall.recall_trace(histories, gtin, lot, report_source(session, channel))
        data = _LOT[fmt](trace)
    return _file(data, fmt, "lot", gtin, lot)


def period_file(
    session: Session, start: datetime, end: datetime, fmt: str, now: datetime
) -> ReportFile:
    """The FSMA 204 spreadsheet (or EPCIS document) of events in [start, end)."""
    _check(fmt, PERIOD_FORMATS)
    histories = histories_between(session, start, end)
    if fmt == "epcis":
        data: str | bytes = canonical_json(epcis.period_document(histories, start, end, now))
    elif fmt == "xlsx":
        data = fsma.render_fsma_xlsx(histories)
    else:
        data = fsma.render_fsma_csv(histories)
    return _file(data, fmt, "fsma204", f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}")
