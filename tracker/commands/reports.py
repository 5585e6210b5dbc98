"""`tracker report shipment|lot|fsma`: auditor reports from the read model."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracker.commands.common import database, err, load_config
from tracker.reports import csv_report, epcis, fsma, json_report, pdf_report, recall
from tracker.reports.facts import ShipmentReport, build_report
from tracker.reports.json_report import canonical_json
from tracker.reports.source import (
    ShipmentNotInReadModel,
    histories_between,
    lot_histories,
    report_source,
    shipment_history,
)

EXIT_NOT_FOUND = 66  # EX_NOINPUT


def register(subparsers: Any) -> None:
    """Add `report shipment`, `report lot` and `report fsma`."""
    report = subparsers.add_parser("report", help="auditor reports (PDF, CSV, JSON, EPCIS, XLSX)")
    sub = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    shipment = sub.add_parser("shipment", help="provenance report of one shipment")
    shipment.add_argument("sscc")
    shipment.add_argument("--format", choices=("pdf", "csv", "json", "epcis"), default="pdf")
    shipment.add_argument("--out", type=Path, help="file to write (default: standard output)")
    shipment.set_defaults(handler=_shipment)
    lot = sub.add_parser("lot", help="recall trace of one lot")
    lot.add_argument("--gtin", required=True)
    lot.add_argument("--lot", required=True)
    lot.add_argument("--format", choices=("csv", "json", "pdf", "epcis"), default="csv")
    lot.add_argument("--out", type=Path)
    lot.set_defaults(handler=_lot)
    period = sub.add_parser("fsma", help="FSMA 204 sortable spreadsheet of a period")
    period.add_argument("--from", dest="start", type=_date, required=True, help="YYYY-MM-DD")
    period.add_argument("--to", dest="end", type=_date, required=True, help="YYYY-MM-DD (excl.)")
    period.add_argument("--format", choices=("csv", "xlsx", "epcis"), default="csv")
    period.add_argument("--out", type=Path)
    period.set_defaults(handler=_fsma)


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _write(data: str | bytes, out: Path | None) -> int:
    raw = data.encode() if isinstance(data, str) else data
    if out is None:
        sys.stdout.buffer.write(raw)
    else:
        out.write_bytes(raw)
    return 0


def _shipment(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    with database(config)[1]() as session:
        try:
            history = shipment_history(session, args.sscc)
        except ShipmentNotInReadModel:
            err(f"no shipment {args.sscc} in the read model (is `tracker follow` running?)")
            return EXIT_NOT_FOUND
        source = report_source(session, config.channel)
    if args.format == "epcis":
        return _write(canonical_json(epcis.shipment_document(history, datetime.now(UTC))), args.out)
    report = build_report(history.shipment, history.checkpoints, history.readings, source)
    renderers: dict[str, Callable[[ShipmentReport], str | bytes]] = {
        "pdf": pdf_report.render_pdf,
        "csv": csv_report.render_csv,
        "json": json_report.render_json,
    }
    return _write(renderers[args.format](report), args.out)


def _lot(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    with database(config)[1]() as session:
        histories = lot_histories(session, args.gtin, args.lot)
        source = report_source(session, config.channel)
    if not histories:
        err(f"no shipment of GTIN {args.gtin} lot {args.lot} in the read model")
        return EXIT_NOT_FOUND
    if args.format == "epcis":
        document = epcis.lot_document(histories, args.gtin, args.lot, datetime.now(UTC))
        return _write(canonical_json(document), args.out)
    trace = recall.recall_trace(histories, args.gtin, args.lot, source)
    renderers: dict[str, Callable[[recall.RecallTrace], str | bytes]] = {
        "csv": recall.render_recall_csv,
        "json": recall.render_recall_json,
        "pdf": recall.render_recall_pdf,
    }
    return _write(renderers[args.format](trace), args.out)


def _fsma(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    with database(config)[1]() as session:
        histories = histories_between(session, args.start, args.end)
    if args.format == "epcis":
        document = epcis.period_document(histories, args.start, args.end, datetime.now(UTC))
        return _write(canonical_json(document), args.out)
    if args.format == "xlsx":
        return _write(fsma.render_fsma_xlsx(histories), args.out)
    return _write(fsma.render_fsma_csv(histories), args.out)
