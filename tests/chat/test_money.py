"""Amounts are shown with their currency's ISO 4217 decimals, by one function (`terms.money`)
that the chat's notices and the reports both use: no yen with cents, no dinar with two."""

from __future__ import annotations

import pytest

from terms.money import exponent, format_minor
from tracker.chat import terms_texts
from tracker.reports import terms as report_terms

NBSP = "\u202f"


@pytest.mark.parametrize(
    ("currency", "places"),
    [("EUR", 2), ("usd", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("OMR", 3),
     ("TND", 3), ("JOD", 3), ("IQD", 3), ("LYD", 3), ("XYZ", 2)],
)  # fmt: skip
def test_the_minor_unit_exponent(currency: str, places: int) -> None:
    assert exponent(currency) == places


@pytest.mark.parametrize(
    ("minor", "currency", "fr", "en", "report"),
    [
        (123_456, "EUR", f"1{NBSP}234,56 EUR", "EUR 1,234.56", "1234.56 EUR"),
        (5, "USD", "0,05 USD", "USD 0.05", "0.05 USD"),
        (250_000, "JPY", f"250{NBSP}000 JPY", "JPY 250,000", "250000 JPY"),
        (1_234_567, "KWD", f"1{NBSP}234,567 KWD", "KWD 1,234.567", "1234.567 KWD"),
        (50, "BHD", "0,050 BHD", "BHD 0.050", "0.050 BHD"),
        (-1_500, "EUR", "-15,00 EUR", "-EUR 15.00", "-15.00 EUR"),
    ],
)
def test_chat_and_reports_show_the_same_decimals(
    minor: int, currency: str, fr: str, en: str, report: str
) -> None:
    assert terms_texts.money(minor, currency, "fr") == fr
    assert terms_texts.money(minor, currency, "en") == en
    assert report_terms.money(minor, currency) == report
    assert format_minor(minor, currency) == report.split(" ")[0]


def test_a_yen_refund_notice_has_no_cents() -> None:
    facts = {"event": "dispute_resolved", "sscc": "376123450000000078",
             "dispute_id": "D-YEN00001", "outcome": "refund", "refund_minor": 3_000,
             "currency": "JPY", "reason": "late"}  # fmt: skip
    assert terms_texts.terms_text(facts, "en").endswith("D-YEN00001: refund of JPY 3,000 (late).")
