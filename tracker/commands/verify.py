"""`tracker verify`: re-read the channel from a peer; check the read model or a report."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tracker.commands.common import database, load_config, out
from tracker.commands.ledger import open_gateway
from tracker.verify.run import exit_code, render, verify


def register(subparsers: Any) -> None:
    """Add `verify`."""
    check = subparsers.add_parser(
        "verify",
        help="check blocks, signatures and the read model (or a report) against a peer",
    )
    check.add_argument("--report", type=Path, help="a report JSON to check instead of the DB")
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


def _verify(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False, require_ledger=True)
    compare_db = args.report is None or args.with_read_model
    sessions = database(config)[1] if compare_db else None
    genesis: bytes | None = args.genesis_hash
    with open_gateway(config) as gateway:
        # Straight from the peer's Deliver service: the read model is what is being checked.
        blocks = gateway.network(config.channel).block_events(start_block=0, stop_at_newest=True)
        result = verify(
            blocks,
            sessions=sessions,
            report_path=args.report,
            chaincode=config.chaincode,
            genesis_hash=genesis,
        )
    out(render(result))
    if genesis is None:
        # The MSP roots come from block 0 as this peer serves it: pin it for a full check.
        out("note: block 0 was not pinned (--genesis-hash); its MSP roots are the peer's own")
    return exit_code(result)
