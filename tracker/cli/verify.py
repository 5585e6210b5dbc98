"""`tracker verify`: re-read the channel from a peer; check the read model or a report."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from tracker.cli.common import EXIT_USAGE, database, err, load_config, out
from tracker.cli.conversation import verify_conversation
from tracker.cli.ledger import (
    EXIT_PROTOCOL,
    EXIT_UNAVAILABLE,
    open_gateway,
    peer_failure,
)
from tracker.ledger.errors import LedgerError, LedgerUnavailable
from tracker.verify.run import exit_code, render, verify
from tracker.verify.sources import VERIFIABLE, ReportDocument, ReportFileError, load_report

EXIT_NOINPUT = 66  # EX_NOINPUT: the report file cannot be read


def register(subparsers: Any) -> None:
    """Add `verify`."""
    check = subparsers.add_parser(
        "verify",
        help="check blocks, signatures and the read model (or a report) against a peer",
    )
    check.add_argument(
        "--report",
        type=Path,
        help="a shipment report (JSON or CSV) or an EPCIS document to check instead of the DB",
    )
    check.add_argument(
        "--conversation",
        type=Path,
        help="a dispute transcript (`tracker dispute export`) to check against its anchors",
    )
    check.add_argument(
        "--with-read-model",
        action="store_true",
        help="with --report, also compare the read model",
    )
    check.add_argument(
        "--genesis-hash", type=_hash, help="hex header hash block 0 must have (pinned)"
    )
    check.set_defaults(handler=_verify)


def _hash(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be hex (64 characters for SHA-256)") from None
    if len(value) != 32:
        raise argparse.ArgumentTypeError("must be a 32-byte SHA-256 header hash")
    return value


def _report(path: Path) -> ReportDocument | int:
    """The parsed report, or the exit status after saying in one line why it cannot be checked."""
    try:
        return load_report(path)
    except OSError as error:
        err(f"tracker verify: cannot read {path}: {error.strerror or error}")
        return EXIT_NOINPUT
    except ReportFileError as error:
        err(f"tracker verify: {path} is {error.what}; {VERIFIABLE}")
        return EXIT_USAGE


def _verify(args: argparse.Namespace) -> int:
    if args.conversation is not None:
        return verify_conversation(args.conversation, args.genesis_hash)
    # The report first: a file that cannot be checked is refused before any peer is dialled.
    report = None if args.report is None else _report(args.report)
    if isinstance(report, int):
        return report
    config = load_config(require_whatsapp=False, require_ledger=True)
    compare_db = args.report is None or args.with_read_model
    sessions = database(config)[1] if compare_db else None
    genesis: bytes | None = args.genesis_hash
    try:
        with open_gateway(config) as gateway:
            # Straight from the peer's Deliver service: the read model is what is being checked.
            network = gateway.network(config.channel)
            blocks = network.block_events(start_block=0, stop_at_newest=True)
            result = verify(
                blocks,
                sessions=sessions,
                report=report,
                chaincode=config.chaincode,
                genesis_hash=genesis,
            )
    except LedgerError as error:
        err(f"tracker verify: {peer_failure(config.require_ledger().peer_endpoint, error)}")
        return EXIT_UNAVAILABLE if isinstance(error, LedgerUnavailable) else EXIT_PROTOCOL
    except SQLAlchemyError as error:
        where = make_url(config.database_url).render_as_string(hide_password=True)
        cause = " ".join(str(getattr(error, "orig", None) or error).split())
        err(f"tracker verify: cannot read the read model at {where} ({cause}); is it reachable "
            "and upgraded (`tracker db upgrade`)? --report alone does not need it")  # fmt: skip
        return EXIT_UNAVAILABLE
    out(render(result))
    if genesis is None:
        # The MSP roots come from block 0 as this peer serves it: pin it for a full check.
        out("note: block 0 was not pinned (--genesis-hash); its MSP roots are the peer's own")
    return exit_code(result)
