"""Pure GS1 identifier helpers shared by the chaincode and the tracker."""

from gs1.identifiers import (
    GLN_LENGTH,
    GTIN14_LENGTH,
    SSCC_LENGTH,
    InvalidIdentifier,
    check_digit,
    has_valid_check_digit,
    normalize_sscc,
    validate_gln,
    validate_gtin14,
)

__all__ = [
    "GLN_LENGTH",
    "GTIN14_LENGTH",
    "SSCC_LENGTH",
    "InvalidIdentifier",
    "check_digit",
    "has_valid_check_digit",
    "normalize_sscc",
    "validate_gln",
    "validate_gtin14",
]
