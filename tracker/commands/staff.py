"""`tracker staff add|list|revoke|token`: staff identities in the wallet and their API tokens.

Registration and enrolment at the organisation's Fabric CA are not available yet (no Fabric CA
could run where this was built); `add --msp-dir` imports an identity already enrolled with
`fabric-ca-client enroll` (its `signcerts/` and `keystore/`), whose certificate carries the
`role` attribute the chaincode reads.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tracker.commands.common import database, err, load_config, out
from tracker.ledger.identity import signatory
from tracker.store import staff
from tracker.store.db import transaction

EXIT_UNAVAILABLE = 69
ROLES = ("dispatcher", "scanner", "receiver", "auditor", "admin")


def register(subparsers: Any) -> None:
    """Add the `staff` group."""
    group = subparsers.add_parser("staff", help="staff identities and API tokens")
    sub = group.add_subparsers(dest="staff_command", required=True, metavar="COMMAND")
    add = sub.add_parser("add", help="add a person; prints their API token once")
    add.add_argument("--org", required=True, help="MSP id, e.g. CarrierMSP")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--msp-dir", type=Path, help="an enrolment made with fabric-ca-client")
    add.set_defaults(handler=_add)
    sub.add_parser("list", help="list staff (no tokens)").set_defaults(handler=_list)
    revoke = sub.add_parser("revoke", help="stop a person's token at once")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(handler=_revoke)
    token = sub.add_parser("token", help="issue a new token (the old one stops working)")
    token.add_argument("id", type=int)
    token.set_defaults(handler=_token)


def _add(args: argparse.Namespace) -> int:
    if args.msp_dir is None:
        try:
            staff.enrol_at_ca(args.name, "")
        except staff.CaEnrolmentNotAvailable as error:
            err(f"{error}\n  then: tracker staff add ... --msp-dir <that enrolment folder>")
            return EXIT_UNAVAILABLE
    cert = args.msp_dir / "signcerts" / "cert.pem"
    role = signatory(cert.read_bytes()).role if cert.is_file() else ""
    if role != args.role:
        err(f"the certificate's role attribute is {role or 'missing'!r}, not {args.role!r}")
        return 65  # EX_DATAERR
    config = load_config(require_whatsapp=False)
    try:
        with transaction(database(config)[1]) as session:
            member, token = staff.add_staff(
                session,
                staff.Wallet(config.wallet_dir),
                msp_id=args.org,
                display_name=args.name,
                enrolment_dir=args.msp_dir,
            )
    except staff.StaffError as error:
        err(str(error))
        return 65
    out(f"staff {member.id}: {member.display_name} ({member.msp_id}, {member.role})")
    out(f"API token (shown once, stored hashed): {token}")
    return 0


def _list(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    with database(config)[1]() as session:
        rows = session.scalars(select(staff.StaffRow).order_by(staff.StaffRow.id)).all()
        for row in rows:
            state = "revoked" if row.revoked_at else "active"
            out(
                f"{row.id}\t{row.msp_id}\t{row.role}\t{row.enrollment_id}\t{row.display_name}\t{state}"
            )
    return 0


def _revoke(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    try:
        with transaction(database(config)[1]) as session:
            staff.revoke(session, args.id)
    except staff.StaffError as error:
        err(str(error))
        return 65
    out(f"staff {args.id}: token revoked")
    # Revoking the identity itself is the Fabric CA's job (fabric-ca-client revoke).
    err("note: revoke the identity at the org's Fabric CA too (fabric-ca-client revoke)")
    return 0


def _token(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    try:
        with transaction(database(config)[1]) as session:
            token = staff.issue_token(session, args.id)
    except staff.StaffError as error:
        err(str(error))
        return 65
    out(f"API token (shown once, stored hashed): {token}")
    return 0
