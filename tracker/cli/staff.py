"""`tracker staff add|list|revoke|token`: staff identities in the wallet and their API tokens.

`add` registers and enrolls the person at their organisation's Fabric CA when one is
configured (`TRACKER_CA_*`): the key is made here, the certificate carries the `role`
attribute the chaincode reads, and both go into the wallet. `add --msp-dir` instead imports an
enrolment made with `fabric-ca-client enroll` (offline). The enrolment id becomes the
certificate's CN, which every transaction carries onto the ledger: it defaults to
`<role>-<8 hex>`, never the person's name (names stay in the tracker's database).

`revoke` kills the token at once, then revokes the identity at the CA; if the CA cannot be
reached the token stays dead, the CA revocation is recorded as pending and the same command
retries it.
"""

from __future__ import annotations

import argparse
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import ca
from tracker.ca.csr import MAX_COMMON_NAME
from tracker.cli.common import EXIT_CONFIG, database, err, load_config, out
from tracker.config import Config, ca_env_key
from tracker.identities.wallet import Wallet, WalletError
from tracker.ledger.identity import signatory
from tracker.store import staff
from tracker.store.columns import utcnow
from tracker.store.db import transaction

EXIT_DATAERR = 65
EXIT_UNAVAILABLE = 69
ROLES = ("dispatcher", "scanner", "receiver", "auditor", "admin")


def register(subparsers: Any) -> None:
    """Add the `staff` group."""
    group = subparsers.add_parser("staff", help="staff identities and API tokens")
    sub = group.add_subparsers(dest="staff_command", required=True, metavar="COMMAND")
    add = sub.add_parser("add", help="enrol a person at the org's CA; prints their API token once")
    add.add_argument("--org", required=True, help="MSP id, e.g. CarrierMSP")
    add.add_argument("--name", required=True, help="display name (kept off the ledger)")
    add.add_argument("--role", required=True, choices=ROLES)
    source = add.add_mutually_exclusive_group()
    source.add_argument("--msp-dir", type=Path, help="import an enrolment made elsewhere")
    source.add_argument("--enrollment-id", help="CA enrolment id (default: <role>-<8 hex>)")
    _token_days(add)
    add.set_defaults(handler=_add)
    sub.add_parser("list", help="list staff (no tokens)").set_defaults(handler=_list)
    revoke = sub.add_parser("revoke", help="stop a person's token at once, revoke at the CA")
    _selector(revoke)
    revoke.set_defaults(handler=_revoke)
    token = sub.add_parser("token", help="issue a new token (the old one stops working)")
    _selector(token)
    _token_days(token)
    token.set_defaults(handler=_token)


