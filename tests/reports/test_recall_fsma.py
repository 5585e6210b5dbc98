"""Recall trace of a lot, and the FSMA 204 sortable spreadsheet."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import timedelta

import openpyxl  # type: ignore[import-untyped]  # no stubs
import pypdf

from tests.reports.conftest import START, make_history
from tracker.reports.fsma import FSMA_FIELDS, render_fsma_csv, render_fsma_xlsx
from tracker.reports.model import ColdChainVerdict, ReportSource, ShipmentHistory
from tracker.reports.recall import (
    RECALL_FIELDS,
    recall_trace,
    render_recall_csv,
    render_recall_json,
    render_recall_pdf,
)


def lot_split_over_shipments() -> tuple[list[ShipmentHistory], set[str]]:
    """Lot L2503A in three shipments (one breached, one still on the road) and another lot."""
    a = make_history(1, "L2503A", "a")
    b = make_history(2, "L2503A", "b", START + timedelta(days=1))
    breached = dataclasses.replace(b.shipment, verdict=ColdChainVerdict("breach", 95, 3, 12, 6))
    b = dataclasses.replace(b, shipment=breached)
    c = make_history(4, "L2503A", "d", START + timedelta(days=2))
    moving = dataclasses.replace(c.shipment, status="in_transit", custodian="CarrierMSP")
    c = dataclasses.replace(c, shipment=moving, checkpoints=c.checkpoints[:2])
    other = make_history(3, "L2503B", "c")
    return [other, c, a, b], {a.shipment.sscc, b.shipment.sscc, c.shipment.sscc}


def test_recall_finds_every_shipment_of_the_lot_and_no_other(source: ReportSource) -> None:
    histories, expected = lot_split_over_shipments()
    gtin = histories[0].shipment.product.gtin
    trace = recall_trace(histories, gtin, "L2503A", source)
    assert {s["sscc"] for s in trace.shipments} == expected
    assert {r["sscc"] for r in trace.rows} == expected
    assert all(r["lot"] == "L2503A" for r in trace.rows)
    holders = {s["sscc"]: (s["current_custodian"], s["cold_chain_breach"]) for s in trace.shipments}
    assert sorted(holders.values()) == [
        ("CarrierMSP", "no"),
        ("RetailerMSP", "no"),
        ("RetailerMSP", "yes"),
    ]
    # created + 6 valid steps, twice, and created + 2 for the one still moving
    assert len(trace.rows) == 7 + 7 + 3
    assert all(r["tx_id"] for r in trace.rows)


def test_recall_renders_csv_json_and_pdf_alike(source: ReportSource) -> None:
    histories, expected = lot_split_over_shipments()
    trace = recall_trace(histories, histories[0].shipment.product.gtin, "L2503A", source)
    rows = list(csv.DictReader(io.StringIO(render_recall_csv(trace))))
    document = json.loads(render_recall_json(trace))
    assert tuple(rows[0]) == RECALL_FIELDS
    assert [r["tx_id"] for r in rows] == [r["tx_id"] for r in document["rows"]]
    assert document["source"]["inputs_sha256"] == trace.inputs_sha256
    pdf = pypdf.PdfReader(io.BytesIO(render_recall_pdf(trace)))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    for sscc in expected:
        assert sscc in text
    for row in rows:
        assert row["tx_id"] in text


def test_fsma_xlsx_is_sortable_with_one_row_per_shipping_or_receiving_event() -> None:
    histories, _ = lot_split_over_shipments()
    workbook = openpyxl.load_workbook(io.BytesIO(render_fsma_xlsx(histories)))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    assert tuple(header) == FSMA_FIELDS
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}{sheet.max_row}"
    body = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    expected = sorted(
        c.ledger.tx_id
        for h in histories
        for c in h.checkpoints
        if c.biz_step in ("shipping", "receiving") and c.ledger.validation_code == "VALID"
    )
    assert sorted(r["Reference Document Number"] for r in body) == expected
    assert len(body) == 4 + 3  # shipping + receiving of three delivered, shipping of the moving one
    assert {r["Critical Tracking Event"] for r in body} == {"Shipping", "Receiving"}
    first = body[0]
    assert first["Traceability Lot Code"].endswith("(10)L2503A")
    assert first["Quantity"] == 480 and first["Unit of Measure"] == "case"
    assert first["Date of Event"] == "2025-03-03"
    assert first["Ship-From Location"].startswith("Hof Sonnenfeld packhouse, GLN ")
    assert all(r["Receiving Location"] for r in body if r["Critical Tracking Event"] == "Receiving")


def test_fsma_csv_matches_the_xlsx() -> None:
    histories, _ = lot_split_over_shipments()
    rows = list(csv.reader(io.StringIO(render_fsma_csv(histories))))
    sheet = openpyxl.load_workbook(io.BytesIO(render_fsma_xlsx(histories))).active
    cells = [["" if c.value is None else str(c.value) for c in row] for row in sheet.iter_rows()]
    assert [r[:3] for r in rows] == [r[:3] for r in cells]
    assert len(rows) == len(cells)
