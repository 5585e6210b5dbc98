"""Where text lands on a rendered PDF page: each text run with its position and its width,
and the vertical rules (table column lines) drawn on the page.

pypdf's text extraction says what is written, not whether it fits: text running past its
table column is still extracted whole. This reads the page's content stream (the subset of
operators reportlab writes: q/Q, cm, BT/ET, Tm, Td, TD, T*, TL, Tf, Tj, TJ, m, l, S) and
measures each run with the standard fonts' metrics, so a test can see text crossing a column
line or overlapping other text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, cast

import pypdf
from pypdf.generic import ContentStream, DictionaryObject
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]  # no stubs


@dataclass(frozen=True)
class Run:
    """One shown string: left and right edge, baseline, font, size (points) and text."""

    page: int
    x0: float
    x1: float
    y: float
    font: str
    size: float
    text: str

    def overlaps(self, other: Run) -> bool:
        """True when the two runs' ink boxes (ascent 0.75, descent 0.2 of the size) intersect."""
        tolerance = 0.2  # points: rounding in the writer, never a visible overlap
        across = self.x0 < other.x1 - tolerance and other.x0 < self.x1 - tolerance
        low, high = self.y - 0.2 * self.size, self.y + 0.75 * self.size
        other_low, other_high = other.y - 0.2 * other.size, other.y + 0.75 * other.size
        return across and low < other_high - tolerance and other_low < high - tolerance


@dataclass(frozen=True)
class Rule:
    """A vertical line segment: a table's column line."""

    page: int
    x: float
    y0: float
    y1: float

    def crosses(self, run: Run) -> bool:
        """True when the run's text extends over this line (tolerance 0.2 pt)."""
        return (
            self.page == run.page
            and run.x0 + 0.2 < self.x < run.x1 - 0.2
            and self.y0 <= run.y <= self.y1
        )


def _decoded(value: Any) -> str:
    """A PDF string as the standard fonts' WinAnsi encoding reads it."""
    raw = getattr(value, "original_bytes", None)
    if raw is None:
        raw = bytes(value) if isinstance(value, bytes) else str(value).encode("cp1252", "replace")
    return bytes(raw).decode("cp1252", "replace")


def page_runs(pdf: bytes) -> list[Run]:
    """Every text run of every page (1-based page numbers)."""
    return layout(pdf)[0]


def layout(pdf: bytes) -> tuple[list[Run], list[Rule]]:
    """Every text run and every vertical rule of every page (1-based page numbers)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    runs: list[Run] = []
    rules: list[Rule] = []
    for number, page in enumerate(reader.pages, start=1):
        # pypdf types a dictionary's values as any PdfObject; reportlab writes dictionaries here.
        resources = cast(DictionaryObject, page["/Resources"])
        fonts = {
            str(name): str(cast(DictionaryObject, ref.get_object())["/BaseFont"]).lstrip("/")
            for name, ref in cast(DictionaryObject, resources["/Font"]).items()
        }
        walker = _Walker(number, fonts)
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            walker.step(op, operands)
        runs += walker.runs
        rules += walker.rules
    return [r for r in runs if r.text.strip()], rules


class _Walker:
    """The graphics and text state of one page while its operators are read in order."""

    def __init__(self, page: int, fonts: dict[str, str]) -> None:
        self.page, self.fonts = page, fonts
        self.runs: list[Run] = []
        self.rules: list[Rule] = []
        self.ctm = (0.0, 0.0)  # reportlab only translates around text and rules
        self.stack: list[tuple[float, float]] = []
        self.line = (0.0, 0.0)
        self.cursor, self.font, self.size, self.leading = 0.0, "Helvetica", 10.0, 0.0
        self.pen = (0.0, 0.0)
        self.segments: list[tuple[float, float, float]] = []

    def show(self, text: str) -> None:
        """A string drawn at the cursor, which moves past it."""
        width = stringWidth(text, self.font, self.size)
        x = self.ctm[0] + self.line[0] + self.cursor
        y = self.ctm[1] + self.line[1]
        self.runs.append(Run(self.page, x, x + width, y, self.font, self.size, text))
        self.cursor += width

    def point(self, operands: list[Any]) -> tuple[float, float]:
        """A path point in page coordinates."""
        return (self.ctm[0] + float(operands[0]), self.ctm[1] + float(operands[1]))

    def step(self, op: bytes, operands: list[Any]) -> None:
        """Apply one content-stream operator."""
        if op == b"q":
            self.stack.append(self.ctm)
        elif op == b"Q":
            self.ctm = self.stack.pop()
        elif op == b"cm":
            a, b, c, d, e, f = (float(v) for v in operands)
            if (a, b, c, d) == (1, 0, 0, 1):  # else an image's scaling: no text inside it
                self.ctm = (self.ctm[0] + e, self.ctm[1] + f)
        elif op == b"m":
            self.pen = self.point(operands)
        elif op == b"l":
            end = self.point(operands)
            if abs(end[0] - self.pen[0]) < 0.01:
                self.segments.append((end[0], min(self.pen[1], end[1]), max(self.pen[1], end[1])))
            self.pen = end
        elif op == b"S":
            self.rules += [Rule(self.page, x, y0, y1) for x, y0, y1 in self.segments]
            self.segments = []
        elif op == b"n":
            self.segments = []
        elif op == b"BT":
            self.line, self.cursor = (0.0, 0.0), 0.0
        elif op == b"Tm":
            self.line, self.cursor = (float(operands[4]), float(operands[5])), 0.0
        elif op in (b"Td", b"TD"):
            dx, dy = float(operands[0]), float(operands[1])
            self.line, self.cursor = (self.line[0] + dx, self.line[1] + dy), 0.0
            if op == b"TD":
                self.leading = -dy
        elif op == b"T*":
            self.line, self.cursor = (self.line[0], self.line[1] - self.leading), 0.0
        elif op == b"TL":
            self.leading = float(operands[0])
        elif op == b"Tf":
            self.font, self.size = self.fonts[str(operands[0])], float(operands[1])
        elif op == b"Tj":
            self.show(_decoded(operands[0]))
        elif op == b"TJ":
            for item in operands[0]:
                if isinstance(item, (int, float)):
                    self.cursor -= float(item) / 1000 * self.size
                else:
                    self.show(_decoded(item))


def crossing(runs: list[Run], rules: list[Rule]) -> list[tuple[Run, Rule]]:
    """Text runs that extend over a column line: clipped-looking text at a column edge."""
    return [(run, rule) for run in runs for rule in rules if rule.crosses(run)]


def overlapping(runs: list[Run]) -> list[tuple[Run, Run]]:
    """Pairs of runs on the same page whose text overlaps (one ran into the other)."""
    pairs = []
    for i, run in enumerate(runs):
        for other in runs[i + 1 :]:
            if run.page == other.page and run.overlaps(other):
                pairs.append((run, other))
    return pairs


def words(runs: list[Run], page: int | None = None) -> set[str]:
    """The whitespace-separated words of the runs (of one page): each run is one line of one
    cell, so a word broken across two lines shows up as two fragments, not as the word."""
    return {w for r in runs if page is None or r.page == page for w in r.text.split()}
