"""`tracker verify --conversation FILE`: an exported transcript against the ledger's anchors.

The dispute is read from the peer as the tracker's identity (`GetDispute`), and rebuilt from the
chain itself: every block from block 0 is fetched from the peer's Deliver service and verified
(hash links, signatures, validation flags: `verify.chain`), and the transcript is held to the
record the VALID writes hold; each anchor's transaction must be VALID in a verified block, and
the anchor blocks printed are the chain's. `--genesis-hash` pins block 0 as for `verify`.
Exit status: 0 PASS, 1 FAIL, 64 not a transcript, 66 unreadable, 69 peer unreachable, 76
refused by the peer.
"""

from __future__ import annotations

import json
from pathlib import Path

from tracker.chat.dispute_ledger import FacadeDisputeLedger, dispute_ledger
from tracker.cli.common import EXIT_USAGE, err, load_config, out
from tracker.cli.ledger import EXIT_PROTOCOL, EXIT_UNAVAILABLE, open_gateway, peer_failure
from tracker.config import Config
from tracker.ledger.errors import LedgerError, LedgerUnavailable
from tracker.verify.chain import Failure
from tracker.verify.conversation import (
    ChainRecord,
    DisputeWalk,
    Transcript,
    TranscriptError,
    chain_record,
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


def _walk(config: Config, transcript: Transcript, genesis_hash: bytes | None) -> ChainRecord:
    """The dispute as the chain holds it, every block from 0 verified on the way."""
    walk = DisputeWalk(transcript.sscc, transcript.dispute_id, chaincode=config.chaincode)
    with open_gateway(config) as gateway:
        network = gateway.network(config.channel)
        for raw in network.block_events(start_block=0, stop_at_newest=True):
            walk.add(raw)
    if not walk.blocks:
        walk.failures.append(Failure("chain", "the peer delivered no block"))
    elif genesis_hash is not None and walk.blocks[0].header_hash != genesis_hash:
        walk.failures.append(Failure("block 0", "header hash is not the expected genesis hash"))
    return chain_record(walk)


def verify_conversation(path: Path, genesis_hash: bytes | None = None) -> int:
    """Check the transcript at `path`; print PASS/FAIL and return the exit status."""
    transcript = _load(path)
    if isinstance(transcript, int):
        return transcript
    config = load_config(require_whatsapp=False, require_ledger=True)
    ledger = dispute_ledger(config)
    assert isinstance(ledger, FacadeDisputeLedger)  # require_ledger: the identity is set
    try:
        dispute = ledger.dispute(sscc=transcript.sscc, dispute_id=transcript.dispute_id)
        chain = _walk(config, transcript, genesis_hash)
    except LedgerError as error:
        err(f"tracker verify: {peer_failure(config.require_ledger().peer_endpoint, error)}")
        return EXIT_UNAVAILABLE if isinstance(error, LedgerUnavailable) else EXIT_PROTOCOL
    finally:
        ledger.close()
    result = check(transcript, dispute, chain)
    out(render(result, chain.blocks))
    if genesis_hash is None:
        out("note: block 0 was not pinned (--genesis-hash); its MSP roots are the peer's own")
    return 0 if result.passed else 1
