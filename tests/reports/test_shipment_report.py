"""The shipment provenance report: JSON, CSV and PDF show the same facts, every event traceable."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
from datetime import timedelta

import pypdf

from tests.reports.conftest import readings
from tracker.reports.csv_report import CSV_FIELDS, render_csv
from tracker.reports.facts import (
    FACT_FIELDS,
    ShipmentReport,
    build_report,
    canonical_inputs,
    cell_text,
)
from tracker.reports.json_report import render_json
from tracker.reports.model import ReportSource, ShipmentHistory
from tracker.reports.pdf_report import CHART_HEADING, render_pdf


def report_of(history: ShipmentHistory, source: ReportSource) -> ShipmentReport:
    """Builds the report of a fixture history."""
    return build_report(history.shipment, history.checkpoints, history.readings, source)


def pdf_pages(pdf: bytes) -> list[pypdf.PageObject]:
    """The PDF's pages."""
    return list(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_every_event_in_json_csv_and_pdf_with_tx_and_block(
    history: ShipmentHistory, source: ReportSource
) -> None:
    report = report_of(history, source)
    events = json.loads(render_json(report))["events"]
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    # Layout mode keeps a table row on one text line.
    pages = pdf_pages(render_pdf(report))
    lines = "\n".join(p.extract_text(extraction_mode="layout") for p in pages).splitlines()
    assert len(events) == len(rows) == 1 + len(history.checkpoints) == 8
    for cp in [history.shipment.created] + [c.ledger for c in history.checkpoints]:
        assert any(e["tx_id"] == cp.tx_id and e["block_number"] == cp.block_number for e in events)
        assert any(
            r["tx_id"] == cp.tx_id and r["block_number"] == str(cp.block_number) for r in rows
        )
        # The ledger table puts tx id, block, org, role and validation code on one line.
        line = next(line for line in lines if cp.tx_id in line)
        for token in (str(cp.block_number), cp.msp_id, cp.role, cp.validation_code):
            assert token in line.split(), (token, line)


def test_csv_and_json_agree_fact_by_fact(history: ShipmentHistory, source: ReportSource) -> None:
    report = report_of(history, source)
    document = json.loads(render_json(report))
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert tuple(rows[0].keys()) == CSV_FIELDS
    for event, row in zip(document["events"], rows, strict=True):
        assert set(event) == set(FACT_FIELDS)
        for name in FACT_FIELDS:
            assert row[name] == cell_text(event[name]), name
        assert row["inputs_sha256"] == document["source"]["inputs_sha256"]
        assert row["first_block"] == "100" and row["last_block"] == "130"


def test_json_is_canonical_and_reproducible(history: ShipmentHistory, source: ReportSource) -> None:
    text = render_json(report_of(history, source))
    assert text == json.dumps(
        json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert text == render_json(report_of(history, source))
    assert render_pdf(report_of(history, source)) == render_pdf(report_of(history, source))


def test_inputs_hash_is_the_sha256_of_the_canonical_inputs_and_tracks_changes(
    history: ShipmentHistory, source: ReportSource
) -> None:
    report = report_of(history, source)
    raw = canonical_inputs(history.shipment, history.checkpoints, history.readings, source)
    assert report.inputs_sha256 == hashlib.sha256(raw).hexdigest()
    warmer = history.readings[:-1] + (dataclasses.replace(history.readings[-1], celsius=5.01),)
    changed = build_report(history.shipment, history.checkpoints, warmer, source)
    assert changed.inputs_sha256 != report.inputs_sha256
    later = build_report(
        history.shipment,
        history.checkpoints,
        history.readings,
        dataclasses.replace(source, last_block=131),
    )
    assert later.inputs_sha256 != report.inputs_sha256


def test_events_are_ordered_and_invalid_ones_flagged(
    history: ShipmentHistory, source: ReportSource
) -> None:
    events = json.loads(render_json(report_of(history, source)))["events"]
    assert [e["sequence"] for e in events] == [0, 1, 2, 3, 3, 4, 5, 6]
    assert events[0]["event"] == "shipment_created"
    assert [e["validation_code"] for e in events].count("MVCC_READ_CONFLICT") == 1
    assert events[-1]["evidence_sha256"] == "b" * 64


def test_pdf_title_facts_verdict_and_hashes(history: ShipmentHistory, source: ReportSource) -> None:
    report = report_of(history, source)
    pages = [p.extract_text() for p in pdf_pages(render_pdf(report))]
    title = pages[0]
    for fact in (
        history.shipment.sscc,
        history.shipment.product.gtin,
        "L2503A",
        "delivered",
        "ProducerMSP",
        "RetailerMSP",
        report.inputs_sha256,
        "100 to 130",
    ):
        assert fact in title, fact
    text = "\n".join(pages)
    assert "Recomputed verdict" in text and "excursion: 40 min outside" in text
    assert "MKT 4.62" in text  # duration-weighted; the last reading holds no time
    for digest in ("a" * 64, "b" * 64, "c" * 64, "d" * 64):
        assert digest in text


def test_pdf_chart_page_holds_an_image(history: ShipmentHistory, source: ReportSource) -> None:
    pages = pdf_pages(render_pdf(report_of(history, source)))
    chart_pages = [p for p in pages if CHART_HEADING in p.extract_text()]
    assert len(chart_pages) == 1
    assert len(chart_pages[0].images) >= 1
    assert chart_pages[0].images[0].name.lower().endswith(".png") or chart_pages[0].images[0].data


def test_pdf_builds_for_ten_thousand_readings(
    history: ShipmentHistory, source: ReportSource
) -> None:
    # A separate benchmark times this; here it only has to build, with the verdict on all points.
    many = readings(
        history.shipment.promised_delivery - timedelta(days=7), 10_000, 1.0, excursion=(5000, 5045)
    )
    report = build_report(history.shipment, history.checkpoints, many, source)
    assert report.analysis.reading_count == 10_000
    assert report.analysis.minutes_outside == 45.0
    pdf = render_pdf(report)
    pages = pdf_pages(pdf)
    assert any(p.images for p in pages if CHART_HEADING in p.extract_text())
