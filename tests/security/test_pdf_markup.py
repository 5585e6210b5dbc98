"""Report PDFs print ledger text as text: reportlab's Paragraph markup in a lot code, a place
name or a note neither stops the PDF being made nor becomes a link, a font or an image."""

from __future__ import annotations

import ast
import dataclasses
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from tests.reports.conftest import STORE, make_history
from tests.security.hostile_text import ANGLE_LOT, GTIN, LINK_LOT, S1, S2
from tests.verify.verify_report import MADE
from tracker.reports import outputs
from tracker.reports.facts import build_report
from tracker.reports.model import ReportSource
from tracker.reports.pdf_report import render_pdf
from tracker.reports.recall import recall_trace, render_recall_pdf

TRACKER = Path(__file__).resolve().parents[2] / "tracker"
SOURCE = ReportSource(channel="provenance", first_block=100, last_block=130)
# Each would be markup to Paragraph: a link, a font, an image, an entity, an unclosed tag.
MARKUP = (
    '<a href="https://e.il/x">Click to confirm recall</a>',
    '<font size="40" color="red">RECALLED</font>',
    '<img src="/etc/passwd"/>',
    "&nbsp;&lt;b&gt;",
    "<b>unclosed",
)


def links(pdf: bytes) -> list[object]:
    """Every link annotation of the PDF (URI or internal)."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for annotation in page.get("/Annots") or []:
            found.append(annotation.get_object())
    return found


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("lot", [ANGLE_LOT, LINK_LOT, *(m[:20] for m in MARKUP)])
def test_recall_pdf_prints_any_lot_code(lot: str) -> None:
    history = make_history(1, lot, "markup")
    trace = recall_trace([history], history.shipment.product.gtin, lot, SOURCE)
    pdf = render_recall_pdf(trace)  # a lot `A<B` raised "paraparser: syntax error" before
    assert links(pdf) == []
    assert f"Recall trace: lot {lot}" in text_of(pdf)


def test_shipment_pdf_prints_markup_in_every_text_field() -> None:
    history = make_history(1, "L2503A", "markup")
    s = history.shipment
    store = dataclasses.replace(STORE, name=MARKUP[0])
    product = dataclasses.replace(s.product, description=MARKUP[1])
    shipment = dataclasses.replace(s, product=product, destination=store, custodian=MARKUP[3])
    checkpoints = tuple(
        dataclasses.replace(c, read_point=store, notes=MARKUP[2] + MARKUP[4])
        if c.read_point == STORE
        else c
        for c in history.checkpoints
    )
    report = build_report(shipment, checkpoints, history.readings, SOURCE)
    pdf = render_pdf(report)
    assert links(pdf) == []
    text = text_of(pdf).replace("\n", " ")
    for shown in (MARKUP[1], MARKUP[3], MARKUP[2] + MARKUP[4]):
        assert shown in text, shown
    assert "Click to confirm recall" in text and 'href="https://e.il/x"' in text


def test_lot_report_pdf_from_the_read_model(followed: sessionmaker[Session]) -> None:
    """As `GET /api/v1/reports/lot?…&format=pdf` and `tracker report lot` make it."""
    with followed() as session:
        for lot, sscc in ((ANGLE_LOT, S1), (LINK_LOT, S2)):
            made = outputs.lot_file(session, "supplychain", GTIN, lot, "pdf", MADE)
            assert links(made.content) == []
            text = text_of(made.content)
            assert f"lot {lot}" in text and sscc in text


def test_only_pdf_common_makes_paragraphs() -> None:
    """Escaping happens in one place, pdf_common.paragraph: no other module of the tracker
    builds a reportlab Paragraph (or imports the class to do so)."""
    makers = []
    for path in sorted(TRACKER.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            named = isinstance(node, ast.Name) and node.id == "Paragraph"
            attribute = isinstance(node, ast.Attribute) and node.attr == "Paragraph"
            if named or attribute:
                makers.append(str(path.relative_to(TRACKER)))
    assert set(makers) == {"reports/pdf_common.py"}
    common = (TRACKER / "reports" / "pdf_common.py").read_text(encoding="utf-8")
    assert common.count("Paragraph(") == 1  # the one constructor call, in paragraph()
    assert "return Paragraph(escape(cell_text(text))" in common
