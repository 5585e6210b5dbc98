"""`tracker report shipment|lot|fsma`: auditor reports from the read model."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracker.cli.common import EXIT_USAGE, database, err, load_config
from tracker.config import Config
from tracker.reports import outputs
from tracker.reports.source import ShipmentNotInReadModel

EXIT_NOT_FOUND = 66  # EX_NOINPUT
BINARY_FORMATS = {"pdf": "a PDF", "xlsx": "an XLSX spreadsheet"}


def register(subparsers: Any) -> None:
    """Add `report shipment`, `report lot` and `report fsma`."""
    report = subparsers.add_parser("report", help="auditor reports (PDF, CSV, JSON, EPCIS, XLSX)")
    sub = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    shipment = sub.add_parser("shipment", help="provenance report of one shipment")
    shipment.add_argument("sscc")
    shipment.add_argument("--format", choices=outputs.SHIPMENT_FORMATS, default="pdf")
    shipment.add_argument(
        "--out", type=Path, help="file to write (default: standard output, never a terminal's)"
    )
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


def _config() -> Config:
    """The configuration; log lines go to standard error, WARNING and above only.

    Standard output is the report alone, and a terminal shows no library's INFO chatter
    (the EPCIS event hash generator logs every event it hashes at INFO on the root logger).
    """
    config = load_config(require_whatsapp=False)
    root = logging.getLogger()
    root.setLevel(max(root.level, logging.WARNING))
    return config


def _write(made: outputs.ReportFile, out: Path | None, fmt: str) -> int:
    if out is not None:
        out.write_bytes(made.content)
    elif fmt in BINARY_FORMATS and sys.stdout.isatty():
        # Binary on a terminal is garbage at best and escape sequences at worst.
        err(
            f"tracker report: not writing {BINARY_FORMATS[fmt]} to the terminal; "
            f"add --out {made.filename} (or redirect: > {made.filename})"
        )
        return EXIT_USAGE
    else:
        sys.stdout.buffer.write(made.content)
        sys.stdout.buffer.flush()
    return 0


def _shipment(args: argparse.Namespace) -> int:
    config = _config()
    with database(config)[1]() as session:
        try:
            made = outputs.shipment_file(
                session, config.channel, args.sscc, args.format, datetime.now(UTC)
            )
        except ShipmentNotInReadModel:
            err(f"no shipment {args.sscc} in the read model (is `tracker follow` running?)")
            return EXIT_NOT_FOUND
    return _write(made, args.out, args.format)


def _lot(args: argparse.Namespace) -> int:
    config = _config()
    with database(config)[1]() as session:
        try:
            made = outputs.lot_file(
                session, config.channel, args.gtin, args.lot, args.format, datetime.now(UTC)
            )
        except outputs.LotNotInReadModel as error:
            err(str(error))
            return EXIT_NOT_FOUND
    return _write(made, args.out, args.format)


def _fsma(args: argparse.Namespace) -> int:
    config = _config()
    with database(config)[1]() as session:
        made = outputs.period_file(session, args.start, args.end, args.format, datetime.now(UTC))
    return _write(made, args.out, args.format)
