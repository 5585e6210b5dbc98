"""Who is calling, and what they may do (the access matrix is pure).

Identity comes from the proposal creator: the MSP id, the enrolment id (the
certificate's CN) and the ``role`` attribute that Fabric CA embeds in the
certificate extension 1.2.3.4.5.6.7.8.1 as JSON ``{"attrs": {"role": ...}}``.
The peer's MSP has already validated the certificate chain and signature
before the chaincode runs, so this module only reads the certificate.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from chaincode.errors import ChaincodeError, ErrorCode, forbidden, not_the_party
from records import Parties

# Fabric CA's attribute extension (fabric-ca lib/attrmgr: AttrOID).
ATTRIBUTE_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")


class Role(StrEnum):
    """Values of the ``role`` certificate attribute used by the consortium."""

    DISPATCHER = "dispatcher"
    SCANNER = "scanner"
    RECEIVER = "receiver"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Action(StrEnum):
    """What a transaction does; the value reads well inside FORBIDDEN messages."""

    CREATE = "create shipments"
    RECORD_CHECKPOINT = "record checkpoints"
    RECORD_TEMPERATURES = "record temperatures"
    CONFIRM_DELIVERY = "confirm delivery"
    REPORT_EXCEPTION = "report exceptions"
    READ = "read shipments"
    PROPOSE_AGREEMENT = "propose agreements"
    ACCEPT_AGREEMENT = "accept agreements"
    SETTLE_UNDELIVERED = "settle undelivered shipments"
    SETTLE_RETURNED = "settle returned shipments"
    DISPUTE = "open disputes or anchor conversations"
    RESOLVE_DISPUTE = "resolve disputes"
    REGISTER_CERTIFICATE = "register certificates"
    READ_BALANCES = "read other organisations' balances"


@dataclass(frozen=True)
class Identity:
    """The caller: MSP id, enrolment id (certificate CN) and role attribute."""

    msp_id: str
    enrollment_id: str
    role: str


def identity_from_creator(creator: Mapping[str, Any]) -> Identity:
    """Build the caller identity from the stub's decoded creator dict."""
    msp_id = creator.get("mspid") or ""
    id_bytes = creator.get("idBytes") or b""
    if not msp_id or not id_bytes:
        raise ChaincodeError(ErrorCode.FORBIDDEN, "the proposal has no creator identity")
    try:
        cert = x509.load_pem_x509_certificate(bytes(id_bytes))
    except ValueError:
        raise ChaincodeError(
            ErrorCode.FORBIDDEN, f"{msp_id} creator is not a PEM X.509 certificate"
        ) from None
    return Identity(msp_id=msp_id, enrollment_id=common_name(cert), role=certificate_role(cert))


def common_name(cert: x509.Certificate) -> str:
    """The subject CN, which Fabric CA sets to the enrolment id."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names:
        return ""
    value = names[0].value
    return value if isinstance(value, str) else value.decode()


def certificate_role(cert: x509.Certificate) -> str:
    """The ``role`` attribute from Fabric CA's extension, or ``""`` when absent."""
    try:
        extension = cert.extensions.get_extension_for_oid(ATTRIBUTE_OID)
    except x509.ExtensionNotFound:
        return ""
    raw = extension.value
    # cryptography does not know this private OID, so it is an UnrecognizedExtension.
    if not isinstance(raw, x509.UnrecognizedExtension):
        return ""
    try:
        attrs = json.loads(raw.value).get("attrs", {})
    except (ValueError, AttributeError):
        return ""
    role = attrs.get("role", "") if isinstance(attrs, dict) else ""
    return role if isinstance(role, str) else ""


# Write actions: which role of which party of the shipment may perform them.
_WRITERS: dict[Action, tuple[frozenset[str], str]] = {
    Action.CREATE: (frozenset({Role.DISPATCHER}), "producer"),
    Action.RECORD_CHECKPOINT: (frozenset({Role.SCANNER}), "carrier"),
    Action.RECORD_TEMPERATURES: (frozenset({Role.SCANNER}), "carrier"),
    Action.CONFIRM_DELIVERY: (frozenset({Role.RECEIVER}), "retailer"),
    Action.PROPOSE_AGREEMENT: (frozenset({Role.DISPATCHER, Role.ADMIN}), "producer"),
    Action.ACCEPT_AGREEMENT: (frozenset({Role.RECEIVER, Role.ADMIN}), "retailer"),
    Action.SETTLE_UNDELIVERED: (frozenset({Role.RECEIVER, Role.ADMIN}), "retailer"),
    Action.RESOLVE_DISPUTE: (frozenset({Role.DISPATCHER, Role.ADMIN}), "producer"),
}
# Roles an agreement may name in confirm_roles (of the buyer's organisation).
CONFIRMING_ROLES = frozenset({Role.RECEIVER, Role.ADMIN, Role.DISPATCHER, Role.SCANNER})
_CERTIFICATE_REGISTRARS = frozenset({Role.DISPATCHER, Role.ADMIN, Role.AUDITOR})
_EXCEPTION_REPORTERS = frozenset({Role.SCANNER, Role.RECEIVER, Role.DISPATCHER})
# Auditors and admins of any consortium member may read everything.
_GLOBAL_READERS = frozenset({Role.AUDITOR, Role.ADMIN})


