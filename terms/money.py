"""Amounts in minor units, shown with their currency's ISO 4217 minor-unit exponent (pure).

One function for every place that shows money (the chat's notices, the reports): 250000 JPY
is "250,000" yen, 1234567 KWD is "1,234.567" dinars, 123456 EUR is "1,234.56" euros. Integers
only, never a float. Currencies the table does not name have two decimals, as most do.
"""

from __future__ import annotations

# ISO 4217 minor units other than 2, for the currencies a delivery agreement may name.
EXPONENTS: dict[str, int] = {
    "JPY": 0,
    "KRW": 0,
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
}
DEFAULT_EXPONENT = 2


def exponent(currency: str) -> int:
    """How many decimals the currency's minor unit has (ISO 4217)."""
    return EXPONENTS.get(currency.upper(), DEFAULT_EXPONENT)


def format_minor(
    amount_minor: int, currency: str, *, thousands: str = "", decimal: str = "."
) -> str:
    """The amount in major units, without the currency: 123456 EUR -> "1234.56" (separators
    as given: thousands="," gives "1,234.56"); a negative amount keeps its sign."""
    sign, magnitude = ("-" if amount_minor < 0 else ""), abs(amount_minor)
    places = exponent(currency)
    units, fraction = divmod(magnitude, 10**places)
    whole = f"{units:,}".replace(",", thousands)
    return f"{sign}{whole}{decimal}{fraction:0{places}d}" if places else f"{sign}{whole}"
