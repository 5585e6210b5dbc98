"""`tracker outbox status|dead|resume`: the operator's view of sending."""

from __future__ import annotations

import argparse
from typing import Any

from tracker.cli.common import database, load_config, out
from tracker.store.db import transaction
from tracker.store.queues import dead_letters, depths, halted, resume


def register(subparsers: Any) -> None:
    """Add the outbox group."""
    outbox = subparsers.add_parser("outbox", help="messages waiting, dead, and the halt flag")
    sub = outbox.add_subparsers(dest="outbox_command", required=True, metavar="COMMAND")
    sub.add_parser("status", help="queue depths and the halt flag").set_defaults(handler=_status)
    dead = sub.add_parser("dead", help="messages given up on or failed at the provider")
    dead.add_argument("--limit", type=int, default=100)
    dead.set_defaults(handler=_dead)
    sub.add_parser("resume", help="allow sending again after a halt").set_defaults(handler=_resume)


def _status(args: argparse.Namespace) -> int:
    _, sessions = database(load_config(require_whatsapp=False))
    with sessions() as session:
        halt = halted(session)
        for name, count in depths(session).items():
            out(f"{name}\t{count}")
    if halt is None:
        out("sending\tok")
        return 0
    out(f"sending\tHALTED since {halt.since.isoformat()}: {halt.reason}")
    return 1  # non-zero so monitoring scripts notice


def _dead(args: argparse.Namespace) -> int:
    _, sessions = database(load_config(require_whatsapp=False))
    with sessions() as session:
        for row in dead_letters(session, args.limit):
            contact = "-" if row.contact_id is None else str(row.contact_id)
            out(
                f"{row.id}\t{row.state}\t{row.kind}\tcontact {contact}\t"
                f"attempts {row.attempts}\t{row.updated_at.isoformat()}\t{row.last_error or ''}"
            )
    return 0


def _resume(args: argparse.Namespace) -> int:
    _, sessions = database(load_config(require_whatsapp=False))
    with transaction(sessions) as session:
        resumed = resume(session)
    out("sending resumed" if resumed else "sending was not halted")
    return 0