def is_allowed(identity: Identity, action: Action, parties: Parties) -> bool:
    """The access matrix: may ``identity`` perform ``action`` on this shipment?"""
    if action is Action.READ:
        return identity.role in _GLOBAL_READERS or identity.msp_id in parties.members()
    if action is Action.REPORT_EXCEPTION:
        return identity.role in _EXCEPTION_REPORTERS and identity.msp_id in parties.members()
    if action is Action.DISPUTE:  # any identity of a party, the tracker's own included
        return identity.msp_id in parties.members()
    if action is Action.SETTLE_RETURNED:
        return is_allowed(identity, Action.PROPOSE_AGREEMENT, parties) or is_allowed(
            identity, Action.SETTLE_UNDELIVERED, parties
        )
    roles, party = _WRITERS[action]
    return identity.role in roles and identity.msp_id == getattr(parties, party)


def authorize(identity: Identity, action: Action, parties: Parties) -> None:
    """Raise FORBIDDEN unless the matrix allows the action, naming what is wrong."""
    if not is_allowed(identity, action, parties):
        raise _refusal(identity, action)


def _refusal(identity: Identity, action: Action) -> ChaincodeError:
    """FORBIDDEN naming the role when no party may act with it, else the organisation.

    A dispatcher of another producer has the right role: "ProducerMSP with role dispatcher may
    not create shipments" would wrongly say the role is the problem.
    """
    msp_id, role = identity.msp_id, identity.role
    if action is Action.READ:  # any role of a party may read: the organisation is wrong
        return not_the_party(
            msp_id, "a party to the shipment", f"its parties, auditors and admins may {action}"
        )
    if action is Action.DISPUTE:
        return not_the_party(msp_id, "a party to the shipment", f"its parties may {action}")
    if action is Action.SETTLE_RETURNED and role in _WRITERS[Action.SETTLE_UNDELIVERED][0] | {
        Role.DISPATCHER
    }:
        who = "its producer's dispatchers and admins and its retailer's receivers and admins"
        return not_the_party(msp_id, "the shipment's producer or retailer", f"{who} may {action}")
    if action is Action.REPORT_EXCEPTION and role in _EXCEPTION_REPORTERS:
        roles = "dispatchers, scanners and receivers"
        return not_the_party(
            msp_id, "a party to the shipment", f"its parties' {roles} may {action}"
        )
    if action in _WRITERS and role in _WRITERS[action][0]:
        party = _WRITERS[action][1]
        return not_the_party(
            msp_id, f"the shipment's {party}", f"its {party}'s {role} may {action}"
        )
    return forbidden(msp_id, role, action.value)


def authorize_listing(identity: Identity, party: str | None) -> None:
    """Listing by party is for that party (or auditors/admins); by status only for the latter."""
    if identity.role in _GLOBAL_READERS:
        return
    if party is not None and party == identity.msp_id:
        return
    scope = f"list shipments of {party}" if party else "list shipments of all parties"
    raise forbidden(identity.msp_id, identity.role, scope)


def authorize_confirmation(
    identity: Identity, parties: Parties, confirm_roles: tuple[str, ...]
) -> None:
    """ConfirmDelivery under an accepted agreement: the retailer's roles the agreement names."""
    if identity.msp_id != parties.retailer:
        who = f"its retailer's {'/'.join(confirm_roles)}"
        raise not_the_party(
            identity.msp_id, "the shipment's retailer", f"{who} may confirm delivery"
        )
    if identity.role not in confirm_roles:
        named = ", ".join(confirm_roles)
        raise ChaincodeError(
            ErrorCode.FORBIDDEN,
            f"{identity.msp_id} with role {identity.role or '(none)'} may not confirm delivery: "
            f"the agreement names {named}",
        )


def authorize_registration(identity: Identity) -> None:
    """RegisterCertificate: a dispatcher, admin or auditor of any channel member."""
    if identity.role not in _CERTIFICATE_REGISTRARS:
        raise forbidden(identity.msp_id, identity.role, Action.REGISTER_CERTIFICATE.value)


def authorize_attachment(identity: Identity, parties: Parties) -> None:
    """A certificate attached to one shipment: by one of its parties, or by an auditor."""
    if identity.msp_id not in parties.members() and identity.role != Role.AUDITOR:
        raise not_the_party(
            identity.msp_id,
            "a party to the shipment",
            "its parties (or an auditor) may attach a certificate to it",
        )


def authorize_balances(identity: Identity, msp_id: str) -> None:
    """Own balances for anyone; another organisation's for auditors and admins."""
    if msp_id != identity.msp_id and identity.role not in _GLOBAL_READERS:
        raise forbidden(identity.msp_id, identity.role, Action.READ_BALANCES.value)
