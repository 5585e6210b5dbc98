"""Shared reportlab helpers: styles, key/value and data tables, and the document build."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
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
MONO_SIZE = 6.5
# Table cells: reportlab's default padding is 6 pt a side; data tables use less.
KV_PADDING = 6.0
DATA_PADDING = 4.0
# Below this size text is no longer legible on paper: a longer word is then split (in a
# wrapping cell) or runs past its column (an unwrapped identifier) after all.
MIN_FONT_SIZE = 4.5


def when_text(value: datetime | str, one_line: bool = False) -> str:
    """A time to the second with its stated UTC offset ("UTC" for +00:00), the date and the
    time on two lines unless `one_line`: a table cell then never breaks inside a timestamp.
    The JSON and CSV reports carry the exact ISO 8601 value."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    offset = moment.utcoffset()
    zone = "UTC"
    if offset:
        minutes = int(offset.total_seconds()) // 60
        zone = f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    separator = " " if one_line else "\n"
    return f"{moment:%Y-%m-%d}{separator}{moment:%H:%M:%S} {zone}"


def label(name: Scalar) -> str:
    """A CBV or event name for reading: "completeness_verified" → "completeness verified"."""
    return "-" if name is None else str(name).replace("_", " ")


def fitted_size(words: Sequence[str], font: str, size: float, room: float) -> float:
    """`size`, or the smaller size at which the widest word fits in `room` points.

    A cell then wraps between words only: a timestamp, an identifier or a CBV name is never
    broken in the middle, and an unwrapped identifier never runs past its column.
    """
    widest = max((stringWidth(w, font, size) for w in words), default=0.0)
    if widest <= room:
        return size
    return max(MIN_FONT_SIZE, int(size * room / widest * 10) / 10)


def paragraph(text: Scalar, style: ParagraphStyle) -> Paragraph:
    """The one way report text becomes a reportlab Paragraph: as plain text, never markup.

    Paragraph parses its text as a small XML markup language (<b>, <a href>, <img>, <font>,
    entities), so a lot code `A<B` (legal in GS1) would stop the PDF being made and a lot
    `<a href=...>` would put a live link into it. Escaped here, every character is printed
    as it is; a newline starts a new line. Report modules never call Paragraph themselves.
    """
    return Paragraph(escape(cell_text(text)).replace("\n", "<br/>"), style)


def para(text: Scalar, style: ParagraphStyle = SMALL, room: float | None = None) -> Paragraph:
    """A wrapping cell: plain text (see `paragraph`), a newline in it starting a new line.
    Given the `room` for text (the column width less its padding), the font shrinks when a
    single word would not fit (see fitted_size)."""
    raw = cell_text(text)
    if room is not None:
        size = fitted_size(raw.split(), style.fontName, style.fontSize, room)
        if size < style.fontSize:
            scale = size / style.fontSize
            style = ParagraphStyle(
                f"{style.name}-{size:g}", parent=style, fontSize=size, leading=style.leading * scale
            )
    return paragraph(raw, style)


def kv_table(pairs: Sequence[tuple[str, Scalar]], width: float) -> Table:
    """Two-column label/value table for title-page facts."""
    label_width = 45 * mm
    room = width - label_width - 2 * KV_PADDING
    rows = [[para(name, SMALL), para(value, SMALL, room)] for name, value in pairs]
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

    Hashes are kept as plain strings, never wrapped, so a PDF text extractor finds them whole;
    one too long for its column is set smaller rather than run into the next column. Other
    cells wrap between words (a newline in a value starts a new line).
    """
    rooms = [w - 2 * DATA_PADDING for w in widths]
    body: list[list[object]] = [[para(h, SMALL, r) for h, r in zip(header, rooms, strict=True)]]
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d9e2ef")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), DATA_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), DATA_PADDING),
    ]
    style += [("FONT", (i, 1), (i, -1), MONO, MONO_SIZE) for i in sorted(mono)]
    for r, row in enumerate(rows, start=1):
        cells: list[object] = []
        for i, (value, room) in enumerate(zip(row, rooms, strict=True)):
            if i not in mono:
                cells.append(para(value, SMALL, room))
                continue
            text = cell_text(value)
            size = fitted_size([text], MONO, MONO_SIZE, room)
            if size < MONO_SIZE:
                style.append(("FONT", (i, r), (i, r), MONO, size))
            cells.append(text)
        body.append(cells)
    table = Table(body, colWidths=list(widths), repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def heading(text: str) -> Paragraph:
    """A section heading."""
    return paragraph(text, HEADING)


def body(text: str) -> Paragraph:
    """A body paragraph of plain text."""
    return paragraph(text, BODY)


def content_width(wide: bool = False) -> float:
    """Usable width of the page between margins."""
    size = landscape(A4) if wide else A4
    return float(size[0] - 2 * MARGIN)


def title_paragraph(text: str) -> Paragraph:
    """The report's title, as plain text."""
    return paragraph(text, TITLE)


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
