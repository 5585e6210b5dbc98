"""Shared reportlab helpers: styles, key/value and data tables, and the document build."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from tracker.reports.facts import Scalar, cell_text

MARGIN = 15 * mm
MONO = "Courier"
_SHEET = getSampleStyleSheet()
TITLE = _SHEET["Title"]
HEADING = _SHEET["Heading2"]
BODY = _SHEET["BodyText"]
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7, leading=8.5)
SMALL_MONO = ParagraphStyle("small-mono", parent=SMALL, fontName=MONO, fontSize=6.5, leading=8)


def para(text: Scalar, style: ParagraphStyle = SMALL) -> Paragraph:
    """A wrapping cell: the text is escaped, since Paragraph reads a small XML markup."""
    return Paragraph(escape(cell_text(text)), style)


def kv_table(pairs: Sequence[tuple[str, Scalar]], width: float) -> Table:
    """Two-column label/value table for title-page facts."""
    label_width = 45 * mm
    rows = [[para(label, SMALL), para(value, SMALL)] for label, value in pairs]
    table = Table(rows, colWidths=[label_width, width - label_width])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f7")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Scalar]],
    widths: Sequence[float],
    mono: frozenset[int] = frozenset(),
) -> Table:
    """A table with a repeated header row; columns in `mono` are unwrapped Courier (hashes, ids).

    Hashes are kept as plain strings, never wrapped, so a PDF text extractor finds them whole.
    """
    body: list[list[object]] = [[para(h, SMALL) for h in header]]
    for row in rows:
        body.append([cell_text(v) if i in mono else para(v, SMALL) for i, v in enumerate(row)])
    table = Table(body, colWidths=list(widths), repeatRows=1)
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d9e2ef")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    style += [("FONT", (i, 1), (i, -1), MONO, 6.5) for i in sorted(mono)]
    table.setStyle(TableStyle(style))
    return table


def heading(text: str) -> Paragraph:
    """A section heading."""
    return Paragraph(escape(text), HEADING)


def body(text: str) -> Paragraph:
    """A body paragraph of plain text."""
    return Paragraph(escape(text), BODY)


def content_width(wide: bool = False) -> float:
    """Usable width of the page between margins."""
    size = landscape(A4) if wide else A4
    return float(size[0] - 2 * MARGIN)


def build_pdf(story: Sequence[Flowable], title: str, footer: str, wide: bool = False) -> bytes:
    """Lays out the story on A4 with a footer on each page, and returns the PDF bytes."""

    def on_page(canvas: Any, doc: Any) -> None:
        """Footer: the report's identifying line and the page number."""
        canvas.saveState()
        canvas.setFont("Helvetica", 6.5)
        canvas.drawString(MARGIN, 8 * mm, f"{footer}   page {canvas.getPageNumber()}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4) if wide else A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        # Fixed creation date and document id: the same report gives the same PDF bytes.
        invariant=1,
    )
    document.build(list(story), onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
