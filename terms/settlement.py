"""The delivery agreement's settlement rule (pure, integers only).

Money is in minor units (cents); percentages are basis points (100 bp = 1 %).

* late: late_seconds = delivered_at - promised_delivery; when positive,
  started_hours = ceil(late_seconds / 3600) and bp = min(started_hours *
  bp_per_started_hour, cap_bp). 3 h 10 min late at 200 bp/h: 4 h, 800 bp (8 %).
* cold_chain_breach: breach_refund_bp when the cold-chain verdict is ``breach``.
* damaged: damaged_refund_bp when the delivery disposition is ``damaged``.
* undelivered / returned: 10 000 bp.
* Reasons combine by adding their bp, capped at 10 000 bp; the percentage refund is
  price_minor * refund_bp // 10000 (rounded down to the minor unit).
* dispute_refund: each refund agreed in a dispute before settlement adds its amount.
* refunded_to_buyer = min(price, percentage refund + dispute refunds); the rest is
  released to the seller.

Each reason's ``amount_minor`` is its own share (price * bp // 10000); the total is
computed once from the summed bp, so shares may not add up to it exactly (rounding,
cap): the total is authoritative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from records import parse_instant

FULL_BP = 10_000
SECONDS_PER_HOUR = 3600
Outcome = Literal["delivered", "undelivered", "returned"]
OUTCOMES = ("delivered", "undelivered", "returned")


@dataclass(frozen=True)
class Reason:
    """One reason for a refund: code, basis points, its own share and a plain-words detail."""

    code: str
    bp: int
    amount_minor: int
    detail: str

    def to_document(self) -> dict[str, Any]:
        """Canonical dict form."""
        return {
            "code": self.code,
            "bp": self.bp,
            "amount_minor": self.amount_minor,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class SettlementFigures:
    """What a settlement releases and refunds, and why."""

    outcome: str
    price_minor: int
    refund_bp: int
    refunded_to_buyer_minor: int
    released_to_seller_minor: int
    reasons: tuple[Reason, ...]

    def to_document(self) -> dict[str, Any]:
        """Canonical dict form (the chaincode adds parties, times and tx ids around it)."""
        return {
            "outcome": self.outcome,
            "price_minor": self.price_minor,
            "refund_bp": self.refund_bp,
            "refunded_to_buyer_minor": self.refunded_to_buyer_minor,
            "released_to_seller_minor": self.released_to_seller_minor,
            "reasons": [reason.to_document() for reason in self.reasons],
        }


@dataclass(frozen=True)
class Terms:
    """The refund schedule of an agreement."""

    price_minor: int
    bp_per_started_hour: int
    cap_bp: int
    breach_refund_bp: int
    damaged_refund_bp: int


def started_hours(late_seconds: int) -> int:
    """Hours begun after the promise: ceil(late_seconds / 3600), 0 when not late."""
    if late_seconds <= 0:
        return 0
    return -(-late_seconds // SECONDS_PER_HOUR)


def late_seconds(promised: str, delivered: str) -> int:
    """Whole seconds of lateness, rounded up (a fraction of a second late is late)."""
    delta = parse_instant(delivered) - parse_instant(promised)
    micros = delta.days * 86_400_000_000 + delta.seconds * 1_000_000 + delta.microseconds
    return -(-micros // 1_000_000)


def _share(price_minor: int, bp: int) -> int:
    return price_minor * bp // FULL_BP


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, SECONDS_PER_HOUR)
    return (
        f"{hours} h {rest // 60} min {rest % 60} s" if rest % 60 else f"{hours} h {rest // 60} min"
    )


def _late_reason(terms: Terms, promised: str, delivered: str) -> Reason | None:
    seconds = late_seconds(promised, delivered)
    hours = started_hours(seconds)
    if hours == 0 or terms.bp_per_started_hour == 0:
        return None
    bp = min(hours * terms.bp_per_started_hour, terms.cap_bp)
    detail = (
        f"delivered {_duration(seconds)} after the promised {promised}: {hours} started "
        f"hour(s) x {terms.bp_per_started_hour} bp, capped at {terms.cap_bp} bp"
    )
    return Reason("late", bp, _share(terms.price_minor, bp), detail)


def _bp_reasons(
    outcome: str, terms: Terms, promised: str, delivered_at: str, verdict: str, disposition: str
) -> list[Reason]:
    price = terms.price_minor
    if outcome != "delivered":
        detail = "returned to the seller" if outcome == "returned" else "never delivered"
        return [Reason(outcome, FULL_BP, price, f"{detail}: full refund")]
    reasons = []
    late = _late_reason(terms, promised, delivered_at)
    if late is not None:
        reasons.append(late)
    if verdict == "breach" and terms.breach_refund_bp:
        bp = terms.breach_refund_bp
        reasons.append(
            Reason("cold_chain_breach", bp, _share(price, bp), "cold-chain verdict is breach")
        )
    if disposition == "damaged" and terms.damaged_refund_bp:
        bp = terms.damaged_refund_bp
        reasons.append(Reason("damaged", bp, _share(price, bp), "delivered damaged"))
    return reasons


def compute_settlement(
    *,
    outcome: str,
    terms: Terms,
    promised_delivery: str,
    delivered_at: str = "",
    verdict: str = "ok",
    disposition: str = "",
    dispute_refunds: Sequence[tuple[str, int]] = (),
) -> SettlementFigures:
    """Apply the rule; ``dispute_refunds`` are (dispute id, refund_minor) agreed before."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}")
    if terms.price_minor <= 0:
        raise ValueError("price_minor must be positive")
    if outcome == "delivered" and not delivered_at:
        raise ValueError("a delivered settlement needs delivered_at")
    reasons = _bp_reasons(outcome, terms, promised_delivery, delivered_at, verdict, disposition)
    refund_bp = min(FULL_BP, sum(reason.bp for reason in reasons))
    disputed = 0
    for dispute_id, amount in dispute_refunds:
        if amount <= 0:
            raise ValueError("a dispute refund is positive")
        reasons.append(
            Reason("dispute_refund", 0, amount, f"refund agreed in dispute {dispute_id}")
        )
        disputed += amount
    refunded = min(terms.price_minor, _share(terms.price_minor, refund_bp) + disputed)
    return SettlementFigures(
        outcome=outcome,
        price_minor=terms.price_minor,
        refund_bp=refund_bp,
        refunded_to_buyer_minor=refunded,
        released_to_seller_minor=terms.price_minor - refunded,
        reasons=tuple(reasons),
    )
