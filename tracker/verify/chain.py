"""Walks a channel's blocks from block 0: hash links, signatures, flags, and the world state.

The walk trusts nothing but block 0's configuration (the channel's trust anchor): every
later block must link to the one before, hash to its own data, carry the signatures of the
ordering service the configuration in force names (block_signatures.py), and every VALID
transaction must be signed by a channel member and endorsed by members. The provenance chaincode's
`shipment` and `checkpoint` values, and the delivery terms' `agreement`, `settlement`, `dispute` and
`certificate` values, are rebuilt from the writes of VALID transactions only.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fabric_protos.common import common_pb2

from records import keys
from tracker.ledger.blocks import (
    BlockDecodeError,
    DecodedTransaction,
    block_data_hash,
    block_header_hash,
    decode_block,
)
from tracker.verify.block_signatures import check_block_signatures
from tracker.verify.channel import ChannelConfigError, ChannelMembers, members_of_envelope
from tracker.verify.signatures import check_creator, check_endorsement

SHIPMENT, CHECKPOINT = keys.SHIPMENT, keys.CHECKPOINT
# The delivery terms' records (issue 17), by key attributes: agreement [sscc], settlement
# [sscc], dispute [sscc, dispute_id], certificate [sha256].
TERMS_KEYS = {keys.AGREEMENT: 1, keys.SETTLEMENT: 1, keys.DISPUTE: 2, keys.CERTIFICATE: 1}
VALID = "VALID"


@dataclass(frozen=True)
class Failure:
    """Something in the chain itself that is wrong: where, and what."""

    where: str
    what: str


@dataclass(frozen=True)
class LedgerEntry:
    """A key's current value and the transaction and block that last wrote it."""

    key: str
    value: bytes
    tx_id: str
    block_number: int


@dataclass(frozen=True)
class TxFacts:
    """One transaction as committed: position, flag, creator and timestamp."""

    tx_id: str
    block_number: int
    index: int
    validation_code: str
    creator_msp_id: str
    creator_cert_pem: bytes
    timestamp: datetime


@dataclass(frozen=True)
class BlockFacts:
    """A block's header as received, with the header hash recomputed."""

    number: int
    header_hash: bytes
    previous_hash: bytes
    data_hash: bytes
    tx_count: int


@dataclass(frozen=True)
class WorldState:
    """The chaincode's shipments (by SSCC) and checkpoints (by SSCC and seq) after a block."""

    last_block: int
    shipments: dict[str, LedgerEntry]
    checkpoints: dict[tuple[str, int], LedgerEntry]
    # TERMS_KEYS' records: object type -> key attributes -> entry.
    terms: dict[str, dict[tuple[str, ...], LedgerEntry]] = field(default_factory=dict)

    def records(self, kind: str) -> dict[tuple[str, ...], LedgerEntry]:
        """The TERMS_KEYS records of one object type (empty when there are none)."""
        return self.terms.get(kind, {})


def split_key(key: str) -> tuple[str, list[str]] | None:
    """(object type, attributes) of a composite key; None for a simple or malformed key."""
    try:
        return keys.split_composite_key(key)
    except keys.MalformedKey:
        return None


def tx_label(tx_id: str, block: int, index: int) -> str:
    """How failures name a transaction."""
    return f"tx {tx_id} (block {block} #{index})"


