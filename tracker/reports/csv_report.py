"""The shipment provenance report as CSV: a header row, then one row per ledger event."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from tracker.reports.cells import spreadsheet_text
from tracker.reports.facts import FACT_FIELDS, Scalar, ShipmentReport

# Report-level columns repeated on each row, so every row can be checked on its own.
REPORT_FIELDS: tuple[str, ...] = ("sscc", "channel", "first_block", "last_block", "inputs_sha256")
CSV_FIELDS: tuple[str, ...] = REPORT_FIELDS + FACT_FIELDS


def render_rows(fields: Sequence[str], rows: Iterable[Mapping[str, Scalar]]) -> str:
    """CSV text with a header row; RFC 4180 line endings so spreadsheet tools agree.

    Every CSV the tracker writes comes from here: text that a spreadsheet would run as a
    formula is neutralised (tracker/reports/cells.py)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([spreadsheet_text(row.get(name)) for name in fields])
    return out.getvalue()


def render_csv(report: ShipmentReport) -> str:
    """The shipment's facts as CSV, each row carrying the report hash and block range."""
    source = report.source
    common: dict[str, Scalar] = {
        "sscc": report.shipment.sscc,
        "channel": source.channel,
        "first_block": source.first_block,
        "last_block": source.last_block,
        "inputs_sha256": report.inputs_sha256,
    }
    return render_rows(CSV_FIELDS, ({**common, **fact} for fact in report.facts))