def _selector(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", type=int, nargs="?", help="staff id (see `tracker staff list`)")
    parser.add_argument("--org", help="with --name: MSP id of the person")
    parser.add_argument("--name", help="with --org: enrolment id or display name")


def _token_days(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--token-days",
        type=_days,
        default=staff.DEFAULT_TOKEN_DAYS,
        help=f"token lifetime in days, 1-{staff.MAX_TOKEN_DAYS} "
        f"(default {staff.DEFAULT_TOKEN_DAYS})",
    )


def _days(text: str) -> int:
    # Checked before the CA registers anyone.
    if not text.isdigit() or not 1 <= int(text) <= staff.MAX_TOKEN_DAYS:
        raise argparse.ArgumentTypeError(f"a whole number of days, 1 to {staff.MAX_TOKEN_DAYS}")
    return int(text)


def _add(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    try:
        if args.msp_dir is not None:
            member, token = _import(args, config)
        else:
            member, token = _enrol(args, config)
    except (staff.StaffError, WalletError) as error:
        err(str(error))
        return EXIT_DATAERR
    except ca.CaError as error:
        err(str(error))
        return _ca_exit(error)
    out(
        f"staff {member.id}: {member.display_name} ({member.msp_id}, {member.role}, "
        f"enrolment id {member.enrollment_id})"
    )
    _print_token(token, args.token_days)
    return 0


def _import(args: argparse.Namespace, config: Config) -> tuple[staff.StaffMember, str]:
    cert = args.msp_dir / "signcerts" / "cert.pem"
    role = signatory(cert.read_bytes()).role if cert.is_file() else ""
    if role != args.role:
        raise staff.StaffError(
            f"the certificate's role attribute is {role or 'missing'!r}, not {args.role!r}"
        )
    with transaction(database(config)[1]) as session:
        return staff.add_staff(
            session,
            Wallet(config.wallet_dir),
            msp_id=args.org,
            display_name=args.name,
            enrolment_dir=args.msp_dir,
            token_days=args.token_days,
        )


def _enrol(args: argparse.Namespace, config: Config) -> tuple[staff.StaffMember, str]:
    settings = config.ca_for(args.org)
    if settings is None:
        raise ca.CaError(
            "setup",
            f"no Fabric CA is configured for {args.org}: add it to TRACKER_CA_ORGS and set "
            f"TRACKER_CA_{ca_env_key(args.org)}_URL, _TLS_CA_FILE, _REGISTRAR_MSP_DIR; "
            "or import an enrolment made with fabric-ca-client: --msp-dir <folder>",
        )
    enrollment_id = args.enrollment_id or f"{args.role}-{secrets.token_hex(4)}"
    if len(enrollment_id) > MAX_COMMON_NAME:  # fabric-ca's limit on the CSR's CN
        raise staff.StaffError(f"an enrolment id has at most {MAX_COMMON_NAME} characters")
    sessions = database(config)[1]
    wallet = Wallet(config.wallet_dir)
    with sessions() as session:  # before the CA registers anything
        staff.ensure_new(session, wallet, args.org, enrollment_id)
    client, registrar = ca.connect(settings)
    with client:
        enrolment = ca.register_and_enrol(
            client,
            registrar,
            enrollment_id=enrollment_id,
            role=args.role,
            affiliation=settings.affiliation,
        )
    with transaction(sessions) as session:
        return staff.add_enrolled(
            session,
            wallet,
            msp_id=args.org,
            display_name=args.name,
            enrolment=enrolment,
            token_days=args.token_days,
        )


def _list(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    now = utcnow()
    with database(config)[1]() as session:
        rows = session.scalars(select(staff.StaffRow).order_by(staff.StaffRow.id)).all()
        out("id\torg\trole\tenrolment id\tname\tstate\ttoken expires")
        for row in rows:
            out(
                f"{row.id}\t{row.msp_id}\t{row.role}\t{row.enrollment_id}\t{row.display_name}\t"
                f"{_state(row, now)}\t{_day(row.token_expires_at)}"
            )
    return 0


def _state(row: staff.StaffRow, now: datetime) -> str:
    if row.ca_revocation == "pending":
        return "revoked (CA revocation pending: tracker staff revoke " + str(row.id) + ")"
    if row.ca_revocation == "done":
        return "revoked (token and CA identity)"
    if row.revoked_at is not None:
        return "revoked (token)"
    return "expired" if row.token_expires_at <= now else "active"


def _revoke(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    sessions = database(config)[1]
    try:
        with transaction(sessions) as session:
            member = _selected(session, args)
            settings = config.ca_for(member.msp_id)
            member = staff.revoke(session, member.id, at_ca=settings is not None)
    except staff.StaffError as error:
        err(str(error))
        return EXIT_DATAERR
    out(f"staff {member.id}: token revoked")  # committed: refused from now on
    if settings is None:
        err(
            f"note: no Fabric CA is configured for {member.msp_id}: revoke the identity there "
            f"too (fabric-ca-client revoke -e {member.enrollment_id})"
        )
        return 0
    if member.ca_revocation == "done":
        out(f"staff {member.id}: identity {member.enrollment_id} already revoked at the CA")
        return 0
    try:
        client, registrar = ca.connect(settings)
        with client:
            revocation = ca.revoke(client, registrar, member.enrollment_id)
    except ca.CaError as error:
        err(
            f"{error}\nthe token is disabled, but the identity is NOT revoked at the Fabric CA "
            f"yet: retry with `tracker staff revoke {member.id}`"
        )
        return _ca_exit(error)
    with transaction(sessions) as session:
        staff.ca_revoked(session, member.id)
    out(
        f"staff {member.id}: identity {member.enrollment_id} revoked at the Fabric CA "
        f"({len(revocation.revoked)} certificate(s))"
    )
    return 0


def _token(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    try:
        with transaction(database(config)[1]) as session:
            member = _selected(session, args)
            token = staff.issue_token(session, member.id, token_days=args.token_days)
    except staff.StaffError as error:
        err(str(error))
        return EXIT_DATAERR
    _print_token(token, args.token_days)
    return 0


def _selected(session: Session, args: argparse.Namespace) -> staff.StaffMember:
    if args.id is not None:
        member = staff.get_member(session, args.id)
        if member is None:
            raise staff.StaffError(f"no staff member {args.id}")
        return member
    if not (args.org and args.name):
        raise staff.StaffError("name the person: a staff id, or --org and --name")
    found = staff.find_members(session, args.org, args.name)
    if len(found) != 1:
        ids = ", ".join(str(member.id) for member in found)
        raise staff.StaffError(
            f"{len(found)} staff members of {args.org} are named {args.name!r}"
            + (f" (ids {ids}): give the id" if found else "")
        )
    return found[0]


def _print_token(token: str, days: int) -> None:
    out(f"API token (shown once, stored hashed): {token}")
    out(f"it expires in {days} days; `tracker staff token` issues a new one")


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _ca_exit(error: ca.CaError) -> int:
    if error.operation == "setup":
        return EXIT_CONFIG
    if error.transient or isinstance(error, ca.CaTlsError):
        return EXIT_UNAVAILABLE
    return EXIT_DATAERR
