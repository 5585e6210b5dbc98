"""GS1 identifier checks: mod-10 check digit, SSCC, GTIN-14 and GLN.

Pure and dependency-free on purpose: both the chaincode and the tracker import
this package, and neither may import the other.
"""

from __future__ import annotations

SSCC_LENGTH = 18
GTIN14_LENGTH = 14
GLN_LENGTH = 13

# Application Identifier (00) is how an SSCC appears in human-readable GS1-128 text.
_SSCC_AI = "(00)"


class InvalidIdentifier(ValueError):
    """A GS1 identifier is malformed; the message names the problem."""


def check_digit(body: str) -> int:
    """Return the GS1 mod-10 check digit for ``body`` (all digits but the last)."""
    if not body or not body.isascii() or not body.isdigit():
        raise InvalidIdentifier(f"check digit needs a non-empty digit string, got {body!r}")
    total = 0
    # Weights alternate 3, 1, 3, ... starting from the digit next to the check digit,
    # which makes one routine work for every GS1 key length.
    for position, char in enumerate(reversed(body)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def has_valid_check_digit(digits: str) -> bool:
    """Return True when the last digit of ``digits`` is its correct mod-10 check digit."""
    if len(digits) < 2 or not digits.isascii() or not digits.isdigit():
        return False
    return check_digit(digits[:-1]) == int(digits[-1])


def _compact(text: str) -> str:
    """Drop the whitespace people and scanners put inside printed identifiers."""
    return "".join(text.split())


def _validate(digits: str, kind: str, length: int) -> str:
    """Check length, digits and check digit; return ``digits`` unchanged when valid."""
    if len(digits) != length:
        raise InvalidIdentifier(f"{kind} must be {length} digits, got {len(digits)}")
    for position, char in enumerate(digits, start=1):
        if not ("0" <= char <= "9"):
            raise InvalidIdentifier(f"{kind} must contain only digits, got {char!r} at {position}")
    expected = check_digit(digits[:-1])
    if expected != int(digits[-1]):
        raise InvalidIdentifier(f"{kind} check digit should be {expected}, got {digits[-1]}")
    return digits


def normalize_sscc(text: str) -> str:
    """Return the bare 18-digit SSCC from text with optional ``(00)`` prefix and spaces."""
    if not isinstance(text, str):
        raise InvalidIdentifier(f"SSCC must be a string, got {type(text).__name__}")
    compact = _compact(text)
    if compact.startswith(_SSCC_AI):
        compact = compact[len(_SSCC_AI) :]
    return _validate(compact, "SSCC", SSCC_LENGTH)


def validate_gtin14(text: str) -> str:
    """Return the 14-digit GTIN (spaces removed) or raise InvalidIdentifier."""
    if not isinstance(text, str):
        raise InvalidIdentifier(f"GTIN-14 must be a string, got {type(text).__name__}")
    return _validate(_compact(text), "GTIN-14", GTIN14_LENGTH)


def validate_gln(text: str) -> str:
    """Return the 13-digit GLN (spaces removed) or raise InvalidIdentifier."""
    if not isinstance(text, str):
        raise InvalidIdentifier(f"GLN must be a string, got {type(text).__name__}")
    return _validate(_compact(text), "GLN", GLN_LENGTH)