class ChainWalk:
    """Feed raw blocks in order with `add`; read counts, failures and state afterwards."""

    def __init__(
        self, *, chaincode: str = "provenance", snapshot_after: frozenset[int] = frozenset()
    ) -> None:
        """Which chaincode namespace to rebuild, and after which blocks to keep a snapshot."""
        self.chaincode = chaincode
        self.channel: str | None = None
        self.members = ChannelMembers({}, -1)
        self.failures: list[Failure] = []
        self.blocks: list[BlockFacts] = []
        self.transactions: dict[str, TxFacts] = {}
        self.invalid: Counter[str] = Counter()
        self.valid = 0
        self.signatures_checked = 0
        self.block_signatures_checked = 0
        self.orderer_rules: list[str] = []  # each rule block signatures were held to, in order
        self._newest: datetime | None = None
        self.snapshots: dict[int, WorldState] = {}
        self._snapshot_after = snapshot_after
        self._shipments: dict[str, LedgerEntry] = {}
        self._checkpoints: dict[tuple[str, int], LedgerEntry] = {}
        self._terms: dict[str, dict[tuple[str, ...], LedgerEntry]] = {k: {} for k in TERMS_KEYS}
        self._valid_ids: set[str] = set()

    @property
    def transaction_count(self) -> int:
        """Transactions seen, valid or not."""
        return self.valid + sum(self.invalid.values())

    def state(self) -> WorldState:
        """The state after the last block added (copied, so later blocks do not change it)."""
        last = self.blocks[-1].number if self.blocks else -1
        terms = {kind: dict(table) for kind, table in self._terms.items()}
        return WorldState(last, dict(self._shipments), dict(self._checkpoints), terms)

    def _fail(self, where: str, what: str) -> None:
        self.failures.append(Failure(where, what))

    def add(self, raw: Any) -> None:
        """Check one raw common.Block and apply its valid writes."""
        number = int(raw.header.number)
        where = f"block {number}"
        expected = len(self.blocks)
        if number != expected:
            self._fail(where, f"out of order: expected block {expected}")
        self._check_links(raw, where)
        self._check_flags(raw, where)
        try:
            decoded = decode_block(raw).transactions
        except BlockDecodeError as error:
            self._fail(where, f"cannot be decoded, its writes are not applied: {error}")
            decoded = ()
        # Before the block's own transactions: a config block is signed under the old config.
        self._check_orderer(raw, number, decoded)
        for tx in decoded:
            self._transaction(number, tx)
        self.blocks.append(
            BlockFacts(
                number=number,
                header_hash=block_header_hash(raw.header),
                previous_hash=bytes(raw.header.previous_hash),
                data_hash=bytes(raw.header.data_hash),
                tx_count=len(raw.data.data),
            )
        )
        if number in self._snapshot_after:
            self.snapshots[number] = self.state()

    def _check_links(self, raw: Any, where: str) -> None:
        if self.blocks and bytes(raw.header.previous_hash) != self.blocks[-1].header_hash:
            before = self.blocks[-1].number
            self._fail(where, f"previous_hash is not the header hash of block {before}")
        if bytes(raw.header.data_hash) != block_data_hash(raw.data):
            self._fail(where, "data_hash is not the hash of the block's transactions")

    def _check_orderer(
        self, raw: Any, number: int, decoded: tuple[DecodedTransaction, ...]
    ) -> None:
        # A block is cut after the transactions it holds: their newest timestamp dates it. Only
        # its own: a client-chosen far-future timestamp must not make every later block look
        # signed after its orderer's certificate expired. A block with no timestamp set (an
        # unsigned config transaction has none) keeps the date of the block before it.
        stamps = [tx.timestamp for tx in decoded if tx.timestamp.timestamp() > 0]
        self._newest = max(stamps, default=self._newest)
        if number == 0:
            return  # the genesis block is written unsigned by configtxgen: pin it instead
        where = f"block {number}"
        if self.channel is None:
            self._fail(where, "orderer signatures unchecked: no channel configuration before it")
            return
        checked = check_block_signatures(raw, self.members, self._newest)
        self.block_signatures_checked += checked.checked
        rule = self.members.ordering.rule()
        if rule not in self.orderer_rules:
            self.orderer_rules.append(rule)
        for problem in checked.problems:
            self._fail(where, problem)

    def _check_flags(self, raw: Any, where: str) -> None:
        metadata = raw.metadata.metadata
        index = common_pb2.TRANSACTIONS_FILTER
        flags = bytes(metadata[index]) if len(metadata) > index else b""
        if len(flags) != len(raw.data.data):
            self._fail(
                where, f"{len(flags)} validation flags for {len(raw.data.data)} transactions"
            )

    def _transaction(self, number: int, tx: DecodedTransaction) -> None:
        where = tx_label(tx.tx_id, number, tx.index)
        if tx.is_valid:
            self.valid += 1
        else:
            self.invalid[tx.validation_code] += 1
        self.transactions.setdefault(
            tx.tx_id,
            TxFacts(
                tx.tx_id,
                number,
                tx.index,
                tx.validation_code,
                tx.creator_msp_id,
                tx.creator_cert_pem,
                tx.timestamp,
            ),
        )
        if tx.header_type == common_pb2.CONFIG:
            if tx.is_valid:
                self._config(number, tx, where)
            return
        problems = (
            self._endorser_tx(tx) if tx.header_type == common_pb2.ENDORSER_TRANSACTION else []
        )
        if not tx.is_valid:
            return  # the committer rejected it; its writes never took effect
        for problem in problems:
            self._fail(where, f"marked VALID but {problem}")
        if tx.tx_id in self._valid_ids:
            self._fail(where, "marked VALID but its tx id was already committed")
        self._valid_ids.add(tx.tx_id)
        self._apply(number, tx, where)

    def _config(self, number: int, tx: DecodedTransaction, where: str) -> None:
        if number > 0:
            # A config block after the genesis block is signed by an orderer of the old config.
            self.signatures_checked += 1
            problem = check_creator(tx, self.members)
            if problem is not None:
                self._fail(where, f"config transaction signature: {problem}")
        try:
            self.members = members_of_envelope(tx)
        except ChannelConfigError as error:
            self._fail(where, f"channel configuration unreadable: {error}")
        self.channel = self.channel or tx.channel_id

    def _endorser_tx(self, tx: DecodedTransaction) -> list[str]:
        if self.channel is None:
            return ["no CONFIG block precedes it, so no member is trusted"]
        problems: list[str] = []
        if tx.channel_id != self.channel:
            problems.append(f"it is for channel {tx.channel_id!r}, not {self.channel!r}")
        if hashlib.sha256(tx.nonce + tx.creator).hexdigest() != tx.tx_id:
            problems.append("its tx id is not SHA-256(nonce || creator)")
        self.signatures_checked += 1 + len(tx.endorsements)
        creator = check_creator(tx, self.members)
        if creator is not None:
            problems.append(f"creator: {creator}")
        if not tx.endorsements:
            problems.append("it carries no endorsement")
        for i, endorsement in enumerate(tx.endorsements):
            problem = check_endorsement(endorsement, self.members, tx.timestamp)
            if problem is not None:
                problems.append(f"endorsement {i}: {problem}")
        return problems

    def _apply(self, number: int, tx: DecodedTransaction, where: str) -> None:
        for write in tx.writes:
            parsed = split_key(write.key) if write.namespace == self.chaincode else None
            if parsed is None or parsed[0] not in (SHIPMENT, CHECKPOINT, *TERMS_KEYS):
                continue  # other namespaces, indexes and scan records are not compared
            kind, attrs = parsed
            entry = LedgerEntry(write.key, write.value, tx.tx_id, number)
            if kind in TERMS_KEYS and len(attrs) == TERMS_KEYS[kind]:
                self._put(self._terms[kind], tuple(attrs), entry, write.is_delete)
            elif kind == SHIPMENT and len(attrs) == 1:
                self._put(self._shipments, attrs[0], entry, write.is_delete)
            elif kind == CHECKPOINT and len(attrs) == 2 and attrs[1].isdigit():
                self._put(self._checkpoints, (attrs[0], int(attrs[1])), entry, write.is_delete)
            else:
                self._fail(where, f"writes a malformed {kind} key {write.key!r}")

    @staticmethod
    def _put(table: dict[Any, LedgerEntry], key: Any, entry: LedgerEntry, delete: bool) -> None:
        if delete:
            table.pop(key, None)
        else:
            table[key] = entry
