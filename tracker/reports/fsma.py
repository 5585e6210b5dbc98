"""FDA FSMA 204 sortable spreadsheet: shipping and receiving CTEs with their KDEs, CSV and XLSX."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]

from tracker.reports.cells import append_xlsx_row
from tracker.reports.csv_report import render_rows
from tracker.reports.facts import Scalar
from tracker.reports.model import CheckpointRecord, Location, ShipmentHistory

# CBV business steps that are FSMA 204 critical tracking events, and their FDA names.
CTE_NAMES = {"shipping": "Shipping", "receiving": "Receiving"}
REFERENCE_DOCUMENT_TYPE = "Ledger transaction (Hyperledger Fabric tx id)"
FSMA_FIELDS: tuple[str, ...] = (
    "Critical Tracking Event",
    "Traceability Lot Code",
    "Product Description",
    "Quantity",
    "Unit of Measure",
    "Ship-From Location",
    "Ship-To Location",
    "Receiving Location",
    "Date of Event",
    "Event Time (UTC)",
    "Reference Document Type",
    "Reference Document Number",
    "Traceability Lot Code Source",
    "GTIN",
    "SSCC",
    "Block Number",
)


def traceability_lot_code(gtin: str, lot: str) -> str:
    """The TLC as a GS1 element string, GTIN (01) + batch/lot (10), as GS1 US guidance suggests."""
    return f"(01){gtin}(10){lot}"


def location_description(location: Location) -> str:
    """An FDA location description: the place's name with its GLN."""
    return f"{location.name}, GLN {location.gln}"


def _row(history: ShipmentHistory, cp: CheckpointRecord) -> dict[str, Scalar]:
    """One CTE with its KDEs; the date is the event's local date where it happened."""
    s = history.shipment
    return {
        "Critical Tracking Event": CTE_NAMES[cp.biz_step],
        "Traceability Lot Code": traceability_lot_code(s.product.gtin, s.product.lot),
        "Product Description": s.product.description,
        "Quantity": s.quantity,
        "Unit of Measure": s.unit,
        "Ship-From Location": location_description(s.origin),
        "Ship-To Location": location_description(s.destination),
        "Receiving Location": (
            location_description(cp.read_point)
            if cp.biz_step == "receiving" and cp.read_point is not None
            else None
        ),
        "Date of Event": cp.event_time.date().isoformat(),
        "Event Time (UTC)": cp.event_time.astimezone(UTC).isoformat(),
        "Reference Document Type": REFERENCE_DOCUMENT_TYPE,
        "Reference Document Number": cp.ledger.tx_id,
        # The lot code is assigned where the lot is packed: the shipment's origin.
        "Traceability Lot Code Source": location_description(s.origin),
        "GTIN": s.product.gtin,
        "SSCC": s.sscc,
        "Block Number": cp.ledger.block_number,
    }


def fsma_rows(histories: Iterable[ShipmentHistory]) -> list[dict[str, Scalar]]:
    """One row per valid shipping or receiving checkpoint, ordered by event time (UTC)."""
    pairs = [
        (h, c)
        for h in histories
        for c in h.checkpoints
        if c.biz_step in CTE_NAMES and c.ledger.is_valid
    ]
    pairs.sort(key=lambda p: (p[1].event_time, p[1].sscc, p[1].sequence))
    return [_row(h, c) for h, c in pairs]


def render_fsma_csv(histories: Iterable[ShipmentHistory]) -> str:
    """The FSMA 204 sortable spreadsheet as CSV."""
    return render_rows(FSMA_FIELDS, fsma_rows(histories))


def render_fsma_xlsx(histories: Iterable[ShipmentHistory]) -> bytes:
    """The FSMA 204 sortable spreadsheet as XLSX: header row frozen, autofilter on; text in
    string cells, neutralised as in the CSV (tracker/reports/cells.py), never a formula."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "FSMA 204 CTEs"
    append_xlsx_row(sheet, FSMA_FIELDS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in fsma_rows(histories):
        append_xlsx_row(sheet, [row[name] for name in FSMA_FIELDS])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for column, name in zip(sheet.columns, FSMA_FIELDS, strict=True):
        longest = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(
            max(len(name), longest) + 2, 70
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
