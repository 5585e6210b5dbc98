"""Arguments of the agreement, dispute and certificate transactions (strict parsing).

Like ``arguments.py``: every problem is INVALID_ARGUMENT (or INVALID_SSCC) naming the
field, raised before the ledger is touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chaincode.access import CONFIRMING_ROLES
from chaincode.errors import invalid_argument
from chaincode.fields import Fields, parse_json_object
from records import Product, parse_instant

FULL_BP = 10_000
MAX_PRICE_MINOR = 10**15  # exact in every JSON reader (< 2**53)
MAX_NEW_LEAVES = 500
MAX_REASON = 500
CURRENCY = re.compile(r"[A-Z]{3}")
DISPUTE_ID = re.compile(r"[A-Za-z0-9_-]{6,64}")
DOC_TYPE = re.compile(r"[a-z0-9_]{2,32}")
SUBJECTS = ("late", "damaged", "temperature", "missing", "other")
RAISED_FOR = ("producer", "carrier", "retailer")
OUTCOMES = ("refund", "rejected")


@dataclass(frozen=True)
class AgreementTerms:
    """The proposed terms (CreateShipment's "agreement" or ProposeAgreement)."""

    price_minor: int
    currency: str
    bp_per_started_hour: int
    cap_bp: int
    breach_refund_bp: int
    damaged_refund_bp: int
    undelivered_after: str
    promised_delivery: str  # "" = the shipment's
    confirm_roles: tuple[str, ...]


@dataclass(frozen=True)
class ShipmentRequest:
    """A write naming only a shipment (AcceptAgreement, SettleShipment)."""

    sscc: str
    client_scan_id: str


@dataclass(frozen=True)
class AcceptRequest:
    """AcceptAgreement: the proposal the buyer read, named by its transaction."""

    sscc: str
    proposed_tx: str
    client_scan_id: str


@dataclass(frozen=True)
class DisputeRequest:
    """OpenDispute."""

    sscc: str
    dispute_id: str
    subject: str
    raised_for: str
    client_scan_id: str


@dataclass(frozen=True)
class AnchorRequest:
    """AnchorConversation: new leaves and the root the caller computed over all leaves."""

    sscc: str
    dispute_id: str
    leaves: tuple[str, ...]
    root: str
    client_scan_id: str


@dataclass(frozen=True)
class ResolveRequest:
    """ResolveDispute."""

    sscc: str
    dispute_id: str
    outcome: str
    refund_minor: int
    reason: str
    client_scan_id: str


@dataclass(frozen=True)
class CertificateRequest:
    """RegisterCertificate."""

    sha256: str
    doc_type: str
    issuer_name: str
    valid_from: str
    valid_until: str
    subject: dict[str, str]
    client_scan_id: str


def _bp(fields: Fields, key: str) -> int:
    return fields.whole(key, minimum=0, maximum=FULL_BP)


def _scan_id(top: Fields) -> str:
    return top.text("client_scan_id", required=False, max_len=100)


def _one_of(fields: Fields, key: str, choices: tuple[str, ...]) -> str:
    value = fields.text(key)
    if value not in choices:
        raise invalid_argument(key, f"must be one of {', '.join(choices)}")
    return value


def _confirm_roles(top: Fields) -> tuple[str, ...]:
    roles = []
    for index, value in enumerate(top.array("confirm_roles", required=False, max_items=5)):
        if value not in CONFIRMING_ROLES:
            allowed = ", ".join(sorted(CONFIRMING_ROLES))
            raise invalid_argument(f"confirm_roles[{index}]", f"must be one of {allowed}")
        roles.append(value)
    return tuple(sorted(set(roles))) or ("receiver",)


def parse_terms(top: Fields) -> AgreementTerms:
    """Agreement terms from an object (the caller finishes it: it may hold sscc etc.)."""
    lateness = top.sub("lateness")
    terms = AgreementTerms(
        price_minor=top.whole("price_minor", minimum=1, maximum=MAX_PRICE_MINOR),
        currency=top.matching("currency", CURRENCY, "3 upper-case letters (ISO 4217)"),
        bp_per_started_hour=_bp(lateness, "bp_per_started_hour"),
        cap_bp=_bp(lateness, "cap_bp"),
        breach_refund_bp=_bp(top, "breach_refund_bp"),
        damaged_refund_bp=_bp(top, "damaged_refund_bp"),
        undelivered_after=top.instant("undelivered_after"),
        promised_delivery=top.instant("promised_delivery") if top.has("promised_delivery") else "",
        confirm_roles=_confirm_roles(top),
    )
    lateness.finish()
    return terms


def check_deadline(promised_delivery: str, undelivered_after: str) -> None:
    """The undelivered deadline must come after the promised delivery."""
    if parse_instant(undelivered_after) <= parse_instant(promised_delivery):
        raise invalid_argument("undelivered_after", "must be after the promised delivery")


def parse_propose(raw: str) -> tuple[str, AgreementTerms, str]:
    """ProposeAgreement: (sscc, terms, client_scan_id)."""
    top = Fields(parse_json_object(raw, "argument"), "")
    sscc, terms, scan_id = top.sscc("sscc"), parse_terms(top), _scan_id(top)
    top.finish()
    return sscc, terms, scan_id


def parse_shipment_write(raw: str) -> ShipmentRequest:
    """AcceptAgreement, SettleShipment: {sscc, client_scan_id?}."""
    top = Fields(parse_json_object(raw, "argument"), "")
    request = ShipmentRequest(sscc=top.sscc("sscc"), client_scan_id=_scan_id(top))
    top.finish()
    return request


def parse_accept(raw: str) -> AcceptRequest:
    """AcceptAgreement: {sscc, proposed_tx, client_scan_id?}."""
    top = Fields(parse_json_object(raw, "argument"), "")
    request = AcceptRequest(
        sscc=top.sscc("sscc"),
        proposed_tx=top.text("proposed_tx", max_len=128),
        client_scan_id=_scan_id(top),
    )
    top.finish()
    return request


def _dispute_id(top: Fields) -> str:
    return top.matching("dispute_id", DISPUTE_ID, "6 to 64 characters A-Z, a-z, 0-9, _ or -")


def parse_open(raw: str) -> DisputeRequest:
    """OpenDispute."""
    top = Fields(parse_json_object(raw, "argument"), "")
    request = DisputeRequest(
        sscc=top.sscc("sscc"),
        dispute_id=_dispute_id(top),
        subject=_one_of(top, "subject", SUBJECTS),
        raised_for=_one_of(top, "raised_for", RAISED_FOR),
        client_scan_id=_scan_id(top),
    )
    top.finish()
    return request


def parse_anchor(raw: str) -> AnchorRequest:
    """AnchorConversation: 1..500 new leaf hashes and the root over all leaves."""
    top = Fields(parse_json_object(raw, "argument"), "")
    sscc, dispute_id = top.sscc("sscc"), _dispute_id(top)
    if not top.has("leaves"):
        raise invalid_argument("leaves", "is required")
    leaves = top.sha256_list("leaves", max_items=MAX_NEW_LEAVES)
    if not leaves:
        raise invalid_argument("leaves", "must contain at least one leaf hash")
    request = AnchorRequest(sscc, dispute_id, leaves, top.sha256("root"), _scan_id(top))
    top.finish()
    return request


def parse_resolve(raw: str) -> ResolveRequest:
    """ResolveDispute: a refund needs refund_minor > 0; a rejection has none (or 0)."""
    top = Fields(parse_json_object(raw, "argument"), "")
    sscc, dispute_id = top.sscc("sscc"), _dispute_id(top)
    outcome = _one_of(top, "outcome", OUTCOMES)
    refund = 0
    if top.has("refund_minor"):
        refund = top.whole("refund_minor", minimum=0, maximum=MAX_PRICE_MINOR)
    if outcome == "refund" and refund <= 0:
        raise invalid_argument("refund_minor", "a refund needs an amount greater than 0")
    if outcome == "rejected" and refund != 0:
        raise invalid_argument("refund_minor", "a rejection refunds nothing: omit it or give 0")
    reason = top.text("reason", max_len=MAX_REASON)
    request = ResolveRequest(sscc, dispute_id, outcome, refund, reason, _scan_id(top))
    top.finish()
    return request


def _subject(top: Fields) -> dict[str, str]:
    subject = top.sub("subject")
    if subject.has("sscc"):
        value = {"sscc": subject.sscc("sscc")}
    else:
        product = Product(subject.gtin14("gtin"), subject.text("lot", max_len=20), "")
        value = {"gtin": product.gtin, "lot": product.lot}
    subject.finish()
    return value


def parse_certificate(raw: str) -> CertificateRequest:
    """RegisterCertificate: validity must not end before it starts."""
    top = Fields(parse_json_object(raw, "argument"), "")
    request = CertificateRequest(
        sha256=top.sha256("sha256"),
        doc_type=top.matching("doc_type", DOC_TYPE, "2 to 32 characters a-z, 0-9 or _"),
        issuer_name=top.text("issuer_name"),
        valid_from=top.instant("valid_from"),
        valid_until=top.instant("valid_until"),
        subject=_subject(top),
        client_scan_id=_scan_id(top),
    )
    top.finish()
    if parse_instant(request.valid_until) < parse_instant(request.valid_from):
        raise invalid_argument("valid_until", "must not be before valid_from")
    return request


def parse_dispute_key(raw: str) -> tuple[str, str]:
    """GetDispute: (sscc, dispute_id)."""
    top = Fields(parse_json_object(raw, "argument"), "")
    key = (top.sscc("sscc"), _dispute_id(top))
    top.finish()
    return key


def parse_hash(raw: str) -> str:
    """GetCertificate: {sha256} or the bare hash."""
    text = raw.strip()
    top = Fields(
        parse_json_object(raw, "argument") if text.startswith("{") else {"sha256": text}, ""
    )
    digest = top.sha256("sha256")
    top.finish()
    return digest


def parse_balances(raw: str) -> str:
    """GetBalances: {msp_id?} ("" = the caller's)."""
    top = Fields(parse_json_object(raw or "{}", "argument"), "")
    msp_id = top.text("msp_id", required=False)
    top.finish()
    return msp_id
