"""What verification compares the ledger with: the SQL read model and a report file.

Both are read once, up front, into plain frozen records, so the comparison itself is pure
and a follower writing meanwhile cannot change the rows half-way through a comparison.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

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


def load_report(path: str | Path) -> Any:
    """The report JSON document (json_report.render_json output)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
