"""The scan journal: every write the API acknowledged, and the durable pending-scan queue.

A scan is acknowledged only once committed, or once its row is committed here in state
`pending` (202). The retry loop submits pending rows in order with the same client scan id,
so a resend after an unclear outcome (timeout after submit) is answered by the chaincode's
idempotency record and never writes twice. (msp_id, client_scan_id) is unique: the same
scan sent twice while the ledger is down is queued once.

A pending row is settled `rejected` only on a refusal no retry can cure, as
`LedgerError.retriable` says (the chaincode's coded refusal, a refusal of the signer, a
transaction committed invalid); on anything else it stays pending, in its place, and the loop
waits longer after each round the ledger did not take it (doubling from the interval up to
BACKOFF_CAP_S).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from records import parse_instant
from tracker.ledger.errors import ChaincodeError, LedgerError
from tracker.ledger.facade_values import PreparedWrite, WriteKind
from tracker.store import evidence
from tracker.store.columns import utcnow
from tracker.store.db import transaction
from tracker.store.evidence import Upload
from tracker.store.staff import ScanJournalRow

log = logging.getLogger(__name__)

PENDING, COMMITTED, REJECTED = "pending", "committed", "rejected"
# Longest pause between rounds while the ledger keeps not taking the head of the queue (unless
# the configured interval is longer): an outage of other organisations' peers can last hours,
# and once it ends the queue moves within this long.
BACKOFF_CAP_S = 60.0


@dataclass(frozen=True)
class JournalEntry:
    """A frozen journal row."""

    id: int
    msp_id: str
    client_scan_id: str
    staff_id: int
    state: str
    attempts: int
    prepared: PreparedWrite
    answer: dict[str, Any] | None

    @classmethod
    def of(cls, row: ScanJournalRow) -> JournalEntry:
        """Freeze a row."""
        prepared = PreparedWrite(WriteKind(row.kind), row.sscc, row.client_scan_id, row.argument)
        answer = json.loads(row.answer) if row.answer else None
        return cls(
            row.id, row.msp_id, row.client_scan_id, row.staff_id, row.state, row.attempts,
            prepared, answer,
        )  # fmt: skip


def _row(session: Session, msp_id: str, scan_id: str) -> ScanJournalRow | None:
    query = select(ScanJournalRow).where(
        ScanJournalRow.msp_id == msp_id, ScanJournalRow.client_scan_id == scan_id
    )
    return session.scalars(query).one_or_none()


def find(sessions: sessionmaker[Session], msp_id: str, scan_id: str) -> JournalEntry | None:
    """The journal entry of a scan id, if this tracker has seen it."""
    with sessions() as session:
        row = _row(session, msp_id, scan_id)
        return None if row is None else JournalEntry.of(row)


def first_event_time(
    sessions: sessionmaker[Session], msp_id: str, prepared: PreparedWrite
) -> datetime | None:
    """The event time of the write this journal holds under `prepared`'s scan id, when it is
    the same kind of write on the same shipment (else None). A request sent without
    `event_time` gets the server's clock; its resend must carry the first send's, or it would
    be another request under the same scan id (SCAN_ID_CONFLICT)."""
    found = find(sessions, msp_id, prepared.client_scan_id)
    if found is None:
        return None
    if found.prepared.kind != prepared.kind or found.prepared.sscc != prepared.sscc:
        return None
    try:
        recorded = json.loads(found.prepared.argument).get("event_time")
    except ValueError:  # an argument this tracker wrote is JSON; be safe all the same
        return None
    if not isinstance(recorded, str):
        return None
    try:
        return parse_instant(recorded, "event_time")
    except ValueError:
        return None


def enqueue(
    sessions: sessionmaker[Session],
    msp_id: str,
    staff_id: int,
    prepared: PreparedWrite,
    why: str,
    keep: Sequence[Upload] = (),
) -> JournalEntry:
    """Queue a write durably (committed to the database before this returns), with the
    bytes it carries (`keep`, readable by `msp_id` until the write settles)."""
    now = utcnow()
    try:
        with transaction(sessions) as session:
            row = ScanJournalRow(
                msp_id=msp_id, client_scan_id=prepared.client_scan_id, staff_id=staff_id,
                kind=prepared.kind.value, sscc=prepared.sscc, argument=prepared.argument,
                state=PENDING, attempts=1, last_error=why, created_at=now, updated_at=now,
            )  # fmt: skip
            session.add(row)
            session.flush()  # an earlier send's row: IntegrityError here, before the bytes
            evidence.keep_queued(session, row.id, msp_id, keep)
    except IntegrityError:
        pass  # queued already by an earlier send of the same scan: one row is enough
    found = find(sessions, msp_id, prepared.client_scan_id)
    assert found is not None
    if found.prepared.argument != prepared.argument or found.prepared.kind != prepared.kind:
        # The chaincode would refuse this as SCAN_ID_CONFLICT: never swallow a different scan.
        raise ScanIdConflict(prepared.client_scan_id)
    return found


def record_committed(
    sessions: sessionmaker[Session],
    msp_id: str,
    staff_id: int,
    prepared: PreparedWrite,
    answer: dict[str, Any],
    keep: Sequence[Upload] = (),
) -> None:
    """Note a committed write with its answer (insert, or settle a pending row), and keep
    the bytes it carries (`keep`) as evidence of its shipment, in the same transaction."""
    now = utcnow()
    with transaction(sessions) as session:
        row = _row(session, msp_id, prepared.client_scan_id)
        if row is None:
            row = ScanJournalRow(
                msp_id=msp_id, client_scan_id=prepared.client_scan_id, staff_id=staff_id,
                kind=prepared.kind.value, sscc=prepared.sscc, argument=prepared.argument,
                attempts=0, last_error="", created_at=now,
            )  # fmt: skip
            session.add(row)
        row.state, row.answer, row.updated_at = COMMITTED, json.dumps(answer), now
        row.tx_id, row.block_number = answer["tx_id"], answer["block_number"]
        row.attempts = (row.attempts or 0) + 1
        session.flush()
        evidence.keep_for_shipment(session, prepared.sscc, keep)
        evidence.settle_queued(session, row.id, prepared.sscc, committed=True)


def block_of(sessions: sessionmaker[Session], tx_id: str) -> int | None:
    """The block of a transaction this journal saw commit."""
    with sessions() as session:
        query = select(ScanJournalRow.block_number).where(ScanJournalRow.tx_id == tx_id)
        return session.scalars(query.limit(1)).first()


def _settle(
    sessions: sessionmaker[Session], entry_id: int, state: str, answer: dict[str, Any] | None,
    error: str,
) -> None:  # fmt: skip
    with transaction(sessions) as session:
        row = session.get(ScanJournalRow, entry_id)
        assert row is not None
        row.state, row.last_error, row.updated_at = state, error, utcnow()
        row.attempts += 1
        if answer is not None:
            row.answer = json.dumps(answer)
            row.tx_id, row.block_number = answer.get("tx_id"), answer.get("block_number")
        if state != PENDING:
            # Committed: the bytes it carries become evidence of its shipment. Refused: they
            # go (unless another record references them), as for a write refused at once.
            evidence.settle_queued(session, row.id, row.sscc, committed=state == COMMITTED)


class ScanIdConflict(ValueError):
    """A queued scan already holds this client scan id with a different request."""


class Unsubmittable(Exception):
    """A queued write can never be submitted (e.g. its staff member is gone)."""


Submit = Callable[[JournalEntry], dict[str, Any]]
"""Submits a pending entry as its staff member; returns the committed answer."""


class PendingScanRetrier:
    """Submits pending scans in queue order until the ledger refuses to take them."""

    def __init__(self, sessions: sessionmaker[Session], submit: Submit, interval: float) -> None:
        """Nothing runs until `run_once` or `start`."""
        self._sessions, self._submit, self._interval = sessions, submit, interval
        self.delay = interval  # the pause before the next round; grows while the ledger is away
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._round = threading.Lock()  # one round at a time, whoever triggers it

    def pending(self) -> list[JournalEntry]:
        """Queued entries, oldest first."""
        with self._sessions() as session:
            query = select(ScanJournalRow).where(ScanJournalRow.state == PENDING)
            return [JournalEntry.of(r) for r in session.scalars(query.order_by(ScanJournalRow.id))]

    def run_once(self) -> int:
        """Submit what is pending; stop at the first outage. Returns how many settled."""
        settled, blocked = 0, False
        with self._round:
            for entry in self.pending():
                try:
                    answer = self._submit(entry)
                except Unsubmittable as error:
                    refusal = {"error": {"code": "UNSUBMITTABLE", "message": str(error)}}
                    _settle(self._sessions, entry.id, REJECTED, refusal, str(error))
                except LedgerError as error:
                    reason = str(error).splitlines()[0]
                    if error.retriable:
                        # The ledger cannot take it now (peers or chaincode away, outcome
                        # unclear): keep it and its place, try again after a longer pause.
                        _settle(self._sessions, entry.id, PENDING, None, reason)
                        log.info("queued scan %s still pending: %s", entry.client_scan_id, reason)
                        blocked = True
                        break
                    self._reject(entry, error, reason)
                else:
                    _settle(self._sessions, entry.id, COMMITTED, answer, "")
                settled += 1
            limit = max(self._interval, BACKOFF_CAP_S)
            self.delay = min(self.delay * 2, limit) if blocked else self._interval
        return settled

    def _reject(self, entry: JournalEntry, error: LedgerError, reason: str) -> None:
        # Refused for good, so the queue moves: the chaincode's coded refusal (e.g. the
        # shipment moved on meanwhile), else LEDGER_REJECTED (a refusal of the signer, an
        # endorsement policy failure, MVCC conflicts after every re-endorsement).
        if isinstance(error, ChaincodeError) and error.chaincode_code:
            code, message, last_error = error.chaincode_code, reason, error.chaincode_code
        else:
            code, message, last_error = "LEDGER_REJECTED", reason, reason
        refusal = {"error": {"code": code, "message": message}}
        _settle(self._sessions, entry.id, REJECTED, refusal, last_error)
        log.warning("queued scan %s rejected: %s", entry.client_scan_id, last_error)

    def start(self) -> None:
        """Run rounds in a daemon thread every `interval` seconds (`delay`: longer while the
        ledger keeps not taking the head of the queue)."""
        self._thread = threading.Thread(target=self._loop, name="pending-scans", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.delay):
            try:
                self.run_once()
            except Exception:  # the loop must outlive a database hiccup
                log.exception("pending-scan round failed")

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
