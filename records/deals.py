"""Ledger records of agreements, settlements, disputes and certificates (frozen, canonical).

Serialised with ``records.canonical_json`` and decoded with ``records.from_json`` like the
shipment records. Money is an integer in minor units; percentages are basis points.
"""

from __future__ import annotations

from dataclasses import dataclass

from records.shipments import Reporter


@dataclass(frozen=True)
class Lateness:
    """Refund per started hour of lateness, capped."""

    bp_per_started_hour: int
    cap_bp: int


@dataclass(frozen=True)
class Agreement:
    """A delivery agreement between the shipment's seller (producer) and buyer (retailer)."""

    sscc: str
    seller: str
    buyer: str
    price_minor: int
    currency: str
    promised_delivery: str
    lateness: Lateness
    breach_refund_bp: int
    damaged_refund_bp: int
    confirm_roles: tuple[str, ...]
    undelivered_after: str
    status: str  # proposed | accepted | settled
    proposed_tx: str
    proposed_at: str
    proposed_by: Reporter
    accepted_tx: str = ""
    accepted_at: str = ""
    accepted_by: Reporter | None = None
    settled_tx: str = ""


@dataclass(frozen=True)
class SettlementReason:
    """One reason of a settlement: code, basis points, its own share and a detail."""

    code: str
    bp: int
    amount_minor: int
    detail: str


@dataclass(frozen=True)
class Settlement:
    """The immutable obligation a settled agreement leaves between buyer and seller."""

    sscc: str
    outcome: str  # delivered | undelivered | returned
    currency: str
    price_minor: int
    seller: str
    buyer: str
    refund_bp: int
    refunded_to_buyer_minor: int
    released_to_seller_minor: int
    reasons: tuple[SettlementReason, ...]
    delivered_at: str
    verdict: str
    disposition: str
    agreement_tx: str
    settled_tx: str
    settled_at: str


@dataclass(frozen=True)
class Anchor:
    """One commitment of conversation leaves: which leaves, the root over all so far, who."""

    first_index: int
    count: int
    root: str
    tx_id: str
    recorded_at: str
    anchored_by: Reporter


@dataclass(frozen=True)
class Resolution:
    """The seller's answer to a dispute: an agreed refund or a rejection with a reason."""

    outcome: str  # refund | rejected
    refund_minor: int
    currency: str
    reason: str
    resolved_by: Reporter
    resolved_tx: str
    resolved_at: str
    after_settlement: bool


@dataclass(frozen=True)
class Dispute:
    """A dispute about a shipment with the hash commitments of its conversation."""

    sscc: str
    dispute_id: str
    subject: str
    raised_for: str
    opened_by: Reporter
    opened_tx: str
    opened_at: str
    status: str  # open | resolved
    leaves: tuple[str, ...]
    root: str
    anchors: tuple[Anchor, ...]
    resolution: Resolution | None = None


@dataclass(frozen=True)
class RegisteredCertificate:
    """A certificate document registered by its hash; subject {gtin, lot} or {sscc}."""

    sha256: str
    doc_type: str
    issuer_msp: str
    issuer_name: str
    valid_from: str
    valid_until: str
    subject: dict[str, str]
    registered_tx: str
    registered_at: str
    registered_by: Reporter
