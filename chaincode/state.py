"""Ledger access: the only module that talks to the Fabric stub.

Key layout (all composite keys, so they never collide with each other):
  shipment           [sscc]                    -> Shipment JSON
  checkpoint         [sscc, seq (6 digits)]    -> Checkpoint JSON, in order
  scan               [msp, client_scan_id]     -> ScanRecord JSON (idempotency)
  status~sscc        [status, sscc]            -> sscc (ListShipments by status)
  party~status~sscc  [msp, status, sscc]       -> sscc (ListShipments by party)
  agreement          [sscc]                    -> Agreement JSON
  settlement         [sscc]                    -> Settlement JSON
  party~settlement   [msp, sscc]               -> sscc (GetBalances; seller and buyer)
  dispute            [sscc, dispute_id]        -> Dispute JSON
  dispute~refund     [sscc, dispute_id]        -> {dispute_id, refund_minor} (agreed before
                                                  settlement; what a settlement reads)
  certificate        [sha256]                  -> RegisteredCertificate JSON
  lot~certificate    [gtin, lot, sha256]       -> sha256 (certificates of a lot)
  sscc~certificate   [sscc, sha256]            -> sha256 (certificates of one shipment)
Index values are the SSCC rather than empty bytes because Fabric treats an
empty value written by PutState as a delete.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import records
from chaincode.errors import invalid_argument, not_found, state_error
from chaincode.events import Event
from records import Checkpoint, Shipment, canonical_json, format_instant
from records.keys import CHECKPOINT, SEQ_DIGITS, SHIPMENT

SCAN = "scan"
STATUS_INDEX = "status~sscc"
PARTY_INDEX = "party~status~sscc"
# Fabric's convention for the end of a partial-composite-key range (utf8.MaxRune).
_RANGE_END = "\U0010ffff"
PARTY_SETTLEMENT = "party~settlement"
# A refund agreed before settlement, apart from the dispute so that anchoring a conversation
# (which rewrites the dispute) never conflicts with a delivery that settles.
DISPUTE_REFUND = "dispute~refund"
LOT_CERTIFICATE = "lot~certificate"
SSCC_CERTIFICATE = "sscc~certificate"
T = TypeVar("T")


@dataclass(frozen=True)
class ScanRecord:
    """What a client scan id produced: transaction, request digest and result."""

    transaction: str
    request_sha256: str
    result: str
    tx_id: str


@dataclass(frozen=True)
class Page:
    """One page of an index query: SSCCs in key order and the next bookmark."""

    ssccs: list[str]
    bookmark: str


def from_json(cls: type[T], raw: bytes | str, path: str = "record") -> T:
    """A stored record, decoded by `records`; corrupt data is a STATE_ERROR."""
    try:
        return records.from_json(cls, raw, path)
    except records.RecordError as exc:
        raise state_error(str(exc)) from None


def _timestamp_iso(stamp: Any) -> str:
    """Render a protobuf Timestamp (seconds + nanos) as ISO-8601 UTC."""
    moment = datetime.fromtimestamp(stamp.seconds, tz=UTC)
    return format_instant(moment + timedelta(microseconds=stamp.nanos // 1000))


class Ledger:
    """Typed reads and writes over one transaction's stub."""

    def __init__(self, stub: Any) -> None:
        self._stub = stub

    # -- transaction facts -------------------------------------------------

    def function_and_args(self) -> tuple[str, list[str]]:
        """Transaction name and its string arguments."""
        try:
            function, params = self._stub.get_function_and_parameters()
        except Exception:
            return "", []
        return str(function), [str(param) for param in params]

    def tx_id(self) -> str:
        """The transaction id."""
        return str(self._stub.get_txid())

    def tx_time(self) -> str:
        """Proposal timestamp from the channel header: the only clock chaincode may use."""
        stamp = self._stub.get_tx_timestamp()
        if stamp is None:
            raise state_error("the proposal carries no timestamp")
        return _timestamp_iso(stamp)

    def creator(self) -> dict[str, Any]:
        """The decoded creator (``mspid``, ``idBytes``) of the proposal."""
        creator = self._stub.get_creator()
        return creator if isinstance(creator, dict) else {}

    def emit(self, event: Event) -> None:
        """Attach the transaction's chaincode event (Fabric keeps one per tx)."""
        self._stub.set_event(event.name, event.payload.encode())

    # -- keys ----------------------------------------------------------------

    def _key(self, object_type: str, attributes: list[str]) -> str:
        """Composite key built by the stub (U+0000 separated)."""
        return str(self._stub.create_composite_key(object_type, attributes))

    def shipment_key(self, sscc: str) -> str:
        """Ledger key of a shipment record."""
        return self._key(SHIPMENT, [sscc])

    # -- shipments -----------------------------------------------------------

    async def _get(self, key: str) -> bytes:
        """Raw value of ``key``; empty bytes when absent."""
        value = await self._stub.get_state(key)
        return bytes(value or b"")

    async def get_shipment(self, sscc: str) -> Shipment | None:
        """The shipment, or None when the SSCC is unknown."""
        raw = await self._get(self.shipment_key(sscc))
        return from_json(Shipment, raw, "shipment") if raw else None

    async def require_shipment(self, sscc: str) -> Shipment:
        """The shipment, or SHIPMENT_NOT_FOUND."""
        shipment = await self.get_shipment(sscc)
        if shipment is None:
            raise not_found(sscc)
        return shipment

    async def save_shipment(self, shipment: Shipment, previous: Shipment | None) -> None:
        """Write the shipment and move its index entries when the status changed."""
        await self._stub.put_state(self.shipment_key(shipment.sscc), canonical_json(shipment))
        if previous is not None and previous.status == shipment.status:
            return
        if previous is not None:
            for key in self._index_keys(previous):
                await self._stub.delete_state(key)
        for key in self._index_keys(shipment):
            await self._stub.put_state(key, shipment.sscc)

    def _index_keys(self, shipment: Shipment) -> list[str]:
        """Index entries for a shipment's current status (one per distinct party)."""
        keys = [self._key(STATUS_INDEX, [shipment.status, shipment.sscc])]
        for msp_id in sorted(shipment.parties.members()):
            keys.append(self._key(PARTY_INDEX, [msp_id, shipment.status, shipment.sscc]))
        return keys

    # -- checkpoints ---------------------------------------------------------

    async def put_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Write a checkpoint under its zero-padded sequence number."""
        key = self._key(CHECKPOINT, [checkpoint.sscc, f"{checkpoint.seq:0{SEQ_DIGITS}d}"])
        await self._stub.put_state(key, canonical_json(checkpoint))

    async def checkpoints(self, sscc: str) -> list[Checkpoint]:
        """All checkpoints of a shipment in sequence order (zero padding sorts them)."""
        prefix = self._key(CHECKPOINT, [sscc])
        iterator = await self._stub.get_state_by_range(prefix, prefix + _RANGE_END)
        return [from_json(Checkpoint, kv.value, "checkpoint") async for kv in iterator]

    # -- idempotency ---------------------------------------------------------

    async def get_scan(self, msp_id: str, scan_id: str) -> ScanRecord | None:
        """The record of an earlier use of this client scan id by this MSP."""
        raw = await self._get(self._key(SCAN, [msp_id, scan_id]))
        return from_json(ScanRecord, raw, "scan record") if raw else None

    async def put_scan(self, msp_id: str, scan_id: str, record: ScanRecord) -> None:
        """Remember a scan id's result so a retry can return it unchanged."""
        await self._stub.put_state(self._key(SCAN, [msp_id, scan_id]), canonical_json(record))

    # -- agreements, disputes, certificates ------------------------------------

    async def get_record(self, cls: type[T], object_type: str, attributes: list[str]) -> T | None:
        """The record stored under a composite key, or None when absent."""
        raw = await self._get(self._key(object_type, attributes))
        return from_json(cls, raw, object_type) if raw else None

    async def put_record(self, object_type: str, attributes: list[str], record: Any) -> None:
        """Write a record (canonical JSON) under a composite key."""
        await self._stub.put_state(self._key(object_type, attributes), canonical_json(record))

    async def put_index(self, object_type: str, attributes: list[str], value: str) -> None:
        """Write an index entry; its value is the id it points to (never empty)."""
        await self._stub.put_state(self._key(object_type, attributes), value)

    async def records(self, cls: type[T], object_type: str, prefix: list[str]) -> list[T]:
        """Every record under a partial composite key, in key order."""
        start = self._key(object_type, prefix)
        iterator = await self._stub.get_state_by_range(start, start + _RANGE_END)
        return [from_json(cls, kv.value, object_type) async for kv in iterator]

    async def index_values(self, object_type: str, prefix: list[str]) -> list[str]:
        """The values of the index entries under a partial composite key, in key order."""
        start = self._key(object_type, prefix)
        iterator = await self._stub.get_state_by_range(start, start + _RANGE_END)
        return [bytes(kv.value).decode() async for kv in iterator]

    # -- queries -------------------------------------------------------------

    async def history(self, sscc: str) -> list[dict[str, Any]]:
        """Every committed version of the shipment record, oldest first."""
        iterator = await self._stub.get_history_for_key(self.shipment_key(sscc))
        entries = []
        async for mod in iterator:
            value = None if mod.is_delete or not mod.value else from_json(Shipment, mod.value)
            entries.append(
                {
                    "tx_id": mod.tx_id,
                    "timestamp": _timestamp_iso(mod.timestamp),
                    "is_delete": bool(mod.is_delete),
                    "shipment": value,
                }
            )
        return entries

    async def index_page(
        self, by_party: str | None, status: str | None, page_size: int, bookmark: str
    ) -> Page:
        """One page of SSCCs from the party or status index, resuming at ``bookmark``.

        The bookmark is the (base64url) key of the first entry of the next page.
        A plain range query from that key is used instead of the library's
        paginated query because fabric-chaincode-python 2.5.4's iterators drop
        the peer's QueryResponseMetadata, i.e. the bookmark it would return.
        """
        if by_party is not None:
            attrs = [by_party] if status is None else [by_party, status]
            prefix = self._key(PARTY_INDEX, attrs)
        else:
            prefix = self._key(STATUS_INDEX, [status or ""])
        start = _decode_bookmark(bookmark, prefix) if bookmark else prefix
        iterator = await self._stub.get_state_by_range(start, prefix + _RANGE_END)
        ssccs: list[str] = []
        next_key = ""
        async for kv in iterator:
            if len(ssccs) == page_size:
                next_key = kv.key
                break
            ssccs.append(bytes(kv.value).decode())
        await iterator.aclose()
        return Page(ssccs=ssccs, bookmark=_encode_bookmark(next_key) if next_key else "")


def _encode_bookmark(key: str) -> str:
    """Opaque, JSON-friendly form of a ledger key (keys contain U+0000)."""
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _decode_bookmark(bookmark: str, prefix: str) -> str:
    """Ledger key from a bookmark; it must belong to the same query."""
    try:
        padded = bookmark + "=" * (-len(bookmark) % 4)
        key = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_argument("bookmark", "is not a bookmark from this query") from None
    if not key.startswith(prefix):
        raise invalid_argument("bookmark", "is not a bookmark from this query")
    return key
