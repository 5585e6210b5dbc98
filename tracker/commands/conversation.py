"""`tracker verify --conversation FILE`: an exported transcript against the ledger's anchors.

The dispute is read from the peer as the tracker's identity (`GetDispute`); blocks of the
anchoring transactions come from the read model when it is reachable. Exit status: 0 PASS,
1 FAIL, 64 not a transcript, 66 unreadable, 69 peer unreachable, 76 refused by the peer.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from tracker.chat.dispute_ledger import FacadeDisputeLedger, dispute_ledger
from tracker.commands.common import EXIT_USAGE, database, err, load_config, out
from tracker.commands.ledger import EXIT_PROTOCOL, EXIT_UNAVAILABLE, peer_failure
from tracker.config import Config
from tracker.ledger.errors import LedgerError, LedgerUnavailable
from tracker.store.readmodel import TransactionRow
from tracker.verify.conversation import (
    Transcript,
    TranscriptError,
    check,
    parse_transcript,
    render,
)

EXIT_NOINPUT = 66


def _load(path: Path) -> Transcript | int:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        err(f"tracker verify: cannot read {path}: {error.strerror or error}")
        return EXIT_NOINPUT
    except ValueError as error:
        err(f"tracker verify: {path} is not JSON ({error})")
        return EXIT_USAGE
    try:
        return parse_transcript(data)
    except TranscriptError as error:
        err(f"tracker verify: {path} is not a dispute transcript: {error}")
        return EXIT_USAGE


def _blocks(config: Config, tx_ids: list[str]) -> dict[str, int]:
    """Blocks of the given transactions, from the read model (nothing when it is unreachable)."""
    try:
        with database(config)[1]() as session:
            rows = session.execute(
                select(TransactionRow.tx_id, TransactionRow.block_number).where(
                    TransactionRow.tx_id.in_(tx_ids)
                )
            ).tuples()
            return dict(rows.all())
    except SQLAlchemyError:
        return {}


def verify_conversation(path: Path) -> int:
    """Check the transcript at `path`; print PASS/FAIL and return the exit status."""
    transcript = _load(path)
    if isinstance(transcript, int):
        return transcript
    config = load_config(require_whatsapp=False, require_ledger=True)
    ledger = dispute_ledger(config)
    assert isinstance(ledger, FacadeDisputeLedger)  # require_ledger: the identity is set
    try:
        dispute = ledger.dispute(sscc=transcript.sscc, dispute_id=transcript.dispute_id)
    except LedgerError as error:
        err(f"tracker verify: {peer_failure(config.require_ledger().peer_endpoint, error)}")
        return EXIT_UNAVAILABLE if isinstance(error, LedgerUnavailable) else EXIT_PROTOCOL
    finally:
        ledger.close()
    result = check(transcript, dispute)
    tx_ids = [str(anchor.get("tx_id", "")) for anchor in result.anchors]
    out(render(result, _blocks(config, tx_ids)))
    return 0 if result.passed else 1
