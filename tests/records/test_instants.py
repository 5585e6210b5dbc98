"""The one parse and format of stored times, and their one behaviour on bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from records import InvalidInstant, format_instant, parse_instant


def test_an_offset_time_is_parsed_to_utc() -> None:
    moment = parse_instant("2025-03-01T09:00:00+01:00")
    assert moment == datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    assert moment.tzinfo is UTC


def test_the_stored_form_has_a_z_suffix_and_round_trips() -> None:
    moment = datetime(2025, 3, 1, 9, 30, 15, 250_000, tzinfo=timezone(timedelta(hours=2)))
    text = format_instant(moment)
    assert text == "2025-03-01T07:30:15.250000Z"
    assert parse_instant(text) == moment
    assert format_instant(parse_instant("2025-03-01T07:30:00Z")) == "2025-03-01T07:30:00Z"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("tomorrow", "Invalid isoformat string: 'tomorrow'"),
        ("2025-03-03T12:00:00", "time must include a UTC offset, e.g. 2025-01-31T08:00:00Z"),
        ("", "Invalid isoformat string: ''"),
    ],
)
def test_a_bad_time_is_an_invalid_instant_naming_field_and_value(text: str, problem: str) -> None:
    with pytest.raises(InvalidInstant) as caught:
        parse_instant(text, "promised_delivery")
    assert isinstance(caught.value, ValueError)
    assert (caught.value.field, caught.value.value, caught.value.problem) == (
        "promised_delivery",
        text,
        problem,
    )
    assert caught.value.kind == ("no_offset" if text.startswith("2025") else "not_iso")
    assert str(caught.value) == f"promised_delivery {text!r}: {problem}"


def test_a_time_without_a_utc_form_is_out_of_range() -> None:
    with pytest.raises(InvalidInstant, match="out of range in UTC") as caught:
        parse_instant("0001-01-01T00:00:00+14:00")
    assert caught.value.kind == "out_of_range"


def test_a_non_string_is_refused_the_same_way() -> None:
    with pytest.raises(InvalidInstant, match="event_time 42: not a string"):
        parse_instant(42, "event_time")  # type: ignore[arg-type]


def test_a_naive_datetime_is_not_formatted() -> None:
    with pytest.raises(InvalidInstant, match="undelivered_after .*naive datetime"):
        format_instant(datetime(2025, 3, 1, 8, 0), "undelivered_after")
