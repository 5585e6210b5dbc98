"""`tracker contacts add|list|delete` and `tracker subscriptions add`."""

from __future__ import annotations

import argparse
from typing import Any

import gs1
from tracker.cli.common import EXIT_USAGE, database, err, load_config, out
from tracker.store.contacts import (
    InvalidContact,
    add_contact,
    delete_contact,
    get_contact,
    list_contacts,
    subscribe,
)
from tracker.store.db import transaction
from tracker.whatsapp.provider import redact_phone


def register(subparsers: Any) -> None:
    """Add the contacts and subscriptions groups."""
    contacts = subparsers.add_parser("contacts", help="who may chat with the tracker")
    sub = contacts.add_subparsers(dest="contacts_command", required=True, metavar="COMMAND")
    add = sub.add_parser("add", help="add a contact (records the opt-in as now)")
    add.add_argument("--org", required=True, help="MSP id of the contact's organisation")
    add.add_argument("--phone", required=True, help="E.164 number, e.g. +33639985678")
    add.add_argument("--lang", required=True, choices=("fr", "en"))
    add.add_argument("--label", default="", help="a desk or role name, optional")
    add.set_defaults(handler=_add)
    sub.add_parser("list", help="list contacts (phones redacted)").set_defaults(handler=_list)
    delete = sub.add_parser("delete", help="erase a contact, its subscriptions and queue")
    delete.add_argument("contact_id", type=int)
    delete.set_defaults(handler=_delete)
    subscriptions = subparsers.add_parser("subscriptions", help="who follows which shipment")
    ssub = subscriptions.add_subparsers(dest="sub_command", required=True, metavar="COMMAND")
    sadd = ssub.add_parser("add", help="make a contact follow a shipment")
    sadd.add_argument("contact_id", type=int)
    sadd.add_argument("sscc")
    sadd.set_defaults(handler=_subscribe)


def _add(args: argparse.Namespace) -> int:
    _, sessions = database(load_config(require_whatsapp=False))
    try:
        with transaction(sessions) as session:
            contact = add_contact(
                session, org_msp_id=args.org, phone=args.phone, language=args.lang, label=args.label
            )
    except InvalidContact as exc:
        err(f"error: {exc}")
        return EXIT_USAGE
    out(f"contact {contact.id} added")
    return 0


def _list(args: argparse.Namespace) -> int:
    _, sessions = database(load_config(require_whatsapp=False))
    with sessions() as session:
        for c in list_contacts(session):
            out(f"{c.id}\t{c.org_msp_id}\t{c.language}\t{redact_phone(c.phone)}\t{c.label}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    _, sessions = database(load_config(require_whatsapp=False))
    with transaction(sessions) as session:
        deleted = delete_contact(session, args.contact_id)
    if not deleted:
        err(f"error: no contact {args.contact_id}")
        return EXIT_USAGE
    out(f"contact {args.contact_id} erased with its subscriptions, unsent messages and texts")
    return 0


def _subscribe(args: argparse.Namespace) -> int:
    _, sessions = database(load_config(require_whatsapp=False))
    try:
        sscc = gs1.normalize_sscc(args.sscc)
    except gs1.InvalidIdentifier as exc:
        err(f"error: {exc}")
        return EXIT_USAGE
    with transaction(sessions) as session:
        if get_contact(session, args.contact_id) is None:
            err(f"error: no contact {args.contact_id}")
            return EXIT_USAGE
        added = subscribe(session, args.contact_id, sscc)
    out(f"contact {args.contact_id} {'now follows' if added else 'already follows'} {sscc}")
    return 0
