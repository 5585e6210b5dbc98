"""GS1 check digits and identifier normalisation."""

from __future__ import annotations

import pytest

import gs1

# Check digits worked by hand (weights 3,1,3,... from the right of the body):
# 37610425002123456 -> 3*6+5+3*4+3+3*2+1+3*2+0+3*0+5+3*2+4+3*0+1+3*6+7+3*3 = 121 -> 9
VALID_SSCCS = ["376104250021234569", "106141411234567897", "000000000000000000"]
VALID_GTINS = ["04006381333931", "10614141000415", "00012345600012"]
VALID_GLNS = ["0614141000012", "4006381000017", "0614141000029"]


@pytest.mark.parametrize(
    ("body", "digit"),
    [("37610425002123456", 9), ("0400638133393", 1), ("061414100001", 2), ("1061414100041", 5)],
)
def test_check_digit_known_values(body: str, digit: int) -> None:
    assert gs1.check_digit(body) == digit


@pytest.mark.parametrize("sscc", VALID_SSCCS)
def test_valid_sscc_round_trips(sscc: str) -> None:
    assert gs1.normalize_sscc(sscc) == sscc
    assert gs1.has_valid_check_digit(sscc)


@pytest.mark.parametrize(
    "text",
    [
        "(00)376104250021234569",
        "(00) 3761 0425 0021 2345 69",
        " 376104250021234569 ",
        "(00)\t376104250021234569",
    ],
)
def test_sscc_prefix_and_spaces_are_accepted(text: str) -> None:
    assert gs1.normalize_sscc(text) == "376104250021234569"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("37610425002123456", "SSCC must be 18 digits, got 17"),
        ("3761042500212345690", "SSCC must be 18 digits, got 19"),
        ("37610425002123456X", "SSCC must contain only digits, got 'X' at 18"),
        ("376104250021234568", "SSCC check digit should be 9, got 8"),
        ("(01)376104250021234569", "SSCC must be 18 digits, got 22"),
        ("", "SSCC must be 18 digits, got 0"),
        ("37610425002123456٩", "SSCC must contain only digits"),
    ],
)
def test_invalid_sscc_names_the_problem(text: str, message: str) -> None:
    with pytest.raises(gs1.InvalidIdentifier, match=message.replace("(", r"\(")):
        gs1.normalize_sscc(text)


def test_invalid_identifier_is_a_value_error() -> None:
    assert issubclass(gs1.InvalidIdentifier, ValueError)
    with pytest.raises(gs1.InvalidIdentifier):
        gs1.normalize_sscc(376104250021234569)  # type: ignore[arg-type]


@pytest.mark.parametrize("gtin", VALID_GTINS)
def test_valid_gtin14(gtin: str) -> None:
    assert gs1.validate_gtin14(gtin) == gtin


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("4006381333931", "GTIN-14 must be 14 digits, got 13"),
        ("04006381333932", "GTIN-14 check digit should be 1, got 2"),
        ("0400638133393a", "GTIN-14 must contain only digits"),
    ],
)
def test_invalid_gtin14(text: str, message: str) -> None:
    with pytest.raises(gs1.InvalidIdentifier, match=message):
        gs1.validate_gtin14(text)


@pytest.mark.parametrize("gln", VALID_GLNS)
def test_valid_gln(gln: str) -> None:
    assert gs1.validate_gln(gln) == gln


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("061414100001", "GLN must be 13 digits, got 12"),
        ("0614141000013", "GLN check digit should be 2, got 3"),
    ],
)
def test_invalid_gln(text: str, message: str) -> None:
    with pytest.raises(gs1.InvalidIdentifier, match=message):
        gs1.validate_gln(text)


def test_check_digit_rejects_non_digits() -> None:
    with pytest.raises(gs1.InvalidIdentifier):
        gs1.check_digit("12a")
    assert not gs1.has_valid_check_digit("1")
