"""The settlement rule on the issue's figures (terms.settlement, pure)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terms.settlement import Terms, compute_settlement, late_seconds, started_hours

PROMISED = "2025-03-03T12:00:00Z"
SCHEDULE = Terms(
    price_minor=100_000, bp_per_started_hour=200, cap_bp=2500, breach_refund_bp=1500,
    damaged_refund_bp=3000,
)  # fmt: skip


def delivered(at: str, **kwargs: object) -> dict[str, Any]:
    figures = compute_settlement(
        outcome="delivered", terms=SCHEDULE, promised_delivery=PROMISED, delivered_at=at,
        **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip
    return figures.to_document()


def test_on_time_releases_the_full_price() -> None:
    doc = delivered("2025-03-03T11:59:59Z")
    assert (doc["refund_bp"], doc["refunded_to_buyer_minor"]) == (0, 0)
    assert doc["released_to_seller_minor"] == 100_000
    assert doc["reasons"] == []


def test_exactly_on_the_promise_is_on_time() -> None:
    assert delivered(PROMISED)["refunded_to_buyer_minor"] == 0


def test_three_hours_ten_minutes_late_at_200_bp_refunds_8_percent() -> None:
    doc = delivered("2025-03-03T15:10:00Z")
    assert doc["refund_bp"] == 800
    assert (doc["refunded_to_buyer_minor"], doc["released_to_seller_minor"]) == (8_000, 92_000)
    (reason,) = doc["reasons"]
    assert (reason["code"], reason["bp"], reason["amount_minor"]) == ("late", 800, 8_000)
    assert "4 started hour(s)" in reason["detail"]


def test_one_second_late_is_one_started_hour() -> None:
    assert delivered("2025-03-03T12:00:01Z")["refund_bp"] == 200
    assert delivered("2025-03-03T12:00:00.000001Z")["refund_bp"] == 200


def test_lateness_is_capped() -> None:
    assert delivered("2025-03-05T12:00:00Z")["refund_bp"] == 2500


def test_breach_and_lateness_combine_by_adding_bp() -> None:
    doc = delivered("2025-03-03T15:10:00Z", verdict="breach")
    assert doc["refund_bp"] == 800 + 1500
    assert doc["refunded_to_buyer_minor"] == 23_000
    assert [r["code"] for r in doc["reasons"]] == ["late", "cold_chain_breach"]


def test_combined_bp_are_capped_at_the_full_price() -> None:
    terms = Terms(1000, 5000, 10_000, 6000, 6000)
    figures = compute_settlement(
        outcome="delivered", terms=terms, promised_delivery=PROMISED,
        delivered_at="2025-03-03T14:00:00Z", verdict="breach", disposition="damaged",
    )  # fmt: skip
    assert figures.refund_bp == 10_000
    assert (figures.refunded_to_buyer_minor, figures.released_to_seller_minor) == (1000, 0)
    # each reason keeps its own share; the total is computed once and is authoritative
    assert sum(r.amount_minor for r in figures.reasons) > figures.refunded_to_buyer_minor


def test_rounding_is_down_to_the_minor_unit() -> None:
    terms = Terms(999, 200, 2500, 0, 0)
    figures = compute_settlement(
        outcome="delivered", terms=terms, promised_delivery=PROMISED,
        delivered_at="2025-03-03T12:30:00Z",
    )  # fmt: skip
    assert figures.refunded_to_buyer_minor == 19  # 999 * 200 // 10000 = 19.98 -> 19
    assert figures.released_to_seller_minor == 980


def test_damaged_disposition_refunds() -> None:
    doc = delivered("2025-03-03T10:00:00Z", disposition="damaged")
    assert (doc["refund_bp"], doc["refunded_to_buyer_minor"]) == (3000, 30_000)


def test_dispute_refunds_add_amounts_and_are_capped_at_the_price() -> None:
    doc = delivered("2025-03-03T15:10:00Z", dispute_refunds=[("disp-01", 5_000)])
    assert doc["refunded_to_buyer_minor"] == 13_000
    assert doc["reasons"][-1] == {
        "code": "dispute_refund", "bp": 0, "amount_minor": 5_000,
        "detail": "refund agreed in dispute disp-01",
    }  # fmt: skip
    capped = delivered("2025-03-03T15:10:00Z", dispute_refunds=[("a" * 6, 99_000)])
    assert (capped["refunded_to_buyer_minor"], capped["released_to_seller_minor"]) == (100_000, 0)


@pytest.mark.parametrize("outcome", ["undelivered", "returned"])
def test_undelivered_and_returned_refund_everything(outcome: str) -> None:
    figures = compute_settlement(outcome=outcome, terms=SCHEDULE, promised_delivery=PROMISED)
    assert (figures.refund_bp, figures.refunded_to_buyer_minor) == (10_000, 100_000)
    assert figures.released_to_seller_minor == 0
    assert figures.reasons[0].code == outcome


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        compute_settlement(outcome="lost", terms=SCHEDULE, promised_delivery=PROMISED)
    with pytest.raises(ValueError):
        compute_settlement(outcome="delivered", terms=SCHEDULE, promised_delivery=PROMISED)
    with pytest.raises(ValueError):
        delivered("2025-03-03T12:00:00")  # no offset


def test_started_hours() -> None:
    assert [started_hours(s) for s in (-5, 0, 1, 3600, 3601, 11_400)] == [0, 0, 1, 1, 2, 4]
    assert late_seconds(PROMISED, "2025-03-03T15:10:00+00:00") == 11_400
    assert late_seconds(PROMISED, "2025-03-03T16:10:00+01:00") == 11_400


@given(
    price=st.integers(1, 10**12),
    bps=st.lists(st.integers(0, 10_000), min_size=3, max_size=3),
    minutes_late=st.integers(-600, 100_000),
    breach=st.booleans(),
    damaged=st.booleans(),
    refunds=st.lists(st.integers(1, 10**12), max_size=3),
)
def test_refund_and_release_always_add_up_to_the_price(
    price: int, bps: list[int], minutes_late: int, breach: bool, damaged: bool, refunds: list[int]
) -> None:
    terms = Terms(price, bps[0], bps[1], bps[2], bps[2])
    at = "2025-03-03T12:00:00Z"
    moment = datetime.fromisoformat(at) + timedelta(minutes=minutes_late)
    figures = compute_settlement(
        outcome="delivered", terms=terms, promised_delivery=at,
        delivered_at=moment.isoformat(), verdict="breach" if breach else "ok",
        disposition="damaged" if damaged else "completeness_verified",
        dispute_refunds=[(f"dispute{i}", r) for i, r in enumerate(refunds)],
    )  # fmt: skip
    assert 0 <= figures.refund_bp <= 10_000
    assert 0 <= figures.refunded_to_buyer_minor <= price
    assert figures.refunded_to_buyer_minor + figures.released_to_seller_minor == price
    assert figures.refunded_to_buyer_minor >= price * figures.refund_bp // 10_000 or refunds == []
    assert all(isinstance(r.amount_minor, int) for r in figures.reasons)
