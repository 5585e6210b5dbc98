"""Compares the world state rebuilt from the blocks with the SQL read model, field by field.

Documents are compared after canonicalising both sides' JSON (sorted keys, compact), and a
difference is named by its path in the document (e.g. `temperature.max_c`), not just as
"document differs". Ledger coordinates (tx id, block number, commit time), the columns the
read model derives from documents, transactions and block headers are compared too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from records import canonical_json
from tracker.ledger.identity import signatory
from tracker.verify.chain import BlockFacts, LedgerEntry, TxFacts, WorldState
from tracker.verify.sources import (
    CHECKPOINT_COLUMNS,
    SHIPMENT_COLUMNS,
    ReadModel,
    ValueRow,
)

ABSENT = "(absent)"
_MISSING = object()  # a key one side of a JSON diff lacks
SHOW_LIMIT = 120


@dataclass(frozen=True)
class Mismatch:
    """One difference: where (which record), which field, the ledger's value and the other's."""

    where: str
    field: str
    ledger: str
    other: str


def show(value: Any) -> str:
    """A short, unambiguous text for a value in a mismatch."""
    if value is _MISSING:
        return ABSENT
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, datetime):
        return value.isoformat()
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= SHOW_LIMIT else text[: SHOW_LIMIT - 1] + "…"


def json_diff(ledger: Any, other: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, ledger value, other value) for every leaf where two JSON values differ."""
    if isinstance(ledger, dict) and isinstance(other, dict):
        for key in sorted(set(ledger) | set(other)):
            sub = f"{path}.{key}" if path else str(key)
            yield from json_diff(ledger.get(key, _MISSING), other.get(key, _MISSING), sub)
    elif isinstance(ledger, list) and isinstance(other, list) and len(ledger) == len(other):
        for i, (mine, theirs) in enumerate(zip(ledger, other, strict=True)):
            yield from json_diff(mine, theirs, f"{path}[{i}]")
    elif not same(ledger, other):
        yield path or "(document)", ledger, other


def same(a: Any, b: Any) -> bool:
    """JSON equality where 1 == 1.0 (one number type in JSON) but true != 1."""
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def diff_documents(where: str, ledger: bytes, other: str) -> list[Mismatch]:
    """Mismatches between a ledger value and a stored copy, both canonicalised first."""
    mine = json.loads(ledger)
    try:
        theirs = json.loads(other)
    except json.JSONDecodeError:
        return [Mismatch(where, "document", "JSON", "not JSON")]
    if canonical_json(mine) == canonical_json(theirs):
        return []
    return [Mismatch(where, p, show(a), show(b)) for p, a, b in json_diff(mine, theirs)]


def dig(document: Any, path: tuple[str, ...]) -> Any:
    """The value at a key path of a JSON document, or the missing marker."""
    for key in path:
        if not isinstance(document, dict) or key not in document:
            return _MISSING
        document = document[key]
    return document


def _row(
    where: str, entry: LedgerEntry, row: ValueRow, columns: Mapping[str, tuple[str, ...]], tx: Any
) -> list[Mismatch]:
    found = diff_documents(where, entry.value, row.document)
    pairs: list[tuple[str, Any, Any]] = [
        ("tx_id", entry.tx_id, row.tx_id),
        ("block_number", entry.block_number, row.block_number),
    ]
    if tx is not None:
        pairs.append(("committed_at", tx.timestamp, row.committed_at))
    document = json.loads(entry.value)
    pairs += [
        (f"{name} column", dig(document, path), row.columns[name]) for name, path in columns.items()
    ]
    found += [Mismatch(where, f, show(a), show(b)) for f, a, b in pairs if a != b]
    return found


def _keyed(
    label: str,
    ledger: Mapping[Any, Any],
    other: Mapping[Any, Any],
) -> Iterator[tuple[str, Any, Any]]:
    """(where, ledger item, other item) over both key sets; None where a side lacks the key."""
    for key in sorted(set(ledger) | set(other), key=str):
        name = f"{label} {key[0]} #{key[1]}" if isinstance(key, tuple) else f"{label} {key}"
        yield name, ledger.get(key), other.get(key)


def _presence(where: str, mine: Any, theirs: Any) -> Mismatch | None:
    if mine is None:
        return Mismatch(where, "row", ABSENT, "present")
    if theirs is None:
        return Mismatch(where, "row", "present", ABSENT)
    return None


def compare_values(
    state: WorldState, transactions: Mapping[str, TxFacts], model: ReadModel
) -> list[Mismatch]:
    """Shipment and checkpoint rows against the rebuilt world state."""
    found: list[Mismatch] = []
    tables = (
        ("shipment", state.shipments, model.shipments, SHIPMENT_COLUMNS),
        ("checkpoint", state.checkpoints, model.checkpoints, CHECKPOINT_COLUMNS),
    )
    for label, ledger, rows, columns in tables:
        for where, entry, row in _keyed(label, ledger, rows):
            missing = _presence(where, entry, row)
            if missing is not None:
                found.append(missing)
            else:
                found += _row(where, entry, row, columns, transactions.get(entry.tx_id))
    return found


def _tx_expected(tx: TxFacts) -> dict[str, Any]:
    who = signatory(tx.creator_cert_pem)
    return {
        "block_number": tx.block_number,
        "tx_index": tx.index,
        "validation_code": tx.validation_code,
        "creator_msp_id": tx.creator_msp_id,
        "creator_id": who.enrollment_id,
        "creator_role": who.role,
        "timestamp": tx.timestamp,
    }


def _fields(where: str, expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[Mismatch]:
    return [
        Mismatch(where, name, show(value), show(actual.get(name, _MISSING)))
        for name, value in expected.items()
        if actual.get(name, _MISSING) != value
    ]


def compare_ledger_rows(
    blocks: list[BlockFacts], transactions: Mapping[str, TxFacts], model: ReadModel
) -> list[Mismatch]:
    """Block headers and transaction rows against the chain (up to the read model's height)."""
    found: list[Mismatch] = []
    by_number = {b.number: b for b in blocks}
    for where, block, row in _keyed("block", by_number, model.blocks):
        missing = _presence(where, block, row)
        if missing is not None:
            found.append(missing)
            continue
        expected = {
            "header_hash": block.header_hash,
            "previous_hash": block.previous_hash,
            "data_hash": block.data_hash,
            "tx_count": block.tx_count,
        }
        found += _fields(where, expected, row)
    for where, tx, row in _keyed("tx", transactions, model.transactions):
        missing = _presence(where, tx, row)
        found += [missing] if missing is not None else _fields(where, _tx_expected(tx), row)
    return found


def compare_read_model(
    state: WorldState,
    blocks: list[BlockFacts],
    transactions: Mapping[str, TxFacts],
    model: ReadModel,
) -> list[Mismatch]:
    """Every mismatch between the chain (as of the read model's last block) and the read model."""
    height = model.last_block
    blocks = [b for b in blocks if b.number <= height]
    transactions = {k: t for k, t in transactions.items() if t.block_number <= height}
    return compare_ledger_rows(blocks, transactions, model) + compare_values(
        state, transactions, model
    )
