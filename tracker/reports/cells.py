"""Report values as spreadsheet cells: the one place every CSV and XLSX writer gets them from.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (some also a tab or a
carriage return) as a formula, so free text on the ledger (a product description
`=HYPERLINK(...)`, a place named `=cmd|'/C calc'!A0`, a lot code, which GS1 lets start with
`+`, `-` or `=`) would be live in the spreadsheet a recipient opens (CSV/formula injection).
Such text is written with a leading single quote, as the OWASP guidance on CSV injection
advises; spreadsheet programs then show it as text. Numbers (a negative temperature or
coordinate) stay numbers: only text values are neutralised.

The quote is reversible, so a reader that knows it (`tracker verify --report`, see
`restore`) gets the ledger's exact text back: text that already starts with quotes before
one of those characters gets one more quote, and `restore` takes exactly one away.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tracker.reports.facts import Scalar, cell_text

# OWASP's list of characters that start a formula (or a DDE call) in a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISE = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(text: str) -> str:
    """`text`, with a leading single quote if a spreadsheet would read it as a formula."""
    return "'" + text if _NEUTRALISE.match(text) else text


def restore(text: str) -> str:
    """The text `neutralise` was given (the inverse: a CSV cell back to the ledger's text)."""
    return text[1:] if _NEUTRALISED.match(text) else text


def spreadsheet_text(value: Scalar) -> str:
    """A value as a CSV cell: `cell_text`, text values neutralised, numbers as written."""
    text = cell_text(value)
    return neutralise(text) if isinstance(value, str) else text


def append_xlsx_row(sheet: Any, values: Sequence[Scalar]) -> None:
    """Append a row to an openpyxl sheet: numbers as numbers, text as (neutralised) string
    cells, never formulas, whatever the text starts with."""
    cells = [neutralise(v) if isinstance(v, str) else v for v in values]
    sheet.append(cells)
    for cell, value in zip(sheet[sheet.max_row], cells, strict=False):
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl types any text starting with "=" as a formula
