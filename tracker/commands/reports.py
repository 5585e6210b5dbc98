"""`tracker report shipment|lot|fsma`: auditor reports from the read model."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracker.commands.common import database, err, load_config
from tracker.reports import outputs
from tracker.reports.source import ShipmentNotInReadModel

EXIT_NOT_FOUND = 66  # EX_NOINPUT


def register(subparsers: Any) -> None:
    """Add `report shipment`, `report lot` and `report fsma`."""
    report = subparsers.add_parser("report", help="auditor reports (PDF, CSV, JSON, EPCIS, XLSX)")
    sub = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    shipment = sub.add_parser("shipment", help="provenance report of one shipment")
    shipment.add_argument("sscc")
    shipment.add_argument("--format", choices=outputs.SHIPMENT_FORMATS, default="pdf")
    shipment.add_argument("--out", type=Path, help="file to write (default: standard output)")
    shipment.set_defaults(handler=_shipment)
    lot = sub.add_parser("lot", help="recall trace of one lot")
    lot.add_argument("--gtin", required=True)
    lot.add_argument("--lot", required=True)
    lot.add_argument("--format", choices=outputs.LOT_FORMATS, default="csv")
    lot.add_argument("--out", type=Path)
    lot.set_defaults(handler=_lot)
    period = sub.add_parser("fsma", help="FSMA 204 sortable spreadsheet of a period")
    period.add_argument("--from", dest="start", type=_date, required=True, help="YYYY-MM-DD")
    period.add_argument("--to", dest="end", type=_date, required=True, help="YYYY-MM-DD (excl.)")
    period.add_argument("--format", choices=outputs.PERIOD_FORMATS, default="csv")
    period.add_argument("--out", type=Path)
    period.set_defaults(handler=_fsma)


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _write(made: outputs.ReportFile, out: Path | None) -> int:
    if out is None:
        sys.stdout.buffer.write(made.content)
    else:
        out.write_bytes(made.content)
    return 0


def _shipment(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    with database(config)[1]() as session:
        try:
            made = outputs.shipment_file(
                session, config.channel, args.sscc, args.format, datetime.now(UTC)
            )
        except ShipmentNotInReadModel:
            err(f"no shipment {args.sscc} in the read model (is `tracker follow` running?)")
            return EXIT_NOT_FOUND
    return _write(made, args.out)


def _lot(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    with database(config)[1]() as session:
        try:
            made = outputs.lot_file(
                session, config.channel, args.gtin, args.lot, args.format, datetime.now(UTC)
            )
        except outputs.LotNotInReadModel as error:
            err(str(error))
            return EXIT_NOT_FOUND
    return _write(made, args.out)


def _fsma(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    with database(config)[1]() as session:
        made = outputs.period_file(session, args.start, args.end, args.format, datetime.now(UTC))
    return _write(made, args.out)
