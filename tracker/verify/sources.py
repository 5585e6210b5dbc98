"""What verification compares the ledger with: the SQL read model and a report file.

Both are read once, up front, into plain frozen records, so the comparison itself is pure
and a follower writing meanwhile cannot change the rows half-way through a comparison.

A report file is recognised by its content, not its name: the shipment report as JSON or CSV,
and EPCIS 2.0 documents (of a shipment, a lot or a period) can be compared with the ledger.
The other files `tracker report` writes are refused with what they are: a PDF (its facts are
the JSON report's, laid out for reading), an XLSX, a lot recall trace and an FSMA 204 sheet.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tracker.reports.cells import restore
from tracker.reports.csv_report import CSV_FIELDS
from tracker.reports.fsma import FSMA_FIELDS
from tracker.reports.json_report import FORMAT_VERSION, REPORT_TYPE
from tracker.reports.recall import RECALL_FIELDS
from tracker.store.readmodel import BlockRow, CheckpointRow, ShipmentRow, TransactionRow

# Read-model columns derived from the ledger document: column → path in the document.
SHIPMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "gtin": ("product", "gtin"),
    "lot": ("product", "lot"),
    "status": ("status",),
    "custodian": ("custodian",),
    "producer": ("parties", "producer"),
    "carrier": ("parties", "carrier"),
    "retailer": ("parties", "retailer"),
    "verdict": ("cold_chain_state", "verdict"),
    "checkpoint_count": ("checkpoint_count",),
}
CHECKPOINT_COLUMNS: dict[str, tuple[str, ...]] = {
    "kind": ("kind",),
    "biz_step": ("biz_step",),
    "status": ("status",),
    "event_time": ("event_time",),
    "reporter_msp_id": ("reporter", "msp_id"),
    "reporter_role": ("reporter", "role"),
}
TX_COLUMNS: tuple[str, ...] = ("block_number", "tx_index", "validation_code", "creator_msp_id")
TX_COLUMNS += ("creator_id", "creator_role", "timestamp")
BLOCK_COLUMNS = ("header_hash", "previous_hash", "data_hash", "tx_count")


@dataclass(frozen=True)
class ValueRow:
    """A read-model shipment or checkpoint row: its document, ledger coordinates and columns."""

    document: str
    tx_id: str
    block_number: int
    committed_at: datetime
    columns: dict[str, Any]


@dataclass(frozen=True)
class ReadModel:
    """Every row of the read model that mirrors the ledger, keyed as the ledger keys it."""

    shipments: dict[str, ValueRow]
    checkpoints: dict[tuple[str, int], ValueRow]
    transactions: dict[str, dict[str, Any]]
    blocks: dict[int, dict[str, Any]]

    @property
    def last_block(self) -> int:
        """The newest block the follower applied (-1 for an empty read model)."""
        return max(self.blocks, default=-1)


def _columns(row: Any, names: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _read(session: Session) -> ReadModel:
    shipments = {
        r.sscc: ValueRow(
            r.document,
            r.last_tx_id,
            r.last_block,
            r.committed_at,
            _columns(r, SHIPMENT_COLUMNS),
        )
        for r in session.scalars(select(ShipmentRow))
    }
    checkpoints = {
        (r.sscc, r.seq): ValueRow(
            r.document,
            r.tx_id,
            r.block_number,
            r.committed_at,
            _columns(r, CHECKPOINT_COLUMNS),
        )
        for r in session.scalars(select(CheckpointRow))
    }
    transactions = {
        r.tx_id: _columns(r, TX_COLUMNS) for r in session.scalars(select(TransactionRow))
    }
    blocks = {r.number: _columns(r, BLOCK_COLUMNS) for r in session.scalars(select(BlockRow))}
    return ReadModel(shipments, checkpoints, transactions, blocks)


def load_read_model(sessions: sessionmaker[Session]) -> ReadModel:
    """All mirrored rows, read in one transaction so they belong to the same blocks."""
    with sessions() as session, session.begin():
        return _read(session)


SHIPMENT_JSON, SHIPMENT_CSV, EPCIS = "shipment JSON", "shipment CSV", "EPCIS document"
VERIFIABLE = (
    "it verifies shipment reports in JSON or CSV (`tracker report shipment SSCC --format json` "
    "or `--format csv`) and EPCIS 2.0 documents (`--format epcis`)"
)


class ReportFileError(ValueError):
    """A report file that cannot be compared with the ledger; `field` says why, for a Mismatch."""

    field = "file"

    def __init__(self, what: str) -> None:
        """`what` the file is, e.g. 'a PDF', 'JSON that does not parse (...)'."""
        super().__init__(what)
        self.what = what


class UnreadableReport(ReportFileError):
    """Looks like a verifiable report but does not parse: broken JSON, ragged CSV."""


class UnsupportedReport(ReportFileError):
    """A file verification does not read: PDF, XLSX, recall trace, FSMA sheet, other JSON."""

    field = "format"


@dataclass(frozen=True)
class ReportDocument:
    """A parsed report: its kind, and the JSON document or the CSV rows (text cells by column)."""

    kind: str
    content: Any

    @property
    def last_block(self) -> int | None:
        """The block the report was built at, when the report says (EPCIS does not)."""
        try:
            if self.kind == SHIPMENT_JSON:
                return int(self.content["source"]["last_block"])
            if self.kind == SHIPMENT_CSV:
                return int(self.content[0]["last_block"])
        except (KeyError, IndexError, TypeError, ValueError):
            pass
        return None


def _json_report(document: Any) -> ReportDocument:
    if not isinstance(document, dict):
        raise UnsupportedReport(f"JSON {type(document).__name__}, not a report object")
    if document.get("type") == "EPCISDocument":
        return ReportDocument(EPCIS, document)
    kind = document.get("report_type")
    if kind == REPORT_TYPE and document.get("format_version") == FORMAT_VERSION:
        return ReportDocument(SHIPMENT_JSON, document)
    if kind == REPORT_TYPE:
        version = json.dumps(document.get("format_version"))
        raise UnsupportedReport(f"a shipment report of format version {version}, not 1")
    if kind == "lot-recall-trace":
        raise UnsupportedReport("a lot recall trace (JSON)")
    raise UnsupportedReport(f"JSON of report_type {json.dumps(kind)}, not a tracker report")


def _csv_report(text: str) -> ReportDocument:
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise UnreadableReport(f"CSV that does not parse ({error})") from None
    header = tuple(rows[0]) if rows else ()
    if header == RECALL_FIELDS:
        raise UnsupportedReport("a lot recall trace (CSV)")
    if header == FSMA_FIELDS:
        raise UnsupportedReport("an FSMA 204 spreadsheet (CSV)")
    if header != CSV_FIELDS:
        raise UnsupportedReport("neither JSON nor a CSV with the shipment report's columns")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            what = f"line {number} has {len(row)} cells, the header {len(header)}"
            raise UnreadableReport(f"a shipment report CSV whose {what}")
    # The writer quoted text a spreadsheet would run as a formula (tracker/reports/cells.py):
    # compare the ledger's text, not the quoted form.
    return ReportDocument(
        SHIPMENT_CSV,
        [dict(zip(header, map(restore, row), strict=True)) for row in rows[1:]],
    )


def parse_report(raw: bytes) -> ReportDocument:
    """Recognise a report by its bytes; raises ReportFileError saying what it is otherwise."""
    if raw.startswith(b"%PDF"):
        raise UnsupportedReport("a PDF")
    if raw.startswith(b"PK\x03\x04"):
        raise UnsupportedReport("a ZIP file (an XLSX spreadsheet?)")
    try:
        text = raw.decode("utf-8-sig")  # a spreadsheet tool may have added a byte order mark
    except UnicodeDecodeError:
        raise UnsupportedReport("binary, not a text report") from None
    if not text.strip():
        raise UnreadableReport("empty")
    if text.lstrip().startswith(("{", "[")):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise UnreadableReport(f"JSON that does not parse ({error})") from None
        return _json_report(document)
    return _csv_report(text)


def load_report(path: str | Path) -> ReportDocument:
    """The report file, parsed; raises OSError or ReportFileError."""
    return parse_report(Path(path).read_bytes())
