"""`tracker dispute export`: a dispute's transcript, as anchored, for `verify --conversation`.

The transcript is the conversation kept off-chain (`tracker.store.conversations`) in leaf
order, anchored messages only: `{"sscc", "dispute_id", "messages": [{"id", "direction",
"time", "text"}]}`. A message whose contact was erased has `"id": null` and `"text": null`
(only its leaf hash was kept): `verify --conversation` says it has no text to check.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tracker.cli.common import EXIT_USAGE, database, err, load_config, out
from tracker.store.conversations import ConversationMessageRow, DisputeChatRow, anchored_messages


def register(subparsers: Any) -> None:
    """Add `dispute export`."""
    dispute = subparsers.add_parser("dispute", help="disputes opened from the chat")
    sub = dispute.add_subparsers(dest="dispute_command", required=True, metavar="COMMAND")
    export = sub.add_parser("export", help="write a dispute's anchored transcript as JSON")
    export.add_argument("sscc")
    export.add_argument("dispute_id")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.set_defaults(handler=_export)


def transcript(sscc: str, dispute_id: str, rows: list[ConversationMessageRow]) -> dict[str, Any]:
    """The transcript document of a dispute's anchored messages."""
    messages = [
        {"id": r.provider_message_id, "direction": r.direction, "time": r.time, "text": r.text}
        for r in rows
    ]
    return {"sscc": sscc, "dispute_id": dispute_id, "messages": messages}


def _export(args: argparse.Namespace) -> int:
    _, sessions = database(load_config(require_whatsapp=False))
    with sessions() as session:
        known = session.scalar(
            select(DisputeChatRow.id).where(
                DisputeChatRow.sscc == args.sscc, DisputeChatRow.dispute_id == args.dispute_id
            )
        )
        if known is None:
            err(f"error: no dispute {args.dispute_id} on {args.sscc} opened from this chat")
            return EXIT_USAGE
        rows = anchored_messages(session, args.dispute_id)
        waiting = session.scalar(
            select(func.count())
            .select_from(ConversationMessageRow)
            .where(
                ConversationMessageRow.dispute_id == args.dispute_id,
                ConversationMessageRow.leaf_index.is_(None),
            )
        )
        document = transcript(args.sscc, args.dispute_id, rows)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        out(f"{len(rows)} message(s) written to {args.output}")
    if waiting:
        err(f"note: {waiting} message(s) not anchored yet are left out")
    return 0
